"""One picture from many origins: the declarative file plus what collectors observed.

The file says who owns what and how a cluster is meant to be set up; collectors (az, the live
cluster) say what it actually runs. So ownership (teams, namespaces) comes from every origin
together, and for settings and versions the most recently collected value an origin gave wins,
per field and per node pool. A setting with a default counts as given only when the origin
stated it (Cluster.stated): a later `none` upgrade channel read from Azure overrides the file's
`patch`, while an origin that says nothing about channels leaves it alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields, replace
from typing import TYPE_CHECKING

from aksnews.model.inventory import Cluster, Inventory, NodePool

if TYPE_CHECKING:
    from aksnews.store.handle import Archive

_OWNERSHIP = {"teams", "features", "namespaces", "node_pools", "name", "provenance", "stated"}


def _when(item: Cluster | NodePool) -> float:
    return item.provenance.collected_at.timestamp() if item.provenance else 0.0


def _merge_pools(pools: Iterable[NodePool]) -> tuple[NodePool, ...]:
    merged: dict[str, NodePool] = {}
    for pool in sorted(pools, key=_when):
        current = merged.get(pool.name)
        if current is None:
            merged[pool.name] = pool
            continue
        updates = {
            f.name: getattr(pool, f.name)
            for f in fields(NodePool)
            if f.name not in ("name",) and getattr(pool, f.name) is not None
        }
        merged[pool.name] = replace(current, **updates)
    return tuple(merged[name] for name in sorted(merged))


def _given(cluster: Cluster, defaults: Cluster, name: str) -> bool:
    """Whether this origin said something about the field (not None, not a silent default)."""
    value = getattr(cluster, name)
    if name in cluster.stated:
        return True
    return value is not None and value != getattr(defaults, name)


def merge_clusters(clusters: Iterable[Cluster]) -> tuple[Cluster, ...]:
    """Clusters with the same name from different origins, folded oldest to newest."""
    by_name: dict[str, list[Cluster]] = {}
    for cluster in clusters:
        by_name.setdefault(cluster.name, []).append(cluster)
    result = []
    for name in sorted(by_name):
        versions = sorted(by_name[name], key=_when)
        merged = versions[0]
        defaults = Cluster(name=name)
        for later in versions[1:]:
            updates = {
                f.name: getattr(later, f.name)
                for f in fields(Cluster)
                if f.name not in _OWNERSHIP and _given(later, defaults, f.name)
            }
            stated = merged.stated | later.stated
            merged = replace(merged, **updates, provenance=later.provenance, stated=stated)
        result.append(
            replace(
                merged,
                teams=tuple(dict.fromkeys(t for c in versions for t in c.teams)),
                features=tuple(sorted({f for c in versions for f in c.features})),
                namespaces=tuple(sorted({ns for c in versions for ns in c.namespaces})),
                node_pools=_merge_pools(p for c in versions for p in c.node_pools),
            )
        )
    return tuple(result)


def load_inventory(archive: Archive) -> Inventory:
    """The merged picture of every origin the archive holds."""
    statements = archive.inventory_statements()
    return replace(statements, clusters=merge_clusters(statements.clusters))
