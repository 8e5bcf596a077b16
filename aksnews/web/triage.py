"""What the home and findings pages decide: which teams a finding concerns, the findings a
filter selects, their counts per severity, and each team's standing.

Pure: the callers read the inventory, findings and source statuses from the store and pass them
in with `today`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from aksnews.model.findings import Finding, Rule, Severity
from aksnews.model.inventory import Inventory
from aksnews.sources.freshness import SourceStatus
from aksnews.web.models import ClusterFindings, FindingOut, FindingsOut, TeamFindings
from aksnews.web.views import findings_view

NO_TEAM = "(no team)"  # findings on clusters nobody owns, where there is no default team
SEVERITIES = tuple(s.value for s in Severity)
RULES = tuple(r.value for r in Rule)


class FilterError(ValueError):
    """A filter value the inventory or the vocabulary does not know (the web answers 400)."""


def finding_teams(inventory: Inventory, finding: Finding) -> tuple[str, ...]:
    """Every team a finding concerns: the one the matcher routed it to (else the default team),
    then every team that owns its cluster (a cluster team or a namespace owner, as
    aksnews.match.relevance.owns); NO_TEAM when none."""
    first = finding.team or inventory.default_team
    cluster = inventory.cluster(finding.cluster)
    owners = [*cluster.teams, *(owner for _, owner in cluster.namespaces)] if cluster else []
    names = dict.fromkeys([*([first] if first else []), *owners])
    return tuple(names) or (NO_TEAM,)


def known_teams(inventory: Inventory, findings: Iterable[Finding] = ()) -> tuple[str, ...]:
    """The team names a filter may name, sorted: the inventory's and every finding's."""
    names = {t.name for t in inventory.teams}
    for cluster in inventory.clusters:
        names.update(cluster.teams)
        names.update(owner for _, owner in cluster.namespaces)
    if inventory.default_team:
        names.add(inventory.default_team)
    for finding in findings:
        names.update(finding_teams(inventory, finding))
    return tuple(sorted(names))


@dataclass(frozen=True, slots=True)
class FindingFilter:
    """What /findings?team=&cluster=&severity=&rule= selects; None: no filter on that field."""

    team: str | None = None
    cluster: str | None = None
    severity: Severity | None = None
    rule: Rule | None = None

    @property
    def active(self) -> bool:
        return any((self.team, self.cluster, self.severity, self.rule))

    def as_query(self) -> dict[str, str]:
        """The filter as query parameters (to fill the form and build links)."""
        return {
            "team": self.team or "",
            "cluster": self.cluster or "",
            "severity": self.severity.value if self.severity else "",
            "rule": self.rule.value if self.rule else "",
        }


def _choose(value: str | None, known: Sequence[str], what: str) -> str | None:
    if value is None:
        return None
    if value not in known:
        listed = ", ".join(known) if known else "none"
        raise FilterError(f"unknown {what} {value!r} (known: {listed})")
    return value


def parse_filter(
    inventory: Inventory,
    findings: Sequence[Finding],
    *,
    team: str | None,
    cluster: str | None,
    severity: str | None,
    rule: str | None,
) -> FindingFilter:
    """The filter for the (already trimmed) parameters; FilterError names a value not known."""
    chosen_severity = _choose(severity, SEVERITIES, "severity")
    chosen_rule = _choose(rule, RULES, "rule")
    return FindingFilter(
        team=_choose(team, known_teams(inventory, findings), "team"),
        cluster=_choose(cluster, tuple(sorted(c.name for c in inventory.clusters)), "cluster"),
        severity=Severity(chosen_severity) if chosen_severity else None,
        rule=Rule(chosen_rule) if chosen_rule else None,
    )


def select(
    inventory: Inventory, findings: Iterable[Finding], chosen: FindingFilter
) -> list[Finding]:
    """The findings the filter selects, in the given (most urgent first) order."""
    out = []
    for finding in findings:
        if chosen.team and chosen.team not in finding_teams(inventory, finding):
            continue
        if chosen.cluster and finding.cluster != chosen.cluster:
            continue
        if chosen.severity and finding.severity is not chosen.severity:
            continue
        if chosen.rule and finding.rule is not chosen.rule:
            continue
        out.append(finding)
    return out


def severity_counts(findings: Iterable[Finding]) -> dict[str, int]:
    """Counts per severity, every severity present (zero included), most severe first."""
    counts = dict.fromkeys(SEVERITIES, 0)
    for finding in findings:
        counts[finding.severity.value] += 1
    return counts


@dataclass(frozen=True, slots=True)
class TeamStanding:
    """One team's line on the home page: what it must act on, when, and what is new for it."""

    team: str
    critical: int
    warning: int
    next_deadline: dt.date | None
    next_title: str | None
    overdue: bool
    newest_release: str | None = None  # key of the newest AKS release with news for the team
    newest_title: str | None = None
    newest_date: dt.date | None = None


def team_standings(
    inventory: Inventory,
    findings: Iterable[Finding],
    today: dt.date,
    newest: Mapping[str, tuple[str, str, dt.date | None]] | None = None,
) -> list[TeamStanding]:
    """Per team (every team of the inventory, and NO_TEAM when findings have none), the counts
    of critical and warning findings on its clusters and the nearest deadline: the earliest
    overdue one, else the next ahead. `newest` maps a team to (key, title, date) of the newest
    release that concerns it."""
    by_team: dict[str, list[Finding]] = {name: [] for name in known_teams(inventory)}
    for finding in findings:
        for team in finding_teams(inventory, finding):
            by_team.setdefault(team, []).append(finding)
    out = []
    for team, mine in sorted(by_team.items(), key=lambda item: (item[0] == NO_TEAM, item[0])):
        dated = sorted((f for f in mine if f.deadline), key=lambda f: f.deadline or dt.date.max)
        first = dated[0] if dated else None
        key, title, date = (newest or {}).get(team, (None, None, None))
        out.append(
            TeamStanding(
                team=team,
                critical=sum(f.severity is Severity.CRITICAL for f in mine),
                warning=sum(f.severity is Severity.WARNING for f in mine),
                next_deadline=first.deadline if first else None,
                next_title=first.title if first else None,
                overdue=bool(first and first.deadline and first.deadline < today),
                newest_release=key,
                newest_title=title,
                newest_date=date,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class FetchLine:
    """One source's last successful fetch, for the home page."""

    source: str
    last_fetch: dt.datetime | None
    failing: bool


def fetch_lines(statuses: Iterable[SourceStatus]) -> list[FetchLine]:
    """The sources that were ever fetched or failed, in the given order."""
    return [
        FetchLine(s.source, s.last_fetch, s.failing)
        for s in statuses
        if s.last_fetch is not None or s.failed_at is not None
    ]


def findings_out(
    inventory: Inventory, findings: Sequence[Finding], chosen: FindingFilter, today: dt.date
) -> FindingsOut:
    """The selected findings per team, then per cluster, with their counts per severity. With a
    team filter every finding shown is under that team, a co-owner's included (each finding
    keeps the team it is routed to)."""
    shown = select(inventory, findings, chosen)
    out = findings_view(shown, today)
    if chosen.team and out.teams:
        name = None if chosen.team == NO_TEAM else chosen.team
        clusters: dict[str, list[FindingOut]] = {}
        for team in out.teams:
            for cluster in team.clusters:
                clusters.setdefault(cluster.cluster, []).extend(cluster.findings)
        order = {f.key: n for n, f in enumerate(shown)}  # most urgent first, as matched
        merged = [
            ClusterFindings(cluster=c, findings=sorted(clusters[c], key=lambda f: order[f.key]))
            for c in sorted(clusters)
        ]
        out = out.model_copy(update={"teams": [TeamFindings(team=name, clusters=merged)]})
    return out.model_copy(update={"summary": severity_counts(shown), "filter": chosen.as_query()})


@dataclass(frozen=True, slots=True)
class FilterChoices:
    """The values each filter of the findings page may take (the form's options)."""

    teams: tuple[str, ...]
    clusters: tuple[str, ...]
    severities: tuple[str, ...] = SEVERITIES
    rules: tuple[str, ...] = RULES


def filter_choices(inventory: Inventory, findings: Sequence[Finding]) -> FilterChoices:
    return FilterChoices(
        teams=known_teams(inventory, findings),
        clusters=tuple(sorted(c.name for c in inventory.clusters)),
    )
