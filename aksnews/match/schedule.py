"""upgrade-window: an automatic upgrade that will act before a blocking finding is fixed.

A cluster with an upgrade channel (or the NodeImage node OS channel) and a planned maintenance
window upgrades by itself when the window opens. A finding that the upgrade will trip over (a
removed API the channel's target no longer serves, a PDB that blocks the drain, a surge the
quota or subnet cannot take, a runtime the target's cgroup v2 nodes break) is then due at that
window, not at its own deadline: its deadline becomes the window's day in the team's time zone,
and one upgrade-window finding per cluster and window says what the window will meet.

Pure: findings, inventory values and an instant in; findings out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import replace

from aksnews.match.maintenance import NextWindow, auto_upgrade_window, node_recreation_window
from aksnews.match.stages import CHANNEL_TARGET
from aksnews.model.findings import Finding, Rule, Severity, finding_key
from aksnews.model.inventory import Cluster, UpgradeChannel
from aksnews.model.upgrade import MaintenanceWindow

PLANNED_MAINTENANCE_DOCS = "https://learn.microsoft.com/azure/aks/planned-maintenance"
# Rules whose findings any node re-creation trips over (Kubernetes or node image upgrade).
_DRAIN_RULES = frozenset({Rule.PDB_BLOCKS_DRAIN, Rule.SURGE_QUOTA, Rule.SURGE_IP})
# Rules whose findings only a version change trips over, when the channel moves the minor.
_VERSION_RULES = frozenset({Rule.REMOVED_API, Rule.CGROUP_V2_RUNTIME})
_MOVES_MINOR = frozenset({UpgradeChannel.STABLE, UpgradeChannel.RAPID})


def _window_for(
    finding: Finding,
    cluster: Cluster,
    windows: Sequence[MaintenanceWindow],
    after: dt.datetime,
    zone: str,
    explicit_target: bool,
) -> NextWindow | None:
    if finding.rule in _DRAIN_RULES:
        return node_recreation_window(cluster, windows, after, zone)
    # Version findings were computed against the channel's own target only without --target.
    moves = cluster.upgrade_channel in _MOVES_MINOR
    ahead = finding.rule is Rule.STAGE_ORDER and finding.object == CHANNEL_TARGET
    if (finding.rule in _VERSION_RULES or ahead) and not explicit_target and moves:
        return auto_upgrade_window(cluster, windows, after, zone)
    return None


def apply_windows(
    findings: Sequence[Finding],
    clusters: Sequence[Cluster],
    windows: Sequence[MaintenanceWindow],
    *,
    after: dt.datetime,
    zone_of: Callable[[Cluster], str],
    explicit_target: bool,
) -> list[Finding]:
    """The findings with deadlines moved to the windows that will meet them, plus one
    upgrade-window finding per cluster and window."""
    by_name = {c.name: c for c in clusters}
    out: list[Finding] = []
    met: dict[tuple[str, str], tuple[NextWindow, list[Finding]]] = {}
    for finding in findings:
        cluster = by_name.get(finding.cluster)
        window = (
            _window_for(finding, cluster, windows, after, zone_of(cluster), explicit_target)
            if cluster is not None
            else None
        )
        if window is None or (finding.deadline is not None and finding.deadline <= window.date):
            out.append(finding)
            continue
        moved = replace(finding, deadline=window.date)
        out.append(moved)
        key = (finding.cluster, window.window.name.value)
        met.setdefault(key, (window, []))[1].append(moved)
    for (cluster_name, name), (window, due) in sorted(met.items()):
        cluster = by_name[cluster_name]
        worst = min((f.severity for f in due), key=lambda s: s.rank)
        listed = "; ".join(f"{f.rule.value}: {f.title}" for f in due)
        channel = (
            f"upgrade channel {cluster.upgrade_channel.value}"
            if name != "aksManagedNodeOSUpgradeSchedule"
            else f"node OS channel {cluster.node_os_channel.value}"
        )
        out.append(
            Finding(
                key=finding_key(Rule.UPGRADE_WINDOW, cluster_name, None, name),
                rule=Rule.UPGRADE_WINDOW,
                severity=worst if worst is not Severity.INFO else Severity.WARNING,
                cluster=cluster_name,
                team=cluster.teams[0] if cluster.teams else due[0].team,
                title=(
                    f"The automatic upgrade in window {name} on {window.date} will meet "
                    f"{len(due)} unfixed {'finding' if len(due) == 1 else 'findings'}"
                ),
                why=f"{window.describe()}; {channel} upgrades the cluster then. Unfixed: {listed}.",
                action=(
                    f"Fix these before {window.local:%Y-%m-%d %H:%M %Z}, or move the window "
                    "(az aks maintenanceconfiguration update) or pause the channel until then."
                ),
                subject=name,
                deadline=window.date,
                links=(PLANNED_MAINTENANCE_DOCS,),
            )
        )
    return out
