"""Is the archive fresh enough to judge the present? Pure: the caller hands over what the store
knows about each source and the moment judged.

Two rules (README.md, "aksnews status"):
- the newest AKS release archived (on or before the day judged) is older than
  `max_release_age_days` (AKS ships about weekly, so two weeks without one means the archive,
  not AKS, has stopped);
- a source that has been fetched before has had no successful fetch for two poll intervals
  (`aksnews serve` polls every `poll_interval_hours`), or has only ever failed.

Every command that judges the present (check, plan, calendar, digest, the web home and findings
pages, status) shows the warnings, naming the newest release date and the last successful fetch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

# What the store records of a source (aksnews.model.records), judged here.
from aksnews.model.records import SourceStatus as SourceStatus

if TYPE_CHECKING:
    from aksnews.store.handle import Archive

MAX_RELEASE_AGE_DAYS = 14
STALE_POLL_INTERVALS = 2


@dataclass(frozen=True, slots=True)
class Staleness:
    warnings: tuple[str, ...] = ()

    @property
    def stale(self) -> bool:
        return bool(self.warnings)


def _when(value: dt.datetime | None) -> str:
    return "never" if value is None else value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def judge(
    statuses: Sequence[SourceStatus],
    now: dt.datetime,
    *,
    poll_interval_hours: float,
    max_release_age_days: int = MAX_RELEASE_AGE_DAYS,
) -> Staleness:
    """The freshness warnings for the archive described by `statuses`, judged at `now`."""
    warnings: list[str] = []
    today = now.date()
    aks = next((s for s in statuses if s.source == "aks"), None)
    if aks is not None and aks.releases:
        newest = aks.newest_release_date
        age = (today - newest).days if newest else None
        if newest is None or (age is not None and age > max_release_age_days):
            ago = f"{age} days before {today}" if age is not None else "no date"
            warnings.append(
                f"the archive may be stale: the newest AKS release archived is {newest} ({ago}; "
                f"AKS releases about weekly); last successful fetch of aks: "
                f"{_when(aks.last_fetch)}. Run `aksnews fetch`."
            )
    limit = dt.timedelta(hours=poll_interval_hours * STALE_POLL_INTERVALS)
    for s in statuses:
        if s.urls == 0:
            continue  # never polled: nothing to judge (`aksnews status` lists it)
        if s.last_fetch is None:
            warnings.append(
                f"source {s.source} has never been fetched successfully"
                + (f" (last error {_when(s.failed_at)}: {s.last_error})" if s.last_error else "")
            )
        elif s.last_fetch <= now and now - s.last_fetch > limit:
            hours = (now - s.last_fetch).total_seconds() / 3600
            error = f"; last error {_when(s.failed_at)}: {s.last_error}" if s.failing else ""
            release = s.newest_release_date
            shown = f"newest release {release}; " if release else ""
            warnings.append(
                f"source {s.source} has not been fetched successfully for {hours:.0f} hours "
                f"(more than {STALE_POLL_INTERVALS} poll intervals of {poll_interval_hours:g} h): "
                f"{shown}last successful fetch {_when(s.last_fetch)}{error}"
            )
    return Staleness(tuple(warnings))


def judged_at(today: dt.date, real_now: dt.datetime) -> dt.datetime:
    """The moment a command judges: now, or the end of an earlier or later --today."""
    if today == real_now.date():
        return real_now
    return dt.datetime.combine(today, dt.time(23, 59, 59), tzinfo=dt.UTC)


def load_source_statuses(archive: Archive, day: dt.date) -> list[SourceStatus]:
    """Every known source's status on `day`; the newest upstream release (CHANGELOG or
    schedule) is the newest final patch by version, dated by the release schedule."""
    from dataclasses import replace

    from aksnews.knowledge.release_order import newest_final
    from aksnews.sources.registry import SOURCES

    out = []
    for status in archive.source_statuses(SOURCES, as_of=day):
        if status.source in ("kubernetes", "kubernetes-schedule") and status.releases:
            newest = newest_final(archive, status.source, day)
            if newest is not None:
                key, date = newest
                status = replace(status, newest_release=key, newest_release_date=date)
        out.append(status)
    return out
