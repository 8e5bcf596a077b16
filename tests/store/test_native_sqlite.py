"""The ingest written without SQLAlchemy (aksnews.store.native) stores what SQLAlchemy stores.

A command opening a SQLite file ingests through Python's sqlite3 driver; the engines the other
tests build (and PostgreSQL) send the same statements through SQLAlchemy. A value converted
differently (a timezone-aware time, a date, a boolean) would be stored as different text and
every later comparison of times would be off, so the values are compared with what SQLAlchemy's
own typed insert stores, and a sequence of real CHANGELOG revisions (new, edited, renamed,
withdrawn and restored releases) is ingested both ways and compared table by table, raw.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
import sqlite3
import threading
import time
from pathlib import Path

from sqlalchemy import Engine, insert

from aksnews.config import Settings
from aksnews.model.records import IngestReport
from aksnews.sources.pipeline import ingest_file
from aksnews.store import tables
from aksnews.store.engine import open_engine
from aksnews.store.handle import Archive
from aksnews.store.native import SqliteFile, SqliteSql
from aksnews.store.sql import AlchemySql, day, stamp
from aksnews.store.writer import insert_many

from corpus import corpus_path

WHEN = dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)
ON_THE_SECOND = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))


def _release(
    key: str, dialect: str | None, *, date: dt.date | None, hotfix: bool, when: dt.datetime
) -> dict[str, object]:
    """A release row; with a dialect its times and dates as the writer binds them."""

    def t(value: dt.datetime) -> object:
        return value if dialect is None else stamp(dialect, value)

    return {
        "key": key,
        "source": "aks",
        "version": key,
        "minor": None,
        "title": f"Release {key}",
        "date": date if dialect is None else day(dialect, date),
        "tag": None,
        "hotfix": hotfix,
        "anchor": key,
        "line": 7,
        "section_sha256": "0" * 64,
        "markdown": "## text\n",
        "document_id": 1,
        "first_seen_at": t(when),
        "updated_at": t(when),
        "revision": 1,
        "withdrawn_at": t(when) if hotfix else None,
    }


def _raw(engine: Engine, key: str) -> tuple[object, ...]:
    with engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT date, hotfix, first_seen_at, updated_at, withdrawn_at, minor, line "
            f"FROM release WHERE key = '{key}'"
        ).one()
    return tuple(row)


CASES = [
    {"date": dt.date(2025, 10, 12), "hotfix": True, "when": WHEN},
    {"date": None, "hotfix": False, "when": ON_THE_SECOND},
    {"date": dt.date(999, 1, 2), "hotfix": True, "when": dt.datetime(999, 1, 2, 3, 4, 5, 6)},
]


def test_values_are_stored_as_sqlalchemys_typed_insert_stores_them(engine: Engine) -> None:
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
    dialect = engine.dialect.name
    native = SqliteFile(Path(str(engine.url.database))) if dialect == "sqlite" else None
    for number, case in enumerate(CASES):
        with engine.begin() as conn:
            conn.execute(insert(tables.release), _release(f"core:{number}", None, **case))  # type: ignore[arg-type]
            bulk = _release(f"bulk:{number}", dialect, **case)  # type: ignore[arg-type]
            insert_many(AlchemySql(conn), "release", [bulk])
        assert _raw(engine, f"bulk:{number}") == _raw(engine, f"core:{number}")
        if native is not None:
            with native.begin() as sql:
                insert_many(sql, "release", [{**bulk, "key": f"native:{number}"}])
            assert _raw(engine, f"native:{number}") == _raw(engine, f"core:{number}")
    if native is not None:
        native.close()
    if dialect == "sqlite":  # the text SQLite holds: naive, the offset dropped, microseconds
        assert _raw(engine, "bulk:0")[:3] == ("2025-10-12", 1, "2026-01-02 03:04:05.678901")
        assert _raw(engine, "bulk:1")[2] == "2026-01-02 03:04:05.000000"


def test_insert_many_of_nothing_writes_nothing(engine: Engine) -> None:
    with engine.begin() as conn:
        insert_many(AlchemySql(conn), "fact", [])
        assert conn.exec_driver_sql("SELECT count(*) FROM fact").scalar() == 0


# Real revisions of the AKS CHANGELOG, far enough apart that each ingest edits, renames,
# withdraws and adds releases, then the corpus's two current copies.
REVISIONS = [
    "aks/revisions/01-2023-03-27-10369cf3.md",
    "aks/revisions/09-2023-12-08-462bc1b5.md",
    "aks/revisions/10-2023-12-08-774b03bf.md",
    "aks/revisions/19-2025-03-11-450e419b.md",
    "aks/revisions/22-2025-03-20-7dae6a85.md",
    "aks/CHANGELOG-2025-09-29.md",
    "aks/CHANGELOG.md",
    "aks/revisions/01-2023-03-27-10369cf3.md",  # a revert: withdraws most, restores some
    "aks/CHANGELOG.md",
]


def _dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(path)
    try:
        names = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not r[0].startswith("sqlite_")
        ]
        # Sorted, not by rowid: the search index's shadow tables include WITHOUT ROWID ones.
        dump = {n: sorted(conn.execute(f"SELECT * FROM {n}"), key=repr) for n in names}
        dump["fts check"] = conn.execute(
            "INSERT INTO entry_fts(entry_fts, rank) VALUES ('integrity-check', 1)"
        ).fetchall()
        dump["fts match"] = conn.execute(
            "SELECT rowid FROM entry_fts WHERE entry_fts MATCH 'cilium OR azure' ORDER BY rank"
        ).fetchall()
        return dump
    finally:
        conn.close()


def test_a_native_ingest_writes_every_row_the_engine_writes(tmp_path: Path) -> None:
    native_db, engine_db = tmp_path / "native.db", tmp_path / "engine.db"
    native = Archive.open(f"sqlite:///{native_db}")
    engine = open_engine(f"sqlite:///{engine_db}")
    assert native._native is not None  # noqa: SLF001 - the path under test
    reports: list[tuple[IngestReport, IngestReport]] = []
    copies: list[Path] = []
    try:
        for number, name in enumerate(REVISIONS):
            # Each its own copy: a file's mtime is the ingest's time, the same for both sides.
            copy = tmp_path / f"{number:02d}-CHANGELOG.md"
            copy.write_bytes(corpus_path(name).read_bytes())
            copies.append(copy)
            reports.append(
                (
                    ingest_file(native, Settings(), copy, source="aks", accept_shrink=True),
                    ingest_file(
                        Archive(engine), Settings(), copy, source="aks", accept_shrink=True
                    ),
                )
            )
    finally:
        native.dispose()
        engine.dispose()
    assert native._engine_ is None  # noqa: SLF001 - no SQLAlchemy engine was needed
    for mine, theirs in reports:
        assert mine.new_releases == theirs.new_releases
        assert (mine.entries, mine.facts, mine.unread) == (
            theirs.entries,
            theirs.facts,
            theirs.unread,
        )
    # Every kind of change the writer makes happened on the way.
    assert all(
        any(getattr(r[0], k) for r in reports)
        for k in ("new_releases", "revised_releases", "withdrawn_releases", "restored_releases")
    ), [(r[0].revised_releases[:1], r[0].restored_releases[:1]) for r in reports]
    mine_rows, theirs_rows = _dump(native_db), _dump(engine_db)
    assert mine_rows.keys() == theirs_rows.keys()
    for table in mine_rows:
        assert mine_rows[table] == theirs_rows[table], table
    assert len(mine_rows["document"]) == len(REVISIONS) and mine_rows["fts match"]


def test_native_sql_reads_and_counts_rows(tmp_path: Path) -> None:
    file = SqliteFile(tmp_path / "x.db")
    assert file.ensure_schema()
    with file.begin() as sql:
        assert isinstance(sql, SqliteSql)
        sql.many(
            "INSERT INTO source (name, url) VALUES (:name, :url)",
            [{"name": "aks", "url": "a"}, {"name": "aks", "url": "b"}],
        )
        assert sql.run("UPDATE source SET etag = :e WHERE name = :n", {"e": "x", "n": "aks"}) == 2
    with file.read() as sql:
        assert sql.rows("SELECT url, etag FROM source ORDER BY url") == [("a", "x"), ("b", "x")]
    file.close()


def test_an_ingest_leaves_the_search_index_merged(tmp_path: Path) -> None:
    """Each batch of indexed entries and each edit adds an FTS5 segment; the writer merges
    them at the end of the document, so merging again changes nothing. (Unmerged, the corpus
    archive held 250 index rows where the merged one holds 228.)"""
    db = tmp_path / "merged.db"
    archive = Archive.open(f"sqlite:///{db}")
    try:
        for number, name in enumerate(REVISIONS[3:7]):
            copy = tmp_path / f"{number}.md"
            copy.write_bytes(corpus_path(name).read_bytes())
            ingest_file(archive, Settings(), copy, source="aks")
    finally:
        archive.dispose()
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT count(*), sum(length(block)) FROM entry_fts_data").fetchone()
        conn.execute("INSERT INTO entry_fts(entry_fts) VALUES ('optimize')")
        again = conn.execute("SELECT count(*), sum(length(block)) FROM entry_fts_data").fetchone()
    finally:
        conn.close()
    assert rows == again and rows[0] > 10


def test_a_thread_reading_does_not_see_another_threads_transaction(tmp_path: Path) -> None:
    """`serve --web` reads on worker threads while the scheduler's thread ingests through the
    same archive: each thread has its own connection, so a read sees committed rows only."""
    archive = Archive.open(f"sqlite:///{tmp_path / 'threads.db'}")
    native = archive._native  # noqa: SLF001 - the store under the handle
    assert native is not None
    written, release = threading.Event(), threading.Event()
    seen: list[object] = []

    def write() -> None:
        with native.begin() as sql:
            sql.run("INSERT INTO source (name, url) VALUES ('aks', 'https://a.example')")
            written.set()
            release.wait(10)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert written.wait(10)
        reader = threading.Thread(
            target=lambda: seen.extend(
                (archive.source_statuses(["aks"])[0].urls, _source_urls(native))
            )
        )
        reader.start()
        reader.join(10)
        assert seen == [0, []]  # nothing of the uncommitted row
    finally:
        release.set()
        writer.join(10)
    assert [str(n) for (n,) in _source_urls(native)] == ["https://a.example"]
    archive.dispose()


def _source_urls(native: SqliteFile) -> list[tuple[object, ...]]:
    with native.read() as sql:
        return sql.rows("SELECT url FROM source")


def _open_descriptors(path: Path) -> int:
    fds = Path("/proc/self/fd")
    count = 0
    for fd in fds.iterdir():
        with contextlib.suppress(OSError):  # closed while listing
            count += Path(os.readlink(fd)) == path
    return count


def test_a_threads_connection_is_closed_when_the_thread_ends(tmp_path: Path) -> None:
    """The web's worker threads come and go (anyio ends one idle for 10 s); the file keeps no
    connection, and no file descriptor, for a thread that has ended."""
    db = tmp_path / "churn.db"
    archive = Archive.open(f"sqlite:///{db}")
    native = archive._native  # noqa: SLF001 - the store under the handle
    assert native is not None
    before = _open_descriptors(db)
    for _ in range(30):
        thread = threading.Thread(target=lambda: _source_urls(native))
        thread.start()
        thread.join(10)
    # A thread's locals go when its state is torn down, just after join() returns. SQLite
    # keeps the descriptor of a closed connection while another one of the process holds the
    # file (closing it would drop that one's POSIX locks) and reuses it for the next open:
    # one more than before at most, however many threads came and went (31 when each thread
    # kept its connection).
    deadline = time.monotonic() + 5
    while _open_descriptors(db) > before + 1 and time.monotonic() < deadline:
        gc.collect()
        time.sleep(0.01)
    assert _open_descriptors(db) <= before + 1
    assert _source_urls(native) == []  # the file still works, in this thread too
    archive.dispose()
    assert _open_descriptors(db) == 0
