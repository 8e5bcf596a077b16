"""insert_many, the ingest's bulk insert, stores what SQLAlchemy's own insert stores.

On SQLite it hands tuples to the driver after the columns' bind processors; a value that skipped
its processor (a timezone-aware datetime, a date) would be stored as different text, and every
later comparison of times would be off. The stored values are read back raw, through the driver.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, insert

from aksnews.store import tables
from aksnews.store.writer import insert_many

WHEN = dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)


def _release(key: str, *, date: dt.date | None, hotfix: bool, withdrawn: bool) -> dict[str, object]:
    return {
        "key": key,
        "source": "aks",
        "version": key,
        "minor": None,
        "title": f"Release {key}",
        "date": date,
        "tag": None,
        "hotfix": hotfix,
        "anchor": key,
        "line": 7,
        "section_sha256": "0" * 64,
        "markdown": "## text\n",
        "document_id": 1,
        "first_seen_at": WHEN,
        "updated_at": WHEN,
        "revision": 1,
        "withdrawn_at": WHEN if withdrawn else None,
    }


def _raw(engine: Engine, key: str) -> tuple[object, ...]:
    with engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT date, hotfix, first_seen_at, updated_at, withdrawn_at, minor, line "
            f"FROM release WHERE key = '{key}'"
        ).one()
    return tuple(row)


def test_insert_many_stores_what_sqlalchemy_stores(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(tables.document),
            {
                "id": 1,
                "source": "aks",
                "url": "file:///x",
                "fetched_at": WHEN,
                "sha256": "0" * 64,
                "bytes": 1,
                "text": "x",
            },
        )
    cases = [
        {"date": dt.date(2025, 10, 12), "hotfix": True, "withdrawn": True},
        {"date": None, "hotfix": False, "withdrawn": False},
    ]
    for number, case in enumerate(cases):
        with engine.begin() as conn:
            conn.execute(insert(tables.release), _release(f"core:{number}", **case))  # type: ignore[arg-type]
            insert_many(conn, tables.release, [_release(f"bulk:{number}", **case)])  # type: ignore[arg-type]
        assert _raw(engine, f"bulk:{number}") == _raw(engine, f"core:{number}")
    if engine.dialect.name == "sqlite":  # the text SQLite holds: naive UTC, microseconds
        assert _raw(engine, "bulk:0")[:3] == ("2025-10-12", 1, "2026-01-02 03:04:05.678901")


def test_insert_many_of_nothing_writes_nothing(engine: Engine) -> None:
    with engine.begin() as conn:
        insert_many(conn, tables.fact, [])
        assert conn.exec_driver_sql("SELECT count(*) FROM fact").scalar() == 0
