"""Which Kubernetes minors AKS supports, and until when: the calendar behind `aksnews calendar`.

Pure: built from the calendar's version-lifecycle facts and the AKS CHANGELOG's
kubernetes-version facts (GA announcements, 'standard support ends' dates), for a given day.

Support rule (DOMAIN.md): AKS supports the newest GA minor and the two before it (N-2); the
one before those gets platform support only. A stated end-of-life date that has passed ends
standard support even if the N-2 window would still include the minor. LTS minors stay
available on the LTS plan until their LTS end.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from aksnews.model import KubernetesVersionFact, VersionEvent, VersionLifecycleFact

_ENDS = (VersionEvent.DEPRECATED, VersionEvent.END_OF_SUPPORT)
_MINOR = re.compile(r"^v?(\d+)\.(\d+)")


def minor_of(version: str) -> str | None:
    match = _MINOR.match(version)
    return f"{int(match[1])}.{int(match[2])}" if match else None


def minor_key(minor: str) -> tuple[int, int]:
    major, _, rest = minor.partition(".")
    return int(major), int(rest)


class Support(StrEnum):
    PREVIEW = "preview"
    SUPPORTED = "supported"  # within N-2 and before its end of life
    PLATFORM = "platform-support"  # N-3: platform fixes only
    LTS_ONLY = "lts-only"  # past standard support, still on the LTS plan
    END_OF_LIFE = "end-of-life"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class MinorLifecycle:
    minor: str
    upstream_release: dt.date | None = None
    aks_preview: dt.date | None = None
    aks_ga: dt.date | None = None
    end_of_support: dt.date | None = None  # end of standard (community) support
    platform_support_end: dt.date | None = None
    lts_end: dt.date | None = None
    support: Support = Support.UNKNOWN
    sources: tuple[str, ...] = ()  # release keys the dates come from
    end_of_support_source: str | None = None  # the release key that stated end_of_support

    @property
    def supported(self) -> bool:
        return self.support is Support.SUPPORTED


@dataclass(frozen=True, slots=True)
class DatedVersionFact:
    """A kubernetes-version fact with the date of the release that stated it."""

    fact: KubernetesVersionFact
    release_key: str
    release_date: dt.date | None


def _earliest(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return b if a is None else a if b is None else min(a, b)


def build_calendar(
    lifecycle: Iterable[tuple[VersionLifecycleFact, str]],
    versions: Iterable[DatedVersionFact],
    today: dt.date,
) -> list[MinorLifecycle]:
    """One row per minor, newest first. The calendar's dates win over changelog-derived ones."""
    rows: dict[str, MinorLifecycle] = {}

    def row(minor: str) -> MinorLifecycle:
        return rows.setdefault(minor, MinorLifecycle(minor=minor))

    # Oldest statement first, so that a newer announcement of an end date overrides an older one.
    for item in sorted(versions, key=lambda v: v.release_date or dt.date.min):
        minor = minor_of(item.fact.version)
        if minor is None or "akslts" in item.fact.version:
            continue
        current = row(minor)
        when = item.fact.date or item.release_date
        sources = (*current.sources, item.release_key)
        if item.fact.event is VersionEvent.GA and when:
            rows[minor] = replace(current, aks_ga=_earliest(current.aks_ga, when), sources=sources)
        elif item.fact.event is VersionEvent.PREVIEW and when:
            rows[minor] = replace(
                current, aks_preview=_earliest(current.aks_preview, when), sources=sources
            )
        elif item.fact.event in _ENDS and item.fact.date and item.fact.plan == "lts":
            # '1.27 LTS goes End of Life in July 2025': the end of the LTS plan.
            rows[minor] = replace(current, lts_end=item.fact.date, sources=sources)
        elif item.fact.event in _ENDS and item.fact.date:
            rows[minor] = replace(
                current,
                end_of_support=item.fact.date,
                end_of_support_source=item.release_key,
                sources=sources,
            )
    for fact, release_key in lifecycle:
        current = row(fact.minor)
        rows[fact.minor] = replace(
            current,
            upstream_release=fact.upstream_release or current.upstream_release,
            aks_preview=fact.aks_preview or current.aks_preview,
            aks_ga=fact.aks_ga or current.aks_ga,
            end_of_support=fact.end_of_life or current.end_of_support,
            end_of_support_source=release_key
            if fact.end_of_life
            else current.end_of_support_source,
            platform_support_end=fact.platform_support_end or current.platform_support_end,
            lts_end=fact.lts_end or current.lts_end,
            sources=(*current.sources, release_key),
        )
    ordered = sorted(rows.values(), key=lambda r: minor_key(r.minor), reverse=True)
    ga_today = [r.minor for r in ordered if r.aks_ga is not None and r.aks_ga <= today]
    window = ga_today[:3]
    platform = ga_today[3:4]
    result = []
    for r in ordered:
        result.append(
            replace(
                r,
                support=_status(r, today, window, platform),
                sources=tuple(dict.fromkeys(r.sources)),
            )
        )
    return result


def _status(r: MinorLifecycle, today: dt.date, window: list[str], platform: list[str]) -> Support:
    ga = r.aks_ga is not None and r.aks_ga <= today
    ended = r.end_of_support is not None and r.end_of_support <= today
    if not ga and not ended:
        return Support.PREVIEW if r.aks_preview and r.aks_preview <= today else Support.UNKNOWN
    if ga and r.minor in window and not ended:
        return Support.SUPPORTED
    if r.lts_end is not None and r.lts_end > today:
        return Support.LTS_ONLY
    if r.minor in platform and not (r.platform_support_end and r.platform_support_end <= today):
        return Support.PLATFORM
    return Support.END_OF_LIFE
