"""The store's ingest SQL on either backend: one writer, two ways to send its statements.

The ingest path (the fetch state, the document plan's reads, the writer) speaks plain SQL with
named parameters (`:name`), which Python's sqlite3 driver and SQLAlchemy's text() both accept.
A SQLite file opened by a command runs it on the driver itself (aksnews.store.native), so a
command that only ingests or polls never imports SQLAlchemy: its import is ~135 ms, a quarter
of a cold ingest of the AKS CHANGELOG. PostgreSQL, and the engines tests build, run the same
statements through a SQLAlchemy connection (AlchemySql).

Values are written as SQLAlchemy's typed columns write them, whichever way they go: on SQLite a
date as 'YYYY-MM-DD', a time as 'YYYY-MM-DD HH:MM:SS.ffffff' (its offset dropped, as
SQLAlchemy's SQLite DATETIME does), a boolean as 0/1; tests/store/test_native_sqlite.py
compares a whole ingest both ways, row by row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

Params = Mapping[str, Any]


class Sql(Protocol):
    """One connection inside a transaction (or a read)."""

    dialect: str  # 'sqlite' or 'postgresql'

    def rows(self, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]: ...

    def run(self, sql: str, params: Params | None = None) -> int:
        """Execute one statement; its row count."""

    def many(self, sql: str, rows: Sequence[Params]) -> None:
        """Execute one statement for each parameter set (executemany)."""


class Store(Protocol):
    """Where the ingest path gets its connections and locks from."""

    dialect: str

    def begin(self) -> AbstractContextManager[Sql]:
        """One write transaction: committed when the block ends, rolled back on an error."""

    def read(self) -> AbstractContextManager[Sql]: ...

    def serialised(self, name: str) -> AbstractContextManager[None]:
        """Hold the lock `name` of this database (see aksnews.store.locks), waiting for it."""


def first(sql: Sql, statement: str, params: Params | None = None) -> tuple[Any, ...] | None:
    found = sql.rows(statement, params)
    return found[0] if found else None


def scalar(sql: Sql, statement: str, params: Params | None = None) -> Any:
    row = first(sql, statement, params)
    return None if row is None else row[0]


# SQLAlchemy's SQLite DATETIME and DATE storage formats (sqlalchemy.dialects.sqlite.base).
_STAMP = "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d"


def stamp(dialect: str, value: dt.datetime | None) -> object:
    """A DATETIME column's value as SQLAlchemy would bind it on `dialect`."""
    if value is None or dialect != "sqlite":
        return value
    return _STAMP % {
        "year": value.year,
        "month": value.month,
        "day": value.day,
        "hour": value.hour,
        "minute": value.minute,
        "second": value.second,
        "microsecond": value.microsecond,
    }


def iso_stamp(dialect: str, value: dt.datetime | None) -> object:
    """A time bound without a column type, as SQLite's driver adapts it (ISO text, offset kept):
    what the fetch-state columns have always held. Formatted here, as the adapter that Python
    3.12 deprecates would."""
    if value is None or dialect != "sqlite":
        return value
    return value.isoformat(" ")


def day(dialect: str, value: dt.date | None) -> object:
    """A DATE column's value as SQLAlchemy would bind it on `dialect`."""
    if value is None or dialect != "sqlite":
        return value
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def read_day(value: object) -> dt.date | None:
    """A DATE column read without SQLAlchemy's types: SQLite gives its text."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def aware(value: dt.datetime | str) -> dt.datetime:
    """A DATETIME column's value as an aware time. Everything stored is UTC; SQLite keeps it as
    naive text (SQLAlchemy's format, which fromisoformat reads) or, in the fetch-state columns,
    ISO text with its offset, and SQLAlchemy hands SQLite's back naive."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def read_stamp(value: dt.datetime | str | None) -> dt.datetime | None:
    return None if value is None else aware(value)


def int_list(ids: Sequence[int]) -> str:
    """Integer ids for an IN (...) list, as literals (they are ints: nothing to escape)."""
    return ",".join(str(int(i)) for i in ids)


def chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class AlchemySql:
    """Sql on a SQLAlchemy connection: PostgreSQL, and SQLite engines that tests build."""

    def __init__(self, conn: Connection) -> None:
        from sqlalchemy import text

        self._conn = conn
        self._text = text
        self.dialect = conn.dialect.name

    def rows(self, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self._conn.execute(self._text(sql), dict(params or {}))]

    def run(self, sql: str, params: Params | None = None) -> int:
        return int(self._conn.execute(self._text(sql), dict(params or {})).rowcount)

    def many(self, sql: str, rows: Sequence[Params]) -> None:
        if rows:
            self._conn.execute(self._text(sql), [dict(r) for r in rows])


class EngineStore:
    """Store on a SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    @contextmanager
    def begin(self) -> Iterator[Sql]:
        with self.engine.begin() as conn:
            yield AlchemySql(conn)

    @contextmanager
    def read(self) -> Iterator[Sql]:
        with self.engine.connect() as conn:
            yield AlchemySql(conn)

    def serialised(self, name: str) -> AbstractContextManager[None]:
        from aksnews.store.locks import serialised

        return serialised(self.engine, name)
