"""Read commands start near the stack's floor: `search`, `releases`, `show`, `facts`,
`calendar`, `apis`, `diff`, `check` and `outbox` import neither the ORM nor pydantic (typer's
pydantic option layer is replaced by aksnews.commands.convert; the inventory is read in plain
SQL), listing the outbox imports no alert or finding code, only searches import the search
module and `diff` does without the lifecycle module. `check`, `facts`, `calendar`, `apis`,
`status`, `search` and an unchanged `ingest` on a SQLite file import no SQLAlchemy at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from aksnews.commands import run
from aksnews.config import Settings
from aksnews.sources.pipeline import ingest_file
from aksnews.store.engine import open_engine
from aksnews.store.handle import Archive

from corpus import corpus_path

HEAVY = ("sqlalchemy.orm", "pydantic", "httpx", "alembic", "markdown_it", "rich")

# Runs the command in-process through aksnews.commands.run, then lists the heavy modules loaded.
PROBE = """
import contextlib, io, json, sys
from aksnews.commands import run
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = run(sys.argv[2:])
heavy = json.loads(sys.argv[1])
print(json.dumps({"code": code, "out": out.getvalue(),
                  "loaded": sorted(m for m in heavy if m in sys.modules)}))
"""


def _probe(
    heavy: tuple[str, ...], argv: list[str], cwd: Path, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run `aksnews ARGV` in a new interpreter; its exit code, output and which of `heavy` it
    loaded. The probe itself must succeed (its stderr is shown when it does not)."""
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(heavy), *argv],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout)
    result["stderr"] = proc.stderr
    return result


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('imports') / 'aksnews.db'}"
    engine = open_engine(url)  # migrated here, so the probes only read
    ingest_file(Archive(engine), Settings(), corpus_path("aks/CHANGELOG.md"), source="aks")
    notes = corpus_path("kubernetes/release-notes/release-notes-1.31.md")
    ingest_file(Archive(engine), Settings(), notes, source="kubernetes", release="v1.31.0")
    engine.dispose()
    inventory = Path(__file__).resolve().parent.parent / "data" / "inventory.yaml"
    assert run(["--db", url, "inventory", "load", str(inventory)]) == 0
    return url


LIFECYCLE = "aksnews.knowledge.lifecycle"
SEARCH = "aksnews.store.search"  # only commands that search import it
# What listing the outbox must not import: the alerts and the findings and lifecycle under them.
ALERTS = (
    "aksnews.deliver.alerts",
    "aksnews.model.findings",
    "aksnews.model.messages",
    LIFECYCLE,
)


@pytest.mark.parametrize(
    ("argv", "expected", "code", "extra"),
    [
        # A search of a SQLite file runs on its sqlite3 connection: no SQLAlchemy.
        (["search", "cilium", "--limit", "3"], "cilium", 0, ("sqlalchemy",)),
        (["releases", "--limit", "2", "--source", "aks"], "aks:", 0, ()),
        (["search", "node image", "--json"], '"also_in"', 0, ("sqlalchemy",)),
        # A path argument too: typer's own path check would build a pydantic TypeAdapter. On a
        # SQLite file the check of the bytes needs no SQLAlchemy at all (aksnews.store.native).
        (
            ["ingest", str(corpus_path("aks/CHANGELOG.md")), "--source", "aks"],
            "unchanged",
            0,
            ("sqlalchemy",),
        ),
        # An AKS release is dated by its own heading: no schedule, no lifecycle code.
        (
            ["show", "aks:2025-10-12"],
            "aks:2025-10-12",
            0,
            ("aksnews.knowledge.lifecycle", "packaging", SEARCH),
        ),
        (["show", "kubernetes:v1.31.0"], "kubernetes:v1.31.0", 0, ()),
        # Facts, the calendar, the API knowledge and the fetch state are plain SQL on the
        # SQLite driver (aksnews.store.facts, status): no SQLAlchemy at all.
        (["facts", "--type", "retirement"], "retirement", 0, (SEARCH, "sqlalchemy")),
        (["calendar"], "1.31", 0, ("sqlalchemy",)),
        (["apis"], "clusterconfiguration", 0, ("sqlalchemy",)),
        (["status"], "aks", 0, ("sqlalchemy",)),
        # The lifecycle module (its dataclasses) only for the calendar; no search module.
        (["diff", "1.30", "1.31", "--json"], '"kubernetes:v1.31.0"', 0, (LIFECYCLE, SEARCH)),
        # The test inventory has findings (exit 2); it is read without SQLAlchemy.
        (["check", "--today", "2025-10-27"], "prod-east", 2, (SEARCH, "sqlalchemy")),
        (["outbox"], "the outbox is empty", 0, ALERTS),
    ],
)
def test_read_command_imports_no_orm_nor_pydantic(
    archive: str,
    argv: list[str],
    expected: str,
    code: int,
    extra: tuple[str, ...],
    tmp_path: Path,
) -> None:
    result = _probe(HEAVY + extra, ["--db", archive, *argv], tmp_path)
    assert result["code"] == code, result["stderr"]
    assert expected in result["out"].lower()  # the command did its work
    assert result["loaded"] == []


def test_the_probe_sees_an_orm_import(archive: str, tmp_path: Path) -> None:
    """The probe can fail: a command that uses the ORM (writing the inventory) shows it loaded."""
    inventory = Path(__file__).resolve().parent.parent / "data" / "inventory.yaml"
    result = _probe(HEAVY, ["--db", archive, "inventory", "load", str(inventory)], tmp_path)
    assert "sqlalchemy.orm" in result["loaded"], result["stderr"]


def test_fetching_does_not_import_the_httpx_command_line_client(tmp_path: Path) -> None:
    """httpx's package imports its CLI (click, rich, pygments) when they are installed."""
    code = (
        "import sys, json, aksnews.sources.fetch, httpx; httpx.Client().close(); "
        "print(json.dumps(sorted(m for m in ('httpx._main', 'rich', 'pygments', 'click') "
        "if sys.modules.get(m) is not None)))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert json.loads(proc.stdout) == []


def test_a_cold_ingest_imports_no_sqlalchemy(tmp_path: Path) -> None:
    """An ingest into a new SQLite file runs on the driver (aksnews.store.native): no SQLAlchemy
    (~135 ms of a cold ingest), no mapped schema, no alembic (the new file is created from the
    schema script)."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    changelog = str(corpus_path("aks/CHANGELOG.md"))
    heavy = (*HEAVY, "sqlalchemy", "aksnews.store.schema")
    result = _probe(heavy, ["--db", url, "ingest", changelog], tmp_path)
    assert result["code"] == 0, result["stderr"]
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            releases = conn.exec_driver_sql("SELECT count(*) FROM release").scalar()
    finally:
        engine.dispose()
    assert releases and f"{releases} new," in result["out"]  # it wrote the releases it reports
    assert result["loaded"] == []


def test_a_fetch_imports_no_sqlalchemy(httpserver: HTTPServer, tmp_path: Path) -> None:
    """`aksnews fetch` of a SQLite archive, answered 200 (a cold ingest) and then 304 (a poll
    that finds nothing new), reads and writes the fetch state on the driver alone."""
    body = corpus_path("aks/CHANGELOG.md").read_bytes()
    etag = '"v1"'

    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, content_type="text/plain; charset=utf-8", headers={"ETag": etag})

    httpserver.expect_request("/CHANGELOG.md").respond_with_handler(handler)
    url = f"sqlite:///{tmp_path / 'fetched.db'}"
    env = {**os.environ, "AKSNEWS_AKS_URL": httpserver.url_for("/CHANGELOG.md")}
    heavy = (*HEAVY[:1], "pydantic", "sqlalchemy")
    outputs = []
    for _ in range(2):
        result = _probe(heavy, ["--db", url, "fetch", "-s", "aks"], tmp_path, env)
        assert result["code"] == 0 and result["loaded"] == [], result
        outputs.append(result["out"])
    assert "231 new" in outputs[0] and "not modified since the last fetch" in outputs[1]
