"""Commands no other test reaches: `aksnews notifiers` and `aksnews db upgrade` end to end, and
the escaping of `check --format markdown` read back with markdown-it-py."""

from __future__ import annotations

import io
import sqlite3
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from aksnews.commands import run


def _run(*args: str) -> tuple[int, str]:
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        code = run(list(args))
    return code, buffer.getvalue()


def test_notifiers_lists_every_registered_notifier_with_its_summary() -> None:
    # Expected from the classes themselves, not from the command's own helper.
    from aksnews.notifiers.file import FileNotifier
    from aksnews.notifiers.slack import SlackNotifier
    from aksnews.notifiers.teams import TeamsNotifier

    code, out = _run("notifiers")
    assert code == 0
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 3
    for cls in (SlackNotifier, TeamsNotifier, FileNotifier):
        summary = (cls.__doc__ or "").strip().splitlines()[0]
        (line,) = [line for line in lines if line.split()[0] == cls.name]
        assert " ".join(summary.split()) in " ".join(line.split())


def _alembic_head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", "aksnews:alembic")
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def _versions(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT version_num FROM alembic_version")]


def test_db_upgrade_creates_the_schema_and_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    url = f"sqlite:///{path}"
    code, out = _run("--db", url, "db", "upgrade")
    assert code == 0
    assert "schema is current" in out
    assert _versions(path) == [_alembic_head()]

    with sqlite3.connect(path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert {"release", "entry", "fact"} <= tables

    # A second run changes nothing: one migration record, same head.
    before = path.stat().st_size
    code, _ = _run("--db", url, "db", "upgrade")
    assert code == 0
    assert _versions(path) == [_alembic_head()]
    assert path.stat().st_size == before


def test_db_upgrade_refuses_a_database_it_did_not_create(tmp_path: Path) -> None:
    path = tmp_path / "foreign.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE release (id INTEGER PRIMARY KEY)")
    code, _ = _run("--db", f"sqlite:///{path}", "db", "upgrade")
    assert code == 1
    with sqlite3.connect(path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert tables == {"release"}  # left untouched


@pytest.mark.parametrize(
    ("title", "forbidden"),
    [
        ("cluster | with a pipe", "cluster | with"),
        ("<script>alert(1)</script>", "<script>"),
        ("**bold** and `code` and [link](javascript:x)", "[link]("),
        ("a_b_c *x* ~~y~~ # not a heading", None),
        ("1. a list? - no ![img](x) <https://example.com>", None),
        ("trailing backslash \\", None),
        ("two\nlines", None),
        ("R&amp;D", None),
        ("a \\| b: an escaped pipe of its own", None),
    ],
)
def test_check_markdown_keeps_hostile_text_inert(title: str, forbidden: str | None) -> None:
    """A reader of the markdown sees each title exactly as written, as text: read back with
    markdown-it-py (GFM tables on), the table row has its five cells, the finding's cell, its
    heading and its 'Why' line are plain text tokens equal to the title (its lines joined by a
    space)."""
    from datetime import date

    from markdown_it import MarkdownIt

    from aksnews.model.findings import Finding, Rule, Severity
    from aksnews.report.check import markdown

    finding = Finding(
        key="k1",
        rule=Rule.RETIREMENT,
        severity=Severity.WARNING,
        cluster="prod",
        node_pool=None,
        team="payments",
        title=title,
        why=title,
        action="read it",
        deadline=date(2026, 1, 31),
        links=(),
        locations=(),
        subject=title,
    )
    out = markdown([finding])
    title = " ".join(title.split("\n"))  # a title is one line in a table cell and a heading
    if forbidden is not None:
        assert forbidden not in out
    tokens = MarkdownIt("commonmark").enable("table").parse(out)

    def inline_after(kind: str) -> list[list[tuple[str, str]]]:
        return [
            [(c.type, c.content) for c in tokens[i + 1].children or ()]
            for i, t in enumerate(tokens)
            if t.type == kind
        ]

    cells = inline_after("td_open")
    assert len(cells) == 5, out  # one body row of five cells
    assert cells[3] == [("text", title)], out
    assert cells[4] == [("text", "2026-01-31")]
    headings = inline_after("heading_open")
    assert headings == [[("text", title)]], out
    items = [c for c in inline_after("paragraph_open") if c and c[0] == ("text", "Why: " + title)]
    assert items == [[("text", "Why: " + title)]], out
