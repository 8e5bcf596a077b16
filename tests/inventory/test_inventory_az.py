"""Importing `az aks show` / `az aks list` JSON: both casings, features, and bad files."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from aksnews.inventory.az import import_az
from aksnews.inventory.declarative import load_inventory_file
from aksnews.model.inventory import (
    Cluster,
    CollectorWarning,
    NodeOSChannel,
    NodePool,
    Provenance,
    SupportPlan,
    UpgradeChannel,
)

DATA = Path(__file__).parent.parent / "data"
ARM_SHOW = DATA / "az" / "prod-east.arm.json"
AZ_LIST = DATA / "az" / "list.json"
NOW = dt.datetime(2025, 10, 6, 8, 0, tzinfo=dt.UTC)


def _without_provenance(cluster: Cluster) -> Cluster:
    pools = tuple(dataclasses.replace(p, provenance=None) for p in cluster.node_pools)
    return dataclasses.replace(cluster, node_pools=pools, provenance=None)


def test_arm_shaped_show_by_value() -> None:
    result = import_az([ARM_SHOW], now=NOW)
    provenance = Provenance(origin=f"az:{ARM_SHOW}", collected_at=NOW)
    assert (result.read, result.skipped, result.warnings) == (1, 0, ())
    assert result.extra == {"files": 1}
    assert result.clusters == (
        Cluster(
            name="prod-east",
            teams=("payments",),
            region="eastus",
            kubernetes_version="1.29.4",  # currentKubernetesVersion, not kubernetesVersion '1.29'
            support_plan=SupportPlan.KUBERNETES_OFFICIAL,
            upgrade_channel=UpgradeChannel.PATCH,
            node_os_channel=NodeOSChannel.NODE_IMAGE,
            node_pools=(
                NodePool(
                    name="system",
                    mode="System",
                    os_type="Linux",
                    os_sku="Ubuntu",
                    orchestrator_version="1.29.4",
                    node_image_version="AKSUbuntu-2204gen2containerd-202405.03.0",
                    provenance=provenance,
                    vm_size="Standard_D4ds_v5",
                    count=3,
                    max_surge="33%",  # ARM casing: upgradeSettings, vnetSubnetID
                    drain_timeout_minutes=30,
                    node_soak_minutes=5,
                    max_pods=110,
                    subnet_id="/subscriptions/6f1c2a4e-8d3b-4c7a-9e15-2b7f0c9d4a31/resourceGroups/"
                    "rg-payments-prod/providers/Microsoft.Network/virtualNetworks/vnet-prod-east/"
                    "subnets/snet-aks-nodes",
                ),
                NodePool(
                    name="win19",
                    mode="User",
                    os_type="Windows",
                    os_sku="Windows2019",
                    orchestrator_version="1.29.4",
                    node_image_version="AKSWindows-2019-containerd-17763.5820.240516",
                    provenance=provenance,
                    vm_size="Standard_D8s_v5",
                    count=2,
                    max_pods=30,
                ),
            ),
            features=("azure-cni-overlay", "istio:asm-1-22", "keda", "windows2019"),
            provenance=provenance,
        ),
    )


def test_az_list_by_value() -> None:
    result = import_az([AZ_LIST], now=NOW)
    listed = json.loads(AZ_LIST.read_text())
    assert result.read == len(listed) == len(result.clusters)
    assert result.warnings == ()
    legacy, prod, lts = result.clusters
    assert [c.name for c in result.clusters] == [item["name"] for item in listed]

    assert legacy.teams == ("platform",)  # from the owner tag
    assert legacy.kubernetes_version == "1.24.9"
    assert legacy.upgrade_channel is UpgradeChannel.NONE
    assert legacy.node_os_channel is NodeOSChannel.UNMANAGED
    assert legacy.features == ("basic-load-balancer", "kubenet")
    assert [p.node_image_version for p in legacy.node_pools] == [
        "AKSUbuntu-1804gen2containerd-2023.02.15"
    ]

    assert lts.kubernetes_version == "1.30.101-akslts"  # az reports 1.30.101
    assert lts.support_plan is SupportPlan.AKS_LONG_TERM_SUPPORT
    assert lts.node_os_channel is NodeOSChannel.SECURITY_PATCH
    assert [(p.name, p.os_sku, p.orchestrator_version) for p in lts.node_pools] == [
        ("system", "Ubuntu", "1.30.101-akslts"),
        ("azl", "AzureLinux", "1.30.101-akslts"),
    ]
    # The disabled azurepolicy add-on is not a feature; the enabled Key Vault provider is.
    assert lts.features == ("addon:azurekeyvaultsecretsprovider", "azure-cni-overlay", "cilium")
    assert all(c.provenance == Provenance(f"az:{AZ_LIST}", NOW) for c in result.clusters)
    assert prod.name == "prod-east"


def test_arm_and_az_casing_give_the_same_cluster() -> None:
    (from_arm,) = import_az([ARM_SHOW], now=NOW).clusters
    from_az = next(c for c in import_az([AZ_LIST], now=NOW).clusters if c.name == "prod-east")
    assert _without_provenance(from_arm) == _without_provenance(from_az)


def test_az_agrees_with_the_declarative_inventory() -> None:
    declared = load_inventory_file(DATA / "inventory.yaml", now=NOW)
    observed = import_az([AZ_LIST], now=NOW)
    assert {c.name for c in observed.clusters} == {c.name for c in declared.clusters}
    for seen in observed.clusters:
        written = declared.cluster(seen.name)
        assert written is not None
        assert set(seen.teams) <= set(written.teams)
        assert set(seen.features) == set(written.features)
        same = ("region", "kubernetes_version", "support_plan", "upgrade_channel")
        assert [getattr(seen, f) for f in same] == [getattr(written, f) for f in same]
        assert seen.node_os_channel == written.node_os_channel
        # The file says nothing of sizes and surge settings: only az knows those.
        declared_only = [
            dataclasses.replace(
                p,
                **{f.name: None for f in dataclasses.fields(p) if f.name in _AZ_ONLY},
            )
            for p in _without_provenance(seen).node_pools
        ]
        assert tuple(declared_only) == _without_provenance(written).node_pools


_AZ_ONLY = {
    "vm_size",
    "count",
    "max_surge",
    "drain_timeout_minutes",
    "node_soak_minutes",
    "max_pods",
    "subnet_id",
    "pod_subnet_id",
}


def _cluster_json(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "c1",
        "type": "Microsoft.ContainerService/ManagedClusters",
        "location": "japaneast",
        "kubernetesVersion": "1.31.2",
        "agentPoolProfiles": [],
    }
    return base | fields


@pytest.mark.parametrize(
    ("fields", "attribute", "expected"),
    [
        ({}, "kubernetes_version", "1.31.2"),  # only the alias given
        ({"currentKubernetesVersion": "1.31.3"}, "kubernetes_version", "1.31.3"),
        ({"autoUpgradeProfile": None}, "upgrade_channel", UpgradeChannel.NONE),
        ({"autoUpgradeProfile": {"upgradeChannel": "node-image"}}, "upgrade_channel", "node-image"),
        ({"nodeOSUpgradeChannel": "SecurityPatch"}, "node_os_channel", "SecurityPatch"),
        ({"tags": {"teams": "payments, platform"}}, "teams", ("payments", "platform")),
        ({"tags": {"Team": "payments", "owner": "x"}}, "teams", ("payments",)),
        ({"tags": None}, "teams", ()),
        (
            {"networkProfile": {"networkPlugin": "azure", "networkPolicy": "azure"}},
            "features",
            ("azure-cni", "azure-npm"),
        ),
        (
            {"networkProfile": {"networkPlugin": "none", "networkPolicy": "calico"}},
            "features",
            ("byo-cni", "calico"),
        ),
        (
            {
                "serviceMeshProfile": {
                    "mode": "Istio",
                    "istio": {"revisions": ["asm-1-26", "asm-1-27"]},
                }
            },
            "features",
            ("istio:asm-1-26", "istio:asm-1-27"),
        ),
        (
            {"serviceMeshProfile": {"mode": "Disabled", "istio": None}},
            "features",
            (),
        ),
        (
            {"workloadAutoScalerProfile": {"keda": {"enabled": False}}},
            "features",
            (),
        ),
        (
            {"nodeProvisioningProfile": {"mode": "Auto"}},
            "features",
            ("node-auto-provisioning",),
        ),
        (
            {"nodeProvisioningProfile": {"mode": "Manual"}},
            "features",
            (),
        ),
        (
            # Older clusters omit osSku on Windows pools: the image's build says 2019.
            {
                "agentPoolProfiles": [
                    {
                        "name": "win",
                        "osType": "Windows",
                        "nodeImageVersion": "AKSWindows-2019-containerd-17763.5576.240316",
                    }
                ]
            },
            "features",
            ("windows2019",),
        ),
        (
            {"agentPoolProfiles": [{"name": "w22", "osType": "Windows", "osSku": "Windows2022"}]},
            "features",
            ("windows2022",),
        ),
    ],
)
def test_fields_and_features(
    tmp_path: Path, fields: dict[str, Any], attribute: str, expected: object
) -> None:
    path = tmp_path / "show.json"
    path.write_text(json.dumps(_cluster_json(**fields)))
    result = import_az([path], now=NOW)
    assert result.warnings == ()
    assert getattr(result.clusters[0], attribute) == expected


def test_odd_values_become_warnings_and_defaults(tmp_path: Path) -> None:
    path = tmp_path / "show.json"
    odd = _cluster_json(
        currentKubernetesVersion="latest",
        supportPlan="Platinum",
        autoUpgradeProfile={"upgradeChannel": "weekly"},
        agentPoolProfiles=[{"count": 3}, {"name": "np1", "orchestratorVersion": "1.31.2"}],
    )
    path.write_text(json.dumps(odd))
    result = import_az([path], now=NOW)
    (cluster,) = result.clusters
    assert cluster.kubernetes_version is None
    assert cluster.support_plan is SupportPlan.KUBERNETES_OFFICIAL
    assert cluster.upgrade_channel is UpgradeChannel.NONE
    assert [(p.name, p.orchestrator_version) for p in cluster.node_pools] == [("np1", "1.31.2")]
    assert [str(w) for w in result.warnings] == [
        f"{path}: cluster c1: unrecognised Kubernetes version 'latest'",
        f"{path}: cluster c1: unknown upgradeChannel 'weekly', using the default",
        f"{path}: cluster c1: unknown supportPlan 'Platinum', using the default",
        f"{path}: cluster c1: agentPoolProfiles[0] has no name, skipped",
    ]


def test_bad_files_are_warnings_and_the_rest_is_read(tmp_path: Path) -> None:
    files: dict[str, bytes] = {
        "truncated.json": b'[\n  {"name": "a",\n  }\n]\n',
        "number.json": b"42\n",
        "vm.json": json.dumps(
            {"name": "vm1", "type": "Microsoft.Compute/virtualMachines", "location": "eastus"}
        ).encode(),
        "mixed.json": json.dumps(
            [_cluster_json(name="ok-1"), {"name": "x"}, "text", _cluster_json(name="ok-2")]
        ).encode(),
        "binary.json": b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03",  # a gzip header
        "latin1.json": '{\n"name": "caf\xe9"}'.encode("latin-1"),
        "empty.json": b"  \n",
        "powershell.json": json.dumps(_cluster_json(name="from-ps")).encode("utf-16"),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    paths = [tmp_path / name for name in files] + [tmp_path / "missing.json"]
    result = import_az(paths, now=NOW)

    assert [c.name for c in result.clusters] == ["ok-1", "ok-2", "from-ps"]
    assert result.read == 3
    assert result.extra == {"files": 4}  # number, vm, mixed and powershell parsed as JSON
    assert [(Path(w.source).name, w.line, w.message) for w in result.warnings] == [
        (
            "truncated.json",
            3,
            "invalid JSON: Expecting property name enclosed in double quotes (column 3)",
        ),
        (
            "number.json",
            None,
            "expected a cluster object or a list of them (az aks show/list -o json), got a number",
        ),
        (
            "vm.json",
            None,
            "not an AKS cluster object (type Microsoft.Compute/virtualMachines); "
            "expected az aks show/list JSON",
        ),
        ("mixed.json", None, "item 1 is not an AKS cluster object"),
        ("mixed.json", None, "item 2 is not an AKS cluster object"),
        ("binary.json", 1, "binary data (NUL byte), not JSON"),
        ("latin1.json", 2, "not UTF-8 text (byte 0xe9)"),
        ("empty.json", None, "empty file, expected the JSON of az aks show or az aks list"),
        ("missing.json", None, "cannot read: No such file or directory"),
    ]
    assert result.skipped == len(result.warnings)


def test_file_over_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as f:  # sparse: 100 MB on paper, nothing on disk
        f.truncate(100 * 1024 * 1024)
    result = import_az([path, AZ_LIST], now=NOW, max_bytes=10 * 1024 * 1024)
    assert result.warnings == (
        CollectorWarning(
            str(path), f"file is 104857600 bytes, over the limit of {10 * 1024 * 1024}"
        ),
    )
    assert result.read == 3
