"""Inventory commands, `check` and `plan` end to end on a real archive and the test inventory.

The archive holds the corpus AKS CHANGELOG, the deprecation guide, the calendar and the 1.25
upstream notes; the inventory comes from tests/data (a declarative file, az JSON, manifests).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from aksnews.commands import run
from aksnews.store.engine import open_engine

from conftest import BACKENDS, database
from corpus import ingest_corpus

DATA = Path(__file__).resolve().parent.parent / "data"
TODAY = "2025-10-27"  # the day of the newest corpus CHANGELOG


@pytest.fixture(scope="module", params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with database(request.param, request, tmp_path_factory.mktemp("check")) as url:
        engine = open_engine(url)
        ingest_corpus(engine, release_notes=("1.25",))
        engine.dispose()
        for args in (
            ["inventory", "load", str(DATA / "inventory.yaml")],
            ["inventory", "import-az", str(DATA / "az" / "list.json")],
            ["inventory", "scan", str(DATA / "manifests"), "--cluster", "legacy-west"],
        ):
            assert run(["--db", url, *args]) == 0, args
        yield url


def _run(url: str, *args: str) -> tuple[int, str]:
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        code = run(["--db", url, *args])
    return code, buffer.getvalue()


def test_inventory_show_merges_file_az_and_scan(db: str) -> None:
    code, out = _run(db, "inventory", "show", "--json")
    assert code == 0
    shown = json.loads(out)
    clusters = {c["name"]: c for c in shown["clusters"]}
    assert set(clusters) == {"legacy-west", "prod-east", "lts-central"}
    assert clusters["prod-east"]["teams"] == ["payments"]
    assert any(p["osSKU"] == "Windows2019" for p in clusters["prod-east"]["nodePools"])
    uses = {(u["apiVersion"], u["kind"]) for u in shown["api_uses"]}
    assert ("policy/v1beta1", "PodSecurityPolicy") in uses
    # Secrets are shown as references, never resolved.
    assert all(
        (t["slack_webhook"] or "env:").startswith(("env:", "<inline")) for t in shown["teams"]
    )


def test_check_exit_codes_follow_the_documented_convention(db: str) -> None:
    code, out = _run(db, "check", "--today", TODAY, "--format", "json")
    assert code == 3  # a removed API is in use
    findings = json.loads(out)
    assert {f["rule"] for f in findings} >= {"removed-api", "end-of-support", "retirement"}
    psp = [f for f in findings if f["subject"].startswith("policy/v1beta1 PodSecurityPolicy")]
    assert psp and psp[0]["severity"] == "critical" and psp[0]["cluster"] == "legacy-west"
    assert any("deprecation-guide" in link for link in psp[0]["links"])

    code, _ = _run(db, "check", "--today", TODAY, "--cluster", "lts-central", "--format", "json")
    assert code in (0, 2)
    code, _ = _run(db, "check", "--today", TODAY, "--fail-on", "never")
    assert code == 0
    code, _ = _run(db, "check", "--cluster", "nope")
    assert code == 1


def test_check_is_deterministic(db: str) -> None:
    first = _run(db, "check", "--today", TODAY, "--format", "json")[1]
    second = _run(db, "check", "--today", TODAY, "--format", "json")[1]
    assert first == second


def test_sarif_has_rules_results_and_file_locations(db: str) -> None:
    code, out = _run(db, "check", "--today", TODAY, "--format", "sarif")
    log = json.loads(out)
    assert code == 3 and log["version"] == "2.1.0"
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} <= {
        rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]
    }
    physical = [
        loc["physicalLocation"]
        for r in results
        for loc in r["locations"]
        if "physicalLocation" in loc
    ]
    assert any(p["artifactLocation"]["uri"].endswith("policies.yaml") for p in physical)
    assert all(r["partialFingerprints"]["aksnews/v1"] for r in results)


def test_plan_puts_apis_in_use_first(db: str) -> None:
    code, out = _run(
        db, "plan", "--cluster", "legacy-west", "--to", "1.26", "--today", TODAY, "--format", "json"
    )
    assert code == 0
    plan = json.loads(out)
    assert plan["from"] == "1.24" and plan["minors"] == ["1.25", "1.26"]
    removed = plan["removed_apis"]
    in_use = [r for r in removed if r["in_use"]]
    assert in_use and removed[: len(in_use)] == in_use
    assert any(r["group_version"] == "batch/v1beta1" for r in in_use)
    assert plan["upstream"]["releases"] == ["kubernetes:v1.25.0"]
    code, md = _run(db, "plan", "--cluster", "legacy-west", "--to", "1.26", "--today", TODAY)
    assert code == 0 and md.startswith("# Upgrade plan: legacy-west 1.24 → 1.26")
    code, html = _run(
        db, "plan", "--cluster", "legacy-west", "--to", "1.26", "--today", TODAY, "--format", "html"
    )
    assert code == 0 and html.startswith("<!doctype html>") and "<script" not in html


def test_plan_of_a_cluster_on_an_lts_patch(db: str) -> None:
    # 1.30.101-akslts has no upstream patch of its number: the upstream range starts at 1.30.
    code, md = _run(db, "plan", "--cluster", "lts-central", "--to", "1.31", "--today", TODAY)
    assert code == 0 and md.startswith("# Upgrade plan: lts-central 1.30 → 1.31")


def test_collector_that_reads_nothing_exits_1(db: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\x00\x01binary")
    code, _ = _run(db, "inventory", "import-az", str(bad))
    assert code == 1


def test_check_markdown_has_one_row_and_one_section_per_finding(db: str) -> None:
    code_json, out_json = _run(db, "check", "--today", TODAY, "--format", "json")
    code_md, out_md = _run(db, "check", "--today", TODAY, "--format", "markdown")
    assert code_md == code_json == 3
    findings = json.loads(out_json)
    lines = out_md.splitlines()
    assert lines[0] == "| severity | cluster | rule | finding | deadline |"
    rows = [line for line in lines[2:] if line.startswith("| ")]
    assert len(rows) == len(findings) > 0
    assert sum(line.startswith("### ") for line in lines) == len(findings)
    for row, finding in zip(rows, findings, strict=True):
        assert row.startswith(f"| {finding['severity']} | ")
        assert f" {finding['rule']} " in row


def test_plan_reads_summary_blockers_checks_then_the_rest(db: str) -> None:
    code, md = _run(db, "plan", "--cluster", "legacy-west", "--to", "1.26", "--today", TODAY)
    assert code == 0
    headings = re.findall(r"^(##+ .*?)(?: \(\d+\))?$", md, re.M)
    assert headings == [
        "## What blocks the upgrade",
        "### Upgrade blockers",
        "### Removed APIs in use",
        "### End of support",
        "## What to check",
        "### Deprecated APIs in use",
        "### AKS behaviour changes",
        "### Urgent upstream notes",
        "## The rest",
        "### Support dates",
    ]
    summary = md.split("## What blocks the upgrade", 1)[0]
    assert len(summary.splitlines()) <= 12  # one screen
    blocking = md.split("## What blocks the upgrade", 1)[1].split("## What to check", 1)[0]
    # The PodSecurityPolicy manifest: removed in 1.25, used at its file:line, replacement named.
    removed = blocking.split("### Removed APIs in use", 1)[1]
    assert "`policy/v1beta1` PodSecurityPolicy: removed in 1.25" in removed
    assert "`batch/v1beta1` CronJob: removed in 1.25, use batch/v1 (served since 1.21)" in removed
    assert re.search(r"`[^`]*manifests/cronjob\.yml:\d+ ", removed)
    assert md.index("## What to check") < md.index("## The rest")
    # The rest is counted, not listed: no upstream bug fix text below it.
    rest = md.split("## The rest", 1)[1]
    assert re.search(r"^- Upstream .*: \d+$", rest, re.M)
