"""Release listings: newest first, upstream releases dated by the release schedule.

Pure. The upstream CHANGELOGs carry no dates, so an upstream release takes the date the release
schedule gives its version (kubernetes-schedule:v1.25.0 dates kubernetes:v1.25.0). Releases are
listed newest first: upstream ones by semantic version (pre-releases before their final
release: v1.32.0-alpha.1 < v1.32.0-rc.1 < v1.32.0 < v1.32.1), AKS ones by date; several sources
together by date, undated releases after the dated ones.

`--since` keeps an undated release unless it is provably older: a release with a greater
version of the same minor line is dated before the day asked for. What stays without a date is
listed as such (date None), never silently dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from packaging.version import InvalidVersion, Version

from aksnews.knowledge.lifecycle import UpstreamDate, minor_of
from aksnews.model.records import ReleaseSummary

if TYPE_CHECKING:
    from aksnews.store.handle import Archive

_UPSTREAM_SOURCES = frozenset({"kubernetes", "kubernetes-schedule"})
_FINAL = re.compile(r"^v?\d+\.\d+\.\d+$")


@dataclass(frozen=True, slots=True)
class Listing:
    releases: tuple[ReleaseSummary, ...]
    undated: tuple[str, ...]  # keys of the listed releases no source dates


def semver(version: str) -> Version | None:
    try:
        return Version(version.removeprefix("v"))
    except InvalidVersion:
        return None


def is_final(version: str) -> bool:
    """A final upstream release 'v1.32.5' (no alpha, beta or rc)."""
    return bool(_FINAL.match(version))


def _version_key(release: ReleaseSummary) -> tuple[int, Version | str]:
    return _source_version_key(release.source, release.version)


def _source_version_key(source: str, version: str) -> tuple[int, Version | str]:
    parsed = semver(version) if source in _UPSTREAM_SOURCES else None
    return (1, parsed) if parsed is not None else (0, version)


def dated(
    releases: Iterable[ReleaseSummary], dates: Mapping[str, UpstreamDate]
) -> list[ReleaseSummary]:
    """Upstream releases without a date of their own take the schedule's date of the version."""
    out = []
    for r in releases:
        known = dates.get(r.version) if r.source == "kubernetes" and r.date is None else None
        out.append(replace(r, date=known.date, dated_by=known.source) if known else r)
    return out


def newest_first(releases: Sequence[ReleaseSummary]) -> list[ReleaseSummary]:
    sources = {r.source for r in releases}
    if len(sources) == 1 and sources <= _UPSTREAM_SOURCES:
        # One upstream source: by version, whatever the dates say (the date only breaks ties).
        return sorted(
            releases,
            key=lambda r: (_version_key(r), r.date or dt.date.min, r.key),
            reverse=True,
        )
    dated_ = [r for r in releases if r.date is not None]
    undated = [r for r in releases if r.date is None]
    dated_.sort(key=lambda r: (r.date, r.source, _version_key(r), r.key), reverse=True)
    undated.sort(key=lambda r: (r.source, _version_key(r), r.key), reverse=True)
    return dated_ + undated


def _upper_bounds(releases: Sequence[ReleaseSummary]) -> dict[str, dt.date]:
    """For each undated upstream release, the earliest date of a newer release of its line."""
    lines: dict[tuple[str, str], list[tuple[Version, dt.date | None, str]]] = {}
    for r in releases:
        parsed = semver(r.version)
        minor = minor_of(r.version)
        if r.source in _UPSTREAM_SOURCES and parsed is not None and minor is not None:
            lines.setdefault((r.source, minor), []).append((parsed, r.date, r.key))
    bounds: dict[str, dt.date] = {}
    for items in lines.values():
        items.sort(key=lambda i: i[0])
        later: dt.date | None = None
        for _version, date, key in reversed(items):
            if date is None and later is not None:
                bounds[key] = later
            if date is not None:
                later = date if later is None else min(later, date)
    return bounds


def listing(
    releases: Sequence[ReleaseSummary],
    dates: Mapping[str, UpstreamDate],
    *,
    since: dt.date | None = None,
    limit: int | None = None,
    finals_only: bool = False,
) -> Listing:
    """What `aksnews releases` and the web list (module doc)."""
    rows = dated(releases, dates)
    if finals_only:
        rows = [r for r in rows if r.source not in _UPSTREAM_SOURCES or is_final(r.version)]
    if since is not None:
        bounds = _upper_bounds(rows)
        rows = [
            r
            for r in rows
            if (r.date is not None and r.date >= since)
            or (r.date is None and not (r.key in bounds and bounds[r.key] < since))
        ]
    ordered = newest_first(rows)
    if limit is not None:
        ordered = ordered[:limit]
    return Listing(tuple(ordered), tuple(r.key for r in ordered if r.date is None))


def load_listing(
    archive: Archive,
    *,
    source: str | None = None,
    since: dt.date | None = None,
    limit: int | None = None,
    finals_only: bool = False,
    include_withdrawn: bool = False,
) -> Listing:
    """The archive's releases newest first, upstream ones dated by the schedule; releases
    withdrawn from their document only with `include_withdrawn`."""
    if source is not None and source not in _UPSTREAM_SOURCES:
        # AKS and document sources date every release: the database orders and limits them.
        rows = archive.list_releases(
            source=source, since=since, limit=limit, include_withdrawn=include_withdrawn
        )
        return Listing(tuple(rows), tuple(r.key for r in rows if r.date is None))
    from aksnews.knowledge.lifecycle import load_upstream_dates

    return listing(
        archive.list_releases(source=source, include_withdrawn=include_withdrawn),
        load_upstream_dates(archive),
        since=since,
        limit=limit,
        finals_only=finals_only,
    )


def newest_final(archive: Archive, source: str, day: dt.date) -> tuple[str, dt.date | None] | None:
    """Key and date of the newest final release of an upstream source out by `day` (dated on
    or before it, or undated): the first that load_listing(source=source, finals_only=True)
    lists of those, read without the listing's summaries and entry counts (the freshness
    warning of every `check` wants only this)."""
    from aksnews.knowledge.lifecycle import load_upstream_dates

    dates = load_upstream_dates(archive) if source == "kubernetes" else {}
    newest: tuple[tuple[tuple[int, Version | str], dt.date, str], dt.date | None] | None = None
    for key, version, date in archive.release_versions(source):
        if not is_final(version):
            continue
        if date is None and (known := dates.get(version)) is not None:
            date = known.date  # as dated() dates an upstream release
        if date is not None and date > day:
            continue
        order = (_source_version_key(source, version), date or dt.date.min, key)  # newest_first
        if newest is None or order > newest[0]:
            newest = (order, date)
    return None if newest is None else (newest[0][2], newest[1])
