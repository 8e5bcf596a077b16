"""An upgrade impact report for one cluster: `aksnews plan --cluster NAME --to 1.NN`.

Pure: the caller hands over the findings for that target, the calendar, the knowledge base,
the upstream diff and the AKS entries about the minors crossed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from urllib.parse import quote

from aksnews.knowledge.apis import KnowledgeRow
from aksnews.knowledge.diff import UpgradeDiff
from aksnews.knowledge.lifecycle import MinorLifecycle, minor_key
from aksnews.match.relevance import Reason, TeamProfile, because, entry_reasons, team_profile
from aksnews.model.findings import BLOCKER_RULES, Finding, Rule
from aksnews.model.inventory import Cluster
from aksnews.model.records import StoredEntry


@dataclass(frozen=True, slots=True)
class RemovedApi:
    row: KnowledgeRow
    in_use: tuple[str, ...]  # where the cluster uses it ('k8s/psp.yaml:3 (manifest)')


@dataclass(frozen=True, slots=True)
class UpgradePlan:
    cluster: Cluster
    current: str  # minor
    target: str  # minor
    minors: tuple[str, ...]  # crossed, current excluded
    lifecycle: tuple[MinorLifecycle, ...]  # of current and crossed minors
    findings: tuple[Finding, ...]  # upgrade blockers first, then API findings, then the rest
    removed_apis: tuple[RemovedApi, ...]  # in use first
    upstream: UpgradeDiff
    aks_changes: tuple[StoredEntry, ...]  # AKS behavioural and component changes
    unchecked: tuple[str, ...] = ()  # what the blocker rules could not check, for lack of input


def blockers_of(plan: UpgradePlan) -> tuple[Finding, ...]:
    """The plan's upgrade blockers (they lead plan.findings)."""
    return tuple(f for f in plan.findings if f.rule in BLOCKER_RULES)


def minors_crossed(current: str, target: str) -> tuple[str, ...]:
    major, start = minor_key(current)
    _, end = minor_key(target)
    return tuple(f"{major}.{m}" for m in range(start + 1, end + 1))


def build_plan(
    cluster: Cluster,
    current: str,
    target: str,
    *,
    findings: Sequence[Finding],
    calendar: Sequence[MinorLifecycle],
    knowledge: Sequence[KnowledgeRow],
    upstream: UpgradeDiff,
    aks_changes: Sequence[StoredEntry],
    unchecked: Sequence[str] = (),
) -> UpgradePlan:
    crossed = minors_crossed(current, target)
    wanted = {current, *crossed}
    api_rules = (Rule.REMOVED_API, Rule.DEPRECATED_API)
    mine = [f for f in findings if f.cluster == cluster.name]
    # What stops the upgrade itself (a drain that never ends, a surge that does not fit) comes
    # before what it breaks afterwards; within each group the matcher's order holds.
    ordered = (
        [f for f in mine if f.rule in BLOCKER_RULES]
        + [f for f in mine if f.rule in api_rules]
        + [f for f in mine if f.rule not in api_rules and f.rule not in BLOCKER_RULES]
    )
    uses: dict[str, list[str]] = {}
    for f in mine:
        if f.rule in api_rules:
            uses.setdefault(f.subject.split(" ")[0], []).extend(f.locations)
    removed = [
        RemovedApi(row=row, in_use=tuple(uses.get(row.group_version, ())))
        for row in knowledge
        if row.removed_in in crossed
    ]
    removed.sort(
        key=lambda r: (not r.in_use, minor_key(r.row.removed_in or "0.0"), r.row.group_version)
    )
    return UpgradePlan(
        cluster=cluster,
        current=current,
        target=target,
        minors=crossed,
        lifecycle=tuple(
            sorted((m for m in calendar if m.minor in wanted), key=lambda m: minor_key(m.minor))
        ),
        findings=tuple(ordered),
        removed_apis=tuple(removed),
        upstream=upstream,
        aks_changes=tuple(aks_changes),
        unchecked=tuple(unchecked),
    )


@dataclass(frozen=True, slots=True)
class UrgentNote:
    entry: StoredEntry
    reasons: tuple[Reason, ...]

    @property
    def because(self) -> str:
        return because(self.reasons)


@dataclass(frozen=True, slots=True)
class PlanOutline:
    """A plan in the order a person acts on it: what blocks the upgrade, what to check, the
    rest as counts (`aksnews diff` and `aksnews check` list it in full)."""

    blockers: tuple[Finding, ...]  # upgrade blocker rules: the upgrade itself fails or hurts
    removed_in_use: tuple[RemovedApi, ...]  # removed on the way and used by the cluster
    removed_findings: tuple[Finding, ...]  # the removed-api findings behind removed_in_use
    end_of_support: tuple[Finding, ...]
    deprecated: tuple[Finding, ...]  # deprecated APIs in use: not blocking, yet
    behaviour: tuple[StoredEntry, ...]  # AKS behavioural changes of the minors crossed
    # Upstream urgent upgrade notes of the minors crossed that touch the cluster, each with the
    # reason (aksnews.match.relevance); the others are only counted (urgent_elsewhere).
    urgent: tuple[UrgentNote, ...]
    other_findings: tuple[Finding, ...]
    removed_not_in_use: int
    other_upstream: tuple[tuple[str, int], ...]  # (group title, entries)
    other_aks: tuple[tuple[str, int], ...]  # (kind, entries)
    urgent_elsewhere: int = 0  # urgent upstream notes that name nothing the cluster runs
    urgent_elsewhere_url: str | None = None  # the web archive's release of the first of them

    @property
    def blocking(self) -> int:
        return (
            len(self.blockers)
            + len(self.removed_in_use)
            + len(self.end_of_support)
            # a removed-api finding the knowledge base has no row for still blocks
            + sum(
                f.subject.split(" ")[0] not in {r.row.group_version for r in self.removed_in_use}
                for f in self.removed_findings
            )
        )

    @property
    def to_check(self) -> int:
        return len(self.deprecated) + len(self.behaviour) + len(self.urgent)


def outline(plan: UpgradePlan, web_url: str | None = None) -> PlanOutline:
    """The plan in reading order. Urgent upstream notes pass through the digest's relevance
    (aksnews.match.relevance) against the cluster: every one of them is about a minor crossed, so
    only what else it names (an OS, an add-on in `features`, the region) tells whether it
    touches this cluster; the rest is counted, linked to the web archive when `web_url` is set.
    AKS behaviour changes are already chosen by the minors crossed (entries_about)."""

    def rule(r: Rule) -> tuple[Finding, ...]:
        return tuple(f for f in plan.findings if f.rule is r)

    placed = {Rule.REMOVED_API, Rule.END_OF_SUPPORT, Rule.DEPRECATED_API, *BLOCKER_RULES}
    behaviour = tuple(e for e in plan.aks_changes if e.kind == "behavioral-change")
    aks_rest: dict[str, int] = {}
    for entry in plan.aks_changes:
        if entry.kind != "behavioral-change":
            aks_rest[entry.kind] = aks_rest.get(entry.kind, 0) + 1
    # Every note is about a minor crossed: the minor its text names tells nothing more.
    cluster = team_profile(plan.cluster.name, [plan.cluster]).clusters
    profile = TeamProfile(plan.cluster.name, tuple(replace(c, minor=None) for c in cluster))
    urgent: list[UrgentNote] = []
    elsewhere: list[StoredEntry] = []
    for group in plan.upstream.groups:
        if group.kind != "urgent-upgrade":
            continue
        for entry in group.entries:
            reasons = entry_reasons(entry.text, [f.fact for f in entry.facts], profile)
            if reasons:
                urgent.append(UrgentNote(entry, reasons))
            else:
                elsewhere.append(entry)
    url = None
    if web_url and elsewhere:
        url = f"{web_url.rstrip('/')}/releases/{quote(elsewhere[0].release_key, safe='')}"
    return PlanOutline(
        blockers=blockers_of(plan),
        removed_in_use=tuple(r for r in plan.removed_apis if r.in_use),
        removed_findings=rule(Rule.REMOVED_API),
        end_of_support=rule(Rule.END_OF_SUPPORT),
        deprecated=rule(Rule.DEPRECATED_API),
        behaviour=behaviour,
        urgent=tuple(urgent),
        other_findings=tuple(f for f in plan.findings if f.rule not in placed),
        removed_not_in_use=sum(not r.in_use for r in plan.removed_apis),
        other_upstream=tuple(
            (g.title, len(g.entries)) for g in plan.upstream.groups if g.kind != "urgent-upgrade"
        ),
        other_aks=tuple(sorted(aks_rest.items())),
        urgent_elsewhere=len(elsewhere),
        urgent_elsewhere_url=url,
    )
