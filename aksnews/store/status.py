"""What `aksnews status` and the freshness warnings read: per source its fetch state and its
newest release. Plain SQL through SQLAlchemy Core, a few aggregate queries; the newest upstream
release by version is aksnews.sources.freshness.load_source_statuses's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Engine, func, select

from aksnews.model.records import SourceStatus
from aksnews.store.tables import release, source


def _utc(value: dt.datetime | str | None) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite hands aggregates back as text
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _date(value: dt.date | str | None) -> dt.date | None:
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


def source_statuses(
    engine: Engine, sources: Sequence[str], as_of: dt.date | None = None
) -> list[SourceStatus]:
    """One SourceStatus per source named, in that order; `as_of` leaves out releases dated
    after it (what was not out yet on a --today in the past)."""
    fetches = (
        select(
            source.c.name,
            func.count(source.c.id),
            func.max(source.c.checked_at),
            func.max(source.c.changed_at),
        )
        .where(source.c.checked_at.is_not(None))
        .group_by(source.c.name)
    )
    releases = select(release.c.source, func.count(release.c.id), func.max(release.c.date))
    if as_of is not None:
        releases = releases.where((release.c.date <= as_of) | release.c.date.is_(None))
    releases = releases.group_by(release.c.source)
    failures = select(source.c.name, source.c.url, source.c.failed_at, source.c.last_error)
    with engine.connect() as conn:
        ok = {name: (n, checked, changed) for name, n, checked, changed in conn.execute(fetches)}
        counted = {name: (n, newest) for name, n, newest in conn.execute(releases)}
        urls: dict[str, int] = {}
        errors: dict[str, tuple[dt.datetime, str]] = {}
        for name, _url, failed_at, error in conn.execute(failures):
            urls[name] = urls.get(name, 0) + 1
            when = _utc(failed_at)
            if when is not None and (name not in errors or when > errors[name][0]):
                errors[name] = (when, error or "")
        newest_keys: dict[str, str] = {}
        for name, (_, newest) in counted.items():
            if newest is None:
                continue
            key = conn.execute(
                select(release.c.key)
                .where(release.c.source == name, release.c.date == newest)
                .order_by(release.c.id.desc())
                .limit(1)
            ).scalar()
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
                last_fetch=_utc(checked),
                last_change=_utc(changed),
                failed_at=failed[0] if failed else None,
                last_error=failed[1] if failed else None,
                releases=count,
                newest_release=newest_keys.get(name),
                newest_release_date=_date(newest),
            )
        )
    return out
