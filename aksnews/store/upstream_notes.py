"""Streaming the notes of many upstream releases, for `aksnews diff`.

A diff over twenty minors spans tens of thousands of notes, most of them bugs and features it
never shows, and each draft's release section is the whole draft. Loading every release with
everything it holds made the peak memory and most of the time of `diff` grow with the width
of the range. This reads, a few releases at a time, only the notes of the kinds asked for
(and every note marked ACTION REQUIRED), with their facts and unread statements, and leaves
out the releases' own markdown and revision history.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, or_, select

from aksnews.model.records import ReleaseDetail, StoredEntry, StoredFact
from aksnews.store.queries import (
    _ENTRY_COLUMNS,
    _FACT_COLUMNS,
    SUMMARY_COLUMNS,
    _entry,
    _entry_count,
    _fact,
    _summary,
)
from aksnews.store.tables import entry, fact, release, unread_statement

# Releases read per round of queries: few enough that the notes a diff does not show never
# pile up, enough that a range of hundreds of releases takes a few dozen queries.
CHUNK = 16


def release_notes(
    engine: Engine, keys: Sequence[str], kinds: Collection[str]
) -> Iterator[ReleaseDetail]:
    """The releases named by `keys`, in that order, one at a time; each holds only its notes of
    `kinds` and those marked ACTION REQUIRED (in document order), an empty markdown and no
    revisions. Its summary's entry count is that of all its notes. Keys not archived are
    skipped."""
    wanted = or_(entry.c.kind.in_(sorted(kinds)), entry.c.action_required.is_(True))
    with engine.connect() as conn:
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            rows: dict[str, Any] = {
                r.key: r
                for r in conn.execute(
                    select(
                        *SUMMARY_COLUMNS,
                        _entry_count().label("entry_count"),
                    ).where(release.c.key.in_(chunk))
                )
            }
            yield from _chunk(conn, [rows[k] for k in chunk if k in rows], wanted)


def _chunk(
    conn: Connection, releases: Sequence[Any], wanted: ColumnElement[bool]
) -> Iterator[ReleaseDetail]:
    by_id = {r.id: r for r in releases}
    ids = list(by_id)
    shown = (entry.c.release_id.in_(ids), entry.c.removed.is_(False), wanted)
    facts: dict[int, list[StoredFact]] = {}
    for frow in conn.execute(
        select(*_FACT_COLUMNS)
        .join(entry, entry.c.id == fact.c.entry_id)
        .where(fact.c.release_id.in_(ids), *shown)
        .order_by(fact.c.id)
    ):
        owner = by_id[frow.release_id]
        facts.setdefault(frow.entry_id, []).append(_fact(frow, owner.key, owner.date))
    unread: dict[int, list[tuple[str, str]]] = {}
    for urow in conn.execute(
        select(unread_statement.c.entry_id, unread_statement.c.expected, unread_statement.c.text)
        .join(entry, entry.c.id == unread_statement.c.entry_id)
        .where(unread_statement.c.release_id.in_(ids), *shown)
        .order_by(unread_statement.c.id)
    ):
        unread.setdefault(urow.entry_id, []).append((urow.expected, urow.text))
    entries: dict[int, list[StoredEntry]] = {i: [] for i in ids}
    for row in conn.execute(
        select(*_ENTRY_COLUMNS).where(*shown).order_by(entry.c.release_id, entry.c.position)
    ):
        owner = by_id[row.release_id]
        entries[row.release_id].append(
            _entry(row, owner.key, tuple(facts.get(row.id, ())), tuple(unread.get(row.id, ())))
        )
    for r in releases:
        yield ReleaseDetail(
            summary=_summary(r, r.entry_count),
            markdown="",
            entries=tuple(entries[r.id]),
            revisions=(),
        )
