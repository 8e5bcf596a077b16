"""The cheap questions a poll asks before any parsing: seen these bytes? what ETag last time?

Plain SQL through SQLAlchemy Core, no ORM: a cron poll that finds nothing new should cost
little more than starting the CLI.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text


@dataclass(frozen=True, slots=True)
class DocumentMeta:
    """Where a text came from, as the fetcher or the file system told it."""

    url: str
    fetched_at: dt.datetime
    etag: str | None = None
    last_modified: str | None = None


def document_current(engine: Engine, source: str, sha256: str) -> bool:
    """True when these bytes are what the archive mirrors now for `source` (any scope): equal
    to an older document is not enough, that is a revert to ingest."""
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT 1 FROM document_head WHERE source = :source AND sha256 = :sha LIMIT 1"),
            {"source": source, "sha": sha256},
        ).first()
    return row is not None


def fetch_state(engine: Engine, source: str, url: str) -> tuple[str | None, str | None]:
    """ETag and Last-Modified of the last fetch of `url`, for a conditional GET."""
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT etag, last_modified FROM source WHERE name = :name AND url = :url"),
            {"name": source, "url": url},
        ).first()
    return (None, None) if row is None else (row[0], row[1])


def record_check(engine: Engine, source: str, meta: DocumentMeta) -> None:
    """Remember a fetch that found nothing new (a 304 or the same bytes)."""
    with engine.begin() as conn:
        record_source(conn, source, meta, changed=False)


def record_source(conn: Connection, source: str, meta: DocumentMeta, *, changed: bool) -> None:
    """Upsert the fetch state of (source, url); validators are kept unless the server sent new
    ones or the document changed."""
    params = {
        "name": source,
        "url": meta.url,
        "etag": meta.etag,
        "last_modified": meta.last_modified,
        "checked_at": meta.fetched_at,
        "changed_at": meta.fetched_at if changed else None,
    }
    exists = conn.execute(
        text("SELECT id FROM source WHERE name = :name AND url = :url"), params
    ).first()
    if exists is None:
        conn.execute(
            text(
                "INSERT INTO source (name, url, etag, last_modified, checked_at, changed_at) "
                "VALUES (:name, :url, :etag, :last_modified, :checked_at, :changed_at)"
            ),
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
    conn.execute(
        text(f"UPDATE source SET {', '.join(sets)} WHERE name = :name AND url = :url"), params
    )


def last_poll(engine: Engine) -> dt.datetime | None:
    """When any source was last checked (by this process or another replica)."""
    with engine.connect() as conn:
        value = conn.execute(text("SELECT max(checked_at) FROM source")).scalar()
    if value is None:
        return None
    if isinstance(value, str):  # SQLite without type information for an aggregate
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def record_failure(engine: Engine, source: str, url: str, when: dt.datetime, error: str) -> None:
    """Remember a fetch that failed: `aksnews status` shows it, and the freshness warning
    counts from the last success, which this leaves as it was."""
    params = {"name": source, "url": url, "failed_at": when, "error": error[:500]}
    with engine.begin() as conn:
        updated = conn.execute(
            text(
                "UPDATE source SET failed_at = :failed_at, last_error = :error "
                "WHERE name = :name AND url = :url"
            ),
            params,
        ).rowcount
        if not updated:
            conn.execute(
                text(
                    "INSERT INTO source (name, url, failed_at, last_error) "
                    "VALUES (:name, :url, :failed_at, :error)"
                ),
                params,
            )
