"""Upstream knowledge in the archive: guide revisions, the API knowledge base, calendar, diff.

Runs on both backends; expected values come from the corpus documents (headings, bold API
versions, table rows) or are named examples checked by value.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from aksnews.config import Settings
from aksnews.sources.pipeline import ingest_file
from aksnews.store.engine import open_engine
from aksnews.store.handle import Archive
from aksnews.store.queries import get_release, list_releases

from conftest import BACKENDS, database
from corpus import corpus_path, corpus_text

SETTINGS = Settings()


@pytest.fixture(scope="module", params=BACKENDS)
def upstream(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, str]]:
    with database(request.param, request, tmp_path_factory.mktemp("upstream")) as url:
        engine = open_engine(url)
        for name in ("deprecation-guide-2021.md", "deprecation-guide.md"):
            ingest_file(
                Archive(engine), SETTINGS, corpus_path(f"docs/{name}"), source="deprecation-guide"
            )
        ingest_file(
            Archive(engine),
            SETTINGS,
            corpus_path("docs/aks-supported-kubernetes-versions.md"),
            source="aks-calendar",
        )
        for minor in range(23, 32):
            ingest_file(
                Archive(engine),
                SETTINGS,
                corpus_path(f"kubernetes/release-notes/release-notes-1.{minor}.md"),
                source="kubernetes",
                release=f"v1.{minor}.0",
            )
        for name in ("CHANGELOG-1.22.md", "CHANGELOG-1.32.md"):
            ingest_file(
                Archive(engine),
                SETTINGS,
                corpus_path(f"kubernetes/changelog/{name}"),
                source="kubernetes",
            )
        ingest_file(Archive(engine), SETTINGS, corpus_path("aks/CHANGELOG.md"), source="aks")
        yield engine, url
        engine.dispose()


def _cli(url: str, *args: str) -> object:
    import io
    from contextlib import redirect_stdout

    from aksnews.commands import run

    buffer = io.StringIO()
    with redirect_stdout(buffer):
        code = run(["--db", url, *args])
    assert code == 0
    return json.loads(buffer.getvalue())


def test_newer_guide_revises_the_older_one(upstream: tuple[Engine, str]) -> None:
    engine, _ = upstream
    old_sections = re.findall(
        r"^### (v1\.\d+)", corpus_text("docs/deprecation-guide-2021.md"), re.M
    )
    new_sections = re.findall(r"^### (v1\.\d+)", corpus_text("docs/deprecation-guide.md"), re.M)
    guide = {r.version: r for r in list_releases(engine, source="deprecation-guide")}
    assert set(guide) == set(old_sections) | set(new_sections)
    added = set(new_sections) - set(old_sections)
    assert {"v1.26", "v1.27", "v1.29", "v1.32"} <= added
    for version in old_sections:
        # Both texts are kept: the 2021 one as revision 1, the current one as revision 2.
        assert [
            r.revision for r in get_release(engine, f"deprecation-guide:{version}").revisions
        ] == [1, 2]


def test_knowledge_base_follows_the_current_guide(upstream: tuple[Engine, str]) -> None:
    _, url = upstream
    rows = _cli(url, "apis", "--json")
    assert isinstance(rows, list)
    by_api = {(r["group_version"], tuple(r["kinds"])): r for r in rows}
    crd = by_api[("apiextensions.k8s.io/v1beta1", ("CustomResourceDefinition",))]
    # The 2021 page named apiextensions.k8s.io/v1beta1 as its own replacement.
    assert crd["replacement"] == "apiextensions.k8s.io/v1" and crd["removed_in"] == "1.22"
    cron = by_api[("batch/v1beta1", ("CronJob",))]
    assert cron["removed_in"] == "1.25" and cron["replacement"] == "batch/v1"
    psp = by_api[("policy/v1beta1", ("PodSecurityPolicy",))]
    assert psp["replacement"] is None and "deprecation-guide" in psp["evidence"]
    flow = [r for r in rows if r["group_version"] == "flowcontrol.apiserver.k8s.io/v1beta2"]
    assert flow and flow[0]["removed_in"] == "1.29"
    removed_125 = _cli(url, "apis", "--removed-in", "1.25", "--json")
    assert isinstance(removed_125, list)
    assert removed_125 and {r["removed_in"] for r in removed_125} == {"1.25"}
    # Mining adds evidence from the upstream notes next to the guide's.
    assert any(any(e.startswith("pr:") for e in r["evidence"]) for r in rows if r["in_guide"])
    # one kind per row, with its confidence and guide section
    assert all(r["kinds"] == ([r["kind"]] if r["kind"] else []) for r in rows)
    assert all(r["guide_section"] and r["confidence"] == "guide" for r in rows if r["in_guide"])
    cron_rows = _cli(url, "apis", "--kind", "cronjob", "--json")
    assert isinstance(cron_rows, list) and {r["kind"] for r in cron_rows} == {"CronJob"}
    batch = _cli(url, "apis", "--group", "batch", "--json")
    assert isinstance(batch, list) and batch
    assert {r["group_version"].split("/")[0] for r in batch} == {"batch"}
    deprecated = _cli(url, "apis", "--deprecated-in", "1.29", "--json")
    assert isinstance(deprecated, list) and deprecated
    assert {r["deprecated_in"] for r in deprecated} == {"1.29"}
    assert "flowcontrol.apiserver.k8s.io/v1beta3" in {r["group_version"] for r in deprecated}


def test_apis_before_anything_is_fetched_answers_from_the_snapshot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from aksnews.commands import run

    db = f"sqlite:///{tmp_path / 'empty.db'}"
    assert run(["--db", db, "apis", "--kind", "FlowSchema"]) == 0
    captured = capsys.readouterr()
    assert "flowcontrol.apiserver.k8s.io/v1beta3" in captured.out
    assert "from the snapshot shipped with aksnews" in captured.err
    assert run(["--db", db, "apis", "--deprecated-in", "soon"]) == 1
    assert "--deprecated-in wants a minor version" in capsys.readouterr().err


def test_calendar_rows_and_support_today(upstream: tuple[Engine, str]) -> None:
    _, url = upstream
    rows = _cli(url, "calendar", "--today", "2025-01-15", "--json")
    assert isinstance(rows, list)
    by_minor = {r["minor"]: r for r in rows}
    table = re.findall(
        r"^\| (1\.\d+) \|", corpus_text("docs/aks-supported-kubernetes-versions.md"), re.M
    )
    assert set(table) <= set(by_minor)
    assert by_minor["1.30"]["lts_end"] == "2026-07-01"
    # The calendar says 'Jan 2025' for 1.28; the CHANGELOG names the day, which refines it.
    stated = re.search(r"1\.28 was deprecated on (\w+ \d+, \d{4})", corpus_text("aks/CHANGELOG.md"))
    assert stated is not None
    end_128 = dt.datetime.strptime(stated[1], "%b %d, %Y").date()
    assert by_minor["1.28"]["end_of_support"] == end_128.isoformat() == "2025-01-30"
    # N-2 on 2025-01-15: 1.31, 1.30 and 1.29 are GA and before their end of life; 1.28 is past
    # the window but its stated end of support is still ahead.
    supported = sorted(r["minor"] for r in rows if r["supported"])
    assert supported == ["1.28", "1.29", "1.30", "1.31"]
    assert by_minor["1.27"]["support"] == "lts-only"


def test_diff_orders_urgent_notes_first_and_lists_removed_apis(
    upstream: tuple[Engine, str],
) -> None:
    _, url = upstream
    report = _cli(url, "diff", "1.22", "1.32", "--json")
    assert isinstance(report, dict)
    assert report["releases"][0] == "kubernetes:v1.23.0"
    assert report["releases"][-1] == "kubernetes:v1.32.5"
    assert not any(re.search(r"-(alpha|beta|rc)", k) for k in report["releases"])
    assert [g["kind"] for g in report["groups"]] == [
        "urgent-upgrade",
        "deprecation",
        "api-change",
        "dependency",
    ]
    urgent = report["groups"][0]["entries"]
    assert urgent and all(e["kind"] == "urgent-upgrade" or e["action_required"] for e in urgent)
    assert any(e["kind"] != "urgent-upgrade" for e in urgent)  # ACTION REQUIRED elsewhere
    urgent_ids = {e["id"] for e in urgent}
    later = [e for g in report["groups"][1:] for e in g["entries"]]
    assert not urgent_ids & {e["id"] for e in later}  # listed once, first
    only = _cli(url, "diff", "1.24", "1.25", "--kind", "deprecation", "--json")
    assert isinstance(only, dict) and [g["kind"] for g in only["groups"]] == ["deprecation"]
    assert only["removed_apis"] == [] and only["dependencies"] == []


def _guide_section(release: str) -> set[str]:
    """Bold API versions of the guide's '### v1.NN' section: what it stops serving."""
    text = corpus_text("docs/deprecation-guide.md")
    body = text.split(f"\n### v{release}\n", 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    paragraphs = [p for p in re.split(r"\n\s*\n", body) if "no longer served" in p]
    return {gv for p in paragraphs for gv in re.findall(r"\*\*([a-z0-9.-]+/v\w+)\*\*", p)}


def test_diff_lists_what_the_range_removes_from_the_knowledge_base(
    upstream: tuple[Engine, str],
) -> None:
    _, url = upstream
    report = _cli(url, "diff", "1.24", "1.26", "--json")
    assert isinstance(report, dict) and report["knowledge"] == "archive"
    removed = {r["group_version"] for r in report["removed_apis"] if not r["planned"]}
    guide = _guide_section("1.25") | _guide_section("1.26")
    assert guide and guide <= removed
    assert {r["removed_in"] for r in report["removed_apis"]} <= {"1.25", "1.26"}
    gates = {g["name"] for g in report["removed_feature_gates"]}
    flags = {f["flag"] for f in report["removed_flags"]}
    assert gates and flags
    # each removed gate of the range is named by a note of the range with its name
    notes = corpus_text("kubernetes/release-notes/release-notes-1.25.md") + corpus_text(
        "kubernetes/release-notes/release-notes-1.26.md"
    )
    assert all(g in notes for g in gates) and all(f in notes for f in flags)
    only = _cli(url, "diff", "1.24", "1.26", "--kind", "removed-feature-gate", "--json")
    assert isinstance(only, dict) and only["groups"] == [] and only["removed_apis"] == []
    assert {g["name"] for g in only["removed_feature_gates"]} == gates


def test_diff_collapses_dependencies_and_names_missing_minors(
    upstream: tuple[Engine, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _, url = upstream
    report = _cli(url, "diff", "1.29", "1.32", "--json")
    assert isinstance(report, dict)
    deps = report["dependencies"]
    components = [d["component"] for d in deps]
    assert len(components) == len(set(components))  # one line per module
    entries = report["groups"][-1]["entries"]
    bumped = {f["component"] for e in entries for f in e["facts"]}
    assert set(components) <= bumped and len(components) < len(entries)
    # the fixture archives the drafts 1.23 to 1.31 and the CHANGELOGs of 1.22 and 1.32
    assert report["missing_minors"] == []
    gap = _cli(url, "diff", "1.18", "1.24", "--json")
    assert isinstance(gap, dict) and gap["missing_minors"] == ["1.19", "1.20", "1.21"]
    from aksnews.commands import run

    assert run(["--db", url, "diff", "1.18", "1.24"]) == 0
    captured = capsys.readouterr()
    assert "1.19, 1.20, 1.21" in captured.err and "missing from the archive" in captured.out
    # piped: never paged, each dependency on one line 'module from → to'
    assert run(["--db", url, "diff", "1.29", "1.32", "--kind", "dependency"]) == 0
    text = capsys.readouterr().out
    lines = [line for line in text.splitlines() if line.startswith("  • ")]
    assert len(lines) == len(deps) and all(" → " in line for line in lines)


def test_show_upstream_release_as_json(upstream: tuple[Engine, str]) -> None:
    _, url = upstream
    release = _cli(url, "show", "v1.29.0", "--json")
    assert isinstance(release, dict) and release["id"] == "kubernetes:v1.29.0"
    notes = release["entries"]
    linked = set(
        re.findall(
            r"\[#(\d+)\]\(https://github.com/kubernetes/kubernetes/pull/\1\)",
            corpus_text("kubernetes/release-notes/release-notes-1.29.md"),
        )
    )
    parsed = {str(e["pr"]) for e in notes if e["pr"]}
    assert len(linked & parsed) >= 0.99 * len(linked)
    assert all({"kind", "pr", "sigs", "text"} <= set(e) for e in notes)
    hits = _cli(
        url,
        "search",
        "deprecated",
        "--source",
        "kubernetes",
        "--kind",
        "deprecation",
        "--version",
        "1.29",
        "--json",
    )
    assert isinstance(hits, list) and hits
    assert all(h["source"] == "kubernetes" and h["kind"] == "deprecation" for h in hits)


def test_calendar_without_data_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from aksnews.commands import run

    assert run(["--db", f"sqlite:///{tmp_path / 'empty.db'}", "calendar"]) == 0
    assert "no calendar data" in capsys.readouterr().err


def _on_a_terminal(args: list[str], rows: int) -> str:
    """Run aksnews in a pseudo-terminal of `rows` lines; PAGER marks every line it shows."""
    import fcntl
    import os
    import struct
    import subprocess
    import sys
    import termios

    controller, terminal = os.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", rows, 200, 0, 0))
    env = {**os.environ, "PAGER": "sed -e s/^/PAGED:/", "TERM": "xterm", "COLUMNS": "200"}
    env.pop("LESS", None)
    command = [sys.executable, "-m", "aksnews.cli", *args]
    proc = subprocess.Popen(
        command, stdin=terminal, stdout=terminal, stderr=terminal, env=env, close_fds=True
    )
    os.close(terminal)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the terminal closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(controller)
    return b"".join(chunks).decode("utf-8", "replace")


def test_diff_pages_on_a_terminal_only_when_longer_than_the_screen(
    upstream: tuple[Engine, str],
) -> None:
    _, url = upstream
    long = _on_a_terminal(["--db", url, "diff", "1.29", "1.32"], rows=40)
    assert "PAGED:" in long and "Urgent upgrade notes" in long
    short = _on_a_terminal(["--db", url, "diff", "1.29", "1.32", "--kind", "removed-api"], 200)
    assert "Removed APIs" in short and "PAGED:" not in short


def test_kind_names_and_action_required_are_archived(engine: Engine, tmp_path: Path) -> None:
    """A kind heading aksnews does not know keeps its name in the archive; the flag is kept."""

    def note(n: int, text: str) -> str:
        pr = f"[#{n}](https://github.com/kubernetes/kubernetes/pull/{n})"
        return f"- {text} ({pr}, [@dev](https://github.com/dev))\n"

    doc = tmp_path / "CHANGELOG-1.40.md"
    doc.write_text(
        "# v1.40.0\n\n## Changes by Kind\n\n### Design\n\n"
        + note(1, "A design note.")
        + "\n### Feature\n\n"
        + note(2, "ACTION REQUIRED: set the new field.")
        + note(3, "A plain feature."),
        encoding="utf-8",
    )
    ingest_file(Archive(engine), SETTINGS, doc, source="kubernetes")
    entries = get_release(engine, "kubernetes:v1.40.0").entries
    assert [(e.pr, e.kind, e.action_required) for e in entries] == [
        (1, "design", False),
        (2, "feature", True),
        (3, "feature", False),
    ]
