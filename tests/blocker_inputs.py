"""The shop inventory of tests/data/blockers, read by the real collectors (no hand-built values).

shop-prod (az aks show) runs 1.24.9 on Ubuntu 18.04 pools, Azure CNI, channel stable with
NodeImage node OS upgrades; its manifests, quota, VM sizes, subnets and maintenance windows are
the other fixtures. The declarative file adds the team (Europe/London) and the stages.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from aksnews.inventory.az_capacity import AzOptions, read_az_file
from aksnews.inventory.declarative import load_inventory_file
from aksnews.inventory.manifests import scan_paths
from aksnews.inventory.merge import merge_clusters
from aksnews.inventory.workloads import combine
from aksnews.model.inventory import CollectResult, Inventory

DATA = Path(__file__).parent / "data" / "blockers"
AZ_FILES = (
    "shop-prod.aks.json",
    "usage.eastus.json",
    "skus.eastus.json",
    "subnet-system.json",
    "subnet-user.arm.json",
    "maintenance.json",
)
COLLECTED = dt.datetime(2026, 3, 20, 8, 0, tzinfo=dt.UTC)


def collected(
    az_files: tuple[str, ...] = AZ_FILES, *, manifests: bool = True
) -> list[CollectResult]:
    results = [
        read_az_file(DATA / name, now=COLLECTED, options=AzOptions(location="eastus"))[1]
        for name in az_files
    ]
    if manifests:
        results.append(scan_paths([DATA / "k8s"], cluster="shop-prod", now=COLLECTED))
    return results


def shop_inventory(az_files: tuple[str, ...] = AZ_FILES, *, manifests: bool = True) -> Inventory:
    declared = load_inventory_file(DATA / "inventory.yaml", now=COLLECTED - dt.timedelta(days=1))
    results = collected(az_files, manifests=manifests)
    return Inventory(
        teams=declared.teams,
        clusters=merge_clusters([*declared.clusters, *(c for r in results for c in r.clusters)]),
        api_uses=tuple(u for r in results for u in r.api_uses),
        default_team=declared.default_team,
        upgrade=combine(r.upgrade for r in results),
    )
