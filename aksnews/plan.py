"""An upgrade impact report for one cluster: `aksnews plan --cluster NAME --to 1.NN`.

Pure: the caller hands over the findings for that target, the calendar, the knowledge base,
the upstream diff and the AKS entries about the minors crossed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aksnews.apis import KnowledgeRow
from aksnews.diff import UpgradeDiff
from aksnews.findings import BLOCKER_RULES, Finding, Rule
from aksnews.inventory.model import Cluster
from aksnews.lifecycle import MinorLifecycle, minor_key
from aksnews.store.records import StoredEntry


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
