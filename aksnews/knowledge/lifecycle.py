"""One lifecycle per Kubernetes minor, reconciled from every source: the one version truth that
`aksnews calendar`, `check`, `plan`, the digest and the web all read.

Pure: `build_calendar` takes the values the store returns (AKS calendar rows, the AKS
CHANGELOG's kubernetes-version facts with their release dates, the upstream release schedule,
the upstream releases archived) and a day, and returns one MinorLifecycle per minor, newest
first. Every date keeps the claim it comes from; the claims it beat are kept as conflicts.

Claims and precedence (documented for users in README.md, "Version lifecycle"):

1. Each source states claims: (minor, milestone, date, basis, source release key, the day it
   was stated). Bases, strongest first:
   - calendar: a date in the AKS calendar table;
   - schedule: a date in the upstream release schedule (for upstream milestones it ranks
     first; the date of the x.y.0 patch beats the minor's own releaseDate, because the
     schedule has been seen to get the latter wrong: 1.27 says 2024-04-11 for 2023-04-11);
   - stated: a date written in an AKS CHANGELOG statement ('deprecated by November 1, 2025');
   - announced: an AKS CHANGELOG announcement without a date, dated by its release;
   - inferred: a rule: GA from the first community patch announced after the last preview,
     end of standard support from the N-2 rule (the third newer minor's GA), end of
     platform support from the fourth newer minor's GA.
2. An explicit calendar date beats a changelog mention; among stated dates the later
   statement beats the earlier one; an announcement beats an inference. Among announcements
   of a start (preview, GA) the first one counts, of an end the last one.
3. A month-only calendar date ('Nov 2023', stored as the 1st) is refined by an exact date of
   the same month from a weaker source (a stated date; for a start also an announcement):
   they agree, the exact one is more precise.
4. Claims stated after the day judged are not known yet and are left out (calendar and
   schedule rows carry no statement day: they count whenever they were fetched).
5. Every claim that lost with a different date is a Conflict; a month-only date or an
   announcement (dated by its release) agrees with any day of its month.

An LTS-only announcement ('1.27 community support has ended') ends standard support and marks
the minor as LTS; an end-of-support statement made after it concerns the LTS end.

Support rule (DOMAIN.md): AKS supports the newest GA minor and the two before it (N-2); the
one before those gets platform support only. A passed end of standard support ends support
even inside the N-2 window. LTS minors stay available on the LTS plan until their LTS end.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING

from aksnews.model.releases import (
    KubernetesVersionFact,
    UpstreamLifecycleFact,
    UpstreamReleaseFact,
    VersionEvent,
    VersionLifecycleFact,
)
from aksnews.model.versions import leading_minor

if TYPE_CHECKING:
    from aksnews.model.records import StoredFact
    from aksnews.store.handle import Archive

_PATCH = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(-akslts)?$")
_FINAL = re.compile(r"^v?(\d+)\.(\d+)\.0$")


def minor_of(version: str) -> str | None:
    return leading_minor(version)


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


class Milestone(StrEnum):
    UPSTREAM_RELEASE = "upstream-release"
    UPSTREAM_MAINTENANCE = "upstream-maintenance"
    UPSTREAM_END_OF_LIFE = "upstream-end-of-life"
    AKS_PREVIEW = "aks-preview"
    AKS_GA = "aks-ga"
    END_OF_SUPPORT = "end-of-support"  # end of AKS standard (community) support
    PLATFORM_SUPPORT_END = "platform-support-end"
    LTS_END = "lts-end"


class Basis(StrEnum):
    """How a date is known (module doc for the precedence)."""

    CALENDAR = "calendar"
    SCHEDULE = "schedule"
    STATED = "stated"
    ANNOUNCED = "announced"
    INFERRED = "inferred"


_UPSTREAM = frozenset(
    {Milestone.UPSTREAM_RELEASE, Milestone.UPSTREAM_MAINTENANCE, Milestone.UPSTREAM_END_OF_LIFE}
)
_STARTS = frozenset({Milestone.AKS_PREVIEW, Milestone.AKS_GA, Milestone.UPSTREAM_RELEASE})
_AKS_ORDER = (Basis.CALENDAR, Basis.STATED, Basis.ANNOUNCED, Basis.SCHEDULE, Basis.INFERRED)
_UPSTREAM_ORDER = (Basis.SCHEDULE, Basis.CALENDAR, Basis.STATED, Basis.ANNOUNCED, Basis.INFERRED)


@dataclass(frozen=True, slots=True)
class Claim:
    """One source's word on one milestone of one minor."""

    minor: str
    milestone: Milestone
    date: dt.date
    basis: Basis
    source: str  # release key: 'aks:2025-08-29', 'aks-calendar:...', 'kubernetes-schedule:v1.27'
    stated_on: dt.date | None = None  # release date of the statement; None for tables
    month_only: bool = False  # a calendar cell that gave only a month
    detail: str = ""  # e.g. 'x.y.0 patch' or the rule of an inference
    rank: int = 0  # within a basis: lower wins (the schedule's x.y.0 date before releaseDate)

    def describe(self) -> str:
        when = self.date.strftime("%b %Y") if self.month_only else self.date.isoformat()
        extra = f", {self.detail}" if self.detail else ""
        return f"{when} ({self.basis.value}: {self.source}{extra})"


@dataclass(frozen=True, slots=True)
class Resolved:
    """The date a milestone has after reconciliation, and the claim(s) behind it."""

    milestone: Milestone
    date: dt.date
    claim: Claim
    refines: Claim | None = None  # the month-only calendar claim this exact date agrees with

    @property
    def basis(self) -> Basis:
        return self.claim.basis

    @property
    def sources(self) -> tuple[str, ...]:
        """The release keys behind the date; the calendar first when it is refined."""
        return ((self.refines.source,) if self.refines else ()) + (self.claim.source,)


@dataclass(frozen=True, slots=True)
class Conflict:
    """Claims about one milestone that disagree with the date chosen."""

    minor: str
    milestone: Milestone
    chosen: Resolved
    others: tuple[Claim, ...]

    def describe(self) -> str:
        chosen = self.chosen.claim.describe()
        if self.chosen.refines is not None:
            chosen += f", refining {self.chosen.refines.describe()}"
        rest = "; ".join(c.describe() for c in self.others)
        return f"{self.minor} {self.milestone.value}: chose {chosen} over {rest}"


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
    end_of_support_source: str | None = None  # the release key behind end_of_support
    upstream_maintenance: dt.date | None = None
    upstream_end_of_life: dt.date | None = None
    lts: bool = False  # AKS offers the minor on the Long Term Support plan
    dates: tuple[Resolved, ...] = ()
    conflicts: tuple[Conflict, ...] = ()

    @property
    def supported(self) -> bool:
        return self.support is Support.SUPPORTED

    def resolved(self, milestone: Milestone) -> Resolved | None:
        return next((r for r in self.dates if r.milestone is milestone), None)

    def lts_available(self, today: dt.date) -> bool:
        """Whether the LTS plan is a way to stay on this minor on `today`."""
        return self.lts and (self.lts_end is None or self.lts_end > today)


@dataclass(frozen=True, slots=True)
class DatedVersionFact:
    """A kubernetes-version fact with the date of the release that stated it."""

    fact: KubernetesVersionFact
    release_key: str
    release_date: dt.date | None


@dataclass(frozen=True, slots=True)
class ScheduleFact:
    """An upstream schedule fact with its release key."""

    fact: UpstreamLifecycleFact | UpstreamReleaseFact
    release_key: str


_FIELDS = {
    Milestone.UPSTREAM_RELEASE: "upstream_release",
    Milestone.UPSTREAM_MAINTENANCE: "upstream_maintenance",
    Milestone.UPSTREAM_END_OF_LIFE: "upstream_end_of_life",
    Milestone.AKS_PREVIEW: "aks_preview",
    Milestone.AKS_GA: "aks_ga",
    Milestone.END_OF_SUPPORT: "end_of_support",
    Milestone.PLATFORM_SUPPORT_END: "platform_support_end",
    Milestone.LTS_END: "lts_end",
}
_CALENDAR_FIELDS = {
    "upstream_release": Milestone.UPSTREAM_RELEASE,
    "aks_preview": Milestone.AKS_PREVIEW,
    "aks_ga": Milestone.AKS_GA,
    "end_of_life": Milestone.END_OF_SUPPORT,
    "platform_support_end": Milestone.PLATFORM_SUPPORT_END,
    "lts_end": Milestone.LTS_END,
}


# --- claims from each source ------------------------------------------------------------------


def _calendar_claims(rows: Iterable[tuple[VersionLifecycleFact, str]]) -> list[Claim]:
    out: list[Claim] = []
    for fact, key in rows:
        for name, milestone in _CALENDAR_FIELDS.items():
            when: dt.date | None = getattr(fact, name)
            if when is None:
                continue
            # Rows stored before the parser recorded month-only cells: the page writes months.
            month = name in fact.month_only if fact.month_only is not None else when.day == 1
            out.append(Claim(fact.minor, milestone, when, Basis.CALENDAR, key, month_only=month))
    return out


def _schedule_claims(facts: Iterable[ScheduleFact]) -> list[Claim]:
    out: list[Claim] = []
    for item in facts:
        fact = item.fact
        if isinstance(fact, UpstreamLifecycleFact):
            for milestone, when in (
                (Milestone.UPSTREAM_RELEASE, fact.release_date),
                (Milestone.UPSTREAM_MAINTENANCE, fact.maintenance_mode),
                (Milestone.UPSTREAM_END_OF_LIFE, fact.end_of_life),
            ):
                if when is not None:
                    detail = "releaseDate" if milestone is Milestone.UPSTREAM_RELEASE else ""
                    claim = Claim(fact.minor, milestone, when, Basis.SCHEDULE, item.release_key)
                    out.append(replace(claim, detail=detail, rank=1))
        elif fact.date is not None and not fact.planned and (m := _FINAL.match(fact.version)):
            minor = f"{int(m[1])}.{int(m[2])}"
            out.append(
                Claim(
                    minor,
                    Milestone.UPSTREAM_RELEASE,
                    fact.date,
                    Basis.SCHEDULE,
                    item.release_key,
                    detail=f"{fact.version} patch",
                )
            )
    return out


def _changelog_claims(
    versions: Iterable[DatedVersionFact], today: dt.date
) -> tuple[list[Claim], set[str]]:
    """Claims of the AKS CHANGELOG known on `today`, and the minors it shows to have LTS."""
    out: list[Claim] = []
    lts: set[str] = set()
    lts_only_since: dict[str, dt.date] = {}
    previews: dict[str, dt.date] = {}
    patches: list[tuple[dt.date, str, str]] = []
    known = [v for v in versions if v.release_date is not None and v.release_date <= today]
    known.sort(key=lambda v: (v.release_date or dt.date.min, v.release_key))
    for item in known:
        fact, said = item.fact, item.release_date
        assert said is not None  # filtered above
        minor = minor_of(fact.version)
        if minor is None:
            continue
        patch = _PATCH.match(fact.version)
        if patch and patch[4]:
            lts.add(minor)  # an -akslts patch: the minor is on the LTS plan
            continue
        event = fact.event
        if event is VersionEvent.PATCH_AVAILABLE:
            if patch:
                patches.append((said, item.release_key, minor))
            continue
        if patch and event is not VersionEvent.PREVIEW:
            continue  # '1.22.2 is out of support' is about a patch, not the minor
        basis = Basis.STATED if fact.date else Basis.ANNOUNCED
        when = fact.date or said
        if event is VersionEvent.PREVIEW:
            milestone = Milestone.AKS_PREVIEW
            previews[minor] = max(previews.get(minor, said), said)
        elif event is VersionEvent.GA:
            milestone = Milestone.AKS_GA
        elif event is VersionEvent.LTS_ONLY:
            lts.add(minor)
            lts_only_since.setdefault(minor, said)
            milestone = Milestone.END_OF_SUPPORT
        elif event in (VersionEvent.DEPRECATED, VersionEvent.END_OF_SUPPORT):
            since = lts_only_since.get(minor)
            later = since is not None and said > since
            # '1.27 LTS goes End of Life in July 2025' (plan 'lts') ends the LTS plan itself.
            on_lts = later or fact.plan == "lts"
            if on_lts:
                lts.add(minor)
            milestone = Milestone.LTS_END if on_lts else Milestone.END_OF_SUPPORT
        else:
            continue  # an event this module does not know: no date to draw from it
        detail = event.value
        out.append(Claim(minor, milestone, when, basis, item.release_key, said, detail=detail))
    # GA without an announcement: a community patch after the last preview (module doc).
    announced = {c.minor for c in out if c.milestone is Milestone.AKS_GA}
    for said, key, minor in sorted(patches):
        preview = previews.get(minor)
        if minor not in announced and (preview is None or said > preview):
            rule = "first patch announced after the last preview"
            out.append(Claim(minor, Milestone.AKS_GA, said, Basis.INFERRED, key, said, detail=rule))
            announced.add(minor)
    return out, lts


# --- choosing ---------------------------------------------------------------------------------


def _order(milestone: Milestone) -> tuple[Basis, ...]:
    return _UPSTREAM_ORDER if milestone in _UPSTREAM else _AKS_ORDER


def _best(claims: Sequence[Claim], milestone: Milestone) -> Claim:
    """The winning claim by the precedence of the module doc."""
    order = _order(milestone)
    top = min(order.index(c.basis) for c in claims)
    basis = order[top]
    group = [c for c in claims if c.basis is basis]
    group = [c for c in group if c.rank == min(x.rank for x in group)]
    if basis is Basis.STATED:  # the later statement wins; the same day: the later date
        return max(group, key=lambda c: (c.stated_on or dt.date.min, c.date, c.source))
    if basis is Basis.ANNOUNCED and milestone not in _STARTS:
        return max(group, key=lambda c: (c.date, c.source))
    return min(group, key=lambda c: (c.date, c.source))


def _same_month(a: dt.date, b: dt.date) -> bool:
    return (a.year, a.month) == (b.year, b.month)


def _resolve(claims: Sequence[Claim], milestone: Milestone) -> Resolved:
    winner = _best(claims, milestone)
    resolved = Resolved(milestone, winner.date, winner)
    if winner.month_only:
        allowed = {Basis.STATED, Basis.SCHEDULE}
        if milestone in _STARTS:
            allowed.add(Basis.ANNOUNCED)
        exact = [
            c
            for c in claims
            if c.basis in allowed and not c.month_only and _same_month(c.date, winner.date)
        ]
        if exact:
            refined = _best(exact, milestone)
            resolved = Resolved(milestone, refined.date, refined, refines=winner)
    return resolved


def _conflict(minor: str, resolved: Resolved, claims: Sequence[Claim]) -> Conflict | None:
    """Claims that disagree with the chosen date; repeated announcements are one claim (the
    one precedence would pick among them), inferences never conflict."""
    announced = [c for c in claims if c.basis is Basis.ANNOUNCED]
    keep = [c for c in claims if c.basis not in (Basis.ANNOUNCED, Basis.INFERRED)]
    if announced:
        keep.append(_best(announced, resolved.milestone))
    others = []
    for c in keep:
        if c is resolved.claim or c is resolved.refines:
            continue
        # A month-only date agrees with any day of its month; so does an announcement, whose
        # date is only the day the release mentioned it.
        coarse = c.month_only or c.basis is Basis.ANNOUNCED
        coarse = coarse or (resolved.refines is None and resolved.claim.month_only)
        agrees = _same_month(c.date, resolved.date) if coarse else c.date == resolved.date
        if not agrees:
            others.append(c)
    if not others:
        return None
    unique = tuple(dict.fromkeys(sorted(others, key=lambda c: (c.date, c.source))))
    return Conflict(minor, resolved.milestone, resolved, unique)


def build_calendar(
    lifecycle: Iterable[tuple[VersionLifecycleFact, str]],
    versions: Iterable[DatedVersionFact],
    today: dt.date,
    *,
    schedule: Iterable[ScheduleFact] = (),
    upstream_versions: Iterable[str] = (),
) -> list[MinorLifecycle]:
    """One reconciled lifecycle per minor, newest first, judged on `today` (module doc).

    `lifecycle`: AKS calendar rows with their release keys; `versions`: the AKS CHANGELOG's
    kubernetes-version facts; `schedule`: the upstream schedule's facts; `upstream_versions`:
    upstream releases archived ('v1.32.0'), which make a row for a minor nobody else dates.
    """
    changelog, lts = _changelog_claims(versions, today)
    claims = [*_calendar_claims(lifecycle), *_schedule_claims(schedule), *changelog]
    by_minor: dict[str, dict[Milestone, list[Claim]]] = {}
    for claim in claims:
        by_minor.setdefault(claim.minor, {}).setdefault(claim.milestone, []).append(claim)
    for version in upstream_versions:
        if (minor := minor_of(version)) is not None:
            by_minor.setdefault(minor, {})
    rows: dict[str, MinorLifecycle] = {}
    for minor, milestones in by_minor.items():
        rows[minor] = _row(minor, milestones, minor in lts)
    rows = _infer_ends(rows, by_minor, today)
    ordered = sorted(rows.values(), key=lambda r: minor_key(r.minor), reverse=True)
    ga_today = [r.minor for r in ordered if r.aks_ga is not None and r.aks_ga <= today]
    window, platform = ga_today[:3], ga_today[3:4]
    return [replace(r, support=_status(r, today, window, platform)) for r in ordered]


def _row(minor: str, milestones: dict[Milestone, list[Claim]], lts: bool) -> MinorLifecycle:
    values: dict[str, object] = {}
    dates: list[Resolved] = []
    conflicts: list[Conflict] = []
    for milestone in Milestone:
        claims = milestones.get(milestone)
        if not claims:
            continue
        resolved = _resolve(claims, milestone)
        dates.append(resolved)
        values[_FIELDS[milestone]] = resolved.date
        if (conflict := _conflict(minor, resolved, claims)) is not None:
            conflicts.append(conflict)
    sources = [c.source for claims in milestones.values() for c in claims]
    eos = next((r for r in dates if r.milestone is Milestone.END_OF_SUPPORT), None)
    return MinorLifecycle(
        minor=minor,
        sources=tuple(dict.fromkeys(sorted(sources))),
        end_of_support_source=eos.sources[0] if eos else None,
        lts=lts or Milestone.LTS_END in milestones,
        dates=tuple(dates),
        conflicts=tuple(conflicts),
        **values,  # type: ignore[arg-type]
    )


def _infer_ends(
    rows: dict[str, MinorLifecycle],
    claims: dict[str, dict[Milestone, list[Claim]]],
    today: dt.date,
) -> dict[str, MinorLifecycle]:
    """End of standard support by N-2 and of platform support by N-3, where no source says."""
    ga = {m: r.resolved(Milestone.AKS_GA) for m, r in rows.items()}
    out = dict(rows)
    for minor, row in rows.items():
        major, number = minor_key(minor)
        added: list[Resolved] = []
        for milestone, offset in (
            (Milestone.END_OF_SUPPORT, 3),
            (Milestone.PLATFORM_SUPPORT_END, 4),
        ):
            if row.resolved(milestone) is not None or row.aks_ga is None:
                continue
            later = ga.get(f"{major}.{number + offset}")
            if later is None or later.date > today:
                continue
            rule = f"{'N-2' if offset == 3 else 'N-3'} rule: {major}.{number + offset} GA"
            claim = Claim(
                minor, milestone, later.date, Basis.INFERRED, later.claim.source, detail=rule
            )
            added.append(Resolved(milestone, later.date, claim))
        if not added:
            continue
        values = {_FIELDS[r.milestone]: r.date for r in added}
        eos = next((r for r in added if r.milestone is Milestone.END_OF_SUPPORT), None)
        out[minor] = replace(
            row,
            dates=(*row.dates, *added),
            end_of_support_source=eos.claim.source if eos else row.end_of_support_source,
            **values,  # type: ignore[arg-type]
        )
    return out


def _stated_end_ahead(r: MinorLifecycle, today: dt.date) -> bool:
    """A source (not the N-2 rule) says standard support goes on past `today`."""
    end = r.resolved(Milestone.END_OF_SUPPORT)
    return end is not None and end.basis is not Basis.INFERRED and end.date > today


def is_supported(r: MinorLifecycle | None, window: Sequence[str], today: dt.date) -> bool:
    """Standard support on `today`: GA and not ended, and inside the N-2 `window` (the three
    newest GA minors) unless a stated end of support lies ahead (AKS sometimes keeps a minor
    past the window: 1.28 until 2025-01-30)."""
    if r is None or r.aks_ga is None or r.aks_ga > today:
        return False
    if r.end_of_support is not None and r.end_of_support <= today:
        return False
    return r.minor in window or _stated_end_ahead(r, today)


def _status(r: MinorLifecycle, today: dt.date, window: list[str], platform: list[str]) -> Support:
    ga = r.aks_ga is not None and r.aks_ga <= today
    ended = r.end_of_support is not None and r.end_of_support <= today
    if not ga and not ended:
        return Support.PREVIEW if r.aks_preview and r.aks_preview <= today else Support.UNKNOWN
    if ga and not ended and (r.minor in window or _stated_end_ahead(r, today)):
        return Support.SUPPORTED
    if r.lts_available(today):
        return Support.LTS_ONLY
    if r.minor in platform and not (r.platform_support_end and r.platform_support_end <= today):
        return Support.PLATFORM
    return Support.END_OF_LIFE


def all_conflicts(rows: Iterable[MinorLifecycle]) -> list[Conflict]:
    return [c for r in rows for c in r.conflicts]


@dataclass(frozen=True, slots=True)
class UpstreamDate:
    """The date of an upstream release, with where it comes from."""

    date: dt.date
    source: str


def upstream_dates(facts: Iterable[ScheduleFact]) -> dict[str, UpstreamDate]:
    """Published patch dates of the schedule by version ('v1.25.0'); planned ones are not."""
    out: dict[str, UpstreamDate] = {}
    for item in facts:
        fact = item.fact
        if isinstance(fact, UpstreamReleaseFact) and fact.date and not fact.planned:
            out.setdefault(fact.version, UpstreamDate(fact.date, item.release_key))
    return out


def load_schedule(archive: Archive) -> list[ScheduleFact]:
    """The upstream release schedule's facts (minors and patch dates)."""
    return [
        ScheduleFact(f.fact, f.release_key)
        for fact_type in ("upstream-lifecycle", "upstream-release")
        for f in archive.list_facts(fact_type=fact_type, source="kubernetes-schedule")
        if isinstance(f.fact, UpstreamLifecycleFact | UpstreamReleaseFact)
    ]


def load_upstream_dates(archive: Archive) -> dict[str, UpstreamDate]:
    """Dates of upstream releases by version, from the release schedule."""
    return upstream_dates(load_schedule(archive))


def load_calendar(
    archive: Archive, today: dt.date, aks_versions: Sequence[StoredFact] | None = None
) -> list[MinorLifecycle]:
    """The reconciled lifecycle of every minor from the archive's facts, judged on `today`;
    `aks_versions` are the AKS releases' kubernetes-version facts when the caller has read
    them already (the matcher's view reads them too)."""
    lifecycle = [
        (f.fact, f.release_key)
        for f in archive.list_facts(fact_type="version-lifecycle")
        if isinstance(f.fact, VersionLifecycleFact)
    ]
    if aks_versions is None:
        aks_versions = archive.list_facts(fact_type="kubernetes-version", source="aks")
    versions = [
        DatedVersionFact(f.fact, f.release_key, f.release_date)
        for f in aks_versions
        if isinstance(f.fact, KubernetesVersionFact)
    ]
    return build_calendar(
        lifecycle,
        versions,
        today,
        schedule=load_schedule(archive),
        upstream_versions=archive.upstream_minor_versions(),
    )
