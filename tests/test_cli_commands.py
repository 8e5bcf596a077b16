"""Commands no other test reaches: `aksnews notifiers` and `aksnews db upgrade`, end to end."""

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
    ],
)
def test_check_markdown_keeps_hostile_text_inert(title: str, forbidden: str) -> None:
    from datetime import date

    from aksnews.findings import Finding, Rule, Severity
    from aksnews.report import markdown

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
    assert forbidden not in out
    table_row = out.splitlines()[2]
    # Exactly the six column separators of a five-column row survive unescaped.
    unescaped = [i for i, c in enumerate(table_row) if c == "|" and table_row[i - 1] != "\\"]
    assert len(unescaped) == 6
    assert "2026-01-31" in table_row
