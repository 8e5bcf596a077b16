"""Upgrade blockers end to end: import-az of every az output, scan, check --rules, plan, digest.

A real archive (the corpus AKS CHANGELOG, the deprecation guide, the calendar and the 1.25
notes) and the shop fixtures of tests/data/blockers, on SQLite and PostgreSQL. shop-prod runs
1.24 with manifests that use APIs removed in 1.25, so its plan has API findings to come after
the blockers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from aksnews.commands import run
from aksnews.inventory.manifests import scan_paths
from aksnews.store.engine import open_engine
from aksnews.store.handle import Archive

from conftest import BACKENDS, database
from corpus import ingest_corpus

DATA = Path(__file__).resolve().parent.parent / "data"
BLOCKERS = DATA / "blockers"
TODAY = "2025-10-27"  # the day of the newest corpus CHANGELOG
NOW = dt.datetime(2025, 10, 27, tzinfo=dt.UTC)


def _run(url: str, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = run(["--db", url, *args])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module", params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with database(request.param, request, tmp_path_factory.mktemp("blockers")) as url:
        engine = open_engine(url)
        ingest_corpus(engine, release_notes=("1.25",))
        engine.dispose()
        code, _, _ = _run(url, "inventory", "load", str(BLOCKERS / "inventory.yaml"))
        assert code == 0
        yield url


@pytest.fixture(scope="module")
def imported(db: str) -> tuple[str, str, str]:
    files = sorted(str(p) for p in BLOCKERS.glob("*.json"))
    code, out, err = _run(db, "inventory", "import-az", *files, "--location", "eastus")
    assert code == 0, err
    code, _, err2 = _run(
        db, "inventory", "scan", str(DATA / "manifests"), str(BLOCKERS / "k8s"), "-c", "shop-prod"
    )
    assert code == 0, err2
    return db, out, err


def test_import_az_recognises_each_file_and_names_what_it_could_not_read(
    imported: tuple[str, str, str],
) -> None:
    _, out, err = imported
    shapes = {line.split(" (")[0]: line.split(" (")[1].split(")")[0] for line in out.splitlines()}
    assert shapes == {
        str(BLOCKERS / "maintenance.arm.json"): "maintenance",
        str(BLOCKERS / "maintenance.json"): "maintenance",
        str(BLOCKERS / "shop-prod.aks.json"): "clusters",
        str(BLOCKERS / "skus.eastus.json"): "vm-skus",
        str(BLOCKERS / "subnet-partial.json"): "subnets",
        str(BLOCKERS / "subnet-system.json"): "subnets",
        str(BLOCKERS / "subnet-user.arm.json"): "subnets",
        str(BLOCKERS / "usage.eastus.arm.json"): "vm-usage",
        str(BLOCKERS / "usage.eastus.json"): "vm-usage",
    }
    assert (
        f"warning: {BLOCKERS / 'subnet-partial.json'}: subnet snet-shop-spare: no "
        "ipConfigurations; its free IPs are unknown"
    ) in err.splitlines()


def test_check_rules_selects_and_validates(imported: tuple[str, str, str]) -> None:
    db, _, _ = imported
    code, out, err = _run(
        db, "check", "--today", TODAY, "--rules", "pdb-blocks-drain,surge-quota", "-f", "json"
    )
    assert code == 2  # critical findings, none of them a removed API
    found = json.loads(out)
    assert {f["rule"] for f in found} == {"pdb-blocks-drain", "surge-quota"}
    assert len([f for f in found if f["rule"] == "pdb-blocks-drain"]) == 3
    # What the selected rules assumed or could not check goes to stderr, beside the archive's
    # freshness warning (the newest corpus release is 15 days before TODAY).
    lines = err.splitlines()
    assert sum(line.startswith("warning: the archive may be stale") for line in lines) == 1
    assert [line for line in lines if not line.startswith("warning: the archive")] == [
        "assumed: surge-quota: shop-prod: pool system: vCPUs of Standard_DS2_v2 from the "
        "built-in table (import az vm list-skus for the region's own)",
        # tests/data/manifests/policies.yaml has a budget for a storefront it does not define.
        "not checked: pdb-blocks-drain: shop-prod: PodDisruptionBudget shop/storefront selects "
        "no Deployment or StatefulSet aksnews knows (scan the manifests or collect the cluster)",
    ]
    code, out, err = _run(db, "check", "--today", TODAY, "--rules", "pdb-blocks-drain,nope")
    assert code == 1 and out == ""
    (line,) = err.strip().splitlines()
    assert "--rules: unknown rule 'nope'" in line and "surge-ip" in line


def test_plan_names_the_blockers_first_with_their_fix(imported: tuple[str, str, str]) -> None:
    db, _, _ = imported
    args = ("plan", "--cluster", "shop-prod", "--to", "1.25", "--today", TODAY)
    code, out, _ = _run(db, *args, "--format", "json")
    assert code == 0
    rules = [f["rule"] for f in json.loads(out)["findings"]]
    first_api = rules.index("removed-api")
    blockers = rules[:first_api]
    assert {"pdb-blocks-drain", "surge-quota", "cgroup-v2-runtime"} <= set(blockers)
    assert not {"pdb-blocks-drain", "surge-quota", "cgroup-v2-runtime"} & set(rules[first_api:])

    code, md, _ = _run(db, *args)
    assert code == 0
    # A summary first, then what blocks the upgrade: blockers, then the removed APIs in use.
    summary, body = md.split("## What blocks the upgrade", 1)
    assert re.search(
        r"^- \*\*\d+\*\* things block the upgrade: \d+ upgrade blockers", summary, re.M
    )
    blocking, rest = body.split("## What to check", 1)
    head, removed = blocking.split("### Removed APIs in use", 1)
    assert "### Upgrade blockers" in head and "removed-api" not in head
    assert "policy/v1beta1" in removed  # the removed APIs in use follow the blockers
    for needle, fix in (
        (
            "PodDisruptionBudget shop/checkout allows no eviction",
            "Fix: In shop/checkout: set maxUnavailable: 1",
        ),
        ("Surge upgrade of pool user needs 16 vCPUs", "Fix: Request at least 6 more vCPUs"),
        ("Java 8u342 in Deployment shop/checkout", "Fix: Move api to Java 8u372 or later"),
    ):
        at = head.index(needle)
        assert fix in head[at : head.index("\n- **", at) if "\n- **" in head[at:] else None]


def test_digest_shows_the_blockers_beside_the_other_findings(
    imported: tuple[str, str, str],
) -> None:
    db, _, _ = imported
    code, out, _ = _run(db, "digest", "--team", "shop", "--today", TODAY, "--format", "md")
    assert code == 0
    assert "PodDisruptionBudget shop/checkout allows no eviction" in out
    assert "Surge upgrade of pool user needs 16 vCPUs" in out


def test_inventory_show_keeps_the_blocker_inputs(imported: tuple[str, str, str]) -> None:
    from aksnews.inventory.merge import load_inventory

    db, _, _ = imported
    engine = open_engine(db)
    try:
        up = load_inventory(Archive(engine)).upgrade
    finally:
        engine.dispose()
    # What the scan collected is what the store gives back (provenance aside).
    scanned = scan_paths([DATA / "manifests", BLOCKERS / "k8s"], cluster="shop-prod", now=NOW)

    def bare(items: Iterable[Any]) -> set[Any]:
        return {dataclasses.replace(i, provenance=None) for i in items}

    assert bare(up.workloads) == bare(scanned.upgrade.workloads)
    assert bare(up.budgets) == bare(scanned.upgrade.budgets)
    assert bare(up.services) == bare(scanned.upgrade.services)
    assert len(up.workloads) == len(scanned.upgrade.workloads) > 5
    # Two usage files of one region (az and ARM casing) give one row per family.
    assert sorted(q.family for q in up.quotas) == [
        "cores",
        "standardDDSv5Family",
        "standardDSv2Family",
        "standardDSv3Family",
    ]
    code, out, _ = _run(db, "inventory", "show", "--json")
    shown = json.loads(out)["upgrade_inputs"]
    assert code == 0 and len(shown["pdb"]) == len(up.budgets)
    assert {w["name"] for w in shown["maintenance-window"]} == {w.name.value for w in up.windows}
    assert {(v["cluster"], v["version"]) for v in shown["version-seen"]} >= {
        ("shop-prod", "1.24.9"),
        ("shop-staging", "1.25.6"),
    }
    assert {(w.cluster, w.name.value) for w in up.windows} == {
        ("shop-prod", "default"),
        ("shop-prod", "aksManagedAutoUpgradeSchedule"),
        ("shop-prod", "aksManagedNodeOSUpgradeSchedule"),
        ("prod-east", "aksManagedAutoUpgradeSchedule"),
    }


def test_scanning_another_path_keeps_the_workloads_of_the_first(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'scan.db'}"

    def counts() -> dict[str, int]:
        code, out, _ = _run(url, "inventory", "show", "--json")
        assert code == 0
        return {k: len(v) for k, v in json.loads(out)["upgrade_inputs"].items()}

    first = scan_paths([BLOCKERS / "k8s"], cluster="shop-prod", now=NOW).upgrade
    second = scan_paths([DATA / "manifests"], cluster="shop-prod", now=NOW).upgrade
    assert first.workloads and first.budgets and second.budgets
    assert _run(url, "inventory", "scan", str(BLOCKERS / "k8s"), "-c", "shop-prod")[0] == 0
    assert _run(url, "inventory", "scan", str(DATA / "manifests"), "-c", "shop-prod")[0] == 0
    both = counts()
    assert both["workload"] == len(first.workloads) + len(second.workloads)
    assert both["pdb"] == len(first.budgets) + len(second.budgets)
    # Scanning the first path again replaces only what it said; --replace forgets the other.
    assert _run(url, "inventory", "scan", str(BLOCKERS / "k8s"), "-c", "shop-prod")[0] == 0
    assert counts() == both
    args = ("inventory", "scan", str(BLOCKERS / "k8s"), "-c", "shop-prod", "--replace")
    assert _run(url, *args)[0] == 0
    assert counts()["pdb"] == len(first.budgets)
