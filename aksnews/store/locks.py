"""Locks between processes that share one archive: `serve`, cron's `notify` and `run-once`,
and PostgreSQL replicas.

PostgreSQL: session-level advisory locks, keyed by a hash of the lock's name, held on a
connection of their own for as long as the work runs. SQLite: an flock on a file next to the
database ('<database>.<name>.lock'), released when the file is closed, so a killed process
never leaves a lock behind. An in-memory SQLite database belongs to one process: no lock.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine


def sqlite_file(engine: Engine) -> Path | None:
    """The database file of a SQLite engine; None for PostgreSQL and in-memory SQLite."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database).resolve()


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for a lock name."""
    digest = hashlib.sha256(f"aksnews:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def advisory_lock(engine: Engine, name: str) -> Iterator[bool]:
    """PostgreSQL: True while this process holds the lock `name`, False when another does.
    Other databases: always True."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    from sqlalchemy import text

    key = lock_key(name)
    with engine.connect() as conn:
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        conn.commit()  # session-level lock: it outlives this transaction
        try:
            yield got
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()


@contextmanager
def file_lock(path: Path) -> Iterator[bool]:
    """True while this process holds an exclusive flock on `path`, False when another does.
    The holder's pid is written into the file for whoever wonders who holds it."""
    handle = path.open("a+")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield True
    finally:
        handle.close()  # closing releases the flock


def lock_path(engine: Engine, name: str) -> Path | None:
    """Where the SQLite lock `name` of this engine's database lives."""
    path = sqlite_file(engine)
    return None if path is None else lock_file_path(path, name)


def lock_file_path(database: Path, name: str) -> Path:
    """Where the lock `name` of the SQLite file `database` lives."""
    return database.with_name(f"{database.name}.{name}.lock")


@contextmanager
def serialised_file(path: Path) -> Iterator[None]:
    """Wait until no other process holds the flock on `path`, then hold it."""
    with path.open("a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # closing the file releases it
        yield


@contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[bool]:
    """One holder of `name` per database, whichever the backend: True when this process got it."""
    path = lock_path(engine, name)
    if path is not None:
        with file_lock(path) as got:
            yield got
        return
    with advisory_lock(engine, name) as got:
        yield got


@contextmanager
def serialised(engine: Engine, name: str) -> Iterator[None]:
    """Wait until no other process holds `name` on this database, then hold it (ingests of one
    source, the first-use migration). A killed holder releases it: the flock goes with the
    file descriptor, the PostgreSQL session lock with the connection."""
    path = lock_path(engine, name)
    if path is not None:
        with serialised_file(path):
            yield
        return
    if engine.dialect.name != "postgresql":
        yield
        return
    from sqlalchemy import text

    key = lock_key(name)
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        conn.commit()  # session-level lock: it outlives this transaction
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            conn.commit()
