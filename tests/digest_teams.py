"""Four teams of a hand-written inventory for the digest tests, each a case the digest must get
right: criticals to act on, nothing to act on, a cluster on the LTS plan, Windows pools."""

from __future__ import annotations

import datetime as dt

from aksnews.model.findings import Finding, FindingChange, Rule, Severity, finding_key
from aksnews.model.inventory import (
    Cluster,
    NodeOSChannel,
    NodePool,
    SupportPlan,
    UpgradeChannel,
)
from aksnews.model.links import pr_url, release_url

RELEASE_URL = release_url("aks", "2025-10-12", "release-notes-2025-10-12")
SEPT_URL = release_url("aks", "2025-09-21", "release-notes-2025-09-21")

PROD_EAST = Cluster(
    "prod-east",
    teams=("payments", "platform"),  # platform is the second owner: it gets the findings too
    region="eastus",
    kubernetes_version="1.31.8",
    upgrade_channel=UpgradeChannel.PATCH,
    node_os_channel=NodeOSChannel.NODE_IMAGE,
    node_pools=(
        NodePool("system", os_sku="Ubuntu", orchestrator_version="1.31.8"),
        NodePool("batch", os_sku="AzureLinux", orchestrator_version="1.31.8"),
    ),
    features=("keda",),
)
DOCS = Cluster(
    "docs-west",
    teams=("docs",),
    region="westeurope",
    kubernetes_version="1.33.2",
    node_pools=(NodePool("system", os_sku="AzureLinux", orchestrator_version="1.33.2"),),
)
LEGACY = Cluster(
    "legacy",
    teams=("search",),
    region="northeurope",
    kubernetes_version="1.29.100-akslts",
    support_plan=SupportPlan.AKS_LONG_TERM_SUPPORT,
    node_pools=(NodePool("system", os_sku="Ubuntu", orchestrator_version="1.29.100-akslts"),),
)
RETAIL = Cluster(
    "retail-win",
    teams=("retail",),
    region="westus2",
    kubernetes_version="1.32.7",
    node_pools=(
        NodePool("system", os_sku="Ubuntu", orchestrator_version="1.32.7"),
        NodePool("win22", os_type="Windows", os_sku="Windows2022", orchestrator_version="1.32.7"),
    ),
)
CLUSTERS = (PROD_EAST, DOCS, LEGACY, RETAIL)


def _finding(
    rule: Rule,
    severity: Severity,
    subject: str,
    title: str,
    *,
    deadline: dt.date | None = None,
    links: tuple[str, ...] = (),
    pool: str | None = None,
    cluster: str = "prod-east",
    team: str = "payments",
    action: str = "Upgrade before the deadline.",
) -> Finding:
    return Finding(
        key=finding_key(rule, cluster, pool, subject),
        rule=rule,
        severity=severity,
        cluster=cluster,
        team=team,
        title=title,
        why=f"{subject} on {cluster}",
        action=action,
        subject=subject,
        node_pool=pool,
        deadline=deadline,
        links=links,
    )


def payments_findings() -> tuple[FindingChange, ...]:
    return (
        FindingChange(
            _finding(
                Rule.END_OF_SUPPORT,
                Severity.CRITICAL,
                "1.31",
                "Kubernetes 1.31 on prod-east reaches end of support on 2025-11-01",
                deadline=dt.date(2025, 11, 1),
                links=(SEPT_URL,),
                action="Upgrade prod-east to 1.32: aksnews plan prod-east",
            ),
            "escalated",
        ),
        FindingChange(
            _finding(
                Rule.RETIREMENT,
                Severity.WARNING,
                "Azure Linux 2.0",
                "Azure Linux 2.0 retires on 2025-11-30: used by prod-east/batch",
                deadline=dt.date(2025, 11, 30),
                links=(RELEASE_URL,),
                pool="batch",
                action="Move pool batch to Azure Linux 3.0.",
            ),
            "new",
        ),
        FindingChange(
            _finding(
                Rule.REMOVED_API,
                Severity.CRITICAL,
                "flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema",
                "flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema is removed in 1.32",
                links=(pr_url(121718),),
                action="Serve flowcontrol.apiserver.k8s.io/v1 before upgrading.",
            ),
            "new",
        ),
        FindingChange(
            _finding(
                Rule.DEPRECATED_API,
                Severity.INFO,
                "autoscaling/v2beta2 HorizontalPodAutoscaler",
                "autoscaling/v2beta2 HorizontalPodAutoscaler is deprecated",
            ),
            "new",  # info: new, but not something to act on this week
        ),
        FindingChange(
            _finding(
                Rule.NODE_IMAGE_LAG,
                Severity.WARNING,
                "Ubuntu 22.04",
                "Node pool system on prod-east is 4 Ubuntu 22.04 images behind",
                pool="system",
            ),
            "open",
        ),
        FindingChange(
            _finding(
                Rule.NODE_IMAGE_LAG,
                Severity.WARNING,
                "Azure Linux 2.0",
                "Node pool batch on prod-east is 2 Azure Linux 2.0 images behind",
                pool="batch",
            ),
            "resolved",
        ),
    )
