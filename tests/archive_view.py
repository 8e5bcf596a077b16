"""An ArchiveView built from the real corpus with the real parsers, for tests of the matcher and
of what reads findings (digests, check, plan).

It does what the store-side loader does, without a database: parse the documents, number
entries and facts as the store would (StoredFact ids), merge the API knowledge base from the
guide and the upstream notes, build the calendar, and map release keys to their URLs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from functools import cache

from aksnews.knowledge.apis import SourcedFact, build_knowledge
from aksnews.knowledge.lifecycle import DatedVersionFact, build_calendar
from aksnews.knowledge.view import ArchiveView
from aksnews.model.links import release_url
from aksnews.model.records import StoredFact
from aksnews.model.releases import (
    ApiChangeFact,
    FactType,
    KubernetesVersionFact,
    Release,
    VersionLifecycleFact,
)
from aksnews.parsers.base import ParseOptions, get_parser, parse_document

from corpus import RELEASE_NOTE_MINORS, corpus_text

AKS_CHANGELOG = "aks/CHANGELOG.md"
GUIDE = "docs/deprecation-guide.md"
CALENDAR = "docs/aks-supported-kubernetes-versions.md"


def _parse(source: str, rel: str, options: ParseOptions | None = None) -> tuple[Release, ...]:
    return parse_document(get_parser(source), corpus_text(rel), rel, options).releases


@cache
def corpus_releases() -> tuple[Release, ...]:
    """The current AKS CHANGELOG, guide and calendar, and the upstream notes 1.14 to 1.34."""
    releases = [
        *_parse("aks", AKS_CHANGELOG),
        *_parse("deprecation-guide", GUIDE),
        *_parse("aks-calendar", CALENDAR),
    ]
    for minor in RELEASE_NOTE_MINORS:
        rel = f"kubernetes/release-notes/release-notes-{minor}.md"
        releases.extend(_parse("kubernetes", rel, ParseOptions(release=f"v{minor}.0")))
    return tuple(releases)


def stored_facts(releases: Iterable[Release]) -> tuple[StoredFact, ...]:
    """Facts as the store hands them out: ids, release key, entry id, release date."""
    out: list[StoredFact] = []
    entry_id = 0
    for release in releases:
        for entry in release.entries:
            entry_id += 1
            for fact in entry.facts:
                out.append(StoredFact(len(out) + 1, release.key, entry_id, fact, release.date))
    return tuple(out)


def _of_type(facts: Iterable[StoredFact], *types: FactType) -> tuple[StoredFact, ...]:
    return tuple(f for f in facts if f.fact.type in types)


def archive_view_of(releases: Sequence[Release], today: dt.date) -> ArchiveView:
    """The matcher's view of these releases; `today` only sets the calendar's support column."""
    facts = stored_facts(releases)
    guide: list[SourcedFact] = []
    mined: list[SourcedFact] = []
    for stored in _of_type(facts, FactType.API_REMOVAL, FactType.API_DEPRECATION):
        if isinstance(stored.fact, ApiChangeFact):
            reference = f"{stored.release_key}#entry-{stored.entry_id}"
            is_guide = stored.release_key.startswith("deprecation-guide:")
            (guide if is_guide else mined).append(SourcedFact(stored.fact, reference))
    aks = [f for f in facts if f.release_key.startswith("aks:")]
    versions = _of_type(aks, FactType.KUBERNETES_VERSION)
    lifecycle = [(f.fact, f.release_key) for f in facts if isinstance(f.fact, VersionLifecycleFact)]
    dated = [
        DatedVersionFact(f.fact, f.release_key, f.release_date)
        for f in versions
        if isinstance(f.fact, KubernetesVersionFact)
    ]
    return ArchiveView(
        knowledge=build_knowledge(guide, mined),
        calendar=tuple(build_calendar(lifecycle, dated, today)),
        node_images=_of_type(aks, FactType.NODE_IMAGE),
        retirements=_of_type(aks, FactType.RETIREMENT),
        versions=versions,
        release_urls={r.key: release_url(r.source.value, r.version, r.anchor) for r in releases},
    )


@cache
def corpus_archive(today: dt.date) -> ArchiveView:
    return archive_view_of(corpus_releases(), today)
