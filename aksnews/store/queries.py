"""Reading the archive: releases, one release with its entries, facts."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Row, ScalarSelect, and_, func, or_, select

from aksnews.errors import AksnewsError
from aksnews.model.links import release_url
from aksnews.model.records import (
    ReleaseDetail,
    ReleaseRevision,
    ReleaseSummary,
    SearchHit,
    StoredEntry,
    StoredFact,
    StoredUnread,
)
from aksnews.model.releases import fact_from_json

# Core tables, not the ORM classes: read commands then import neither sqlalchemy.orm nor the
# mapped schema (see tables.py).
from aksnews.store.tables import entry, fact, release, release_revision, unread_statement


class NotFoundError(AksnewsError):
    """No release or entry matches what the user asked for."""


_FACT_COLUMNS = tuple(fact.columns)
# A release's columns but its section's markdown: listings read every release, and an upstream
# draft's section is the whole draft (megabytes over the corpus, most of `releases`' time).
SUMMARY_COLUMNS = tuple(c for c in release.columns if c.name != "markdown")
_ENTRY_COLUMNS = tuple(entry.columns)
_DATE_LIKE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
EXCERPT_CHARS = 240  # about what a search snippet shows


def _summary(row: Any, entry_count: int) -> ReleaseSummary:
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
        select(func.count(entry.c.id))
        .where(entry.c.release_id == release.c.id, entry.c.removed.is_(False))
        .correlate(release)
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
    query = select(*SUMMARY_COLUMNS)
    if not include_withdrawn:
        query = query.where(release.c.withdrawn_at.is_(None))
    if source:
        query = query.where(release.c.source == source)
    if since:
        query = query.where(release.c.date >= since)
    if minor:
        query = query.where(release.c.minor == minor)
    if minors is not None:
        query = query.where(release.c.minor.in_(minors))
    query = query.order_by(release.c.date.desc().nulls_last(), release.c.id.desc())
    if limit:
        query = query.limit(limit)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
        counts = _entry_counts(conn, [row.id for row in rows])
    return [_summary(row, counts.get(row.id, 0)) for row in rows]


# Up to this many releases are counted through the release_id index; more in one pass over the
# entries. A correlated count per release reads each release's entry rows at random: listing
# the whole corpus archive (283 releases) took 60 ms that way and 5 ms in one pass.
_COUNT_BY_INDEX = 50


def _entry_counts(conn: Connection, ids: Sequence[int]) -> dict[int, int]:
    """Entries (not removed) per release id."""
    if not ids:
        return {}
    query = (
        select(entry.c.release_id, func.count(entry.c.id))
        .where(entry.c.removed.is_(False))
        .group_by(entry.c.release_id)
    )
    if len(ids) <= _COUNT_BY_INDEX:
        query = query.where(entry.c.release_id.in_(ids))
    return {int(row[0]): int(row[1]) for row in conn.execute(query)}


def resolve_release(conn: Connection, ref: str) -> Row[Any]:
    """A release by key ('aks:2025-10-12'), version ('v1.32.5', '2025-10-12') or AKS tag."""
    ref = ref.strip()
    match = _DATE_LIKE.match(ref)
    if match:
        ref = f"{int(match[1]):04d}-{int(match[2]):02d}-{int(match[3]):02d}"
    candidates = [ref, f"v{ref}"] if re.match(r"^\d+\.\d+", ref) else [ref]
    matches = [release.c.key == ref, release.c.version.in_(candidates), release.c.tag == ref]
    bare_minor = re.fullmatch(r"v?(\d+)\.(\d+)", ref)
    if bare_minor:
        # '1.32' names the guide's section and every upstream 1.32 release alike: list them,
        # never pick one.
        minor = f"{int(bare_minor[1])}.{int(bare_minor[2])}"
        matches.append(and_(release.c.source == "kubernetes", release.c.minor == minor))
    rows = list(conn.execute(select(release).where(or_(*matches))))
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
    with engine.connect() as conn:
        return _details(conn, [resolve_release(conn, ref)])[0]


def get_releases(engine: Engine, keys: Sequence[str]) -> list[ReleaseDetail]:
    """Many releases by key, in the order given, in four queries whatever their number (a diff
    over ten minors reads a few hundred releases; one query per release cost most of its time).
    Keys not in the archive are left out."""
    if not keys:
        return []
    with engine.connect() as conn:
        rows = {r.key: r for r in conn.execute(select(release).where(release.c.key.in_(keys)))}
        return _details(conn, [rows[k] for k in keys if k in rows])


def _details(conn: Connection, releases: Sequence[Row[Any]]) -> list[ReleaseDetail]:
    by_id = {r.id: r for r in releases}
    ids = list(by_id)
    facts_by_entry: dict[tuple[int, int | None], list[StoredFact]] = {}
    # Plain rows, not ORM objects: a diff or a listing reads thousands, and building an ORM
    # object per row cost more than the query.
    for frow in conn.execute(
        select(*_FACT_COLUMNS).where(fact.c.release_id.in_(ids)).order_by(fact.c.id)
    ):
        owner = by_id[frow.release_id]
        facts_by_entry.setdefault((frow.release_id, frow.entry_id), []).append(
            _fact(frow, owner.key, owner.date)
        )
    unread_by_entry: dict[int, list[tuple[str, str]]] = {}
    for urow in conn.execute(
        select(unread_statement)
        .where(unread_statement.c.release_id.in_(ids))
        .order_by(unread_statement.c.id)
    ):
        unread_by_entry.setdefault(urow.entry_id, []).append((urow.expected, urow.text))
    entries: dict[int, list[StoredEntry]] = {i: [] for i in ids}
    for row in conn.execute(
        select(*_ENTRY_COLUMNS)
        .where(entry.c.release_id.in_(ids), entry.c.removed.is_(False))
        .order_by(entry.c.release_id, entry.c.position)
    ):
        facts = tuple(facts_by_entry.get((row.release_id, row.id), ()))
        unread = tuple(unread_by_entry.get(row.id, ()))
        entries[row.release_id].append(_entry(row, by_id[row.release_id].key, facts, unread))
    revisions: dict[int, list[ReleaseRevision]] = {i: [] for i in ids}
    # Every column but the text: a release edited often has many revisions of a long section.
    for r in conn.execute(
        select(
            release_revision.c.release_id,
            release_revision.c.revision,
            release_revision.c.section_sha256,
            release_revision.c.recorded_at,
            release_revision.c.document_id,
            release_revision.c.change,
            release_revision.c.title,
            release_revision.c.date,
            release_revision.c.old_title,
            release_revision.c.old_date,
        )
        .where(release_revision.c.release_id.in_(ids))
        .order_by(release_revision.c.release_id, release_revision.c.revision)
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
    with engine.connect() as conn:
        row = conn.execute(select(entry).where(entry.c.id == entry_id)).first()
        if row is None:
            raise NotFoundError(f"no entry {entry_id}")
        owner = conn.execute(
            select(release.c.key, release.c.date).where(release.c.id == row.release_id)
        ).one()  # the foreign key holds
        facts = tuple(
            _fact(f, owner.key, owner.date)
            for f in conn.execute(select(fact).where(fact.c.entry_id == row.id))
        )
        return _entry(row, owner.key, facts)


def list_unread(
    engine: Engine,
    *,
    source: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[StoredUnread]:
    """Statements the parser could not read, newest release first, in entry order."""
    query = (
        select(
            unread_statement.c.entry_id,
            unread_statement.c.expected,
            unread_statement.c.text,
            release.c.key,
            release.c.date,
            release.c.source,
            release.c.version,
            release.c.anchor,
            entry.c.position,
            entry.c.text.label("entry_text"),
        )
        .join(release, release.c.id == unread_statement.c.release_id)
        .join(entry, entry.c.id == unread_statement.c.entry_id)
        .where(entry.c.removed.is_(False), release.c.withdrawn_at.is_(None))
    )
    if source:
        query = query.where(release.c.source == source)
    if since:
        query = query.where(release.c.date >= since)
    if until:
        query = query.where(release.c.date <= until)
    query = query.order_by(
        release.c.date.desc().nulls_last(),
        release.c.id.desc(),
        entry.c.position,
        unread_statement.c.id,
    )
    with engine.connect() as conn:
        return [
            StoredUnread(
                release_key=row.key,
                release_date=row.date,
                entry_id=row.entry_id,
                position=row.position,
                expected=row.expected,
                text=row.text,
                entry_text=row.entry_text,
                url=release_url(row.source, row.version, row.anchor),
            )
            for row in conn.execute(query)
        ]


def revised_releases(engine: Engine, source: str | None = None) -> list[str]:
    """Keys of releases whose text was edited in place after it was first archived."""
    query = select(release.c.key).where(release.c.revision > 1, release.c.withdrawn_at.is_(None))
    if source:
        query = query.where(release.c.source == source)
    with engine.connect() as conn:
        return sorted(conn.execute(query).scalars())


def archive_counts(engine: Engine) -> dict[str, int]:
    """Releases, entries and facts the archive shows (withdrawn releases left out)."""
    current = release.c.withdrawn_at.is_(None)
    with engine.connect() as conn:
        return {
            "releases": conn.scalar(select(func.count(release.c.id)).where(current)) or 0,
            "entries": conn.scalar(
                select(func.count(entry.c.id))
                .join(release, release.c.id == entry.c.release_id)
                .where(entry.c.removed.is_(False), current)
            )
            or 0,
            "facts": conn.scalar(
                select(func.count(fact.c.id))
                .join(release, release.c.id == fact.c.release_id)
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
    with engine.connect() as conn:
        query = (
            select(entry, release.c.key.label("release_key"))
            .join(release, release.c.id == entry.c.release_id)
            .where(
                release.c.source == source,
                release.c.withdrawn_at.is_(None),
                entry.c.kind.in_(kinds),
                entry.c.removed.is_(False),
                or_(*(entry.c.minors.like(f"% {m} %") for m in minors)),
            )
            .order_by(release.c.date.desc().nulls_last(), entry.c.position)
            .limit(limit)
        )
        return [_entry(row, row.release_key, ()) for row in conn.execute(query)]


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
    conditions: list[ColumnElement[bool]] = [entry.c.removed.is_(False)]
    if not include_withdrawn:
        conditions.append(release.c.withdrawn_at.is_(None))
    if source:
        conditions.append(release.c.source == source)
    if kind:
        conditions.append(entry.c.kind == kind)
    if minor:
        # `minors` is ' 1.29 1.30 ': the minors an entry is of or mentions (see search.py).
        # Imported here: of this module's readers, only this filter needs the search module.
        from aksnews.store.search import normalise_minor

        conditions.append(entry.c.minors.like(f"% {normalise_minor(minor)} %"))
    if since:
        conditions.append(release.c.date >= since)
    if until:
        conditions.append(release.c.date <= until)
    joined = select(
        entry.c.id,
        entry.c.kind,
        entry.c.section,
        entry.c.text,
        release.c.key,
        release.c.source,
        release.c.version,
        release.c.date,
        release.c.anchor,
    ).join(release, release.c.id == entry.c.release_id)
    query = (
        joined.where(*conditions)
        .order_by(release.c.date.desc().nulls_last(), release.c.id.desc(), entry.c.position)
        .limit(limit)
        .offset(offset)
    )
    count = (
        select(func.count(entry.c.id))
        .join(release, release.c.id == entry.c.release_id)
        .where(*conditions)
    )
    with engine.connect() as conn:
        hits = [
            SearchHit(
                entry_id=row.id,
                release_key=row.key,
                source=row.source,
                version=row.version,
                date=row.date,
                kind=row.kind,
                section=row.section,
                snippet=_excerpt(row.text),
                rank=0.0,
                url=release_url(row.source, row.version, row.anchor),
            )
            for row in conn.execute(query)
        ]
        total = conn.scalar(count) or 0
    return hits, total
