"""A SQLite archive file through Python's sqlite3 driver, without SQLAlchemy.

What runs on plain SQL (aksnews.store.sql): the schema check and a new file's schema, the fetch
state, the ingest's transaction, the reads of facts, statuses and the inventory that `check`,
`calendar`, `apis` and `facts` make, and the search. A connection is set up as the
engine's are (aksnews.store.engine: WAL, foreign keys, synchronous=NORMAL, a 10 s busy
timeout). Transactions are explicit and start with BEGIN IMMEDIATE: the ingest reads the
archived releases and then writes, and a deferred transaction whose snapshot another writer
outdated in between would fail at its first write instead of waiting for the lock.

Anything else (an archive that needs migrating, PostgreSQL, the other read commands) goes
through aksnews.store.engine.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aksnews.errors import StoreError
from aksnews.store.locks import lock_file_path, serialised_file
from aksnews.store.revision import SCHEMA_REVISION
from aksnews.store.sql import Params

# The busy timeout first, so that what follows waits for a lock instead of failing at once.
PRAGMAS = (
    "PRAGMA busy_timeout=10000",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
)


class SqliteSql:
    """Sql (aksnews.store.sql) on a sqlite3 connection."""

    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def rows(self, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
        return self._conn.execute(sql, params or {}).fetchall()

    def run(self, sql: str, params: Params | None = None) -> int:
        return self._conn.execute(sql, params or {}).rowcount

    def many(self, sql: str, rows: Sequence[Params]) -> None:
        if rows:
            self._conn.executemany(sql, rows)


class _Held:
    """A thread's connection (sqlite3's connections cannot be referenced weakly)."""

    __slots__ = ("__weakref__", "conn")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __del__(self) -> None:
        self.conn.close()


class SqliteFile:
    """A Store (aksnews.store.sql) on one SQLite file: one connection per thread.

    Per thread, as SQLAlchemy's pool hands them out: `serve --web` reads on the web's worker
    threads while the scheduler's thread ingests, and on one shared connection a read would
    see the ingest's transaction half written (and a second BEGIN would fail).
    """

    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._lock = threading.Lock()
        # Weakly: a thread's connection is closed when the thread ends (its thread-local goes,
        # and the last reference with it). The web's worker threads come and go (anyio ends
        # one idle for 10 s); a strong list would keep a file descriptor per thread ever seen.
        self._open: weakref.WeakSet[_Held] = weakref.WeakSet()

    def connection(self) -> sqlite3.Connection:
        held: _Held | None = getattr(self._local, "held", None)
        if held is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: the driver issues no BEGIN of its own; begin() does.
            # check_same_thread=False only so that close() can close every thread's.
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            try:
                self.configure(conn)
            except BaseException:
                conn.close()
                raise
            held = _Held(conn)
            with self._lock:
                self._open.add(held)
            self._local.held = held
        return held.conn

    def configure(self, conn: sqlite3.Connection) -> None:
        """Set up a new connection (the kill tests also trace its statements from here).

        WAL is a property of the file, set once. Switching a new file to it takes an exclusive
        lock, and two processes switching at once can deadlock, which SQLite answers at once
        with "database is locked" to one of them (no busy wait): two first ingests into a new
        file failed so, 2 in 180 openings on a loaded machine. The switch is made under the
        file's migrate lock, which the schema's creation takes too.
        """
        for pragma in PRAGMAS:
            conn.execute(pragma)
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            with self.serialised("migrate"):
                conn.execute("PRAGMA journal_mode=WAL")

    def close(self) -> None:
        with self._lock:
            held, self._open = list(self._open), weakref.WeakSet()
        self._local = threading.local()
        for one in held:
            one.conn.close()  # the last connection to close checkpoints the WAL

    @contextmanager
    def begin(self) -> Iterator[SqliteSql]:
        conn = self.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield SqliteSql(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[SqliteSql]:
        """Reads from one snapshot: a deferred transaction, so the statements of one read
        (an inventory's three tables, a status's aggregates) see one state of the file even
        while another process writes. Inside begin() they are already in its transaction."""
        conn = self.connection()
        if conn.in_transaction:
            yield SqliteSql(conn)
            return
        conn.execute("BEGIN")
        try:
            yield SqliteSql(conn)
        finally:
            conn.execute("COMMIT")  # nothing was written: this only ends the snapshot

    def serialised(self, name: str) -> Any:
        return serialised_file(lock_file_path(self.path, name))

    # -- the schema ---------------------------------------------------------------------------

    def revision(self) -> str | None:
        """The migration the file is at; None when it has no aksnews schema yet."""
        conn = self.connection()
        found = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
        if found is None:
            return None
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return None if row is None else str(row[0])

    def ensure_schema(self) -> bool:
        """Make sure the file has the current schema; False when only a migration can give it
        (the caller then migrates through aksnews.store.engine).

        A new, empty file gets the schema script (aksnews.store.fresh) in one transaction under
        the 'migrate' lock, as the engine's first use would create it.
        """
        if self.revision() == SCHEMA_REVISION:
            return True
        from aksnews.store.sqlite_schema import REVISION, STATEMENTS

        with self.serialised("migrate"):
            revision = self.revision()
            if revision == SCHEMA_REVISION:
                return True
            conn = self.connection()
            empty = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
            if revision is not None or not empty or REVISION != SCHEMA_REVISION:
                return False
            with self.begin() as sql:
                for statement in STATEMENTS:
                    sql.run(statement)
                sql.run("INSERT INTO alembic_version (version_num) VALUES (:v)", {"v": REVISION})
        return True


def open_file(path: Path, url: str) -> SqliteFile:
    """The SQLite file at `path`, connected now so that a file that is not a database (or a
    folder that cannot be written) is reported here, naming `url`."""
    archive = SqliteFile(path)
    try:
        archive.connection()
    except (sqlite3.Error, OSError) as exc:
        archive.close()
        raise StoreError(f"cannot open database {url}: {exc}") from exc
    return archive
