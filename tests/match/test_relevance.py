"""Relevance of changelog entries to a team: facts decide where they exist, text otherwise, and
every answer carries the cluster and what it runs."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from aksnews.match.relevance import (
    Reason,
    because,
    entry_reasons,
    owned_clusters,
    statement_reasons,
    team_profile,
)
from aksnews.model.inventory import Cluster, Inventory, NodePool, SupportPlan
from aksnews.model.releases import (
    ComponentUpdateFact,
    KubernetesVersionFact,
    NodeImageFact,
    RetirementFact,
    VersionEvent,
)

PROD = Cluster(
    "prod-east",
    teams=("payments",),
    region="eastus",
    kubernetes_version="1.31.5",
    node_pools=(
        NodePool("system", os_sku="Ubuntu", orchestrator_version="1.31.5"),
        NodePool("win", os_type="Windows", os_sku="Windows2019"),
    ),
    features=("istio:asm-1-27", "keda"),
)
LTS = Cluster(
    "legacy",
    teams=("search",),
    kubernetes_version="1.29.100-akslts",
    support_plan=SupportPlan.AKS_LONG_TERM_SUPPORT,
    node_pools=(NodePool("system", os_sku="AzureLinux", orchestrator_version="1.29.100"),),
)
COMMUNITY_129 = Cluster(
    "old",
    teams=("search",),
    kubernetes_version="1.29.9",
    namespaces=(("checkout", "payments"),),
)
INVENTORY = Inventory(clusters=(PROD, LTS, COMMUNITY_129))


def _team(name: str) -> object:
    return team_profile(name, owned_clusters(INVENTORY, name))


def test_namespace_owners_own_the_cluster_too() -> None:
    assert [c.name for c in owned_clusters(INVENTORY, "payments")] == ["prod-east", "old"]
    assert [c.name for c in owned_clusters(INVENTORY, "search")] == ["legacy", "old"]


def test_an_lts_patch_reaches_only_clusters_on_the_lts_plan() -> None:
    fact = KubernetesVersionFact("1.29.100-akslts", VersionEvent.PATCH_AVAILABLE)
    search = team_profile("search", owned_clusters(INVENTORY, "search"))
    assert entry_reasons("LTS patch 1.29.100-akslts", (fact,), search) == (
        Reason("legacy", "Kubernetes 1.29 on the LTS plan"),
    )
    payments = team_profile("payments", owned_clusters(INVENTORY, "payments"))
    assert entry_reasons("LTS patch 1.29.100-akslts", (fact,), payments) == ()


def test_versions_touch_only_the_minors_run() -> None:
    payments = team_profile("payments", owned_clusters(INVENTORY, "payments"))
    ga = KubernetesVersionFact("1.33", VersionEvent.GA)
    assert entry_reasons("Kubernetes 1.33 is GA, 1.31 still runs", (ga,), payments) == ()
    patch = KubernetesVersionFact("1.31.9", VersionEvent.PATCH_AVAILABLE)
    assert entry_reasons("", (patch,), payments) == (Reason("prod-east", "Kubernetes 1.31"),)


def test_node_images_and_retirements_touch_only_the_oses_run() -> None:
    payments = team_profile("payments", owned_clusters(INVENTORY, "payments"))
    win = NodeImageFact("Windows Server 2019", "17763.7792.250910")
    ubuntu18 = RetirementFact("Ubuntu 18.04", dt.date(2025, 12, 1))
    azl2 = RetirementFact("Azure Linux 2.0", dt.date(2025, 11, 30))
    assert entry_reasons("", (win,), payments) == (Reason("prod-east", "Windows Server 2019"),)
    # The team's Ubuntu pool runs 22.04 on 1.31: neither retirement is its concern.
    assert entry_reasons("Ubuntu 18.04 retires", (ubuntu18,), payments) == ()
    assert entry_reasons("Azure Linux 2.0 retires", (azl2,), payments) == ()
    ws2019 = RetirementFact("Windows2019", dt.date(2026, 3, 1))
    (reason,) = entry_reasons("", (ws2019,), payments)
    assert because([reason]) == "because prod-east runs Windows Server 2019"


def test_text_names_add_ons_regions_and_os_families() -> None:
    payments = team_profile("payments", owned_clusters(INVENTORY, "payments"))
    assert entry_reasons("KEDA add-on now supports X.", (), payments) == (
        Reason("prod-east", "the keda add-on"),
    )
    assert entry_reasons("Istio add-on revision asm-1-27 GA.", (), payments) == (
        Reason("prod-east", "the Istio revision asm-1-27 add-on"),
    )
    assert entry_reasons("Available in eastus from today.", (), payments) == (
        Reason("prod-east", "in eastus"),
    )
    assert entry_reasons("Windows node pools get GPU support.", (), payments) == (
        Reason("prod-east", "Windows node pools"),
    )
    # Names only a Windows release the team does not run: not relevant by the family word.
    assert entry_reasons("Windows Server 2025 preview.", (), payments) == ()
    assert entry_reasons("AKS Automatic billing starts.", (), payments) == ()


def test_component_updates_reach_the_add_ons_and_scoped_minors() -> None:
    payments = team_profile("payments", owned_clusters(INVENTORY, "payments"))
    keda = ComponentUpdateFact("KEDA", "2.17.1")
    assert entry_reasons("", (keda,), payments) == (Reason("prod-east", "the keda add-on"),)
    coredns = ComponentUpdateFact("CoreDNS", "1.12.1", scope="AKS 1.29")
    assert entry_reasons("", (coredns,), payments) == (Reason("old", "Kubernetes 1.29"),)
    assert entry_reasons("", (ComponentUpdateFact("Cilium", "1.17"),), payments) == ()


def test_add_ons_imported_by_their_profile_key_are_found_under_their_changelog_name() -> None:
    kv = Cluster("kv", teams=("kv",), features=("addon:azurekeyvaultsecretsprovider",))
    team = team_profile("kv", [kv])
    text = "Key Vault Secrets Provider add-on updated to v1.5.6."
    assert entry_reasons(text, (), team) == (Reason("kv", "the Key Vault Secrets Provider add-on"),)
    assert entry_reasons("Azure Policy add-on updated.", (), team) == ()
    # A key aksnews has no words for is looked for as written.
    other = team_profile("kv", [replace(kv, features=("addon:gitops",))])
    assert entry_reasons("GitOps extension now GA.", (), other) == (
        Reason("kv", "the gitops add-on"),
    )


def test_an_unread_statement_is_judged_by_its_own_words() -> None:
    payments = team_profile("payments", [PROD])
    assert statement_reasons("Istio 1.17 version is no longer supported.", payments) == (
        Reason("prod-east", "the Istio revision asm-1-27 add-on"),
    )
    # Windows Server 2022 is not what prod-east runs (2019): the first release named decides.
    assert statement_reasons("Windows Server 2022 images move to containerd 2.", payments) == ()
    assert statement_reasons("Invalid agent pool modes will be rejected.", payments) == ()


def test_an_entry_about_a_feature_concerns_only_clusters_that_have_it() -> None:
    text = "Node Auto Provisioning default AKSNodeClass will now use Ubuntu 22.04 for 1.31."
    plain = team_profile("payments", [PROD])  # Ubuntu 22.04 on 1.31, no NAP
    assert entry_reasons(text, (), plain) == ()
    nap = replace(PROD, features=("node-auto-provisioning",))
    assert entry_reasons(text, (), team_profile("payments", [nap])) == (
        Reason("prod-east", "Ubuntu 22.04"),
        Reason("prod-east", "the node-auto-provisioning add-on"),
        Reason("prod-east", "Kubernetes 1.31"),
    )
