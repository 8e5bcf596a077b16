"""One service cycle over the stages: poll the sources, match and queue alerts, deliver the
outbox; and the weekly digest of a team.

I/O orchestration only: each decision is made by a pure stage (match, select_alerts,
build_digest, the notifiers' renderers); this module loads their inputs and stores their
outputs. `aksnews run-once`, `aksnews digest` and the scheduler (aksnews/service/scheduler.py)
call it.

Digest periods: a digest covers [start, end) in the team's own calendar, and its outbox key
(Digest.period_key) is made from those dates only. The scheduler's digest for a fire time and
`aksnews digest --send` on the same local day use the same period (period_ending), so whichever
comes first is the one sent and the other queues nothing.

Findings in a digest: each queued digest records the findings it reported (digest_finding),
and the next one compares with them (aksnews.match.changes): new, escalated (severity up or
deadline closer), still open, resolved. A team's first digest has nothing to compare with and
falls back to the alert memory: findings alerted during the period are 'new', others 'open'.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from aksnews.config import Settings
from aksnews.deliver.digest import DigestInputs, build_digest
from aksnews.deliver.outbox import (
    DeliveryReport,
    Kind,
    MissingSecret,
    Resolve,
    Status,
    deliver,
    queued,
)
from aksnews.errors import AksnewsError, ConfigError, DuplicateKey
from aksnews.knowledge.lifecycle import minor_of
from aksnews.model.findings import Finding, FindingChange
from aksnews.model.inventory import Inventory, Team
from aksnews.model.messages import AlertBatch, Digest
from aksnews.model.records import ReleaseDetail
from aksnews.notifiers.base import Message, Notifier, Target
from aksnews.notifiers.registry import get_notifier
from aksnews.redact import redact_urls
from aksnews.sources.pipeline import FetchOutcome
from aksnews.sources.registry import FETCH_ORDER

if TYPE_CHECKING:
    from aksnews.store.handle import Archive

log = logging.getLogger(__name__)

NotifierFactory = Callable[[str], Notifier]
DIGEST_DAYS = 7


def redact(text: str) -> str:
    """`text` with URL paths and queries, user info and tokens replaced by '…' (an error
    text may quote a URL whose path is a secret)."""
    return redact_urls(text)


# Reports -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PollReport:
    outcomes: tuple[FetchOutcome, ...]
    errors: tuple[tuple[str, str], ...] = ()  # (source, message with URLs redacted)

    def counts(self) -> dict[str, int]:
        reports = [o.report for o in self.outcomes if o.report is not None]
        return {
            "documents": len(self.outcomes),
            "not_modified": sum(1 for o in self.outcomes if o.not_modified),
            "new_releases": sum(len(r.new_releases) for r in reports),
            "revised_releases": sum(len(r.revised_releases) for r in reports),
            "source_errors": len(self.errors),
        }


@dataclass(frozen=True, slots=True)
class AlertReport:
    findings: int  # every finding of this run
    alerts: int  # selected: new or escalated, routed to a team
    queued: int  # outbox rows written (one alert can be several channels)
    unrouted: tuple[Finding, ...] = ()  # alert-worthy, but no team or no channel to reach it

    def counts(self) -> dict[str, int]:
        return {
            "findings": self.findings,
            "alerts": self.alerts,
            "queued": self.queued,
            "unrouted": len(self.unrouted),
        }


def delivery_counts(report: DeliveryReport) -> dict[str, int]:
    counts = {s.value: report.count(s) for s in (Status.SENT, Status.PENDING, Status.FAILED)}
    counts["uncertain"] = report.count(Status.UNCERTAIN) + len(report.interrupted)
    counts["waiting"] = len(report.waiting)
    if report.busy:  # another process was delivering; it reports its own counts
        counts["delivery_skipped"] = 1
    return counts


@dataclass(frozen=True, slots=True)
class CycleReport:
    poll: PollReport
    alerts: AlertReport
    delivery: DeliveryReport

    def counts(self) -> dict[str, int]:
        return {
            **self.poll.counts(),
            **{f"alert_{k}": v for k, v in self.alerts.counts().items()},
            **delivery_counts(self.delivery),
        }


# Poll, match, send ---------------------------------------------------------------------------


def poll(
    archive: Archive,
    settings: Settings,
    now: dt.datetime,
    *,
    sources: tuple[str, ...] = FETCH_ORDER,
) -> PollReport:
    """Every source in FETCH_ORDER, as `aksnews fetch` does; one failing source is recorded and
    the others are still polled."""
    from aksnews.sources.pipeline import fetch_and_ingest, fetch_kubernetes, source_urls

    def clock() -> dt.datetime:
        return now

    outcomes: list[FetchOutcome] = []
    errors: list[tuple[str, str]] = []
    for name in (s for s in FETCH_ORDER if s in sources):
        try:
            if name == "kubernetes":
                outcomes.extend(fetch_kubernetes(archive, settings, now=clock))
                continue
            for src, url in source_urls(settings, [name]):
                outcomes.append(fetch_and_ingest(archive, settings, src, url, now=clock))
        except AksnewsError as exc:
            errors.append((name, redact(str(exc))))
            log.warning("source=%s error=%s", name, redact(str(exc)))
    return PollReport(tuple(outcomes), tuple(errors))


def _findings(archive: Archive, inventory: Inventory, now: dt.datetime) -> tuple[Finding, ...]:
    from aksnews.knowledge.view import load_archive_view
    from aksnews.match.matcher import match

    if not inventory.clusters:
        return ()
    today = now.date()
    return match(inventory, load_archive_view(archive, today), now=today)


def match_and_alert(
    archive: Archive,
    now: dt.datetime,
    *,
    notifiers: NotifierFactory = get_notifier,
    max_alerts_per_run: int | None = None,
    web_url: str | None = None,
) -> AlertReport:
    """Match the stored inventory against the archive and queue new or escalated alerts: one
    message per team and channel listing them all (see aksnews.deliver.alerts for what is
    alert-worthy); a team alerted for the first time gets where it stands instead."""
    from aksnews.inventory.merge import load_inventory

    inventory = load_inventory(archive)
    findings = _findings(archive, inventory, now)
    return alert_findings(
        archive,
        inventory,
        findings,
        now,
        notifiers=notifiers,
        max_alerts_per_run=max_alerts_per_run,
        web_url=web_url,
    )


def alert_findings(
    archive: Archive,
    inventory: Inventory,
    findings: tuple[Finding, ...],
    now: dt.datetime,
    *,
    notifiers: NotifierFactory = get_notifier,
    max_alerts_per_run: int | None = None,
    web_url: str | None = None,
) -> AlertReport:
    """The alerting half of match_and_alert, for findings already matched."""
    from aksnews.deliver.alerts import batch_alerts, select_alerts
    from aksnews.deliver.outbox import (
        alerted_teams,
        load_alert_states,
        queue_alert_batches,
        team_channels,
    )

    selection = select_alerts(findings, load_alert_states(archive), now=now, inventory=inventory)
    unrouted = list(selection.unrouted)
    known = alerted_teams(archive)

    def teams_of(finding: Finding) -> tuple[str, ...]:
        return finding_teams(inventory, finding)

    batches = batch_alerts(
        selection,
        findings,
        now=now,
        teams_of=teams_of,
        first_run={t.name for t in inventory.teams} - known,
        max_per_run=max_alerts_per_run,
        more_url=f"{web_url.rstrip('/')}/findings" if web_url else None,
    )

    def channels_of(name: str) -> tuple[str, ...]:
        team = inventory.team(name)
        return () if team is None else team_channels(team)

    def render(batch: AlertBatch) -> list[tuple[str, tuple[Message, ...]]]:
        return [(c, notifiers(c).render_alerts(batch)) for c in channels_of(batch.team)]

    listed = {a.finding.key for b in batches for a in b.alerts}
    reached = {a.finding.key for b in batches if channels_of(b.team) for a in b.alerts}
    for alert in selection.alerts:
        if alert.finding.key not in reached:
            unrouted.append(alert.finding)  # left unremembered: selected again next run
    capped = {a.finding.key for a in selection.alerts} - listed
    count = queue_alert_batches(archive, batches, selection.states, render, now, remembered=capped)
    for finding in unrouted:
        log.warning(
            "alert not routed: finding=%s cluster=%s team=%s (no team or no channel)",
            finding.key,
            finding.cluster,
            finding.team or inventory.default_team or "-",
        )
    reachable = [a for a in selection.alerts if a.finding.key in reached]
    return AlertReport(len(findings), len(reachable), count, tuple(unrouted))


def resolver(
    archive: Archive,
    notifiers: NotifierFactory = get_notifier,
    environ: Mapping[str, str] | None = None,
) -> Resolve:
    """Team and channel -> (notifier, target) from the stored inventory; secrets (env:
    references) are resolved here, at the edge that sends, and remembered by the log
    redaction so that no library's log line can show them."""
    from aksnews.deliver.outbox import team_target
    from aksnews.inventory.merge import load_inventory
    from aksnews.redact import remember

    inventory = load_inventory(archive)

    def resolve(team_name: str, channel: str) -> tuple[Notifier, Target] | MissingSecret | None:
        team = inventory.team(team_name)
        target = None if team is None else team_target(team, channel, environ)
        if not isinstance(target, Target):
            return target
        for secret in (target.url, target.token):
            remember(secret)
        try:
            return notifiers(channel), target
        except AksnewsError:
            return None  # an unknown notifier name: retried, then failed, like a missing target

    return resolve


def send(
    archive: Archive,
    settings: Settings,
    now: dt.datetime,
    *,
    notifiers: NotifierFactory = get_notifier,
    environ: Mapping[str, str] | None = None,
    max_attempts: int = 5,
) -> DeliveryReport:
    """Deliver what is due in the outbox (aksnews.deliver.outbox: retries and crash safety)."""
    del settings  # delivery has no settings yet; the signature matches the other steps
    return deliver(archive, resolver(archive, notifiers, environ), now, max_attempts=max_attempts)


def run_once(
    archive: Archive,
    settings: Settings,
    now: dt.datetime,
    *,
    notifiers: NotifierFactory = get_notifier,
    environ: Mapping[str, str] | None = None,
    max_alerts_per_run: int | None = None,
) -> CycleReport:
    """poll + match_and_alert + send: one cycle, for cron and Kubernetes CronJob users."""
    polled = poll(archive, settings, now)
    alerts = match_and_alert(
        archive,
        now,
        notifiers=notifiers,
        max_alerts_per_run=max_alerts_per_run,
        web_url=settings.web_url or None,
    )
    delivery = send(archive, settings, now, notifiers=notifiers, environ=environ)
    return CycleReport(polled, alerts, delivery)


# Digests -------------------------------------------------------------------------------------


def period_ending(moment: dt.datetime, timezone: str) -> tuple[dt.date, dt.date]:
    """The DIGEST_DAYS days before `moment`'s date in `timezone`: [start, end), end exclusive.

    The scheduler passes the digest's fire time, the CLI the current time: on the digest day
    both give the same period, hence the same outbox key."""
    end = moment.astimezone(ZoneInfo(timezone)).date()
    return end - dt.timedelta(days=DIGEST_DAYS), end


def _team(inventory: Inventory, name: str) -> Team:
    team = inventory.team(name)
    if team is None:
        known = ", ".join(t.name for t in inventory.teams) or "none"
        raise ConfigError(f"no team {name!r} in the inventory (known: {known})")
    return team


def team_minors(inventory: Inventory, team: str) -> tuple[str, ...]:
    """Minors of the clusters the team owns or has a namespace on, oldest first."""
    minors = {
        m
        for c in inventory.clusters
        if team in c.teams or any(owner == team for _, owner in c.namespaces)
        if (m := minor_of(c.kubernetes_version or ""))
    }
    return tuple(sorted(minors, key=lambda m: tuple(int(p) for p in m.split("."))))


def finding_teams(inventory: Inventory, finding: Finding) -> tuple[str, ...]:
    """Every team a finding concerns: the one the matcher routed it to (or the default team),
    then every team that owns its cluster, as a cluster team or a namespace owner."""
    first = finding.team or inventory.default_team
    owners = [
        name
        for c in inventory.clusters
        if c.name == finding.cluster
        for name in (*c.teams, *(owner for _, owner in c.namespaces))
    ]
    return tuple(dict.fromkeys([*([first] if first else []), *owners]))


def _in(day: dt.date | None, start: dt.date, end: dt.date) -> bool:
    return day is not None and start <= day < end


def _upstream(
    archive: Archive, minors: tuple[str, ...], start: dt.date, end: dt.date
) -> list[ReleaseDetail]:
    """Upstream releases of `minors` of the period: by their date, or when undated (the
    release-notes drafts) by the day they were first archived."""
    keys = [
        summary.key
        for minor in minors
        for summary in archive.list_releases(source="kubernetes", minor=minor)
        if summary.date is None or _in(summary.date, start, end)
    ]
    out = []
    for detail in archive.get_releases(keys):
        if detail.summary.date is None:
            first = min((r.recorded_at for r in detail.revisions), default=None)
            if first is None or not _in(first.date(), start, end):
                continue
        out.append(detail)
    return out


def _finding_changes(
    archive: Archive,
    inventory: Inventory,
    team: str,
    findings: tuple[Finding, ...],
    start: dt.date,
    end: dt.date,
) -> tuple[FindingChange, ...]:
    from aksnews.deliver.outbox import load_alert_states
    from aksnews.match.changes import classify
    from aksnews.report.check import last_reported

    mine = [f for f in findings if team in finding_teams(inventory, f)]
    previous = last_reported(archive, team)
    if previous is not None:
        return classify(mine, previous)
    # The team's first digest: nothing to compare with, so 'new' means alerted this period.
    states = load_alert_states(archive)
    changes = []
    for finding in mine:
        state = states.get(finding.key)
        new = state is not None and _in(state.alerted_at.date(), start, end)
        changes.append(FindingChange(finding, "new" if new else "open"))
    return tuple(changes)


def load_digest_inputs(
    archive: Archive,
    team: str,
    period_start: dt.date,
    period_end: dt.date,
    now: dt.datetime,
    poll_interval_hours: float = 6.0,
    web_url: str | None = None,
) -> DigestInputs:
    """What build_digest needs for `team` and [period_start, period_end), from the store."""
    from aksnews.inventory.merge import load_inventory
    from aksnews.knowledge.lifecycle import load_calendar
    from aksnews.match.relevance import owned_clusters
    from aksnews.sources.freshness import judge, load_source_statuses

    inventory = load_inventory(archive)
    _team(inventory, team)
    aks = archive.get_releases(
        [
            s.key
            for s in archive.list_releases(source="aks", since=period_start)
            if _in(s.date, period_start, period_end)
        ],
    )
    minors = team_minors(inventory, team)
    findings = _findings(archive, inventory, now)
    return DigestInputs(
        aks_releases=tuple(aks),
        upstream_releases=tuple(_upstream(archive, minors, period_start, period_end)),
        calendar=tuple(load_calendar(archive, now.date())),
        retirements=tuple(archive.list_facts(fact_type="retirement", source="aks")),
        findings=_finding_changes(archive, inventory, team, findings, period_start, period_end),
        team_minors=minors,
        release_urls=archive.release_urls(),
        freshness=judge(
            load_source_statuses(archive, now.date()), now, poll_interval_hours=poll_interval_hours
        ).warnings,
        clusters=owned_clusters(inventory, team),
        web_url=web_url,
    )


def digest_for(
    archive: Archive,
    team: str,
    period_start: dt.date,
    period_end: dt.date,
    now: dt.datetime,
    poll_interval_hours: float = 6.0,
    web_url: str | None = None,
) -> Digest:
    inputs = load_digest_inputs(
        archive, team, period_start, period_end, now, poll_interval_hours, web_url
    )
    return build_digest(team, inputs, period_start=period_start, period_end=period_end, now=now)


def digest_key(team: str, period_start: dt.date, period_end: dt.date) -> str:
    """Digest.period_key without building the digest (a queued period is not rebuilt)."""
    return Digest(team, period_start, period_end, dt.datetime.min, ()).period_key


def queue_digest(
    archive: Archive,
    team: str,
    period_start: dt.date,
    period_end: dt.date,
    now: dt.datetime,
    *,
    notifiers: NotifierFactory = get_notifier,
    web_url: str | None = None,
) -> int:
    """Queue the period's digest for every channel of the team, in one transaction; the number
    of outbox rows written (0 when this period was queued before, or the team has no channel).
    """
    from aksnews.deliver.outbox import queue_on, team_channels
    from aksnews.inventory.merge import load_inventory

    channels = team_channels(_team(load_inventory(archive), team))
    key = digest_key(team, period_start, period_end)
    if not channels or queued(archive, key):
        return 0
    from aksnews.report.check import record_reported

    inputs = load_digest_inputs(archive, team, period_start, period_end, now, web_url=web_url)
    digest = build_digest(team, inputs, period_start=period_start, period_end=period_end, now=now)
    rendered = [(channel, notifiers(channel).render_digest(digest)) for channel in channels]
    reported = [c.finding for c in inputs.findings if c.change != "resolved"]
    try:
        with archive.transaction() as write:
            written = sum(
                queue_on(write, team, channel, Kind.DIGEST, key, messages, now, title=digest.title)
                for channel, messages in rendered
            )
            # What this digest reported is what the next one compares with.
            record_reported(write, team, reported, period_end, now)
            return written
    except DuplicateKey:
        return 0  # another process queued this period first
