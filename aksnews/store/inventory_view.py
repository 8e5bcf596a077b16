"""Reading the inventory's statements on Core tables.

`check`, `plan` and the digest read the inventory on every run; through the ORM classes of
schema.py they imported sqlalchemy.orm and the mapped schema (~100 ms of a `check`). Writing
the inventory stays in inventory.py.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

from sqlalchemy import Engine, select

from aksnews.model.inventory import Cluster, Inventory, Team
from aksnews.model.inventory_codec import api_use_from, cluster_from, team_from
from aksnews.model.upgrade import VersionSeen
from aksnews.model.upgrade_codec import ITEM_TYPES, Item, inputs_of, item_from
from aksnews.store.tables import api_use, inventory_item, version_seen

_UPGRADE_TYPES = frozenset(ITEM_TYPES.values())


def load_statements(engine: Engine) -> Inventory:
    """Every origin's statements: teams, API uses and upgrade inputs resolved, clusters one per
    origin's statement, oldest first (aksnews.inventory.merge.load_inventory merges them)."""
    with engine.connect() as conn:
        items = list(
            conn.execute(
                select(inventory_item).order_by(inventory_item.c.collected_at, inventory_item.c.id)
            )
        )
        seen = [
            VersionSeen(
                cluster=v.cluster,
                version=v.version,
                first_seen=aware(v.first_seen).isoformat(),
                last_seen=aware(v.last_seen).isoformat(),
            )
            for v in conn.execute(
                select(version_seen).order_by(version_seen.c.cluster, version_seen.c.version)
            )
        ]
        uses = [
            api_use_from(
                {
                    "cluster": u.cluster,
                    "apiVersion": u.api_version,
                    "kind": u.kind,
                    "evidence": u.evidence,
                    "location": u.location,
                    "namespace": u.namespace,
                    "name": u.name,
                    "provenance": {
                        "origin": u.origin,
                        "collected_at": aware(u.collected_at).isoformat(),
                    },
                }
            )
            for u in conn.execute(select(api_use).order_by(api_use.c.id))
        ]
    teams: dict[str, Team] = {}
    clusters: list[Cluster] = []
    default_team = None
    # One value per (type, name): the newest origin's statement of it wins (items are read
    # oldest first), so a workload seen in manifests and on the live cluster counts once.
    upgrade_items: dict[tuple[str, str], Item] = {}
    for item in items:
        payload = json.loads(item.payload)
        if item.item_type in _UPGRADE_TYPES:
            value = item_from(item.item_type, payload)
            if value is not None:
                upgrade_items[(item.item_type, item.name)] = value
        elif item.item_type == "team":
            teams[item.name] = team_from(payload)  # the newest statement of a team wins
        elif item.item_type == "cluster":
            clusters.append(cluster_from(payload))
        elif item.item_type == "default-team":
            default_team = item.name
    unique = {(u.cluster, u.api_version, u.kind, u.evidence, u.location): u for u in uses}
    return Inventory(
        teams=tuple(teams[name] for name in sorted(teams)),
        clusters=tuple(clusters),
        api_uses=tuple(unique.values()),
        default_team=default_team,
        upgrade=replace(inputs_of(list(upgrade_items.values())), versions_seen=tuple(seen)),
    )


def aware(value: dt.datetime) -> dt.datetime:
    # SQLite returns naive datetimes for timezone-aware columns; everything stored is UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
