"""The matcher against the real corpus: an inventory of realistic clusters, each rule by value.

Dates and versions asserted here are read from the corpus text with regexes of their own (not
through the parsers), so a finding is checked against what the documents say.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from aksnews.knowledge.apis import KnowledgeRow
from aksnews.knowledge.lifecycle import MinorLifecycle
from aksnews.knowledge.view import ArchiveView
from aksnews.match.matcher import MatchSettings, match
from aksnews.match.nodes import pool_os
from aksnews.match.support import GaMinor, upgrade_target
from aksnews.model.findings import BLOCKER_RULES, ClusterScope, Finding, Rule, Severity
from aksnews.model.inventory import (
    ApiUse,
    Cluster,
    Evidence,
    Inventory,
    NodeOSChannel,
    NodePool,
    SupportPlan,
    Team,
    UpgradeChannel,
)
from aksnews.model.links import DEPRECATION_GUIDE_PAGE, pr_url
from aksnews.model.versions import parse_kube_version, parse_node_image_version

from archive_view import corpus_archive
from corpus import corpus_text

NOW = dt.date(2025, 10, 27)
CHANGELOG = "aks/CHANGELOG.md"
CALENDAR = "docs/aks-supported-kubernetes-versions.md"

UBUNTU_1804 = "AKSUbuntu-1804gen2containerd-2023.06.06"
UBUNTU_2204 = "AKSUbuntu-2204gen2containerd-202405.03.0"
WINDOWS_2019 = "AKSWindows-2019-containerd-17763.5820.240510"
AZURE_LINUX_2 = "AKSAzureLinux-V2gen2-202510.03.0"


def _inventory() -> Inventory:
    legacy = Cluster(
        name="legacy-124",
        teams=("payments",),
        region="japaneast",
        kubernetes_version="1.24.10",
        upgrade_channel=UpgradeChannel.NONE,
        node_os_channel=NodeOSChannel.NONE,
        node_pools=(
            NodePool("system", "System", "Linux", "Ubuntu", "1.24.10", UBUNTU_1804),
        ),
    )  # fmt: skip
    shop = Cluster(
        name="shop-129",
        teams=("shop", "payments"),
        kubernetes_version="1.29.4",
        upgrade_channel=UpgradeChannel.PATCH,
        node_os_channel=NodeOSChannel.NODE_IMAGE,
        node_pools=(
            NodePool("system", "System", "Linux", "Ubuntu", "1.29.4", UBUNTU_2204),
            NodePool("win19", "User", "Windows", "Windows2019", "1.29.4", WINDOWS_2019),
        ),
        namespaces=(("checkout", "payments"),),
    )  # fmt: skip
    edge = Cluster(
        name="edge-131",
        kubernetes_version="1.31.9",
        upgrade_channel=UpgradeChannel.STABLE,
        node_os_channel=NodeOSChannel.SECURITY_PATCH,
        node_pools=(NodePool("azl", "System", "Linux", "AzureLinux", "1.31.9", AZURE_LINUX_2),),
        features=("istio:asm-1-24", "kubenet", "basic-load-balancer"),
    )
    lts130 = Cluster(
        name="lts-130",
        teams=("platform",),
        kubernetes_version="1.30.100-akslts",
        support_plan=SupportPlan.AKS_LONG_TERM_SUPPORT,
        upgrade_channel=UpgradeChannel.PATCH,
    )
    lts127 = Cluster(
        name="lts-127",
        teams=("platform",),
        kubernetes_version="1.27.100-akslts",
        support_plan=SupportPlan.AKS_LONG_TERM_SUPPORT,
    )
    uses = (
        ApiUse("legacy-124", "policy/v1beta1", "PodSecurityPolicy", Evidence.MANIFEST,
               "k8s/psp.yaml:1", name="restricted"),
        ApiUse("shop-129", "extensions/v1beta1", "Ingress", Evidence.MANIFEST,
               "k8s/shop/ingress.yaml:1", namespace="shop", name="web"),
        ApiUse("shop-129", "extensions/v1beta1", "Ingress", Evidence.HELM_RELEASE,
               "helm:shop/frontend rev 3", namespace="shop", name="frontend"),
        ApiUse("shop-129", "policy/v1beta1", "PodDisruptionBudget", Evidence.MANAGED_FIELDS,
               "cluster:shop-ctx", namespace="checkout", name="checkout-pdb"),
        ApiUse("shop-129", "flowcontrol.apiserver.k8s.io/v1beta3", "flowschemas",
               Evidence.APISERVER_METRIC, "metric"),
        ApiUse("shop-129", "apps/v1", "Deployment", Evidence.MANIFEST, "k8s/shop/app.yaml:1"),
        ApiUse("edge-131", "flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema",
               Evidence.LAST_APPLIED, "cluster:edge-ctx", name="edge-fs"),
    )  # fmt: skip
    return Inventory(
        teams=tuple(Team(n) for n in ("payments", "shop", "platform", "edge")),
        clusters=(legacy, shop, edge, lts130, lts127),
        api_uses=uses,
        default_team="edge",
    )


INVENTORY = _inventory()
Findings = tuple[Finding, ...]


@pytest.fixture(scope="module")
def archive() -> ArchiveView:
    return corpus_archive(NOW)


@pytest.fixture(scope="module")
def findings(archive: ArchiveView) -> Findings:
    return match(INVENTORY, archive, now=NOW)


def _one(findings: Findings, rule: Rule, cluster: str, **kw: object) -> Finding:
    hits = [
        f
        for f in findings
        if f.rule is rule
        and f.cluster == cluster
        and all(getattr(f, k) == v for k, v in kw.items())
    ]
    assert len(hits) == 1, [
        (f.rule, f.cluster, f.subject) for f in findings if f.cluster == cluster
    ]
    return hits[0]


def _none(findings: Findings, rule: Rule, cluster: str) -> None:
    assert not [f for f in findings if f.rule is rule and f.cluster == cluster]


# --- what the corpus text says, read without the parsers ------------------------------------------

_AKS_HEADING = re.compile(r"^## Release(?: Notes)? (\d{4}-\d{2}-\d{2})")


def _releases_saying(pattern: str) -> list[tuple[dt.date, str]]:
    """(release date, line) for every line of the AKS CHANGELOG that matches, newest first."""
    regex = re.compile(pattern)
    heading: dt.date | None = None
    out: list[tuple[dt.date, str]] = []
    for line in corpus_text(CHANGELOG).splitlines():
        if m := _AKS_HEADING.match(line):
            heading = dt.date.fromisoformat(m[1])
        elif heading is not None and regex.search(line):
            out.append((heading, line))
    assert out, f"no release says {pattern!r}"
    return out


def _newest_release_saying(pattern: str) -> tuple[dt.date, str]:
    return _releases_saying(pattern)[0]


def _url_of_release(archive: ArchiveView, day: dt.date) -> str:
    (key,) = [k for k in archive.release_urls if k.startswith(f"aks:{day}")]
    return archive.release_urls[key]


def _image_versions(folder: str) -> list[str]:
    found = re.findall(rf"{re.escape(folder)}/([\d.]+?)\.txt", corpus_text(CHANGELOG))
    return sorted(set(found), key=lambda v: parse_node_image_version(v).key)


def _calendar_end(minor: str, column: int) -> dt.date:
    """A month cell of the calendar's tables ('Mar 2025' -> 2025-03-01); column 4 is the end of
    life of the main table, column 5 the LTS end of the LTS table."""
    for line in corpus_text(CALENDAR).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] == minor and len(cells) > column:
            try:
                return dt.datetime.strptime(cells[column], "%b %Y").date()
            except ValueError:
                continue  # 'Until 1.34 GA' in the main table's platform support column
    raise AssertionError(f"no calendar date for {minor} in column {column}")


# --- removed and deprecated APIs ------------------------------------------------------------------


def test_psp_on_124_is_removed_at_the_next_minor(archive: ArchiveView, findings: Findings) -> None:
    f = _one(findings, Rule.REMOVED_API, "legacy-124")
    assert (f.severity, f.team, f.subject) == (
        Severity.CRITICAL,
        "payments",
        "policy/v1beta1 PodSecurityPolicy",
    )
    assert f.locations == ("k8s/psp.yaml:1 [restricted] (manifest)",)
    assert "no longer served from Kubernetes 1.25" in f.why
    assert "upgrade channel none" in f.why and "manifest, certain" in f.why
    # The guide names no replacement for PSP, only advice: the action carries it.
    assert "Pod Security Admission" in corpus_text("docs/deprecation-guide.md")
    assert f.action.startswith("Migrate to Pod Security Admission")
    assert f.action.endswith("before upgrading legacy-124 to 1.25.")
    # Cites the guide's v1.25 section and the upstream notes of 1.25.
    assert f.links[:2] == (
        archive.release_urls["deprecation-guide:v1.25"],
        archive.release_urls["kubernetes:v1.25.0"],
    )
    assert f.links[0] == DEPRECATION_GUIDE_PAGE + "#v125"
    assert f.links[1].endswith("CHANGELOG-1.25.md#v1250")


def test_129_cluster_still_using_apis_removed_long_ago(
    archive: ArchiveView, findings: Findings
) -> None:
    ingress = _one(findings, Rule.REMOVED_API, "shop-129", team="shop")
    assert ingress.subject == "extensions/v1beta1 Ingress"
    # Two uses, one finding, every location listed.
    assert ingress.locations == (
        "helm:shop/frontend rev 3 [shop/frontend] (helm-release)",
        "k8s/shop/ingress.yaml:1 [shop/web] (manifest)",
    )
    assert "no longer served since Kubernetes 1.22" in ingress.why
    assert "applying it fails today" in ingress.why
    assert "Replacement: networking.k8s.io/v1 (served since 1.19)" in ingress.why
    assert ingress.action == "Move Ingress to networking.k8s.io/v1."
    assert archive.release_urls["deprecation-guide:v1.22"] in ingress.links
    assert pr_url(89778) in ingress.links  # the 1.19 note that deprecated it
    # The PDB lives in a namespace another team owns: its own finding, for that team.
    pdb = _one(findings, Rule.REMOVED_API, "shop-129", team="payments")
    assert pdb.subject == "policy/v1beta1 PodDisruptionBudget"
    assert pdb.locations == ("cluster:shop-ctx [checkout/checkout-pdb] (managed-fields)",)
    assert "managedFields, likely" in pdb.why and "policy/v1 (served since 1.21)" in pdb.why
    # apps/v1 is current: nothing to say.
    assert not [f for f in findings if "apps/v1 " in f.subject]


def test_metric_only_use_is_deprecated_with_unknown_caller(findings: Findings) -> None:
    f = _one(findings, Rule.DEPRECATED_API, "shop-129")
    assert (f.severity, f.team) == (Severity.WARNING, "shop")
    assert f.subject == "flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema"  # metric 'flowschemas'
    assert "deprecated since 1.29, removal in 1.32" in f.why
    assert "still has it at 1.29 (upgrade channel patch stays on the minor)" in f.why
    assert "unknown caller" in f.why
    assert f.action.startswith("Find the client")


def test_stable_channel_targets_newest_ga_minus_one(findings: Findings) -> None:
    # The CHANGELOG announces 1.33 patches after its preview: 1.33 is the newest GA minor,
    # so the stable channel goes to 1.32, where flowcontrol v1beta3 is gone.
    assert "AKS patch versions `1.33.3`" in corpus_text(CHANGELOG)
    f = _one(findings, Rule.REMOVED_API, "edge-131")
    assert (f.severity, f.team) == (Severity.CRITICAL, "edge")  # no cluster team: default
    assert "goes to 1.32 (upgrade channel stable follows the newest GA minor 1.33" in f.why
    assert "last-applied-configuration, likely" in f.why


def test_explicit_target(archive: ArchiveView, findings: Findings) -> None:
    later = match(INVENTORY, archive, now=NOW, target="1.32")
    flow = _one(later, Rule.REMOVED_API, "shop-129", subject=(
        "flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema"))  # fmt: skip
    assert flow.severity is Severity.CRITICAL and "the requested target 1.32" in flow.why
    # The key names the rule: a deprecation that becomes a removal is a new finding.
    deprecated = _one(findings, Rule.DEPRECATED_API, "shop-129")
    assert flow.key != deprecated.key
    # A target at the cluster's own minor: PSP is still served in 1.24, deprecated.
    same = match(INVENTORY, archive, now=NOW, target="1.24")
    psp = _one(same, Rule.DEPRECATED_API, "legacy-124")
    assert psp.severity is Severity.WARNING and "removal in 1.25" in psp.why
    _none(same, Rule.REMOVED_API, "legacy-124")
    with pytest.raises(ValueError):
        match(INVENTORY, archive, now=NOW, target="latest")


UPGRADE_TARGETS = [
    # (cluster version, channel, explicit target, expected minor)
    ("1.29.4", UpgradeChannel.PATCH, None, "1.29"),
    ("1.29.4", UpgradeChannel.NONE, None, "1.30"),
    ("1.29.4", UpgradeChannel.NODE_IMAGE, None, "1.30"),
    ("1.29.4", UpgradeChannel.STABLE, None, "1.32"),
    ("1.29.4", UpgradeChannel.RAPID, None, "1.33"),
    ("1.33.3", UpgradeChannel.STABLE, None, "1.33"),  # never older than the cluster
    ("1.29.4", UpgradeChannel.PATCH, "1.31.2", "1.31"),
    ("1.30.101-akslts", UpgradeChannel.NONE, None, "1.31"),
    ("1.31.1", UpgradeChannel.NONE, "1.29", "1.31"),
]


@pytest.mark.parametrize(("version", "channel", "explicit", "expected"), UPGRADE_TARGETS)
def test_upgrade_target(
    version: str, channel: UpgradeChannel, explicit: str | None, expected: str
) -> None:
    ga = [GaMinor(f"1.{n}", dt.date(2024, 1, 1) + dt.timedelta(days=90 * n), None)
          for n in range(28, 34)]  # fmt: skip
    target = upgrade_target(parse_kube_version(version), channel, ga, explicit)
    assert target.minor == expected


# --- end of support -----------------------------------------------------------------------------


def test_end_of_support_from_the_calendar(findings: Findings) -> None:
    shop = _one(findings, Rule.END_OF_SUPPORT, "shop-129")
    end_129 = _calendar_end("1.29", 4)  # 'End of life' column
    assert (shop.severity, shop.deadline, shop.team) == (Severity.CRITICAL, end_129, "shop")
    ago = (NOW - end_129).days
    assert (
        shop.title
        == f"Kubernetes 1.29 on shop-129: standard support ended {end_129} ({ago} days ago)"
    )
    assert "Upgrade shop-129 to 1.31 or newer now" in shop.action
    edge = _one(findings, Rule.END_OF_SUPPORT, "edge-131")
    assert edge.deadline == _calendar_end("1.31", 4)
    assert edge.severity is Severity.CRITICAL  # within 30 days
    assert "ends 2025-11-01 (in 5 days)" in edge.title


def test_end_of_support_from_the_changelog(archive: ArchiveView, findings: Findings) -> None:
    # 1.24 is older than the calendar page: its end comes from the CHANGELOG announcements, and
    # the newest one wins ('by July 30th 2023' was later restated as 'end of July 2023').
    (_, line), *_ = _releases_saying(r"1\.24 is being deprecated end of")
    stated = re.search(r"end of (\w+) (\d{4})", line)
    assert stated is not None
    first = dt.datetime.strptime(f"{stated[1]} {stated[2]}", "%B %Y").date()
    month_end = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    f = _one(findings, Rule.END_OF_SUPPORT, "legacy-124")
    assert (f.severity, f.deadline) == (Severity.CRITICAL, month_end)
    announcing = _releases_saying(r"1\.24 is being deprecated|version 1\.24 by")
    urls = {_url_of_release(archive, day) for day, _ in announcing}
    assert f.links and set(f.links) <= urls


def test_lts_plan_uses_lts_end(archive: ArchiveView, findings: Findings) -> None:
    lts_end_130 = _calendar_end("1.30", 5)  # 'LTS End of life' column of the LTS table
    assert (lts_end_130 - NOW).days > 60
    _none(findings, Rule.END_OF_SUPPORT, "lts-130")
    old = _one(findings, Rule.END_OF_SUPPORT, "lts-127")
    assert old.deadline == _calendar_end("1.27", 5)
    assert "long-term support ended" in old.title and old.severity is Severity.CRITICAL
    # The same 1.30 cluster on the standard plan is long out of support, and is told about LTS.
    standard = dataclasses.replace(
        INVENTORY.clusters[3], support_plan=SupportPlan.KUBERNETES_OFFICIAL
    )
    inventory = dataclasses.replace(INVENTORY, clusters=(standard,), api_uses=())
    f = _one(match(inventory, archive, now=NOW), Rule.END_OF_SUPPORT, "lts-130")
    assert f.deadline == _calendar_end("1.30", 4)
    assert f.action.endswith(f"AKSLongTermSupport plan (1.30 LTS until {lts_end_130}).")


def test_end_of_support_warning_window(archive: ArchiveView) -> None:
    end_132 = _calendar_end("1.32", 4)
    cluster = Cluster("c132", kubernetes_version="1.32.7", upgrade_channel=UpgradeChannel.PATCH)
    inventory = Inventory(clusters=(cluster,))
    for days_left, expected in ((90, None), (45, Severity.WARNING), (20, Severity.CRITICAL)):
        day = end_132 - dt.timedelta(days=days_left)
        found = [f for f in match(inventory, archive, now=day) if f.rule is Rule.END_OF_SUPPORT]
        assert [f.severity for f in found] == ([expected] if expected else []), days_left
        assert all(f.deadline == end_132 for f in found)


# --- node images ----------------------------------------------------------------------------------


def test_node_image_lag_without_a_channel_is_critical(findings: Findings) -> None:
    versions = _image_versions("AKSUbuntu-1804")
    current = parse_node_image_version(UBUNTU_1804)
    newer = [v for v in versions if parse_node_image_version(v).key > current.key]
    f = _one(findings, Rule.NODE_IMAGE_LAG, "legacy-124")
    assert (f.severity, f.node_pool, f.subject) == (Severity.CRITICAL, "system", "Ubuntu 18.04")
    assert f.title == f"Node pool system on legacy-124 is {len(newer)} Ubuntu 18.04 images behind"
    assert f"the newest Ubuntu 18.04 image is {versions[-1]}" in f.why
    assert f.links[-1].endswith(f"vhd-notes/aks-ubuntu/AKSUbuntu-1804/{versions[-1]}.txt")


def test_node_image_lag_per_family_and_channel(findings: Findings) -> None:
    ubuntu = _one(findings, Rule.NODE_IMAGE_LAG, "shop-129", node_pool="system")
    assert ubuntu.subject == "Ubuntu 22.04" and ubuntu.severity is Severity.WARNING  # NodeImage
    assert f"image is {_image_versions('AKSUbuntu-2204')[-1]}" in ubuntu.why
    windows = _one(findings, Rule.NODE_IMAGE_LAG, "shop-129", node_pool="win19")
    newest_2019 = _image_versions("AKSWindows/2019")[-1]
    assert windows.subject == "Windows Server 2019"
    assert f"image is {newest_2019}" in windows.why and newest_2019.startswith("17763.")
    _none(findings, Rule.NODE_IMAGE_LAG, "edge-131")  # Azure Linux 2.0 pool is current


def _pool_cluster(image: str, channel: NodeOSChannel) -> Inventory:
    pool = NodePool("np", os_type="Linux", os_sku="Ubuntu", node_image_version=image)
    return Inventory(clusters=(Cluster("c", kubernetes_version="1.32.7", node_os_channel=channel,
                                       node_pools=(pool,)),))  # fmt: skip


def test_node_image_lag_thresholds(archive: ArchiveView) -> None:
    versions = _image_versions("AKSUbuntu-2204")
    second = f"AKSUbuntu-2204gen2containerd-{versions[-2]}"
    lag = [Rule.NODE_IMAGE_LAG]
    inv = _pool_cluster(second, NodeOSChannel.NONE)
    assert [f for f in match(inv, archive, now=NOW) if f.rule in lag] == []  # one behind
    old = _pool_cluster(UBUNTU_2204, NodeOSChannel.NONE)
    (f,) = [f for f in match(old, archive, now=NOW) if f.rule in lag]
    assert f.severity is Severity.CRITICAL
    patched = _pool_cluster(UBUNTU_2204, NodeOSChannel.SECURITY_PATCH)
    (f,) = [f for f in match(patched, archive, now=NOW) if f.rule in lag]
    assert f.severity is Severity.WARNING and "SecurityPatch" in f.why
    relaxed = MatchSettings(node_image_critical_days=10_000)
    auto = _pool_cluster(UBUNTU_2204, NodeOSChannel.NODE_IMAGE)
    (f,) = [f for f in match(auto, archive, now=NOW, settings=relaxed) if f.rule in lag]
    assert f.severity is Severity.INFO and f.action.startswith("Nothing to do")
    # The cluster's node-image upgrade channel brings new images too (older clusters use it).
    (cluster,) = _pool_cluster(UBUNTU_2204, NodeOSChannel.NONE).clusters
    legacy = Inventory(
        clusters=(dataclasses.replace(cluster, upgrade_channel=UpgradeChannel.NODE_IMAGE),)
    )
    (f,) = [f for f in match(legacy, archive, now=NOW, settings=relaxed) if f.rule in lag]
    assert f.severity is Severity.INFO and "Upgrade channel node-image re-creates" in f.why


POOL_OS = [
    # (image, osSKU, osType, orchestrator version, expected family)
    (UBUNTU_2204, "Ubuntu", "Linux", "1.29.4", "Ubuntu 22.04"),
    ("AKSUbuntu-2404gen2containerd-202510.03.0", None, None, None, "Ubuntu 24.04"),
    (AZURE_LINUX_2, "AzureLinux", "Linux", "1.31.9", "Azure Linux 2.0"),
    ("AKSAzureLinux-V3gen2-202510.03.0", "AzureLinux", "Linux", "1.32.7", "Azure Linux 3.0"),
    ("AKSCBLMariner-V2gen2-202305.15.0", "CBLMariner", "Linux", None, "Azure Linux 2.0"),
    (WINDOWS_2019, "Windows2019", "Windows", None, "Windows Server 2019"),
    ("AKSWindows-2022-containerd-20348.4171.250910", None, "Windows", None,
     "Windows Server 2022"),
    ("20348.4171.250910", None, "Windows", None, "Windows Server 2022"),  # the build says it
    (None, "Ubuntu", "Linux", "1.24.10", "Ubuntu 18.04"),  # AKS defaults by version
    (None, "Ubuntu", "Linux", "1.25.2", "Ubuntu 22.04"),
    (None, "AzureLinux", "Linux", "1.32.0", "Azure Linux 3.0"),
    (None, None, "Windows", "1.24.9", "Windows Server 2019"),
    (None, "Windows2022", "Windows", None, "Windows Server 2022"),
    (None, "Ubuntu2404", "Linux", None, "Ubuntu 24.04"),
    (None, None, "Linux", "1.30.1", None),
]  # fmt: skip


@pytest.mark.parametrize(("image", "sku", "os_type", "version", "expected"), POOL_OS)
def test_pool_os(
    image: str | None, sku: str | None, os_type: str | None, version: str | None, expected: str
) -> None:
    pool = NodePool("p", os_type=os_type, os_sku=sku, orchestrator_version=version,
                    node_image_version=image)  # fmt: skip
    assert pool_os(pool, None) == expected


# --- retirements ----------------------------------------------------------------------------------


def _parse_day(text: str) -> dt.date:
    for fmt in ("%B %d, %Y", "%d %B %Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise AssertionError(text)


def test_windows_2019_pool_retirement_date_from_the_changelog(
    archive: ArchiveView, findings: Findings
) -> None:
    text = corpus_text(CHANGELOG)
    stated = re.search(r"Windows Server 2019 will be retired .*? on (\w+ \d{1,2}, \d{4})", text)
    assert stated is not None
    deadline = _parse_day(stated[1])
    # Later releases repeat it as a month ('ETA March 2026') and the 2025 note as a day.
    assert deadline.strftime("(ETA %B %Y)") in text
    assert f"After {deadline.day} {deadline:%B %Y}, Windows Server 2019 won't be supported" in text
    # The newest release that states the retirement, in either wording.
    newest, _ = _newest_release_saying(
        r"Windows ?(Server )?2019 will be retired|Windows Server 2019 won't be supported"
    )
    f = _one(findings, Rule.RETIREMENT, "shop-129", node_pool="win19")
    assert (f.deadline, f.subject, f.team) == (deadline, "Windows Server 2019", "shop")
    assert f.severity is Severity.INFO  # more than 90 days ahead
    assert f.links[0] == _url_of_release(archive, newest)
    assert f"in {(deadline - NOW).days} days" in f.why


def test_os_retirements_by_time_left(archive: ArchiveView, findings: Findings) -> None:
    day, line = _newest_release_saying(r"Starting on .*Ubuntu 18\.04")
    stated = re.search(r"Starting on (\d{1,2} \w+ \d{4})", line)
    assert stated is not None
    ubuntu = _one(findings, Rule.RETIREMENT, "legacy-124", node_pool="system")
    assert (ubuntu.subject, ubuntu.deadline) == ("Ubuntu 18.04", _parse_day(stated[1]))
    assert ubuntu.severity is Severity.CRITICAL  # 13 days left
    assert ubuntu.links[0] == _url_of_release(archive, day)
    day, line = _newest_release_saying(r"Starting on .*Azure Linux 2\.0")
    stated = re.search(r"Starting on (\d{1,2} \w+ \d{4})", line)
    assert stated is not None
    azl = _one(findings, Rule.RETIREMENT, "edge-131", node_pool="azl")
    assert (azl.deadline, azl.severity) == (_parse_day(stated[1]), Severity.WARNING)


def test_feature_retirement(findings: Findings) -> None:
    _, line = _newest_release_saying(r"Basic Load Balancer .*retired on")
    stated = re.search(r"retired on (\d{1,2} \w+ \d{4})", line)
    assert stated is not None
    f = _one(findings, Rule.RETIREMENT, "edge-131", node_pool=None, subject="Basic Load Balancer")
    assert f.deadline == _parse_day(stated[1])
    assert f.severity is Severity.CRITICAL and f.object == "feature basic-load-balancer"
    # The CHANGELOG deprecates the asm-1-24 revision (no date); nothing retires kubenet.
    assert re.search(
        r"Revision asm-1-24 of the Istio add-on has been deprecated", corpus_text(CHANGELOG)
    )
    istio = _one(findings, Rule.RETIREMENT, "edge-131", subject="Istio revision asm-1-24")
    assert istio.deadline is None
    subjects = {x.subject for x in findings if x.cluster == "edge-131"}
    assert "kubenet" not in subjects


def test_facts_after_now_are_not_known_yet(archive: ArchiveView) -> None:
    # The first release that announces the end of Azure Linux 2.0, in either wording.
    first, _ = _releases_saying(
        r"no longer support or provide security updates for Azure"
        r"|Azure ?Linux 2\.0 should migrate to Azure Linux 3\.0 before"
    )[-1]
    before = first - dt.timedelta(days=1)
    early = match(INVENTORY, archive, now=before)
    azl = [f for f in early if f.rule is Rule.RETIREMENT and f.node_pool == "azl"]
    assert azl == []


# --- available updates ----------------------------------------------------------------------------


def test_patch_updates(findings: Findings) -> None:
    text = corpus_text(CHANGELOG)
    # The newest 1.29 patch the changelog announces ('patch versions 1.31.7, 1.30.11, 1.29.15 to
    # resolve CVE-2025-0426').
    assert (
        "patch versions](https://kubernetes.io/releases/patch-releases/) 1.31.7, 1.30.11, 1.29.15"
        in text
    )
    shop = _one(findings, Rule.UPDATE_AVAILABLE, "shop-129", subject="patch 1.29.15")
    assert shop.severity is Severity.WARNING  # channel patch applies it
    assert "Upgrade channel patch will apply it" in shop.why
    legacy = _one(findings, Rule.UPDATE_AVAILABLE, "legacy-124", subject="patch 1.24.15")
    assert legacy.severity is Severity.INFO
    lts = _one(findings, Rule.UPDATE_AVAILABLE, "lts-127", subject="patch 1.27.101-akslts")
    assert lts.severity is Severity.INFO and "AKS LTS version 1.27.101" in text
    # LTS patches are for the LTS plan only; a newer one than 1.30.100 does not exist.
    assert not [f for f in findings if f.cluster == "lts-130" and f.subject.startswith("patch")]


def test_minor_updates(findings: Findings) -> None:
    legacy = _one(findings, Rule.UPDATE_AVAILABLE, "legacy-124", subject="minor 1.33")
    assert legacy.severity is Severity.INFO and "will not move to it" in legacy.why
    edge = _one(findings, Rule.UPDATE_AVAILABLE, "edge-131", subject="minor 1.32")
    assert edge.severity is Severity.WARNING  # the stable channel takes the cluster there


# --- the whole result -----------------------------------------------------------------------------


def test_findings_are_sorted_and_keys_unique(findings: Findings) -> None:
    ranks = [f.severity.rank for f in findings]
    assert ranks == sorted(ranks)
    assert len({f.key for f in findings}) == len(findings)
    # This inventory has no blocker inputs (tests/test_match_blockers.py covers those rules).
    assert {f.rule for f in findings} == set(Rule) - BLOCKER_RULES
    assert all(f.team for f in findings)


def test_determinism(archive: ArchiveView, findings: Findings) -> None:
    again = match(INVENTORY, archive, now=NOW)
    assert again == findings
    shuffled = dataclasses.replace(
        INVENTORY,
        clusters=tuple(reversed(INVENTORY.clusters)),
        api_uses=tuple(reversed(INVENTORY.api_uses)),
    )
    assert match(shuffled, archive, now=NOW) == findings


def test_keys_survive_new_text_and_dates(archive: ArchiveView, findings: Findings) -> None:
    later = match(INVENTORY, archive, now=NOW + dt.timedelta(days=20),
                  settings=MatchSettings(retirement_warning_days=200))  # fmt: skip
    before = {(f.rule, f.cluster, f.node_pool, f.subject, f.team): f for f in findings}
    same = 0
    for f in later:
        old = before.get((f.rule, f.cluster, f.node_pool, f.subject, f.team))
        if old is not None:
            same += 1
            assert f.key == old.key
    assert same == len(findings)
    win = _one(later, Rule.RETIREMENT, "shop-129", node_pool="win19")
    old_win = _one(findings, Rule.RETIREMENT, "shop-129", node_pool="win19")
    assert win.severity != old_win.severity and win.why != old_win.why


def test_owner_fallbacks(archive: ArchiveView) -> None:
    cluster = Cluster("lonely", kubernetes_version="1.29.4", namespaces=(("ns1", "teamA"),))
    uses = (
        ApiUse("lonely", "policy/v1beta1", "PodDisruptionBudget", Evidence.MANIFEST, "a.yaml:1",
               namespace="ns2"),
    )  # fmt: skip
    inventory = Inventory(clusters=(cluster,), api_uses=uses)
    found = match(inventory, archive, now=NOW)
    assert found and all(f.team is None for f in found)  # no team anywhere: None, not a guess
    scope = ClusterScope(cluster, None, "ops", {"ns1": "teamA"})
    assert (scope.team_for("ns1"), scope.team_for("ns2"), scope.team_for(None)) == (
        "teamA",
        "ops",
        "ops",
    )


def test_odd_archive_values_do_not_break_the_run() -> None:
    odd = ArchiveView(
        knowledge=(
            KnowledgeRow("policy/v1beta1", ("PodDisruptionBudget",), removed_in="soon"),
            KnowledgeRow("x.k8s.io/v1alpha1", (), removed_in=None, deprecated_in="1.20"),
        ),
        calendar=(
            MinorLifecycle("next", aks_ga=dt.date(2020, 1, 1)),
            MinorLifecycle("1.28", aks_ga=dt.date(2023, 11, 1)),
        ),
    )
    cluster = Cluster("c", kubernetes_version="1.28.3")
    uses = (
        ApiUse("c", "policy/v1beta1", "PodDisruptionBudget", Evidence.MANIFEST, "pdb.yaml:1"),
        ApiUse("c", "x.k8s.io/v1alpha1", "Widget", Evidence.MANIFEST, "w.yaml:1"),
    )
    found = match(Inventory(clusters=(cluster,), api_uses=uses), odd, now=NOW)
    # An unreadable removal release counts as 'deprecated, removal unknown'; a row without
    # kinds covers every kind of its group/version.
    assert [(f.rule, f.severity, f.subject) for f in found] == [
        (Rule.DEPRECATED_API, Severity.WARNING, "policy/v1beta1 PodDisruptionBudget"),
        (Rule.DEPRECATED_API, Severity.WARNING, "x.k8s.io/v1alpha1 Widget"),
    ]
    unread = Cluster("u", kubernetes_version="latest", node_pools=(NodePool("p"),))
    assert match(Inventory(clusters=(unread,)), odd, now=NOW) == ()


def test_two_hundred_clusters(archive: ArchiveView) -> None:
    clusters = tuple(
        dataclasses.replace(c, name=f"{c.name}-{n}") for n in range(40) for c in INVENTORY.clusters
    )
    uses = tuple(
        dataclasses.replace(u, cluster=f"{u.cluster}-{n}")
        for n in range(40)
        for u in INVENTORY.api_uses
    )
    inventory = dataclasses.replace(INVENTORY, clusters=clusters, api_uses=uses)
    many = match(inventory, archive, now=NOW)
    # Timing lives in bench/match.py (a ratio); here only that 40 copies give 40x the findings.
    assert len(many) == 40 * len(match(INVENTORY, archive, now=NOW))


@pytest.mark.parametrize(
    ("target", "replacement"),
    [("1.32", "flowcontrol.apiserver.k8s.io/v1"), ("1.29", "flowcontrol.apiserver.k8s.io/v1")],
)
def test_advice_names_only_what_the_target_serves(
    archive: ArchiveView, target: str, replacement: str
) -> None:
    """The guide says 'v1 or v1beta3' for v1beta2; v1beta3 is gone in 1.32, so only v1."""
    use = ApiUse(
        "edge-131", "flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema", Evidence.MANIFEST,
        "k8s/edge/flow.yaml:1", name="old-fs",
    )  # fmt: skip
    inventory = dataclasses.replace(INVENTORY, api_uses=(use,))
    f = _one(match(inventory, archive, now=NOW, target=target), Rule.REMOVED_API, "edge-131")
    assert f.action.startswith(f"Move FlowSchema to {replacement}")
    assert "v1beta3" not in f.action and f"Replacement: {replacement}" in f.why
