"""Which findings must reach their team now: the alert selection (pure).

A finding is alerted once, when it first becomes alert-worthy, and again only when it escalates:
its severity rises, or its deadline comes within a week when it was farther away at the last
alert. What was last alerted is remembered per finding key (AlertState, stored by
aksnews.deliver.outbox), so the selection is a function of this run's findings and that memory.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass

from aksnews.model.findings import Finding, Rule, Severity, sort_key
from aksnews.model.inventory import Inventory
from aksnews.model.messages import Alert, AlertBatch

# Rules whose critical findings cannot wait for the weekly digest: something breaks on the next
# upgrade (a removed API) or on a date (end of support, a retirement).
ALERT_RULES = frozenset({Rule.REMOVED_API, Rule.END_OF_SUPPORT, Rule.RETIREMENT})
DEADLINE_DAYS = 30  # dated rules alert only this close to the date (or past it)
URGENT_DAYS = 7  # a deadline this close escalates an alert sent when it was farther


@dataclass(frozen=True, slots=True)
class AlertState:
    """A finding as it was when last alerted."""

    severity: Severity
    deadline: dt.date | None
    alerted_at: dt.datetime

    @property
    def urgent(self) -> bool:
        return _urgent(self.deadline, self.alerted_at.date())


@dataclass(frozen=True, slots=True)
class AlertSelection:
    alerts: tuple[Alert, ...]
    states: Mapping[str, AlertState]  # finding key -> state to record once the alert is queued
    unrouted: tuple[Finding, ...] = ()  # alert-worthy but no team and no default team


def _urgent(deadline: dt.date | None, today: dt.date) -> bool:
    return deadline is not None and (deadline - today).days <= URGENT_DAYS


def alert_worthy(finding: Finding, today: dt.date) -> bool:
    if finding.severity is not Severity.CRITICAL or finding.rule not in ALERT_RULES:
        return False
    if finding.rule is Rule.REMOVED_API or finding.deadline is None:
        # A dated rule without a date is critical only by the matcher's own judgement; trust it.
        return True
    return (finding.deadline - today).days <= DEADLINE_DAYS


def escalated(finding: Finding, before: AlertState, today: dt.date) -> bool:
    if finding.severity.rank < before.severity.rank:
        return True
    return _urgent(finding.deadline, today) and not before.urgent


def select_alerts(
    findings: Iterable[Finding],
    previous: Mapping[str, AlertState],
    *,
    now: dt.datetime,
    inventory: Inventory,
) -> AlertSelection:
    """New and escalated alert-worthy findings, each routed to the team that owns it.

    The matcher already set Finding.team to the namespace owner, else the cluster's team; a
    finding without one goes to the inventory's default team, and without that it is returned
    as unrouted so the caller can say so instead of dropping it silently.
    """
    today = now.date()
    alerts: list[Alert] = []
    states: dict[str, AlertState] = {}
    unrouted: list[Finding] = []
    for finding in sorted(findings, key=sort_key):
        if not alert_worthy(finding, today) or finding.key in states:
            continue
        before = previous.get(finding.key)
        if before is not None and not escalated(finding, before, today):
            continue
        team = finding.team or inventory.default_team
        if team is None:
            unrouted.append(finding)
            continue
        alerts.append(Alert(team=team, finding=finding, escalated=before is not None))
        states[finding.key] = AlertState(finding.severity, finding.deadline, now)
    return AlertSelection(tuple(alerts), states, tuple(unrouted))


def delivery_key(alert: Alert, today: dt.date) -> str:
    """The outbox idempotency key of an alert.

    Alert.key covers the severity; an escalation by deadline keeps the severity, so the urgent
    stage is part of the key too, or the outbox would take the escalation for a duplicate.
    """
    if _urgent(alert.finding.deadline, today):
        return f"{alert.key}:urgent"
    return alert.key


def batch_alerts(
    selection: AlertSelection,
    findings: Iterable[Finding],
    *,
    now: dt.datetime,
    teams_of: Callable[[Finding], Iterable[str]],
    first_run: Collection[str] = (),
    max_per_run: int | None = None,
    more_url: str | None = None,
) -> tuple[AlertBatch, ...]:
    """The run's alerts as one batch per team, in team order; pure.

    Every team that owns a finding's cluster gets it (teams_of: the routed team first, then the
    cluster's teams and namespace owners). A team in `first_run` has never been sent anything:
    its batch is the "where you stand" summary, with its open findings counted by severity.
    `max_per_run` lists at most that many per team; the rest is counted and linked.
    """
    by_team: dict[str, list[Alert]] = {}
    for alert in selection.alerts:
        for team in dict.fromkeys([alert.team, *teams_of(alert.finding)]):
            by_team.setdefault(team, []).append(
                Alert(team=team, finding=alert.finding, escalated=alert.escalated)
            )
    everything = list(findings)
    batches = []
    for team in sorted(by_team):
        alerts = by_team[team]
        listed = alerts if max_per_run is None else alerts[: max(max_per_run, 1)]
        standing: tuple[tuple[str, int], ...] = ()
        if team in first_run:
            mine = [f for f in everything if team in teams_of(f)]
            standing = tuple(
                (s.value, n) for s in Severity if (n := sum(f.severity is s for f in mine))
            )
        batches.append(
            AlertBatch(
                team=team,
                alerts=tuple(listed),
                generated_at=now,
                first_run=team in first_run,
                standing=standing,
                more=len(alerts) - len(listed),
                more_url=more_url if len(alerts) > len(listed) else None,
            )
        )
    return tuple(batches)


def batch_key(batch: AlertBatch, today: dt.date) -> str:
    """The outbox idempotency key of a batch: made of the delivery keys of the alerts it lists,
    so the same batch is queued once."""
    keys = sorted(delivery_key(a, today) for a in batch.alerts)
    digest = hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16]
    return f"alerts:{batch.team}:{digest}"
