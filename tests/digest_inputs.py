"""DigestInputs built from the real corpus with the real parsers, as the store would hand them
over: releases become ReleaseDetail records with sequential entry and fact ids, the calendar is
built from the AKS calendar page and the changelog's version facts, and every release key maps
to its public URL.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator, Sequence
from functools import cache

from aksnews.deliver.digest import DigestInputs
from aksnews.knowledge.lifecycle import DatedVersionFact, build_calendar
from aksnews.model.findings import FindingChange
from aksnews.model.inventory import Cluster
from aksnews.model.links import release_url
from aksnews.model.records import ReleaseDetail, ReleaseSummary, StoredEntry, StoredFact
from aksnews.model.releases import (
    KubernetesVersionFact,
    Release,
    RetirementFact,
    VersionLifecycleFact,
)
from aksnews.parsers.base import ParseOptions, get_parser, parse_document

from corpus import corpus_text

AKS_CHANGELOG = "aks/CHANGELOG.md"
CALENDAR = "docs/aks-supported-kubernetes-versions.md"


def _parse(source: str, rel: str, options: ParseOptions | None = None) -> tuple[Release, ...]:
    return parse_document(get_parser(source), corpus_text(rel), rel, options).releases


@cache
def aks_releases() -> tuple[Release, ...]:
    return _parse("aks", AKS_CHANGELOG)


@cache
def calendar_releases() -> tuple[Release, ...]:
    return _parse("aks-calendar", CALENDAR)


@cache
def upstream_release(minor: str) -> Release:
    """The x.y.0 release notes of a minor (the sig-release draft with the labelled kinds)."""
    rel = f"kubernetes/release-notes/release-notes-{minor}.md"
    (release,) = _parse("kubernetes", rel, ParseOptions(release=f"v{minor}.0"))
    return release


def details(releases: Iterable[Release], ids: Iterator[int] | None = None) -> list[ReleaseDetail]:
    """ReleaseDetail records with sequential entry and fact ids (one counter for both, as
    the ids only need to be unique)."""
    counter = ids or itertools.count(1)
    out = []
    for release in releases:
        entries = []
        for entry in release.entries:
            entry_id = next(counter)
            facts = tuple(
                StoredFact(next(counter), release.key, entry_id, fact, release.date)
                for fact in entry.facts
            )
            entries.append(
                StoredEntry(
                    id=entry_id,
                    release_key=release.key,
                    kind=entry.kind.value,
                    section=entry.section,
                    position=entry.position,
                    parent_position=entry.parent,
                    markdown=entry.markdown,
                    text=entry.text,
                    links=entry.links,
                    line=entry.line,
                    pr=entry.pr,
                    author=entry.author,
                    sigs=entry.sigs,
                    facts=facts,
                    action_required=entry.action_required,
                    breaking=entry.breaking,
                    unread=tuple((u.expected.value, u.text) for u in entry.unread),
                )
            )
        summary = ReleaseSummary(
            key=release.key,
            source=release.source.value,
            version=release.version,
            title=release.title,
            date=release.date,
            tag=release.tag,
            hotfix=release.hotfix,
            url=release_url(release.source.value, release.version, release.anchor),
            entry_count=len(entries),
            revision=1,
        )
        out.append(ReleaseDetail(summary, release.markdown, tuple(entries), ()))
    return out


def _all_facts(releases: Iterable[ReleaseDetail]) -> list[StoredFact]:
    return [f for r in releases for e in r.entries for f in e.facts]


def corpus_inputs(
    *,
    period_start: dt.date,
    period_end: dt.date,
    today: dt.date,
    team_minors: Sequence[str],
    upstream_minors: Sequence[str] = (),
    findings: Sequence[FindingChange] = (),
    clusters: Sequence[Cluster] = (),
    web_url: str | None = None,
) -> DigestInputs:
    """What the store would hand over for this period: the AKS releases dated in it, the x.y.0
    notes of `upstream_minors` (upstream notes carry no date: the caller picks them), every
    retirement fact, and the calendar as of `today`."""
    ids = itertools.count(1)
    aks = details(aks_releases(), ids)
    calendar_rows = details(calendar_releases(), ids)
    upstream = details((upstream_release(m) for m in upstream_minors), ids)
    aks_facts = _all_facts(aks)
    lifecycle = [
        (f.fact, f.release_key)
        for f in _all_facts(calendar_rows)
        if isinstance(f.fact, VersionLifecycleFact)
    ]
    dated = [
        DatedVersionFact(f.fact, f.release_key, f.release_date)
        for f in aks_facts
        if isinstance(f.fact, KubernetesVersionFact)
    ]
    return DigestInputs(
        aks_releases=tuple(
            r for r in aks if r.summary.date and period_start <= r.summary.date < period_end
        ),
        upstream_releases=tuple(upstream),
        calendar=tuple(build_calendar(lifecycle, dated, today)),
        retirements=tuple(f for f in aks_facts if isinstance(f.fact, RetirementFact)),
        findings=tuple(findings),
        team_minors=tuple(team_minors),
        clusters=tuple(clusters),
        web_url=web_url,
        release_urls={r.summary.key: r.summary.url for r in (*aks, *calendar_rows, *upstream)},
    )
