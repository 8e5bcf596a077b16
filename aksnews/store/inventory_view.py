"""Reading the inventory's statements, in plain SQL (aksnews.store.sql).

`check`, `plan` and the digest read the inventory on every run; on a SQLite file this runs on
Python's sqlite3 driver, without SQLAlchemy (its import was a third of a `check`). Writing the
inventory stays in inventory.py.
"""

from __future__ import annotations

import json
from dataclasses import replace

from aksnews.model.inventory import Cluster, Inventory, Team
from aksnews.model.inventory_codec import api_use_from, cluster_from, team_from
from aksnews.model.upgrade import VersionSeen
from aksnews.model.upgrade_codec import ITEM_TYPES, Item, inputs_of, item_from
from aksnews.store.sql import Store, aware

_UPGRADE_TYPES = frozenset(ITEM_TYPES.values())


def load_statements(store: Store) -> Inventory:
    """Every origin's statements: teams, API uses and upgrade inputs resolved, clusters one per
    origin's statement, oldest first (aksnews.inventory.merge.load_inventory merges them)."""
    with store.read() as sql:
        items = sql.rows(
            "SELECT item_type, name, payload FROM inventory_item ORDER BY collected_at, id"
        )
        seen = [
            VersionSeen(
                cluster=cluster,
                version=version,
                first_seen=aware(first_seen).isoformat(),
                last_seen=aware(last_seen).isoformat(),
            )
            for cluster, version, first_seen, last_seen in sql.rows(
                "SELECT cluster, version, first_seen, last_seen FROM version_seen"
                " ORDER BY cluster, version"
            )
        ]
        uses = [
            api_use_from(
                {
                    "cluster": cluster,
                    "apiVersion": api_version,
                    "kind": kind,
                    "evidence": evidence,
                    "location": location,
                    "namespace": namespace,
                    "name": name,
                    "provenance": {"origin": origin, "collected_at": aware(at).isoformat()},
                }
            )
            for cluster, api_version, kind, evidence, location, namespace, name, origin, at in (
                sql.rows(
                    "SELECT cluster, api_version, kind, evidence, location, namespace, name,"
                    " origin, collected_at FROM api_use ORDER BY id"
                )
            )
        ]
    teams: dict[str, Team] = {}
    clusters: list[Cluster] = []
    default_team = None
    # One value per (type, name): the newest origin's statement of it wins (items are read
    # oldest first), so a workload seen in manifests and on the live cluster counts once.
    upgrade_items: dict[tuple[str, str], Item] = {}
    for item_type, item_name, text in items:
        payload = json.loads(text)
        if item_type in _UPGRADE_TYPES:
            value = item_from(item_type, payload)
            if value is not None:
                upgrade_items[(item_type, item_name)] = value
        elif item_type == "team":
            teams[item_name] = team_from(payload)  # the newest statement of a team wins
        elif item_type == "cluster":
            clusters.append(cluster_from(payload))
        elif item_type == "default-team":
            default_team = item_name
    unique = {(u.cluster, u.api_version, u.kind, u.evidence, u.location): u for u in uses}
    return Inventory(
        teams=tuple(teams[name] for name in sorted(teams)),
        clusters=tuple(clusters),
        api_uses=tuple(unique.values()),
        default_team=default_team,
        upgrade=replace(inputs_of(list(upgrade_items.values())), versions_seen=tuple(seen)),
    )
