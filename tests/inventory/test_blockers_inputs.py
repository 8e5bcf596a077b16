"""The inputs of the upgrade-blocker rules, read from hand-written az output and manifests.

Each az fixture in tests/data/blockers exists in the casing `az` prints and, where the REST API
answers differently, in ARM's (a `properties` envelope, a `value` list, numbers as numbers);
both must give the same values. Expected values are read from the fixtures in the tests.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from test_inventory_helm import dump, good

from aksnews.inventory.az_capacity import AzOptions, AzShape, classify, read_az_file
from aksnews.inventory.declarative import InventoryError, load_inventory_file
from aksnews.inventory.helm import read_helm_secrets
from aksnews.inventory.manifests import scan_paths
from aksnews.model.upgrade import WindowName, WindowRule

DATA = Path(__file__).parent.parent / "data" / "blockers"
NOW = dt.datetime(2026, 3, 20, 8, 0, tzinfo=dt.UTC)
EAST = AzOptions(location="eastus")


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("name", "shape"),
    [
        ("shop-prod.aks.json", AzShape.CLUSTERS),
        ("usage.eastus.json", AzShape.USAGE),
        ("usage.eastus.arm.json", AzShape.USAGE),
        ("skus.eastus.json", AzShape.SKUS),
        ("subnet-system.json", AzShape.SUBNETS),
        ("subnet-user.arm.json", AzShape.SUBNETS),
        ("maintenance.json", AzShape.MAINTENANCE),
        ("maintenance.arm.json", AzShape.MAINTENANCE),
    ],
)
def test_each_az_output_is_recognised_by_its_shape(name: str, shape: AzShape) -> None:
    assert classify(load(name)) is shape


def test_cluster_pools_carry_surge_settings_size_and_subnet() -> None:
    shape, result = read_az_file(DATA / "shop-prod.aks.json", now=NOW)
    assert shape is AzShape.CLUSTERS and result.warnings == ()
    (cluster,) = result.clusters
    assert "azure-cni" in cluster.features  # networkPlugin azure, no overlay mode
    raw = {p["name"]: p for p in load("shop-prod.aks.json")["agentPoolProfiles"]}
    for pool in cluster.node_pools:
        given = raw[pool.name]
        settings = given["upgradeSettings"]
        assert (pool.vm_size, pool.count, pool.max_pods) == (
            given["vmSize"],
            given["count"],
            given["maxPods"],
        )
        assert (pool.max_surge, pool.drain_timeout_minutes, pool.node_soak_minutes) == (
            settings["maxSurge"],
            settings["drainTimeoutInMinutes"],
            settings["nodeSoakDurationInMinutes"],
        )
        assert pool.subnet_id == given["vnetSubnetId"]


def test_usage_needs_a_location_and_keeps_only_vcpu_rows() -> None:
    _, missing = read_az_file(DATA / "usage.eastus.json", now=NOW)
    assert missing.read == 0 and missing.upgrade.quotas == ()
    (warning,) = missing.warnings
    assert warning.source == str(DATA / "usage.eastus.json")
    assert "--location" in warning.message and "surge-quota" in warning.message

    _, az = read_az_file(DATA / "usage.eastus.json", now=NOW, options=EAST)
    _, arm = read_az_file(DATA / "usage.eastus.arm.json", now=NOW, options=EAST)
    rows = load("usage.eastus.json")
    vcpu_rows = [r for r in rows if r["name"]["value"] == "cores" or "Family" in r["name"]["value"]]
    assert [(q.family, q.limit, q.used) for q in az.upgrade.quotas] == [
        (r["name"]["value"], int(r["limit"]), int(r["currentValue"])) for r in vcpu_rows
    ]
    assert {q.region for q in az.upgrade.quotas} == {"eastus"}

    def bare(result: Any) -> list[Any]:
        return [dataclasses.replace(q, source="", provenance=None) for q in result.upgrade.quotas]

    assert bare(az) == bare(arm)


def test_skus_give_family_and_vcpus_of_vm_sizes_only() -> None:
    _, result = read_az_file(DATA / "skus.eastus.json", now=NOW)
    vms = [s for s in load("skus.eastus.json") if s["resourceType"] == "virtualMachines"]
    assert [(s.size, s.family, s.vcpus, s.region) for s in result.upgrade.skus] == [
        (
            s["name"],
            s["family"],
            int(next(c["value"] for c in s["capabilities"] if c["name"] == "vCPUs")),
            "eastus",
        )
        for s in vms
    ]


def test_subnets_in_both_casings_and_a_partial_answer() -> None:
    _, system = read_az_file(DATA / "subnet-system.json", now=NOW)
    _, user = read_az_file(DATA / "subnet-user.arm.json", now=NOW)
    (a,) = system.upgrade.subnets
    (b,) = user.upgrade.subnets
    raw_a, raw_b = load("subnet-system.json"), load("subnet-user.arm.json")
    assert (a.id, a.address_prefix, a.used) == (
        raw_a["id"],
        raw_a["addressPrefix"],
        len(raw_a["ipConfigurations"]),
    )
    assert (b.id, b.address_prefix, b.used) == (
        raw_b["id"],
        raw_b["properties"]["addressPrefix"],
        len(raw_b["properties"]["ipConfigurations"]),
    )
    _, partial = read_az_file(DATA / "subnet-partial.json", now=NOW)
    assert partial.read == 0 and partial.upgrade.subnets == ()
    (warning,) = partial.warnings
    assert warning.source == str(DATA / "subnet-partial.json")
    assert (
        warning.message == "subnet snet-shop-spare: no ipConfigurations; its free IPs are unknown"
    )


def test_maintenance_configurations_in_both_casings() -> None:
    _, result = read_az_file(DATA / "maintenance.json", now=NOW)
    windows = {w.name: w for w in result.upgrade.windows}
    assert set(windows) == set(WindowName)
    assert {w.cluster for w in windows.values()} == {"shop-prod"}  # from the ids
    default = windows[WindowName.DEFAULT]
    assert default.rules == (WindowRule(kind="timeInWeek", day_of_week="Saturday", hours=(1, 2)),)
    assert default.not_allowed == (("2026-12-24T00:00:00Z", "2026-12-27T00:00:00Z"),)
    auto = windows[WindowName.AUTO_UPGRADE]
    assert auto.rules == (WindowRule(kind="weekly", interval=1, day_of_week="Saturday"),)
    assert (auto.start_time, auto.utc_offset, auto.duration_hours, auto.start_date) == (
        "23:30",
        "+00:00",
        4,
        "2026-01-03",
    )
    assert auto.not_allowed == (("2026-12-19", "2027-01-03"),)
    node_os = windows[WindowName.NODE_OS]
    assert node_os.rules == (
        WindowRule(kind="relativeMonthly", interval=1, day_of_week="Sunday", week_index="Last"),
    )

    _, arm = read_az_file(DATA / "maintenance.arm.json", now=NOW)
    (window,) = arm.upgrade.windows
    assert (window.cluster, window.name, window.utc_offset, window.start_time) == (
        "prod-east",
        WindowName.AUTO_UPGRADE,
        "+05:30",
        "22:00",
    )
    assert window.rules == (
        WindowRule(kind="relativeMonthly", interval=2, day_of_week="Tuesday", week_index="First"),
    )


def test_maintenance_without_id_needs_the_cluster(tmp_path: Path) -> None:
    entry = {k: v for k, v in load("maintenance.json")[1].items() if k != "id"}
    path = tmp_path / "show.json"
    path.write_text(json.dumps(entry), encoding="utf-8")
    _, without = read_az_file(path, now=NOW)
    assert without.upgrade.windows == ()
    assert [w.message for w in without.warnings] == [
        "aksManagedAutoUpgradeSchedule: no cluster in its id; give --cluster"
    ]
    _, given = read_az_file(path, now=NOW, options=AzOptions(cluster="shop-prod"))
    assert [w.cluster for w in given.upgrade.windows] == ["shop-prod"]


def test_manifests_give_workloads_budgets_and_services() -> None:
    result = scan_paths([DATA / "k8s"], cluster="shop-prod", now=NOW)
    up = result.upgrade
    assert sorted(w.label for w in up.workloads) == [
        "Deployment data/invoice-worker",
        "Deployment data/session-cache",
        "Deployment shop/catalog",
        "Deployment shop/checkout",
        "StatefulSet data/orders-db",
    ]
    checkout = next(w for w in up.workloads if w.name == "checkout")
    assert checkout.replicas == 2 and checkout.location == f"{DATA / 'k8s' / 'checkout.yaml'}:3"
    assert checkout.pod_labels == (
        ("app.kubernetes.io/name", "checkout"),
        ("app.kubernetes.io/part-of", "shop"),
    )
    catalog = next(w for w in up.workloads if w.name == "catalog")
    (web,) = catalog.containers
    assert (web.image, web.ports, web.readiness_probe, web.pre_stop) == (
        "eclipse-temurin:17-jre",
        (8080,),
        True,
        True,
    )
    assert catalog.termination_grace_seconds == 45
    budgets = {b.name: b for b in up.budgets}
    assert (budgets["checkout"].min_available, budgets["checkout"].max_unavailable) == ("2", None)
    assert budgets["catalog"].max_unavailable == "10%"
    db = budgets["orders-db"]
    assert db.selector is not None and db.selector.expressions == (
        ("app", "In", ("orders-db",)),
        ("tier", "Exists", ()),
    )
    assert {(s.namespace, s.name) for s in up.services} == {
        ("shop", "checkout"),
        ("shop", "catalog"),
    }


def test_helm_releases_give_workloads_in_the_release_namespace(tmp_path: Path) -> None:
    text = (
        (DATA / "k8s" / "catalog.yaml")
        .read_text(encoding="utf-8")
        .replace("  namespace: shop\n", "")
    )
    text = text.replace("metadata: {name: catalog, namespace: shop}", "metadata: {name: catalog}")
    path = dump(tmp_path, good("catalog", "storefront", 4, "deployed", text))
    up = read_helm_secrets(path, cluster="shop-prod", now=NOW).upgrade
    assert [(w.label, w.replicas, w.location) for w in up.workloads] == [
        ("Deployment storefront/catalog", 3, "helm:storefront/catalog rev 4: doc 1")
    ]
    assert [(b.namespace, b.name, b.max_unavailable) for b in up.budgets] == [
        ("storefront", "catalog", "10%")
    ]


def test_the_inventory_file_may_state_pool_sizes_surge_and_stages(tmp_path: Path) -> None:
    path = tmp_path / "inventory.yaml"
    path.write_text(
        "clusters:\n"
        "  - name: edge\n"
        "    region: westeurope\n"
        "    stage: Staging\n"
        "    soakDays: 5\n"
        "    nodePools:\n"
        "      - name: user\n"
        "        vmSize: Standard_D4s_v5\n"
        "        count: 6\n"
        "        maxPods: 50\n"
        "        upgradeSettings: {maxSurge: 33%, drainTimeoutInMinutes: 20}\n",
        encoding="utf-8",
    )
    (cluster,) = load_inventory_file(path, now=NOW).clusters
    assert (cluster.stage, cluster.soak_days) == ("staging", 5)
    (pool,) = cluster.node_pools
    assert (pool.vm_size, pool.count, pool.max_pods, pool.max_surge) == (
        "Standard_D4s_v5",
        6,
        50,
        "33%",
    )
    assert (pool.drain_timeout_minutes, pool.node_soak_minutes) == (20, None)
    path.write_text(
        path.read_text(encoding="utf-8").replace("maxSurge: 33%", "maxSurge: lots"),
        encoding="utf-8",
    )
    with pytest.raises(InventoryError) as caught:
        load_inventory_file(path, now=NOW)
    assert (
        f"{path}:11: clusters[0].nodePools[0].upgradeSettings.maxSurge: 'lots' is not a node count"
        in str(caught.value)
    )
