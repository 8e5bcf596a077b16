"""Reading the archive: releases, one release with its entries, facts."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Engine, ScalarSelect, and_, func, or_, select
from sqlalchemy.orm import Session

from aksnews.errors import AksnewsError
from aksnews.links import release_url
from aksnews.model import fact_from_json
from aksnews.store.records import (
    ReleaseDetail,
    ReleaseRevision,
    ReleaseSummary,
    SearchHit,
    StoredEntry,
    StoredFact,
    StoredUnread,
)
from aksnews.store.schema import EntryRow, FactRow, ReleaseRevisionRow, ReleaseRow, UnreadRow
from aksnews.store.search import normalise_minor

if TYPE_CHECKING:
    from aksnews.diff import Version


class NotFoundError(AksnewsError):
    """No release or entry matches what the user asked for."""


_FACT_COLUMNS = tuple(FactRow.__table__.columns)
_ENTRY_COLUMNS = tuple(EntryRow.__table__.columns)
_DATE_LIKE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
EXCERPT_CHARS = 240  # about what a search snippet shows


def _summary(row: ReleaseRow, entry_count: int) -> ReleaseSummary:
    return ReleaseSummary(
        key=row.key,
        source=row.source,
        version=row.version,
        title=row.title,
        date=row.date,
        tag=row.tag,
        hotfix=row.hotfix,
        url=release_url(row.source, row.version, row.anchor),
        entry_count=entry_count,
        revision=row.revision,
        withdrawn=row.withdrawn_at is not None,
    )


def _entry_count() -> ScalarSelect[int]:
    # Correlated, so only the releases listed are counted (through the release_id index): a
    # grouped count joined in scanned every entry of the archive, 15x slower for one release.
    return (
        select(func.count(EntryRow.id))
        .where(EntryRow.release_id == ReleaseRow.id, EntryRow.removed.is_(False))
        .correlate(ReleaseRow)
        .scalar_subquery()
    )


def list_releases(
    engine: Engine,
    *,
    source: str | None = None,
    since: dt.date | None = None,
    minor: str | None = None,
    minors: Sequence[str] | None = None,
    limit: int | None = None,
    include_withdrawn: bool = False,
) -> list[ReleaseSummary]:
    """Releases newest first (by date, then version) with their entry counts; `minor` or
    `minors` keep the upstream releases of those minor lines. Releases withdrawn from their
    document are left out unless `include_withdrawn`."""
    query = select(ReleaseRow, _entry_count())
    if not include_withdrawn:
        query = query.where(ReleaseRow.withdrawn_at.is_(None))
    if source:
        query = query.where(ReleaseRow.source == source)
    if since:
        query = query.where(ReleaseRow.date >= since)
    if minor:
        query = query.where(ReleaseRow.minor == minor)
    if minors is not None:
        query = query.where(ReleaseRow.minor.in_(minors))
    query = query.order_by(ReleaseRow.date.desc().nulls_last(), ReleaseRow.id.desc())
    if limit:
        query = query.limit(limit)
    with Session(engine) as session:
        return [_summary(row, n) for row, n in session.execute(query)]


def resolve_release(session: Session, ref: str) -> ReleaseRow:
    """A release by key ('aks:2025-10-12'), version ('v1.32.5', '2025-10-12') or AKS tag."""
    ref = ref.strip()
    match = _DATE_LIKE.match(ref)
    if match:
        ref = f"{int(match[1]):04d}-{int(match[2]):02d}-{int(match[3]):02d}"
    candidates = [ref, f"v{ref}"] if re.match(r"^\d+\.\d+", ref) else [ref]
    matches = [ReleaseRow.key == ref, ReleaseRow.version.in_(candidates), ReleaseRow.tag == ref]
    bare_minor = re.fullmatch(r"v?(\d+)\.(\d+)", ref)
    if bare_minor:
        # '1.32' names the guide's section and every upstream 1.32 release alike: list them,
        # never pick one.
        minor = f"{int(bare_minor[1])}.{int(bare_minor[2])}"
        matches.append(and_(ReleaseRow.source == "kubernetes", ReleaseRow.minor == minor))
    rows = list(session.scalars(select(ReleaseRow).where(or_(*matches))))
    exact = [r for r in rows if r.key == ref]
    if exact:
        return exact[0]
    if not rows:
        raise NotFoundError(f"no release {ref!r} in the archive (see `aksnews releases`)")
    if len(rows) > 1:
        # 'v1.25.0' is both the upstream release and its line in the release schedule: the
        # release notes are meant; the schedule's is reachable by its full id.
        notes = [r for r in rows if r.source != "kubernetes-schedule"]
        rows = notes if len(notes) == 1 else rows
    if len(rows) > 1:
        rows.sort(key=lambda r: (r.source, r.date or dt.date.min, r.key))
        keys = ", ".join(r.key for r in rows[:10])
        more = f" and {len(rows) - 10} more" if len(rows) > 10 else ""
        raise NotFoundError(f"{ref!r} is ambiguous: {keys}{more}; give the full id")
    return rows[0]


# `row` is an ORM object or a plain Row of the same table's columns (attribute access alike).
def _entry(
    row: Any,
    release_key: str,
    facts: tuple[StoredFact, ...],
    unread: tuple[tuple[str, str], ...] = (),
) -> StoredEntry:
    return StoredEntry(
        id=row.id,
        release_key=release_key,
        kind=row.kind,
        section=row.section,
        position=row.position,
        parent_position=row.parent_position,
        markdown=row.markdown,
        text=row.text,
        links=tuple(json.loads(row.links)),
        line=row.line,
        pr=row.pr,
        author=row.author,
        sigs=tuple(row.sigs.split()),
        facts=facts,
        action_required=bool(row.action_required),
        breaking=bool(row.breaking),
        unread=unread,
    )


def _fact(row: Any, release_key: str, release_date: dt.date | None = None) -> StoredFact:
    return StoredFact(
        id=row.id,
        release_key=release_key,
        entry_id=row.entry_id,
        fact=fact_from_json(row.type, json.loads(row.payload)),
        release_date=release_date,
    )


def get_release(engine: Engine, ref: str) -> ReleaseDetail:
    with Session(engine) as session:
        return _details(session, [resolve_release(session, ref)])[0]


def get_releases(engine: Engine, keys: Sequence[str]) -> list[ReleaseDetail]:
    """Many releases by key, in the order given, in four queries whatever their number (a diff
    over ten minors reads a few hundred releases; one query per release cost most of its time).
    Keys not in the archive are left out."""
    if not keys:
        return []
    with Session(engine) as session:
        rows = {
            r.key: r for r in session.scalars(select(ReleaseRow).where(ReleaseRow.key.in_(keys)))
        }
        return _details(session, [rows[k] for k in keys if k in rows])


def _details(session: Session, releases: Sequence[ReleaseRow]) -> list[ReleaseDetail]:
    by_id = {r.id: r for r in releases}
    ids = list(by_id)
    facts_by_entry: dict[tuple[int, int | None], list[StoredFact]] = {}
    # Plain rows, not ORM objects: a diff or a listing reads thousands, and building an ORM
    # object per row cost more than the query.
    for frow in session.execute(
        select(*_FACT_COLUMNS).where(FactRow.release_id.in_(ids)).order_by(FactRow.id)
    ):
        release = by_id[frow.release_id]
        facts_by_entry.setdefault((frow.release_id, frow.entry_id), []).append(
            _fact(frow, release.key, release.date)
        )
    unread_by_entry: dict[int, list[tuple[str, str]]] = {}
    for urow in session.scalars(
        select(UnreadRow).where(UnreadRow.release_id.in_(ids)).order_by(UnreadRow.id)
    ):
        unread_by_entry.setdefault(urow.entry_id, []).append((urow.expected, urow.text))
    entries: dict[int, list[StoredEntry]] = {i: [] for i in ids}
    for row in session.execute(
        select(*_ENTRY_COLUMNS)
        .where(EntryRow.release_id.in_(ids), EntryRow.removed.is_(False))
        .order_by(EntryRow.release_id, EntryRow.position)
    ):
        facts = tuple(facts_by_entry.get((row.release_id, row.id), ()))
        unread = tuple(unread_by_entry.get(row.id, ()))
        entries[row.release_id].append(_entry(row, by_id[row.release_id].key, facts, unread))
    revisions: dict[int, list[ReleaseRevision]] = {i: [] for i in ids}
    # Every column but the text: a release edited often has many revisions of a long section.
    for r in session.execute(
        select(
            ReleaseRevisionRow.release_id,
            ReleaseRevisionRow.revision,
            ReleaseRevisionRow.section_sha256,
            ReleaseRevisionRow.recorded_at,
            ReleaseRevisionRow.document_id,
            ReleaseRevisionRow.change,
            ReleaseRevisionRow.title,
            ReleaseRevisionRow.date,
            ReleaseRevisionRow.old_title,
            ReleaseRevisionRow.old_date,
        )
        .where(ReleaseRevisionRow.release_id.in_(ids))
        .order_by(ReleaseRevisionRow.release_id, ReleaseRevisionRow.revision)
    ):
        revisions[r.release_id].append(
            ReleaseRevision(
                revision=r.revision,
                section_sha256=r.section_sha256,
                recorded_at=r.recorded_at,
                document_id=r.document_id,
                change=r.change,
                title=r.title,
                date=r.date,
                old_title=r.old_title,
                old_date=r.old_date,
            )
        )
    return [
        ReleaseDetail(
            summary=_summary(release, len(entries[release.id])),
            markdown=release.markdown,
            entries=tuple(entries[release.id]),
            revisions=tuple(revisions[release.id]),
        )
        for release in releases
    ]


def get_entry(engine: Engine, entry_id: int) -> StoredEntry:
    with Session(engine) as session:
        row = session.get(EntryRow, entry_id)
        if row is None:
            raise NotFoundError(f"no entry {entry_id}")
        release = session.get(ReleaseRow, row.release_id)
        assert release is not None  # foreign key
        facts = tuple(
            _fact(f, release.key, release.date)
            for f in session.scalars(select(FactRow).where(FactRow.entry_id == row.id))
        )
        return _entry(row, release.key, facts)


def list_facts(
    engine: Engine,
    *,
    fact_type: str | None = None,
    source: str | None = None,
    since: dt.date | None = None,
    subject: str | None = None,
    include_withdrawn: bool = False,
) -> list[StoredFact]:
    """Facts newest release first, optionally of one type, source, subject or since a date;
    facts of withdrawn releases only with `include_withdrawn`."""
    query = select(*_FACT_COLUMNS, ReleaseRow.key, ReleaseRow.date).join(
        ReleaseRow, ReleaseRow.id == FactRow.release_id
    )
    if not include_withdrawn:
        query = query.where(ReleaseRow.withdrawn_at.is_(None))
    if fact_type:
        query = query.where(FactRow.type == fact_type)
    if source:
        query = query.where(ReleaseRow.source == source)
    if since:
        query = query.where(ReleaseRow.date >= since)
    if subject:
        query = query.where(FactRow.subject == subject)
    query = query.order_by(ReleaseRow.date.desc().nulls_last(), ReleaseRow.id.desc(), FactRow.id)
    with Session(engine) as session:
        return [_fact(row, row.key, row.date) for row in session.execute(query)]


def list_unread(
    engine: Engine,
    *,
    source: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[StoredUnread]:
    """Statements the parser could not read, newest release first, in entry order."""
    query = (
        select(UnreadRow, ReleaseRow, EntryRow.position, EntryRow.text)
        .join(ReleaseRow, ReleaseRow.id == UnreadRow.release_id)
        .join(EntryRow, EntryRow.id == UnreadRow.entry_id)
        .where(EntryRow.removed.is_(False), ReleaseRow.withdrawn_at.is_(None))
    )
    if source:
        query = query.where(ReleaseRow.source == source)
    if since:
        query = query.where(ReleaseRow.date >= since)
    if until:
        query = query.where(ReleaseRow.date <= until)
    query = query.order_by(
        ReleaseRow.date.desc().nulls_last(), ReleaseRow.id.desc(), EntryRow.position, UnreadRow.id
    )
    with Session(engine) as session:
        return [
            StoredUnread(
                release_key=release.key,
                release_date=release.date,
                entry_id=row.entry_id,
                position=position,
                expected=row.expected,
                text=row.text,
                entry_text=entry_text,
                url=release_url(release.source, release.version, release.anchor),
            )
            for row, release, position, entry_text in session.execute(query)
        ]


def revised_releases(engine: Engine, source: str | None = None) -> list[str]:
    """Keys of releases whose text was edited in place after it was first archived."""
    query = select(ReleaseRow.key).where(ReleaseRow.revision > 1, ReleaseRow.withdrawn_at.is_(None))
    if source:
        query = query.where(ReleaseRow.source == source)
    with Session(engine) as session:
        return sorted(session.scalars(query))


def archive_counts(engine: Engine) -> dict[str, int]:
    """Releases, entries and facts the archive shows (withdrawn releases left out)."""
    current = ReleaseRow.withdrawn_at.is_(None)
    with Session(engine) as session:
        return {
            "releases": session.scalar(select(func.count(ReleaseRow.id)).where(current)) or 0,
            "entries": session.scalar(
                select(func.count(EntryRow.id))
                .join(ReleaseRow, ReleaseRow.id == EntryRow.release_id)
                .where(EntryRow.removed.is_(False), current)
            )
            or 0,
            "facts": session.scalar(
                select(func.count(FactRow.id))
                .join(ReleaseRow, ReleaseRow.id == FactRow.release_id)
                .where(current)
            )
            or 0,
        }


def entries_about(
    engine: Engine, *, source: str, kinds: list[str], minors: list[str], limit: int = 500
) -> list[StoredEntry]:
    """Entries of `source` and `kinds` that concern any of `minors`, newest release first."""
    if not minors or not kinds:
        return []
    with Session(engine) as session:
        query = (
            select(EntryRow, ReleaseRow.key)
            .join(ReleaseRow, ReleaseRow.id == EntryRow.release_id)
            .where(
                ReleaseRow.source == source,
                ReleaseRow.withdrawn_at.is_(None),
                EntryRow.kind.in_(kinds),
                EntryRow.removed.is_(False),
                or_(*(EntryRow.minors.like(f"% {m} %") for m in minors)),
            )
            .order_by(ReleaseRow.date.desc().nulls_last(), EntryRow.position)
            .limit(limit)
        )
        return [_entry(row, key, ()) for row, key in session.execute(query)]


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= EXCERPT_CHARS:
        return flat
    return flat[: EXCERPT_CHARS - 1].rstrip() + "…"


def list_entries(
    engine: Engine,
    *,
    source: str | None = None,
    kind: str | None = None,
    minor: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int = 20,
    offset: int = 0,
    include_withdrawn: bool = False,
) -> tuple[list[SearchHit], int]:
    """Entries matching the filters, newest release first, and how many match in all.

    The filters are search's (aksnews.store.search), so a filter-only feed lists what a search
    with the same filters could find. Hits carry the entry's start as snippet, with no
    highlight markers (there are no words to highlight) and rank 0.
    """
    conditions: list[ColumnElement[bool]] = [EntryRow.removed.is_(False)]
    if not include_withdrawn:
        conditions.append(ReleaseRow.withdrawn_at.is_(None))
    if source:
        conditions.append(ReleaseRow.source == source)
    if kind:
        conditions.append(EntryRow.kind == kind)
    if minor:
        # `minors` is ' 1.29 1.30 ': the minors an entry is of or mentions (see search.py).
        conditions.append(EntryRow.minors.like(f"% {normalise_minor(minor)} %"))
    if since:
        conditions.append(ReleaseRow.date >= since)
    if until:
        conditions.append(ReleaseRow.date <= until)
    joined = select(EntryRow, ReleaseRow).join(ReleaseRow, ReleaseRow.id == EntryRow.release_id)
    query = (
        joined.where(*conditions)
        .order_by(ReleaseRow.date.desc().nulls_last(), ReleaseRow.id.desc(), EntryRow.position)
        .limit(limit)
        .offset(offset)
    )
    count = (
        select(func.count(EntryRow.id))
        .join(ReleaseRow, ReleaseRow.id == EntryRow.release_id)
        .where(*conditions)
    )
    with Session(engine) as session:
        hits = [
            SearchHit(
                entry_id=entry.id,
                release_key=release.key,
                source=release.source,
                version=release.version,
                date=release.date,
                kind=entry.kind,
                section=entry.section,
                snippet=_excerpt(entry.text),
                rank=0.0,
                url=release_url(release.source, release.version, release.anchor),
            )
            for entry, release in session.execute(query)
        ]
        total = session.scalar(count) or 0
    return hits, total


def load_upstream_range(engine: Engine, start: Version, end: Version) -> list[ReleaseDetail]:
    """Final upstream releases after `start` up to `end`, with their entries (for diff, plan)."""
    from aksnews.diff import in_range, minors_between  # only the diff and plan commands need it

    keys = [
        summary.key
        for summary in list_releases(engine, source="kubernetes", minors=minors_between(start, end))
        if in_range(summary.version, start, end)
    ]
    return get_releases(engine, keys)
