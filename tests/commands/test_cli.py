"""The command line contract: one JSON document with --json, one-line errors, exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from aksnews.commands import run

from corpus import corpus_path, corpus_text

AKSNEWS = str(Path(sys.executable).parent / "aksnews")


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("AKSNEWS_DATABASE_URL", url)
    monkeypatch.delenv("AKSNEWS_CONFIG", raising=False)
    return url


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_version_without_the_framework() -> None:
    proc = subprocess.run([AKSNEWS, "--version"], capture_output=True, text=True, check=True)
    assert re.fullmatch(r"aksnews \d+\.\d+\.\d+\n", proc.stdout)


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--help")
    assert code == 0
    for command in ("fetch", "ingest", "releases", "show", "facts", "search", "db"):
        assert command in out


def test_ingest_then_list_show_search_as_json(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(corpus_path("aks/CHANGELOG.md"))
    code, out, _ = _run(capsys, "ingest", path, "--source", "aks", "--json")
    assert code == 0
    [report] = json.loads(out)
    expected = len(re.findall(r"^## Release", corpus_text("aks/CHANGELOG.md"), re.MULTILINE))
    assert len(report["new_releases"]) == expected

    code, out, _ = _run(capsys, "releases", "--json")
    releases = json.loads(out)
    assert code == 0 and len(releases) == expected
    assert set(releases[0]) >= {"id", "source", "version", "date", "title", "entry_count"}
    assert releases[0]["id"] == "aks:2025-10-12" and releases[0]["version"] == "2025-10-12"

    code, out, _ = _run(capsys, "releases", "--since", "2025-01-01", "--json")
    assert all(r["date"] >= "2025-01-01" for r in json.loads(out))

    code, out, _ = _run(capsys, "show", "2025-10-12", "--json")
    shown = json.loads(out)
    assert shown["id"] == "aks:2025-10-12" and shown["entries"]
    assert {"kind", "text", "links", "facts"} <= set(shown["entries"][0])

    code, out, _ = _run(capsys, "facts", "--type", "node-image", "--json")
    facts = json.loads(out)
    assert facts and all(f["type"] == "node-image" and f["release"] for f in facts)

    code, out, _ = _run(capsys, "search", "cgroup", "--json")
    hits = json.loads(out)
    assert code == 0 and hits and "**" in hits[0]["snippet"]

    code, out, err = _run(capsys, "search", '"', "--json")
    assert code == 1 and out == "" and err.count("\n") == 1 and "nothing to search" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "1999-01-01"], "no release"),
        (["facts", "--type", "bogus"], "unknown fact type"),
        (["releases", "--since", "yesterday"], "YYYY-MM-DD"),
        (["releases", "--source", "nope"], "unknown source"),
        (["ingest", "/nonexistent/CHANGELOG.md"], "no such file"),
    ],
)
def test_errors_are_one_line_without_traceback(
    db: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = _run(capsys, *args)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_unusable_database_url_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "--db", "nosuchdriver://x/y", "releases")
    assert code == 1 and err.count("\n") == 1 and "cannot use database" in err


def test_debug_shows_the_traceback(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "--debug", "show", "1999-01-01")
    assert code == 1 and "Traceback" in err


def test_piped_output_has_no_progress_or_colour(db: str, tmp_path: Path) -> None:
    env = {**os.environ, "AKSNEWS_DATABASE_URL": db}
    path = str(corpus_path("aks/CHANGELOG-2024-03-22.md"))
    proc = subprocess.run(
        [AKSNEWS, "ingest", path], capture_output=True, text=True, env=env, check=True
    )
    assert "\x1b[" not in proc.stdout + proc.stderr
    assert "release sections" in proc.stdout


def test_hostile_changelog_text_is_shown_inert(db: str, tmp_path: Path) -> None:
    """Rich markup, Slack mentions and HTML in a changelog are printed as text, never obeyed."""
    hostile = (
        "# Changelog\n\n## Release 2025-01-05 [bold red]pwned[/]\n\n"
        "### Announcements\n\n* <!channel> <script>alert(1)</script> [link](javascript:x) "
        "[red]markup[/red] &amp; <@U123>\n"
    )
    path = tmp_path / "hostile.md"
    path.write_text(hostile)
    env = {**os.environ, "AKSNEWS_DATABASE_URL": db}
    subprocess.run([AKSNEWS, "ingest", str(path)], check=True, env=env, capture_output=True)
    releases = subprocess.run(
        [AKSNEWS, "releases"], check=True, env=env, capture_output=True, text=True
    ).stdout
    assert "[bold red]pwned[/]" in releases
    shown = subprocess.run(
        [AKSNEWS, "show", "2025-01-05"], check=True, env=env, capture_output=True, text=True
    ).stdout
    assert "<!channel> <script>alert(1)</script>" in shown and "[red]markup[/red]" in shown


def test_several_release_notes_drafts_in_one_ingest(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    drafts = [
        str(corpus_path(f"kubernetes/release-notes/release-notes-1.{m}.md")) for m in (24, 25)
    ]
    code, out, _ = _run(
        capsys, "ingest", *drafts, "--source", "kubernetes",
        "--release", "v1.24.0", "--release", "v1.25.0", "--json",
    )  # fmt: skip
    assert code == 0
    assert [r["new_releases"] for r in json.loads(out)] == [
        ["kubernetes:v1.24.0"],
        ["kubernetes:v1.25.0"],
    ]
    code, out, err = _run(capsys, "ingest", *drafts, "--source", "kubernetes", "--release", "v1")
    assert code == 1 and "one per file" in err


def test_piped_tables_are_aligned_one_row_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    from aksnews.commands.context import print_table

    print_table(
        ("severity", "rule", "finding"),
        [
            (("critical", "red"), "removed-api", "PodSecurityPolicy\nin use"),
            ("info", "x", "[red]markup[/red] stays text"),
        ],
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "severity  rule         finding",
        "critical  removed-api  PodSecurityPolicy in use",
        "info      x            [red]markup[/red] stays text",
    ]


def test_tables_on_a_terminal_keep_cell_text_inert(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from aksnews.commands.context import print_table

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr(sys, "stdout", screen)
    print_table(("a", "b"), [("[bold]x[/bold]", ("<!channel>", "red"))])
    shown = re.sub(r"\x1b\[[0-9;]*m", "", screen.getvalue())
    assert "[bold]x[/bold]" in shown and "<!channel>" in shown
