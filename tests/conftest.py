"""Shared fixtures. The corpus is reached only through tests/corpus.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine

import pg

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a PostgreSQL server for the session, or a skip that says why there is none."""
    url = os.environ.get("AKSNEWS_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    with ExitStack() as stack:
        try:
            url = stack.enter_context(pg.private_server())
        except pg.Unavailable as exc:
            if os.environ.get("CI"):
                pytest.fail(f"PostgreSQL is required in CI: {exc}")
            pytest.skip(f"PostgreSQL not available: {exc}")
        yield url


@contextmanager
def database(kind: str, request: pytest.FixtureRequest, directory: Path) -> Iterator[str]:
    """A new empty database of `kind` ('sqlite' or 'postgresql'), removed afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'aksnews.db'}"
        return
    server = request.getfixturevalue("postgres_server")
    with pg.database(server) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Every store test runs against SQLite and against a real PostgreSQL database."""
    with database(request.param, request, tmp_path) as url:
        yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    from aksnews.store.engine import open_engine

    eng = open_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def corpus_archive(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """An archive holding the corpus AKS CHANGELOG, shared by the read-only tests of a module."""
    from aksnews.config import Settings
    from aksnews.sources.pipeline import ingest_file
    from aksnews.store.engine import open_engine
    from aksnews.store.handle import Archive

    from corpus import corpus_path

    with database(request.param, request, tmp_path_factory.mktemp("archive")) as url:
        eng = open_engine(url)
        ingest_file(Archive(eng), Settings(), corpus_path("aks/CHANGELOG.md"), source="aks")
        yield eng
        eng.dispose()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Under CI every skip is a failure.

    CI (.ci/run) installs everything the suite uses: PostgreSQL, Chromium, Playwright, the npm
    Adaptive Cards renderer. A test that skips there has silently stopped testing what it names,
    so it fails with its skip reason instead. Expected failures (xfail) are not skips.
    """
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped under CI, where nothing may be missing: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    """The same for a whole module skipped at collection (pytest.importorskip)."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if os.environ.get("CI") and report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped under CI, where nothing may be missing: {reason}"
