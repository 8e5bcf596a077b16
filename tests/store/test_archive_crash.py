"""Real processes against one archive: concurrent ingests, first uses at once, kill -9 while the
schema is being created. Each is then checked by a successful ingest and a fresh-ingest compare.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from aksnews.config import Settings
from aksnews.sources.pipeline import ingest_file
from aksnews.store.engine import current_revision, open_engine
from aksnews.store.handle import Archive
from aksnews.store.schema import SCHEMA_REVISION, Base, DocumentRow

from archive_mirror import differences, fresh_snapshot, snapshot
from conftest import BACKENDS, database
from corpus import corpus_path

HERE = Path(__file__).parent.parent
SMALL = """# AKS Release Notes

## Release 2024-03-01

* Features
  * Node image AKSUbuntu-2204gen2containerd-202402.26.0 is rolled out.

## Release 2024-02-20

* Bug Fixes
  * Fixed a thing that was broken.
"""


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "aksnews.cli", *args]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("AKSNEWS_CONFIG", None)
    env["XDG_CONFIG_HOME"] = "/nonexistent"  # no user configuration leaks into the run
    return env


@pytest.fixture(params=BACKENDS)
def url_factory(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[str, Callable[[], str]]]:
    """A way to get new empty databases of one backend: (kind, factory)."""
    from contextlib import ExitStack

    with ExitStack() as stack:
        counter = iter(range(1000))

        def new() -> str:
            folder = tmp_path / f"db{next(counter)}"
            folder.mkdir()
            return stack.enter_context(database(request.param, request, folder))

        yield request.param, new


@pytest.mark.parametrize("first_use", [True, False], ids=["new-database", "existing"])
def test_two_ingests_at_once_end_as_one_after_the_other(
    url_factory: tuple[str, Callable[[], str]], first_use: bool
) -> None:
    _, new = url_factory
    url = new()
    path = corpus_path("aks/CHANGELOG.md")
    if not first_use:
        engine = open_engine(url)
        ingest_file(
            Archive(engine), Settings(), corpus_path("aks/CHANGELOG-2025-09-29.md"), source="aks"
        )
        engine.dispose()
    procs = [
        subprocess.Popen(
            _cli("--db", url, "ingest", str(path), "--json"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
            cwd=path.parent,  # not the checkout: its alembic/ folder would shadow the package
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outputs]
    reports = [json.loads(out)[0] for out, _ in outputs]
    assert sorted(r["unchanged"] for r in reports) == [False, True]  # one did the work
    engine = open_engine(url)
    try:
        assert differences(snapshot(engine), fresh_snapshot(path.read_text("utf-8"))) == []
        with Session(engine) as s:
            documents = s.scalar(select(func.count(DocumentRow.id)))
        assert documents == (1 if first_use else 2)
    finally:
        engine.dispose()


def _run_points(plan: dict[str, object], tmp_path: Path) -> list[dict[str, int]]:
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(HERE / "kill_at_statement.py"), str(plan_file)],
        capture_output=True,
        text=True,
        timeout=600,
        env=_env(),
        cwd=tmp_path,  # not the checkout: its alembic/ folder would shadow the package
        check=True,
    )
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith(("[", "{"))]
    results: list[dict[str, int]] = lines[-1]
    return [*(line for line in lines[:-1]), *results]


def test_kill_9_during_first_use_leaves_no_schema_or_a_complete_one(
    url_factory: tuple[str, Callable[[], str]], tmp_path: Path
) -> None:
    kind, new = url_factory
    doc = tmp_path / "CHANGELOG.md"
    doc.write_text(SMALL, encoding="utf-8")
    # How many statements the first use sends: the migration's own steps.
    counted = _run_points(
        {"argv": ["db", "upgrade"], "points": [{"kill_at": 0, "db": new()}]}, tmp_path
    )
    total = counted[0]["statements"]
    assert counted[1] == {"exit": 0} and total > 20
    count = 20
    points = sorted({1 + (total - 1) * i // (count - 1) for i in range(count)})
    assert len(points) == count
    urls = [new() for _ in points]
    results = _run_points(
        {
            "argv": ["ingest", str(doc)],
            "points": [{"kill_at": n, "db": u} for n, u in zip(points, urls, strict=True)],
        },
        tmp_path,
    )
    assert results == [{"signal": signal.SIGKILL}] * count
    tables = set(Base.metadata.tables)
    for n, url in zip(points, urls, strict=True):
        engine = open_engine(url, migrate=False)
        try:
            found = set(inspect(engine).get_table_names()) - {"alembic_version"}
            revision = current_revision(engine)
            complete = revision == SCHEMA_REVISION and tables <= found
            assert complete or (revision is None and not found & tables), (n, revision, found)
        finally:
            engine.dispose()
        engine = open_engine(url)  # the next use migrates (or finds the schema complete)
        try:
            report = ingest_file(Archive(engine), Settings(), doc, source="aks")
            assert len(report.new_releases) == SMALL.count("## Release"), n
        finally:
            engine.dispose()
