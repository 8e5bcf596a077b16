"""The matcher: archive facts + inventory + a day -> findings (issue 4, "Matcher").

Pure: it reads no clock, database, network or environment; the same inputs and `now` give the
same findings, keys and order. Each rule lives in its own module:

- match_apis: removed-api (critical) and deprecated-api (warning, info) for ApiUse values;
- match_support: end-of-support, update-available, and the upgrade target the API rules use;
- match_nodes: node-image-lag per node pool and retirements of what a cluster uses.

Facts announced after `now` are ignored, so a run for an earlier day sees what was known then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from aksnews.findings import (
    ArchiveView,
    ClusterScope,
    Finding,
    MatchSettings,
    Rule,
    Severity,
    finding_key,
    sort_key,
)
from aksnews.inventory.model import ApiUse, Cluster, Inventory
from aksnews.match_apis import api_findings, knowledge_index
from aksnews.match_nodes import image_index, node_image_lag, retirements
from aksnews.match_support import end_of_support, ga_minors, updates, upgrade_target
from aksnews.versions import try_parse_kube_version

DEFAULT_SETTINGS = MatchSettings()

__all__ = [
    "DEFAULT_SETTINGS",
    "ArchiveView",
    "Finding",
    "MatchSettings",
    "Rule",
    "Severity",
    "finding_key",
    "match",
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
    if target is not None and try_parse_kube_version(target) is None:
        raise ValueError(f"not a Kubernetes version: {target!r}")
    ga = ga_minors(archive, now)
    knowledge = knowledge_index(archive.knowledge)
    images = image_index(archive.node_images, now)
    uses: dict[str, list[ApiUse]] = {}
    for use in inventory.api_uses:
        uses.setdefault(use.cluster, []).append(use)
    findings: list[Finding] = []
    for cluster in inventory.clusters:
        scope = scope_of(inventory, cluster)
        findings.extend(node_image_lag(scope, images, archive, settings))
        findings.extend(retirements(scope, archive, now, settings))
        if scope.version is None:
            continue  # the version rules need to know what the cluster runs
        aim = upgrade_target(scope.version, cluster.upgrade_channel, ga, target)
        findings.extend(api_findings(scope, uses.get(cluster.name, ()), knowledge, archive, aim))
        eos = end_of_support(scope, archive, now, settings, ga)
        if eos is not None:
            findings.append(eos)
        findings.extend(updates(scope, archive, now, ga, aim))
    return tuple(sorted(_unique(findings), key=sort_key))


def _unique(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per key: a cluster listed twice in an inventory is reported once."""
    seen: dict[str, Finding] = {}
    for finding in findings:
        seen.setdefault(finding.key, finding)
    return list(seen.values())
