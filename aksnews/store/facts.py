"""Facts, and the release keys, links and versions the views beside them read.

Plain SQL on aksnews.store.sql, like the ingest: `check`, the calendar and the digest read
these on every run, and on a SQLite file they then run on Python's sqlite3 driver without
importing SQLAlchemy (~100 ms of a `check`, a third of it). PostgreSQL runs the same statements
through SQLAlchemy's text(). Dates come back as the driver gives them (SQLite: text) and are
read with aksnews.store.sql.read_day.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from aksnews.model.links import release_url
from aksnews.model.records import StoredFact
from aksnews.model.releases import fact_from_json
from aksnews.store.sql import Store, day, read_day


def release_urls(store: Store) -> dict[str, str]:
    """Release key -> public URL of every release not withdrawn."""
    with store.read() as sql:
        rows = sql.rows(
            "SELECT key, source, version, anchor FROM release WHERE withdrawn_at IS NULL"
        )
    return {key: release_url(source, version, anchor) for key, source, version, anchor in rows}


def release_versions(store: Store, source: str) -> list[tuple[str, str, dt.date | None]]:
    """(key, version, date) of every release of `source` not withdrawn."""
    with store.read() as sql:
        rows = sql.rows(
            "SELECT key, version, date FROM release WHERE source = :source"
            " AND withdrawn_at IS NULL",
            {"source": source},
        )
    return [(key, version, read_day(date)) for key, version, date in rows]


def upstream_minor_versions(store: Store) -> list[str]:
    """Versions of the upstream minors' first releases ('v1.NN.0') archived, with the
    pre-releases the pattern also matches ('v1.NN.0-rc.0', '-beta.0'): versions only, no entry
    counts (what the calendar needs to know that a minor exists)."""
    with store.read() as sql:
        rows = sql.rows(
            "SELECT version FROM release WHERE source = 'kubernetes' AND version LIKE 'v%.0'"
        )
    return [version for (version,) in rows]


def list_facts(
    store: Store,
    *,
    fact_type: str | None = None,
    source: str | None = None,
    since: dt.date | None = None,
    subject: str | None = None,
    include_withdrawn: bool = False,
) -> list[StoredFact]:
    """Facts newest release first (undated releases last), optionally of one type, source,
    subject or since a date; facts of withdrawn releases only with `include_withdrawn`."""
    where = []
    params: dict[str, Any] = {}
    if not include_withdrawn:
        where.append("release.withdrawn_at IS NULL")
    if fact_type:
        where.append("fact.type = :fact_type")
        params["fact_type"] = fact_type
    if source:
        where.append("release.source = :source")
        params["source"] = source
    if since:
        where.append("release.date >= :since")
        params["since"] = day(store.dialect, since)
    if subject:
        where.append("fact.subject = :subject")
        params["subject"] = subject
    statement = (
        "SELECT fact.id, fact.entry_id, fact.type, fact.payload, release.key, release.date"
        " FROM fact JOIN release ON release.id = fact.release_id"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY release.date DESC NULLS LAST, release.id DESC, fact.id"
    )
    with store.read() as sql:
        rows = sql.rows(statement, params)
    # The columns a StoredFact takes, unpacked from each row: a check reads over a thousand.
    return [
        StoredFact(
            id=fact_id,
            release_key=key,
            entry_id=entry_id,
            fact=fact_from_json(kind, json.loads(payload)),
            release_date=read_day(date),
        )
        for fact_id, entry_id, kind, payload, key, date in rows
    ]
