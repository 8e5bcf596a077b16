"""Storing the inventory: each origin's statement replaces that origin's previous one."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aksnews.model.inventory import ApiUse, Cluster, Team
from aksnews.model.inventory_codec import (
    api_use_json,
    cluster_json,
    team_json,
)
from aksnews.model.upgrade import UpgradeInputs
from aksnews.model.upgrade_codec import (
    ITEM_TYPES,
    item_json,
    item_name,
    items_of,
)
from aksnews.store.schema import ApiUseRow, Base, InventoryItemRow, VersionSeenRow
from aksnews.store.sql import aware

_TABLES = Base.metadata.tables
_UPGRADE_TYPES = frozenset(ITEM_TYPES.values())


def replace_origin(
    engine: Engine,
    origin: str,
    *,
    collected_at: dt.datetime,
    teams: Sequence[Team] = (),
    clusters: Sequence[Cluster] = (),
    api_uses: Sequence[ApiUse] = (),
    default_team: str | None = None,
    upgrade: UpgradeInputs | None = None,
) -> None:
    """Replace everything `origin` said before with what it says now, in one transaction."""
    extra = _upgrade_rows(origin, upgrade or UpgradeInputs(), collected_at)
    items = (
        extra
        + [
            {
                "origin": origin,
                "item_type": "team",
                "name": t.name,
                "collected_at": collected_at,
                "payload": json.dumps(team_json(t)),
            }
            for t in teams
        ]
        + [
            {
                "origin": origin,
                "item_type": "cluster",
                "name": c.name,
                "collected_at": collected_at,
                "payload": json.dumps(cluster_json(c)),
            }
            for c in clusters
        ]
    )
    if default_team is not None:
        items.append(
            {
                "origin": origin,
                "item_type": "default-team",
                "name": default_team,
                "collected_at": collected_at,
                "payload": "{}",
            }
        )
    uses = [
        {
            "origin": origin,
            "cluster": u.cluster,
            "api_version": u.api_version,
            "kind": u.kind,
            "evidence": u.evidence.value,
            "location": u.location,
            "namespace": u.namespace,
            "name": u.name,
            "collected_at": collected_at,
        }
        for u in api_uses
    ]
    with Session(engine) as session, session.begin():
        session.execute(delete(InventoryItemRow).where(InventoryItemRow.origin == origin))
        session.execute(delete(ApiUseRow).where(ApiUseRow.origin == origin))
        conn = session.connection()
        if items:
            conn.execute(insert(_TABLES["inventory_item"]), items)
        if uses:
            conn.execute(insert(_TABLES["api_use"]), uses)
        _record_versions(session, clusters, collected_at)


def _upgrade_rows(
    origin: str, inputs: UpgradeInputs, collected_at: dt.datetime
) -> list[dict[str, object]]:
    """Inventory item rows for what a collector said about upgrade blockers."""
    return [
        {
            "origin": origin,
            "item_type": ITEM_TYPES[type(item)],
            "name": item_name(item),
            "collected_at": collected_at,
            "payload": json.dumps(item_json(item)),
        }
        for item in items_of(inputs)
    ]


def _record_versions(
    session: Session, clusters: Sequence[Cluster], collected_at: dt.datetime
) -> None:
    """Widen each (cluster, version) span to include `collected_at` (inside the caller's
    transaction, so a concurrent import of the same origin waits on its lock)."""
    for cluster in clusters:
        if cluster.kubernetes_version is None:
            continue
        key = (cluster.name, cluster.kubernetes_version)
        row = session.get(VersionSeenRow, key)
        if row is None:
            try:
                with session.begin_nested():  # another import may add the same row meanwhile
                    session.add(
                        VersionSeenRow(
                            cluster=key[0],
                            version=key[1],
                            first_seen=collected_at,
                            last_seen=collected_at,
                        )
                    )
                continue
            except IntegrityError:
                row = session.get(VersionSeenRow, key, populate_existing=True)
                if row is None:  # pragma: no cover - deleted in between; nothing to widen
                    continue
        row.first_seen = min(aware(row.first_seen), collected_at)
        row.last_seen = max(aware(row.last_seen), collected_at)


__all__ = ["api_use_json", "replace_origin"]


def replace_api_uses(
    engine: Engine,
    by_origin: Mapping[str, Sequence[ApiUse]],
    *,
    collected_at: dt.datetime,
    family: str,
    replace_family: bool = False,
    upgrade_by_origin: Mapping[str, UpgradeInputs] | None = None,
) -> tuple[str, ...]:
    """Replace what each origin said about API uses and workloads, in one transaction.

    Origins of one family share a prefix ('scan:prod-east:'); with `replace_family` every other
    origin of the family goes too (a scan with --replace forgets the folders scanned before).
    `upgrade_by_origin` holds the workloads, budgets and services each origin's manifests
    define. Returns the family's origins that now hold evidence, so the caller can say where
    the cluster's evidence comes from.
    """
    items = [
        row
        for origin, inputs in (upgrade_by_origin or {}).items()
        for row in _upgrade_rows(origin, inputs, collected_at)
    ]
    rows = [
        {
            "origin": origin,
            "cluster": u.cluster,
            "api_version": u.api_version,
            "kind": u.kind,
            "evidence": u.evidence.value,
            "location": u.location,
            "namespace": u.namespace,
            "name": u.name,
            "collected_at": collected_at,
        }
        for origin, uses in by_origin.items()
        for u in uses
    ]
    origins = list(by_origin)
    with Session(engine) as session, session.begin():
        in_family = ApiUseRow.origin.startswith(family, autoescape=True)
        items_in_family = InventoryItemRow.origin.startswith(family, autoescape=True)
        if replace_family:
            session.execute(delete(ApiUseRow).where(in_family))
            session.execute(delete(InventoryItemRow).where(items_in_family))
        session.execute(delete(ApiUseRow).where(ApiUseRow.origin.in_(origins)))
        session.execute(delete(InventoryItemRow).where(InventoryItemRow.origin.in_(origins)))
        if rows:
            session.connection().execute(insert(_TABLES["api_use"]), rows)
        if items:
            session.connection().execute(insert(_TABLES["inventory_item"]), items)
        found = session.scalars(select(ApiUseRow.origin).where(in_family).distinct())
        return tuple(sorted(found))
