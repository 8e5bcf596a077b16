"""Opening the database: URL resolution, SQLite pragmas, and migrations on first use."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError

from aksnews.errors import StoreError
from aksnews.store.location import normalise_url
from aksnews.store.revision import SCHEMA_REVISION

log = logging.getLogger(__name__)


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid database URL>"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (the web archive) work while an ingest writes; foreign keys are off by
    # default in SQLite and the schema relies on ON DELETE CASCADE.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def open_engine(url: str | None = None, *, migrate: bool = True) -> Engine:
    """An engine for `url` (default: the XDG SQLite file), migrated to the current schema."""
    url = normalise_url(url)
    try:
        if url.startswith("sqlite"):
            path = url.split(":///", 1)[1] if ":///" in url else ""
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url)
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True)
    except (ArgumentError, ImportError) as exc:
        raise StoreError(f"cannot use database {safe_url(url)}: {exc}") from exc
    if migrate:
        ensure_schema(engine)
    return engine


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    except (OperationalError, ProgrammingError) as exc:
        if _missing_table(exc):
            return None
        raise StoreError(f"cannot open database {safe_url(str(engine.url))}: {exc.orig}") from exc
    return None if row is None else str(row[0])


def _missing_table(exc: Exception) -> bool:
    message = str(exc).lower()
    return "no such table" in message or "does not exist" in message


def ensure_schema(engine: Engine) -> None:
    """Run migrations when the database is behind; cheap (one query) when it is current.

    Two processes using a new database at once both succeed: the migration runs under a lock
    (a file lock next to a SQLite file, an advisory lock on PostgreSQL), and the second finds
    the schema current once it gets the lock.
    """
    if current_revision(engine) == SCHEMA_REVISION:
        return
    from aksnews.store.locks import serialised

    with serialised(engine, "migrate"):
        revision = current_revision(engine)
        if revision == SCHEMA_REVISION:
            return
        if revision is None and inspect(engine).has_table("release"):
            raise StoreError(
                f"{safe_url(str(engine.url))} has aksnews tables but no migration record; "
                "refusing to touch it"
            )
        if revision is None:
            from aksnews.store import fresh

            if fresh.usable(engine) and not inspect(engine).get_table_names():
                create_fresh(engine)
                return
        upgrade(engine)


def _transactional_ddl(engine: Engine) -> Engine:
    """An engine on the same database whose transactions include DDL.

    Python's sqlite3 issues no BEGIN before DDL (each CREATE TABLE commits on its own, so a
    kill -9 mid-migration left half a schema); SQLAlchemy's documented fix: hand transaction
    control to SQLAlchemy (isolation_level=None) and emit BEGIN on each transaction start.
    PostgreSQL's DDL is transactional already.
    """
    from aksnews.store.locks import sqlite_file

    if sqlite_file(engine) is None:  # PostgreSQL, or in-memory SQLite (one connection)
        return engine
    from sqlalchemy.pool import NullPool

    migrating = create_engine(engine.url, poolclass=NullPool)

    def on_connect(dbapi_connection: Any, record: Any) -> None:
        _sqlite_pragmas(dbapi_connection, record)
        dbapi_connection.isolation_level = None

    def on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    event.listen(migrating, "connect", on_connect)
    event.listen(migrating, "begin", on_begin)
    return migrating


def migrations_location() -> str:
    """The folder of the shipped migrations, found through the package system.

    Not 'aksnews:alembic': alembic resolves that as a folder inside aksnews/, which exists in a
    wheel and a strict editable install but not in the default (lenient) editable install, where
    aksnews.alembic maps to the top-level alembic/ folder of the checkout.
    """
    from importlib.resources import files

    return str(files("aksnews.alembic"))


def create_fresh(engine: Engine) -> None:
    """A new SQLite database created from the current schema in one transaction (fresh.py)."""
    from aksnews.store import fresh

    log.info("creating schema %s in %s", SCHEMA_REVISION, safe_url(str(engine.url)))
    creating = _transactional_ddl(engine)
    try:
        with creating.begin() as conn:
            fresh.create(conn)
    finally:
        if creating is not engine:
            creating.dispose()


def upgrade(engine: Engine) -> None:
    """All pending migrations in one transaction: a kill at any moment leaves the schema as it
    was before (no tables at first use) or complete."""
    # alembic is imported only here: most runs find the schema current and never need it.
    from alembic.config import Config

    from alembic import command

    log.info("migrating %s to schema %s", safe_url(str(engine.url)), SCHEMA_REVISION)
    config = Config()
    config.set_main_option("script_location", migrations_location())
    migrating = _transactional_ddl(engine)
    try:
        with migrating.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    finally:
        if migrating is not engine:
            migrating.dispose()
