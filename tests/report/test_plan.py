"""The upgrade plan's reading order and its relevance filter, on the real v1.25.0 notes: the
urgent upgrade notes a plan lists are those that name something the cluster runs, the others
are counted (and linked), never listed."""

from __future__ import annotations

import re

from aksnews.knowledge.diff import Version, build_diff
from aksnews.model.inventory import Cluster, NodePool
from aksnews.report.plan import UpgradePlan, build_plan, outline
from aksnews.report.render import environment, render

from digest_inputs import details, upstream_release

WINDOWS = Cluster(
    "win-prod",
    teams=("retail",),
    kubernetes_version="1.24.9",
    node_pools=(
        NodePool("system", os_sku="Ubuntu", orchestrator_version="1.24.9"),
        NodePool("win", os_type="Windows", os_sku="Windows2019", orchestrator_version="1.24.9"),
    ),
)
LINUX = Cluster(
    "linux-prod",
    teams=("web",),
    kubernetes_version="1.24.9",
    node_pools=(NodePool("system", os_sku="Ubuntu", orchestrator_version="1.24.9"),),
)


def _plan(cluster: Cluster) -> UpgradePlan:
    releases = details([upstream_release("1.25")])
    upstream = build_diff(Version.parse("1.24.9"), Version.parse("1.25"), releases)
    return build_plan(
        cluster,
        "1.24",
        "1.25",
        findings=(),
        calendar=(),
        knowledge=(),
        upstream=upstream,
        aks_changes=(),
    )


def _urgent_notes() -> list[str]:
    return [
        e.text
        for e in upstream_release("1.25").entries
        if (e.kind.value == "urgent-upgrade" or e.action_required) and e.text.strip()
    ]


def test_urgent_notes_only_those_naming_what_the_cluster_runs() -> None:
    notes = _urgent_notes()
    (windows,) = [t for t in notes if "Windows" in t]  # 'Add new Windows Image Support'
    win = outline(_plan(WINDOWS), web_url="https://aksnews.example")
    assert [(u.entry.text, u.because) for u in win.urgent] == [
        (windows, "because win-prod runs Windows node pools")
    ]
    assert win.urgent_elsewhere == len(notes) - 1
    assert win.urgent_elsewhere_url == "https://aksnews.example/releases/kubernetes%3Av1.25.0"
    assert win.to_check == 1
    linux = outline(_plan(LINUX))
    assert linux.urgent == () and linux.urgent_elsewhere == len(notes)
    assert linux.urgent_elsewhere_url is None


def test_a_plan_lists_no_note_outside_relevance() -> None:
    notes = _urgent_notes()
    for cluster in (WINDOWS, LINUX):
        plan = _plan(cluster)
        md = render("plan.md.j2", plan=plan, outline=outline(plan))
        escape = environment().filters["md"]
        listed = [t for t in notes if escape(t)[:60] in md]
        assert listed == [t for t in notes if "Windows" in t and cluster is WINDOWS], cluster.name
        other = len(notes) - len(listed)
        assert f"({other} others not touching the cluster)" in md.split("## What blocks")[0]
        assert re.search(rf"^(And )?{other} (more )?not touching {cluster.name}\b", md, re.M)


def test_the_plan_reads_summary_blocks_checks_rest() -> None:
    plan = _plan(WINDOWS)
    md = render("plan.md.j2", plan=plan, outline=outline(plan))
    headings = re.findall(r"^#+ (.*?)(?: \(\d+\))?$", md, re.M)
    assert headings == [
        "Upgrade plan: win-prod 1.24 → 1.25",
        "What blocks the upgrade",
        "Upgrade blockers",
        "Removed APIs in use",
        "What to check",
        "Deprecated APIs in use",
        "AKS behaviour changes",
        "Urgent upstream notes",
        "The rest",
    ]
    summary = md.split("## What blocks the upgrade", 1)[0]
    assert len(summary.splitlines()) <= 12
