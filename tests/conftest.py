"""Shared fixtures. The corpus is reached only through tests/corpus.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import Engine

import pg

_PG: dict[str, object] = {}


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


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Every store test runs against SQLite and against a real PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'aksnews.db'}"
        return
    server = request.getfixturevalue("postgres_server")
    with pg.database(server) as url:
        yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    from aksnews.store.engine import open_engine

    eng = open_engine(db_url)
    yield eng
    eng.dispose()
