"""What the store hands out: frozen records, never ORM rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Annotations only: an unchanged re-ingest, which builds one IngestReport, then imports no
    # model (its dataclasses and enums cost ~10 to 25 ms of start-up).
    from aksnews.model.releases import Fact, ParseWarning, Release, Section

# Markers around highlighted words in search snippets; each output format turns them into its
# own markup (bold in a terminal, <mark> on a page) after escaping the text.
HIGHLIGHT_START = "\x02"
HIGHLIGHT_END = "\x03"


@dataclass(frozen=True, slots=True)
class ReleaseSummary:
    key: str  # 'aks:2025-10-12': the id other tools use
    source: str
    version: str
    title: str
    date: dt.date | None
    tag: str | None
    hotfix: bool
    url: str
    entry_count: int
    revision: int
    # Where `date` comes from when the release's own document gives none (an upstream
    # CHANGELOG release dated by the release schedule: 'kubernetes-schedule:v1.25.0').
    dated_by: str | None = None
    withdrawn: bool = False  # gone from its source's current document (shown only on request)


@dataclass(frozen=True, slots=True)
class StoredFact:
    id: int
    release_key: str
    entry_id: int | None
    fact: Fact
    release_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class StoredEntry:
    id: int
    release_key: str
    kind: str
    section: str
    position: int
    parent_position: int | None
    markdown: str
    text: str
    links: tuple[str, ...]
    line: int
    pr: int | None
    author: str | None
    sigs: tuple[str, ...]
    facts: tuple[StoredFact, ...] = ()
    action_required: bool = False
    breaking: bool = False
    unread: tuple[tuple[str, str], ...] = ()  # (expected, text) the parser could not read


@dataclass(frozen=True, slots=True)
class ReleaseRevision:
    revision: int
    section_sha256: str
    recorded_at: dt.datetime
    document_id: int
    change: str | None = None  # new, edited, renamed, withdrawn, restored (None: before 0006)
    title: str | None = None
    date: dt.date | None = None
    old_title: str | None = None  # a rename: the heading and date before it
    old_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class ReleaseDetail:
    summary: ReleaseSummary
    markdown: str
    entries: tuple[StoredEntry, ...]
    revisions: tuple[ReleaseRevision, ...]


@dataclass(frozen=True, slots=True)
class SearchHit:
    entry_id: int
    release_key: str
    source: str
    version: str
    date: dt.date | None
    kind: str
    section: str
    snippet: str  # plain text with HIGHLIGHT_START/END around matched words
    rank: float  # lower is better
    url: str
    also_in: int = 0  # other releases whose entry has exactly this text (collapsed into this hit)


@dataclass(frozen=True, slots=True)
class Renamed:
    """A release whose heading changed in place (a corrected date): the same release."""

    old_key: str
    new_key: str
    old_title: str
    new_title: str


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What one document did to the archive."""

    source: str
    path: str
    unchanged: bool  # the same bytes were ingested before: nothing parsed, nothing written
    document_id: int | None = None
    sections: int = 0  # release sections found by the line scan
    parsed: int = 0  # sections parsed (new or edited text)
    new_releases: tuple[str, ...] = ()
    revised_releases: tuple[str, ...] = ()
    entries: int = 0  # entries written
    facts: int = 0
    warnings: tuple[ParseWarning, ...] = field(default_factory=tuple)
    renamed_releases: tuple[Renamed, ...] = ()
    withdrawn_releases: tuple[str, ...] = ()  # gone from the document: hidden, kept
    restored_releases: tuple[str, ...] = ()  # withdrawn before, in the document again
    dry_run: bool = False  # what an ingest would do; nothing was written
    # Statements of the parsed releases that no fact holds: (release key, expected, text).
    unread: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class StoredUnread:
    """An unread statement as the archive holds it, with the entry it belongs to."""

    release_key: str
    release_date: dt.date | None
    entry_id: int
    position: int
    expected: str  # model.Expectation value
    text: str  # the sentence that was not understood
    entry_text: str
    url: str  # the release on its source page


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """What the archive knows about one source (all its URLs together)."""

    source: str
    urls: int = 0
    last_fetch: dt.datetime | None = None  # last successful fetch or ingest (UTC)
    last_change: dt.datetime | None = None  # last fetch that brought new text
    failed_at: dt.datetime | None = None  # last failed fetch
    last_error: str | None = None
    releases: int = 0
    newest_release: str | None = None  # release key
    newest_release_date: dt.date | None = None

    @property
    def failing(self) -> bool:
        """The last attempt failed (no success since)."""
        return self.failed_at is not None and (
            self.last_fetch is None or self.failed_at > self.last_fetch
        )


@dataclass(frozen=True, slots=True)
class SplitDocument:
    """A document its parser has checked and cut into release sections (aksnews.sources.local): what
    the store mirrors. The store calls `parse` only for the sections that are new or changed
    since the archived revision, so an edited CHANGELOG costs the parse of what changed."""

    source: str
    text: str
    path: str
    sections: tuple[Section, ...]
    warnings: tuple[ParseWarning, ...]
    parse: Callable[[Section], tuple[Release | None, list[ParseWarning]]]
    whole: bool = True  # False for a single-release draft, which withdraws nothing
