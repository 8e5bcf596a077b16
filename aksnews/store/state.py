"""The cheap questions a poll asks before any parsing: seen these bytes? what ETag last time?

Plain SQL (aksnews.store.sql): a cron poll that finds nothing new should cost little more than
starting the CLI, and on a SQLite file it imports no SQLAlchemy. Fetch times are stored as they
always were (aksnews.store.sql.iso_stamp: on SQLite, ISO text with the offset).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from aksnews.store.sql import Sql, Store, first, iso_stamp, scalar


@dataclass(frozen=True, slots=True)
class DocumentMeta:
    """Where a text came from, as the fetcher or the file system told it."""

    url: str
    fetched_at: dt.datetime
    etag: str | None = None
    last_modified: str | None = None


def document_current(store: Store, source: str, sha256: str) -> bool:
    """True when these bytes are what the archive mirrors now for `source` (any scope): equal
    to an older document is not enough, that is a revert to ingest."""
    with store.read() as sql:
        row = first(
            sql,
            "SELECT 1 FROM document_head WHERE source = :source AND sha256 = :sha LIMIT 1",
            {"source": source, "sha": sha256},
        )
    return row is not None


def fetch_state(store: Store, source: str, url: str) -> tuple[str | None, str | None]:
    """ETag and Last-Modified of the last fetch of `url`, for a conditional GET."""
    with store.read() as sql:
        row = first(
            sql,
            "SELECT etag, last_modified FROM source WHERE name = :name AND url = :url",
            {"name": source, "url": url},
        )
    return (None, None) if row is None else (row[0], row[1])


def record_check(store: Store, source: str, meta: DocumentMeta) -> None:
    """Remember a fetch that found nothing new (a 304 or the same bytes)."""
    with store.begin() as sql:
        record_source(sql, source, meta, changed=False)


def record_source(sql: Sql, source: str, meta: DocumentMeta, *, changed: bool) -> None:
    """Upsert the fetch state of (source, url); validators are kept unless the server sent new
    ones or the document changed."""
    params = {
        "name": source,
        "url": meta.url,
        "etag": meta.etag,
        "last_modified": meta.last_modified,
        "checked_at": iso_stamp(sql.dialect, meta.fetched_at),
        "changed_at": iso_stamp(sql.dialect, meta.fetched_at) if changed else None,
    }
    exists = first(sql, "SELECT id FROM source WHERE name = :name AND url = :url", params)
    if exists is None:
        sql.run(
            "INSERT INTO source (name, url, etag, last_modified, checked_at, changed_at) "
            "VALUES (:name, :url, :etag, :last_modified, :checked_at, :changed_at)",
            params,
        )
        return
    sets = ["checked_at = :checked_at"]
    if meta.etag is not None or changed:
        sets.append("etag = :etag")
    if meta.last_modified is not None or changed:
        sets.append("last_modified = :last_modified")
    if changed:
        sets.append("changed_at = :changed_at")
    sql.run(f"UPDATE source SET {', '.join(sets)} WHERE name = :name AND url = :url", params)


def last_poll(store: Store) -> dt.datetime | None:
    """When any source was last checked (by this process or another replica)."""
    with store.read() as sql:
        value = scalar(sql, "SELECT max(checked_at) FROM source")
    if value is None:
        return None
    # SQLite holds the text; PostgreSQL gives a datetime.
    when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def record_failure(store: Store, source: str, url: str, when: dt.datetime, error: str) -> None:
    """Remember a fetch that failed: `aksnews status` shows it, and the freshness warning
    counts from the last success, which this leaves as it was."""
    with store.begin() as sql:
        params = {
            "name": source,
            "url": url,
            "failed_at": iso_stamp(sql.dialect, when),
            "error": error[:500],
        }
        updated = sql.run(
            "UPDATE source SET failed_at = :failed_at, last_error = :error "
            "WHERE name = :name AND url = :url",
            params,
        )
        if not updated:
            sql.run(
                "INSERT INTO source (name, url, failed_at, last_error) "
                "VALUES (:name, :url, :failed_at, :error)",
                params,
            )
