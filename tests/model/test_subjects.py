"""One name per thing that retires (aksnews.model.subjects) in the matcher and the finding text, and
the LTS rules: -akslts patches only on the LTS plan, the LTS plan named as a way out."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from aksnews.knowledge.view import ArchiveView
from aksnews.match.matcher import match
from aksnews.model.findings import Rule, Severity
from aksnews.model.inventory import Cluster, Inventory, NodePool, SupportPlan, UpgradeChannel
from aksnews.model.records import StoredFact
from aksnews.model.releases import RetirementFact
from aksnews.model.subjects import aliases, canonical, normalise

from archive_view import corpus_archive
from corpus import corpus_text

CHANGELOG = "aks/CHANGELOG.md"
CALENDAR = "docs/aks-supported-kubernetes-versions.md"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Windows Server 2019", "Windows Server 2019"),
        ("Windows2019", "Windows Server 2019"),
        ("Windows 2019", "Windows Server 2019"),
        ("windows-server-2019", "Windows Server 2019"),
        ("Azure Linux 2.0", "Azure Linux 2.0"),
        ("Mariner", "Azure Linux 2.0"),
        ("CBL-Mariner", "Azure Linux 2.0"),
        ("asm-1-22", "Istio revision asm-1-22"),
        ("istio:asm-1-22", "Istio revision asm-1-22"),
        ("Istio revision asm-1-22", "Istio revision asm-1-22"),
        ("basic-load-balancer", "Basic Load Balancer"),
        ("cilium", "cilium"),
    ],
)
def test_canonical_names(name: str, expected: str) -> None:
    assert canonical(name) == expected
    assert aliases(name)[0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Windows2019 node pools", "Windows Server 2019 node pools"),
        ("Windows 2019", "Windows Server 2019"),
        ("Azure Linux 2.0", "Azure Linux 2.0"),  # not 'Azure Linux 2.0.0'
        ("CBL-Mariner and Mariner", "Azure Linux 2.0 and Azure Linux 2.0"),
        ("Istio add-on revision asm-1-22", "Istio revision asm-1-22"),
        ("asm-1-22", "Istio revision asm-1-22"),
        ("Docker container runtime", "Docker container runtime"),
    ],
)
def test_normalise_subjects(text: str, expected: str) -> None:
    assert normalise(text) == expected


def _retiring(*facts: tuple[str, dt.date]) -> ArchiveView:
    stored = tuple(
        StoredFact(n + 1, f"aks:2025-0{n + 1}-01", n + 1, RetirementFact(subject, day),
                   dt.date(2025, n + 1, 1))
        for n, (subject, day) in enumerate(facts)
    )  # fmt: skip
    return ArchiveView(retirements=stored)


def test_aliases_meet_in_one_finding_under_one_name() -> None:
    day = dt.date(2026, 3, 1)
    archive = _retiring(("Windows2019 node pools", day), ("asm-1-22", day), ("Mariner", day))
    cluster = Cluster(
        "c1",
        kubernetes_version="1.31.2",
        node_pools=(
            NodePool("win", "User", "Windows", "Windows2019", "1.31.2"),
            NodePool("azl", "User", "Linux", "AzureLinux", "1.31.2",
                     "AKSAzureLinux-V2gen2-202510.03.0"),
        ),
        features=("istio:asm-1-22", "windows2019"),
    )  # fmt: skip
    found = match(Inventory(clusters=(cluster,)), archive, now=dt.date(2025, 10, 1))
    retirements = {(f.subject, f.node_pool): f for f in found if f.rule is Rule.RETIREMENT}
    # The windows2019 feature is the pool's own OS: one finding, not two.
    assert set(retirements) == {
        ("Windows Server 2019", "win"),
        ("Azure Linux 2.0", "azl"),
        ("Istio revision asm-1-22", None),
    }
    istio = retirements[("Istio revision asm-1-22", None)]
    assert istio.title == "Istio revision asm-1-22 retires on 2026-03-01: used by c1"
    assert "announced as Istio revision asm-1-22" in istio.why
    win = retirements[("Windows Server 2019", "win")]
    assert win.title == "Windows Server 2019 retires on 2026-03-01: used by node pool win of c1"
    assert "announced as Windows Server 2019 node pools" in win.why


def test_a_past_retirement_reads_retired_on_and_no_longer_supported() -> None:
    # The newest CHANGELOG statement of the Ubuntu 18.04 end, read from the document.
    text = corpus_text(CHANGELOG)
    stated = re.search(r"Starting on (\d{1,2} \w+ \d{4})[^\n]*Ubuntu 18\.04", text)
    assert stated is not None
    deadline = dt.datetime.strptime(stated[1], "%d %B %Y").date()
    now = deadline + dt.timedelta(days=10)
    pool = NodePool("system", "System", "Linux", "Ubuntu", "1.24.10",
                    "AKSUbuntu-1804gen2containerd-2023.06.06")  # fmt: skip
    cluster = Cluster("legacy", kubernetes_version="1.24.10", node_pools=(pool,))
    found = match(Inventory(clusters=(cluster,)), corpus_archive(now), now=now)
    (f,) = [f for f in found if f.rule is Rule.RETIREMENT]
    assert f.deadline == deadline and f.severity is Severity.CRITICAL
    assert f.title == (
        f"Ubuntu 18.04 retired on {deadline} (10 days ago): Ubuntu 18.04 is no longer "
        "supported; used by node pool system of legacy"
    )
    assert f"Ubuntu 18.04 retired on {deadline} (10 days ago)" in f.why
    assert "announced the retirement of" not in f.why
    assert (
        f.action
        == "Move node pool system off Ubuntu 18.04 now (see the announcement for the path)."
    )
    before = match(Inventory(clusters=(cluster,)), corpus_archive(now), now=deadline)
    (f,) = [f for f in before if f.rule is Rule.RETIREMENT]
    assert f.title.startswith(f"Ubuntu 18.04 retires on {deadline}: used by")


# --- LTS ----------------------------------------------------------------------------------------


def _lts_row(minor: str) -> tuple[dt.date, dt.date]:
    """(end of life, LTS end of life) of the calendar's LTS table, as the 1st of the month."""
    row = re.search(rf"(?m)^\| {re.escape(minor)} \|(.*)\|\s*$", corpus_text(CALENDAR).split(
        "LTS Versions")[1])  # fmt: skip
    assert row is not None
    cells = [c.strip() for c in row[1].split("|")]
    end, lts_end = (dt.datetime.strptime(c, "%b %Y").date() for c in cells[3:5])
    return end, lts_end


def test_official_cluster_on_an_lts_only_minor_is_told_about_the_lts_plan() -> None:
    end, lts_end = _lts_row("1.27")
    now = end + dt.timedelta(days=30)
    assert now < lts_end
    archive = corpus_archive(now)
    (row,) = [r for r in archive.calendar if r.minor == "1.27"]
    assert row.support.value == "lts-only" and row.lts
    official = Cluster("std", kubernetes_version="1.27.9")
    (f,) = [f for f in match(Inventory(clusters=(official,)), archive, now=now)
            if f.rule is Rule.END_OF_SUPPORT]  # fmt: skip
    assert f.deadline == end and f.severity is Severity.CRITICAL
    assert f"Or move it to the AKSLongTermSupport plan (1.27 LTS until {lts_end})." in f.action
    assert "1.27 is now offered only on the AKS Long Term Support plan." in f.why
    # On the LTS plan the same minor is judged by its LTS end, far ahead: no finding.
    lts = Cluster("lts", kubernetes_version="1.27.100-akslts",
                  support_plan=SupportPlan.AKS_LONG_TERM_SUPPORT)  # fmt: skip
    found = match(Inventory(clusters=(lts,)), archive, now=now)
    assert not [f for f in found if f.rule is Rule.END_OF_SUPPORT]


def test_akslts_patches_only_for_the_lts_plan() -> None:
    text = corpus_text(CHANGELOG)
    lts_patches = sorted(
        set(re.findall(r"\b1\.27\.(1\d\d)\b", text)), key=int
    )  # '1.27.101' style LTS patch numbers named in the CHANGELOG
    assert lts_patches
    now = dt.date(2025, 10, 27)
    archive = corpus_archive(now)
    on_lts = Cluster("lts", kubernetes_version="1.27.100-akslts",
                     support_plan=SupportPlan.AKS_LONG_TERM_SUPPORT,
                     upgrade_channel=UpgradeChannel.PATCH)  # fmt: skip
    official = Cluster("std", kubernetes_version="1.27.9", upgrade_channel=UpgradeChannel.PATCH)
    found = match(Inventory(clusters=(on_lts, official)), archive, now=now)
    patches = {(f.cluster, f.subject) for f in found if f.subject.startswith("patch ")}
    offered = [s for c, s in patches if c == "lts"]
    assert len(offered) == 1
    assert re.fullmatch(rf"patch 1\.27\.({'|'.join(lts_patches)})-akslts", offered[0])
    assert not [s for c, s in patches if c == "std" and "akslts" in s]
