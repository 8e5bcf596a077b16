"""Alerts: which findings go out at once, once, again only when they escalate, to whom; the
memory of what was alerted kept in the store (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

import pytest
from sqlalchemy import Engine

from aksnews.deliver.alerts import (
    AlertState,
    alert_worthy,
    batch_alerts,
    batch_key,
    delivery_key,
    select_alerts,
)
from aksnews.deliver.outbox import Kind, entries, load_alert_states, queue_alert_batches
from aksnews.match.matcher import match
from aksnews.model.findings import Finding, Rule, Severity, finding_key
from aksnews.model.inventory import ApiUse, Cluster, Evidence, Inventory
from aksnews.model.messages import Alert, AlertBatch
from aksnews.notifiers.base import Message
from aksnews.notifiers.slack import SlackNotifier
from aksnews.store.handle import Archive

from archive_view import corpus_archive

NOW = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
INVENTORY = Inventory(default_team="platform")


def _finding(
    rule: Rule,
    severity: Severity,
    *,
    days: int | None = None,
    team: str | None = "payments",
    subject: str = "subject",
) -> Finding:
    return Finding(
        key=finding_key(rule, "prod", None, subject),
        rule=rule,
        severity=severity,
        cluster="prod",
        team=team,
        title=f"{rule.value} {subject}",
        why="why",
        action="action",
        subject=subject,
        deadline=None if days is None else TODAY + dt.timedelta(days=days),
    )


WORTHY_CASES = [
    (Rule.REMOVED_API, Severity.CRITICAL, None, True),
    (Rule.REMOVED_API, Severity.WARNING, None, False),
    (Rule.END_OF_SUPPORT, Severity.CRITICAL, 30, True),
    (Rule.END_OF_SUPPORT, Severity.CRITICAL, 31, False),
    (Rule.END_OF_SUPPORT, Severity.CRITICAL, -5, True),  # past: still urgent
    (Rule.END_OF_SUPPORT, Severity.WARNING, 10, False),
    (Rule.RETIREMENT, Severity.CRITICAL, 12, True),
    (Rule.RETIREMENT, Severity.CRITICAL, 45, False),
    (Rule.NODE_IMAGE_LAG, Severity.CRITICAL, None, False),  # digest material, not an alert
    (Rule.DEPRECATED_API, Severity.CRITICAL, None, False),
]


@pytest.mark.parametrize(("rule", "severity", "days", "worthy"), WORTHY_CASES)
def test_alert_worthy(rule: Rule, severity: Severity, days: int | None, worthy: bool) -> None:
    assert alert_worthy(_finding(rule, severity, days=days), TODAY) is worthy


def _render(batch: AlertBatch) -> list[tuple[str, Sequence[Message]]]:
    return [("slack", SlackNotifier().render_alerts(batch))]


def _run(engine: Engine, findings: Sequence[Finding], now: dt.datetime) -> tuple[Alert, ...]:
    """One post-fetch pass as production makes it: select against the stored memory, one
    batch per team, queue and remember."""
    selection = select_alerts(
        findings, load_alert_states(Archive(engine)), now=now, inventory=INVENTORY
    )
    batches = batch_alerts(selection, findings, now=now, teams_of=lambda f: ())
    queue_alert_batches(Archive(engine), batches, selection.states, _render, now)
    return selection.alerts


def _listed(row_body: object) -> str:
    assert isinstance(row_body, dict)
    return "\n".join(b["text"]["text"] for b in row_body["blocks"] if b["type"] == "section")


def test_alerted_once_then_again_only_on_escalation(engine: Engine) -> None:
    eos = _finding(Rule.END_OF_SUPPORT, Severity.CRITICAL, days=20, subject="1.29")
    removed = _finding(Rule.REMOVED_API, Severity.CRITICAL, subject="policy/v1beta1 PDB")
    lag = _finding(Rule.NODE_IMAGE_LAG, Severity.WARNING, subject="pool")

    first = _run(engine, [eos, removed, lag], NOW)
    assert {a.finding.key for a in first} == {eos.key, removed.key}
    assert not any(a.escalated for a in first)
    (message,) = entries(Archive(engine))  # one message for the team listing both
    assert (message.team, message.kind) == ("payments", Kind.ALERT)
    listed = _listed(message.message.body)
    assert eos.title in listed and removed.title in listed and lag.title not in listed

    # The next fetch, same findings (reworded): nothing new.
    reworded = dataclasses.replace(removed, title="reworded", why="other evidence")
    tomorrow = NOW + dt.timedelta(days=1)
    assert _run(engine, [eos, reworded, lag], tomorrow) == ()
    assert len(entries(Archive(engine))) == 1

    # Twelve days later the end of support is 8 days away: not yet within a week.
    later = NOW + dt.timedelta(days=12)
    assert _run(engine, [eos, removed], later) == ()
    # Then 7 days away: escalated, alerted again under a new key (same severity).
    week = NOW + dt.timedelta(days=13)
    (again,) = _run(engine, [eos, removed], week)
    assert again.escalated and again.finding.key == eos.key
    assert delivery_key(again, week.date()) == f"{again.key}:urgent"
    rows = entries(Archive(engine))
    assert len(rows) == 2
    escalation = AlertBatch("payments", (again,), week)
    assert rows[-1].key == batch_key(escalation, week.date())
    assert "(escalated)" in _listed(rows[-1].message.body)
    assert removed.title not in _listed(rows[-1].message.body)  # only the escalated one
    # And never again after that, however close it gets.
    assert _run(engine, [eos, removed], week + dt.timedelta(days=5)) == ()
    stored = load_alert_states(Archive(engine))[eos.key]
    assert stored == AlertState(Severity.CRITICAL, eos.deadline, week)


def test_first_alert_inside_the_week_is_not_escalated_later() -> None:
    near = _finding(Rule.RETIREMENT, Severity.CRITICAL, days=3)
    selection = select_alerts([near], {}, now=NOW, inventory=INVENTORY)
    assert len(selection.alerts) == 1
    later = select_alerts(
        [near], selection.states, now=NOW + dt.timedelta(days=2), inventory=INVENTORY
    )
    assert later.alerts == ()


def test_severity_rise_escalates() -> None:
    removed = _finding(Rule.REMOVED_API, Severity.CRITICAL)
    before = {removed.key: AlertState(Severity.WARNING, None, NOW - dt.timedelta(days=3))}
    (alert,) = select_alerts([removed], before, now=NOW, inventory=INVENTORY).alerts
    assert alert.escalated


def test_unowned_findings_go_to_default_team_or_are_reported() -> None:
    orphan = _finding(Rule.REMOVED_API, Severity.CRITICAL, team=None)
    (alert,) = select_alerts([orphan], {}, now=NOW, inventory=INVENTORY).alerts
    assert alert.team == "platform"
    nobody = select_alerts([orphan], {}, now=NOW, inventory=Inventory())
    assert nobody.alerts == () and nobody.unrouted == (orphan,) and not nobody.states


def test_routing_of_real_findings_to_namespace_owner_and_default_team() -> None:
    # Matched for real against the corpus archive: a removed API in a namespace another team
    # owns goes to that team; one on a cluster with no team goes to the default team.
    today = dt.date(2025, 10, 27)
    shop = Cluster(
        "shop", teams=("shop",), kubernetes_version="1.29.4", namespaces=(("checkout", "payments"),)
    )
    lonely = Cluster("lonely", kubernetes_version="1.29.4")
    uses = (
        ApiUse("shop", "policy/v1beta1", "PodDisruptionBudget", Evidence.MANIFEST, "pdb.yaml:1",
               namespace="checkout"),
        ApiUse("shop", "extensions/v1beta1", "Ingress", Evidence.MANIFEST, "ing.yaml:1",
               namespace="web"),
        ApiUse("lonely", "policy/v1beta1", "PodSecurityPolicy", Evidence.MANIFEST, "psp.yaml:1"),
    )  # fmt: skip
    inventory = Inventory(clusters=(shop, lonely), api_uses=uses)
    findings = match(inventory, corpus_archive(today), now=today)
    removed = [f for f in findings if f.rule is Rule.REMOVED_API]
    assert {(f.cluster, f.subject, f.team) for f in removed} == {
        ("shop", "policy/v1beta1 PodDisruptionBudget", "payments"),
        ("shop", "extensions/v1beta1 Ingress", "shop"),
        ("lonely", "policy/v1beta1 PodSecurityPolicy", None),
    }
    now = dt.datetime.combine(today, dt.time(6), dt.UTC)
    routed = dataclasses.replace(inventory, default_team="platform")
    selection = select_alerts(findings, {}, now=now, inventory=routed)
    by_subject = {(a.finding.cluster, a.finding.subject): a.team for a in selection.alerts}
    assert by_subject[("shop", "policy/v1beta1 PodDisruptionBudget")] == "payments"
    assert by_subject[("shop", "extensions/v1beta1 Ingress")] == "shop"
    assert by_subject[("lonely", "policy/v1beta1 PodSecurityPolicy")] == "platform"
    # Only alert-worthy findings: every alert is critical and of an alert rule.
    assert all(a.finding.severity is Severity.CRITICAL for a in selection.alerts)
    assert len(selection.alerts) == sum(1 for f in findings if alert_worthy(f, today))


def test_alert_of_a_team_without_channels_is_not_forgotten(engine: Engine) -> None:
    removed = _finding(Rule.REMOVED_API, Severity.CRITICAL)
    selection = select_alerts([removed], {}, now=NOW, inventory=INVENTORY)
    batches = batch_alerts(selection, [removed], now=NOW, teams_of=lambda f: ())
    assert queue_alert_batches(Archive(engine), batches, selection.states, lambda b: [], NOW) == 0
    assert load_alert_states(Archive(engine)) == {}
    assert len(_run(engine, [removed], NOW + dt.timedelta(hours=1))) == 1
