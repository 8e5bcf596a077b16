"""What `aksnews status` and the freshness warnings read: per source its fetch state and its
newest release, in a few aggregate queries; the newest upstream release by version is
aksnews.sources.freshness.load_source_statuses's. Plain SQL on aksnews.store.sql: every `check`
and digest reads it, and on a SQLite file it then needs no SQLAlchemy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from aksnews.model.records import SourceStatus
from aksnews.store.sql import Store, day, read_day, read_stamp, scalar


def source_statuses(
    store: Store, sources: Sequence[str], as_of: dt.date | None = None
) -> list[SourceStatus]:
    """One SourceStatus per source named, in that order; `as_of` leaves out releases dated
    after it (what was not out yet on a --today in the past)."""
    fetches = (
        "SELECT name, count(id), max(checked_at), max(changed_at) FROM source"
        " WHERE checked_at IS NOT NULL GROUP BY name"
    )
    dated = " WHERE date <= :as_of OR date IS NULL" if as_of is not None else ""
    releases = f"SELECT source, count(id), max(date) FROM release{dated} GROUP BY source"
    as_of_param = {"as_of": day(store.dialect, as_of)} if as_of is not None else {}
    with store.read() as sql:
        ok = {name: (n, checked, changed) for name, n, checked, changed in sql.rows(fetches)}
        counted = {name: (n, newest) for name, n, newest in sql.rows(releases, as_of_param)}
        urls: dict[str, int] = {}
        errors: dict[str, tuple[dt.datetime, str]] = {}
        for name, _url, failed_at, error in sql.rows(
            "SELECT name, url, failed_at, last_error FROM source"
        ):
            urls[name] = urls.get(name, 0) + 1
            when = read_stamp(failed_at)
            if when is not None and (name not in errors or when > errors[name][0]):
                errors[name] = (when, error or "")
        newest_keys: dict[str, str] = {}
        for name, (_, newest) in counted.items():
            if newest is None:
                continue
            key = scalar(
                sql,
                "SELECT key FROM release WHERE source = :source AND date = :newest"
                " ORDER BY id DESC LIMIT 1",
                {"source": name, "newest": newest},
            )
            if key is not None:
                newest_keys[name] = key
    out = []
    for name in sources:
        _, checked, changed = ok.get(name, (0, None, None))
        count, newest = counted.get(name, (0, None))
        failed = errors.get(name)
        out.append(
            SourceStatus(
                source=name,
                urls=urls.get(name, 0),
                last_fetch=read_stamp(checked),
                last_change=read_stamp(changed),
                failed_at=failed[0] if failed else None,
                last_error=failed[1] if failed else None,
                releases=count,
                newest_release=newest_keys.get(name),
                newest_release_date=read_day(newest),
            )
        )
    return out
