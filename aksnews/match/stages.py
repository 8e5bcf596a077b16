"""stage-order: production runs, or its channel will take it to, a minor staging has not soaked.

The recommended order (DOMAIN.md, "How good teams work"): upgrade a staging cluster first and
let it run the new version for a while (Fleet Manager's wait between stages, e.g. 3 days)
before production follows. Stages come from the inventory file (`stage`, `soakDays`); how long
a staging cluster has run a minor comes from the versions aksnews saw it report over time
(VersionSeen), so a minor staging passed through before aksnews watched it is not known.

Versions are compared by minor: staging has soaked 1.30 when it ran any 1.30 patch for the
soak time. A production minor is judged at the moment aksnews saw production move to it; one
production already ran when aksnews first saw it cannot be judged and is left alone. Pure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence

from aksnews.knowledge.lifecycle import minor_of
from aksnews.model.findings import ClusterScope, Finding, Rule, Severity, Unchecked, finding_key
from aksnews.model.inventory import Cluster, UpgradeChannel
from aksnews.model.upgrade import VersionSeen

PRODUCTION, STAGING = "production", "staging"
CHANNEL_TARGET = "channel target"  # Finding.object of a minor the channel has yet to reach
DEFAULT_SOAK_DAYS = 3  # the talk's example of a Fleet Manager wait between stages
FLEET_DOCS = "https://learn.microsoft.com/azure/kubernetes-fleet/update-orchestration"


def soaked_days(
    staging: Cluster, minor: str, seen: Sequence[VersionSeen], until: dt.datetime
) -> float | None:
    """How long `staging` is known to have run `minor` by `until`, in days; None if never."""
    entries = [e for e in seen if e.cluster == staging.name and minor_of(e.version) == minor]
    if not entries:
        return None
    start = min(dt.datetime.fromisoformat(e.first_seen) for e in entries)
    # Still on that minor: it has run it until now, not only until the last import.
    current = minor_of(staging.kubernetes_version or "") == minor
    end = until if current else max(dt.datetime.fromisoformat(e.last_seen) for e in entries)
    return max(0.0, (min(end, until) - start).total_seconds() / 86400)


def _reached(cluster: Cluster, minor: str, seen: Sequence[VersionSeen]) -> dt.datetime | None:
    """When aksnews saw the cluster move to `minor`; None when it already ran it when first
    seen (the move happened before aksnews watched, so nothing can be said about it)."""
    mine = [e for e in seen if e.cluster == cluster.name]
    on = [dt.datetime.fromisoformat(e.first_seen) for e in mine if minor_of(e.version) == minor]
    if not on:
        return None
    first_ever = min(dt.datetime.fromisoformat(e.first_seen) for e in mine)
    return min(on) if min(on) > first_ever else None


def stage_order(
    scopes: Sequence[ClusterScope],
    targets: Mapping[str, str],
    seen: Sequence[VersionSeen],
    now: dt.datetime,
    notes: list[Unchecked],
) -> Iterator[Finding]:
    """Findings for production clusters; `targets` maps a cluster to its channel's minor."""
    staging = [s.cluster for s in scopes if s.cluster.stage == STAGING]
    for scope in scopes:
        cluster = scope.cluster
        if cluster.stage != PRODUCTION:
            continue
        if not staging:
            notes.append(Unchecked(Rule.STAGE_ORDER, cluster.name, "no cluster has stage: staging"))
            continue
        # (minor, how production gets it, the moment staging must have soaked it by)
        wanted: list[tuple[str, str, dt.datetime]] = []
        current = minor_of(cluster.kubernetes_version or "")
        reached = _reached(cluster, current, seen) if current else None
        if current and reached is not None:
            wanted.append((current, "moved to", reached))
        target = targets.get(cluster.name)
        moves = cluster.upgrade_channel in (UpgradeChannel.STABLE, UpgradeChannel.RAPID)
        if target and target != current and moves:
            how = f"will be taken by upgrade channel {cluster.upgrade_channel} to"
            wanted.append((target, how, now))
        for minor, how, by in wanted:
            runs = {s.name: soaked_days(s, minor, seen, by) for s in staging}
            need = {
                s.name: s.soak_days if s.soak_days is not None else DEFAULT_SOAK_DAYS
                for s in staging
            }
            if any(d is not None and d >= need[name] for name, d in runs.items()):
                continue
            if all(d is None for d in runs.values()) and not any(e.cluster in runs for e in seen):
                notes.append(
                    Unchecked(
                        Rule.STAGE_ORDER,
                        cluster.name,
                        "no version history of the staging clusters yet (aksnews records "
                        "versions as inventories are imported)",
                    )
                )
                break
            known = "; ".join(
                f"{name}: "
                + (f"never seen on {minor}" if d is None else f"{d:.1f} of {need[name]} days")
                for name, d in sorted(runs.items())
            )
            yield Finding(
                key=finding_key(Rule.STAGE_ORDER, cluster.name, None, minor),
                rule=Rule.STAGE_ORDER,
                severity=Severity.WARNING,
                cluster=cluster.name,
                team=scope.team,
                title=f"Production cluster {cluster.name} {how} {minor} before staging soaked it",
                why=f"No staging cluster has run {minor} for its soak time ({known}).",
                action=(
                    f"Upgrade a staging cluster to {minor} first and let it run for the soak "
                    "time before production; pause production's channel or move its window "
                    "until then (Fleet Manager update runs order stages with a wait)."
                ),
                subject=minor,
                object=CHANNEL_TARGET if by == now else None,
                links=(FLEET_DOCS,),
            )
