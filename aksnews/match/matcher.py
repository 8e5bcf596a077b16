"""The matcher: archive facts + inventory + a day -> findings (issue 4, "Matcher").

Pure: it reads no clock, database, network or environment; the same inputs and `now` give the
same findings, keys and order. Each rule lives in its own module:

- match_apis: removed-api (critical) and deprecated-api (warning, info) for ApiUse values;
- match_support: end-of-support, update-available, and the upgrade target the API rules use;
- match_nodes: node-image-lag per node pool and retirements of what a cluster uses;
- match_capacity, match_workloads, match_cgroup: upgrade blockers beyond APIs (surge-quota,
  surge-ip, pdb-blocks-drain, unsafe-rollout, cgroup-v2-runtime), and match_schedule:
  upgrade-window, which moves their deadlines to the maintenance window that will meet them.

Blocker rules whose inputs are missing give no finding and a note (MatchReport.unchecked):
the run reports what it could not check rather than passing it.

Facts announced after `now` are ignored, so a run for an earlier day sees what was known then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from aksnews.knowledge.view import ArchiveView
from aksnews.match.apis import api_findings, knowledge_index
from aksnews.match.capacity import surge_ip, surge_quota
from aksnews.match.cgroup import cgroup_v2_runtime
from aksnews.match.nodes import image_index, node_image_lag, retirements
from aksnews.match.schedule import apply_windows
from aksnews.match.stages import stage_order
from aksnews.match.support import end_of_support, ga_minors, updates, upgrade_target
from aksnews.match.workloads import pdb_blocks_drain, unsafe_rollout
from aksnews.model.findings import (
    ClusterScope,
    Finding,
    MatchSettings,
    Rule,
    Severity,
    Unchecked,
    finding_key,
    sort_key,
)
from aksnews.model.inventory import ApiUse, Cluster, Inventory
from aksnews.model.upgrade import UpgradeInputs
from aksnews.model.versions import try_parse_kube_version

DEFAULT_SETTINGS = MatchSettings()

__all__ = [
    "DEFAULT_SETTINGS",
    "ArchiveView",
    "Finding",
    "MatchReport",
    "MatchSettings",
    "Rule",
    "Severity",
    "finding_key",
    "match",
    "match_report",
    "scope_of",
]


def scope_of(inventory: Inventory, cluster: Cluster) -> ClusterScope:
    """The cluster's parsed version and owners: its first team, else the default team."""
    team = cluster.teams[0] if cluster.teams else inventory.default_team
    return ClusterScope(
        cluster=cluster,
        version=try_parse_kube_version(cluster.kubernetes_version or ""),
        team=team,
        namespace_teams=dict(cluster.namespaces),
    )


@dataclass(frozen=True, slots=True)
class MatchReport:
    findings: tuple[Finding, ...]
    unchecked: tuple[Unchecked, ...] = ()


def match(
    inventory: Inventory,
    archive: ArchiveView,
    *,
    now: dt.date,
    target: str | None = None,
    settings: MatchSettings = DEFAULT_SETTINGS,
) -> tuple[Finding, ...]:
    """Every finding for every cluster of the inventory, most urgent first.

    `target` ('1.NN' or a patch) replaces each cluster's channel-derived upgrade target for the
    API rules (the CLI's --target); a ValueError says it is not a version.
    """
    return match_report(inventory, archive, now=now, target=target, settings=settings).findings


def match_report(
    inventory: Inventory,
    archive: ArchiveView,
    *,
    now: dt.date,
    target: str | None = None,
    settings: MatchSettings = DEFAULT_SETTINGS,
) -> MatchReport:
    """The findings of `match`, and what the blocker rules could not check for lack of input."""
    if target is not None and try_parse_kube_version(target) is None:
        raise ValueError(f"not a Kubernetes version: {target!r}")
    ga = ga_minors(archive, now)
    knowledge = knowledge_index(archive.knowledge)
    images = image_index(archive.node_images, now)
    uses: dict[str, list[ApiUse]] = {}
    for use in inventory.api_uses:
        uses.setdefault(use.cluster, []).append(use)
    findings: list[Finding] = []
    notes: list[Unchecked] = []
    scopes: list[ClusterScope] = []
    channel_targets: dict[str, str] = {}
    for cluster in inventory.clusters:
        scope = scope_of(inventory, cluster)
        scopes.append(scope)
        findings.extend(node_image_lag(scope, images, archive, settings))
        findings.extend(retirements(scope, archive, now, settings))
        aim = (
            upgrade_target(scope.version, cluster.upgrade_channel, ga, target)
            if scope.version is not None
            else None
        )
        findings.extend(blockers(scope, inventory.upgrade, aim.minor if aim else None, notes))
        if scope.version is not None and target is None and aim is not None:
            channel_targets[cluster.name] = aim.minor
        if scope.version is None or aim is None:
            continue  # the version rules need to know what the cluster runs
        findings.extend(api_findings(scope, uses.get(cluster.name, ()), knowledge, archive, aim))
        eos = end_of_support(scope, archive, now, settings, ga)
        if eos is not None:
            findings.append(eos)
        findings.extend(updates(scope, archive, now, ga, aim))

    after = dt.datetime.combine(now, dt.time(0), dt.UTC)
    findings.extend(
        stage_order(scopes, channel_targets, inventory.upgrade.versions_seen, after, notes)
    )

    def zone_of(cluster: Cluster) -> str:
        team = inventory.team(scope_of(inventory, cluster).team or "")
        return team.timezone if team else "UTC"

    timed = apply_windows(
        _unique(findings),
        inventory.clusters,
        inventory.upgrade.windows,
        after=after,
        zone_of=zone_of,
        explicit_target=target is not None,
    )
    return MatchReport(
        findings=tuple(sorted(timed, key=sort_key)),
        unchecked=tuple(dict.fromkeys(notes)),
    )


def blockers(
    scope: ClusterScope, inputs: UpgradeInputs, target: str | None, notes: list[Unchecked]
) -> list[Finding]:
    """The upgrade-blocker findings of one cluster; `target` is the minor it is headed to."""
    found: list[Finding] = []
    found.extend(surge_quota(scope, inputs, notes))
    found.extend(surge_ip(scope, inputs, notes))
    found.extend(pdb_blocks_drain(scope, inputs, notes))
    found.extend(unsafe_rollout(scope, inputs, notes))
    found.extend(cgroup_v2_runtime(scope, inputs, target, notes))
    return found


def _unique(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per key: a cluster listed twice in an inventory is reported once."""
    seen: dict[str, Finding] = {}
    for finding in findings:
        seen.setdefault(finding.key, finding)
    return list(seen.values())
