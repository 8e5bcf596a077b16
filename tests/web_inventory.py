"""A three-cluster inventory for the web archive tests: three teams, one of them second owner of
a cluster; Kubernetes 1.31 weeks before its end of support, an LTS cluster, Windows pools; pools
that report node images the AKS CHANGELOG announced (and one it did not)."""

from __future__ import annotations

from aksnews.model.inventory import (
    Cluster,
    NodeOSChannel,
    NodePool,
    SupportPlan,
    Team,
    UpgradeChannel,
)

TEAMS = (Team("payments"), Team("platform"), Team("retail"))
PROD_EAST = Cluster(
    "prod-east",
    teams=("payments", "platform"),  # platform is the second owner
    region="eastus",
    kubernetes_version="1.31.8",
    node_os_channel=NodeOSChannel.NONE,
    node_pools=(
        NodePool(
            "system",
            os_type="Linux",
            os_sku="Ubuntu",
            orchestrator_version="1.31.8",
            # Announced in the 2025-09-21 release; one Ubuntu 22.04 image newer in the corpus.
            node_image_version="AKSUbuntu-2204gen2containerd-202509.11.0",
        ),
        NodePool(
            "batch",
            os_type="Linux",
            os_sku="AzureLinux",
            orchestrator_version="1.31.8",
            # An image of May 2024 the CHANGELOG lists too (many images behind).
            node_image_version="AKSAzureLinux-V2gen2-202405.03.0",
        ),
    ),
    features=("keda",),
)
LEGACY = Cluster(
    "legacy",
    teams=("platform",),
    region="northeurope",
    kubernetes_version="1.29.100-akslts",
    support_plan=SupportPlan.AKS_LONG_TERM_SUPPORT,
    node_pools=(
        NodePool(
            "system",
            os_type="Linux",
            os_sku="Ubuntu",
            orchestrator_version="1.29.100-akslts",
            node_image_version="AKSUbuntu-2204gen2containerd-202510.03.0",
        ),
    ),
)
RETAIL = Cluster(
    "retail-win",
    teams=("retail",),
    region="westus2",
    kubernetes_version="1.32.7",
    upgrade_channel=UpgradeChannel.PATCH,
    node_pools=(
        NodePool("system", os_type="Linux", os_sku="Ubuntu", orchestrator_version="1.32.7"),
        NodePool(
            "win19",
            os_type="Windows",
            os_sku="Windows2019",
            orchestrator_version="1.32.7",
            node_image_version="AKSWindows-2019-containerd-17763.7558.250714",
        ),
    ),
)
CLUSTERS = (PROD_EAST, LEGACY, RETAIL)
