"""Search on SQLite: the matches read from FTS5 in relevance order, stopping once the page is
settled.

Ranking every match, grouping identical texts and sorting them (the simple plan) cost most of a
frequent word's search: 2,000 to 2,700 matches on the whole corpus, ten times that on a larger
archive. Instead each class of the ranking rule (prose AKS, prose upstream, listing AKS, listing
upstream; see aksnews.store.search) is read from FTS5 with `ORDER BY rank`, which FTS5 answers
from the bm25 scores alone, and the entry and release of a match are read only until the page
is full. The first copy of a text read is where its hit ranks (its best-placed copy); the page's
texts are then looked up by the entry text index (migration 0012) to count their other copies
and show the newest, with the snippet cut from the placed copy (the same text). The total is
counted up to a cap (distinct texts in FTS5's own order, no scores) unless reading the page
already read every match. On an archive where AKS entries are few (Plan), the AKS classes are
ranked among the AKS entries' ids instead, so FTS5 does not score the upstream notes for them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
import time
import weakref
from dataclasses import dataclass
from typing import Any, NamedTuple

from aksnews.model.records import HIGHLIGHT_END, HIGHLIGHT_START
from aksnews.store import search as common

_JOINS = (
    "FROM entry_fts JOIN entry e ON e.id = entry_fts.rowid JOIN release r ON r.id = e.release_id"
)
# The ranking rule's classes, in its order: (listing, AKS) -> the SQL that selects it.
_CLASSES = (
    ((False, True), f"NOT {common.IS_LISTING} AND r.source = 'aks'"),
    ((False, False), f"NOT {common.IS_LISTING} AND r.source <> 'aks'"),
    ((True, True), f"{common.IS_LISTING} AND r.source = 'aks'"),
    ((True, False), f"{common.IS_LISTING} AND r.source <> 'aks'"),
)
# bm25 with the section heading weighing 0.3 of the entry text, as FTS5's rank column: FTS5
# sorts by it itself (ORDER BY bm25(...) would make SQLite sort every joined match).
_STREAM = (
    "SELECT e.id, e.text, r.date, e.section, entry_fts.rank " + _JOINS + " WHERE "
    "entry_fts MATCH :q AND entry_fts.rank MATCH 'bm25(1.0, 0.3)' AND {where} AND {klass} "
    "ORDER BY entry_fts.rank"
)
# The AKS classes: FTS5 ranks only the matches among AKS entries' ids (read from two covering
# indexes; the unary + keeps the list a filter rather than one FTS5 lookup per id). Where AKS
# entries are few, the stream above scored mostly upstream notes that it then skipped.
_AKS_RANKED = (
    "WITH m AS MATERIALIZED (SELECT rowid AS id, bm25(entry_fts, 1.0, 0.3) AS rank "
    "FROM entry_fts WHERE entry_fts MATCH :q AND +rowid IN (SELECT e.id FROM release r "
    "JOIN entry e ON e.release_id = r.id WHERE r.source = 'aks')) "
    "SELECT e.id, e.text, r.date, e.section, m.rank FROM m JOIN entry e ON e.id = m.id "
    "JOIN release r ON r.id = e.release_id WHERE {where} AND {klass} "
    "ORDER BY m.rank, r.date DESC, e.id DESC"
)
_ARCHIVE = (
    "SELECT (SELECT count(*) FROM release r JOIN entry e ON e.release_id = r.id "
    "WHERE r.source = 'aks'), (SELECT count(*) FROM entry)"
)


@dataclass(frozen=True, slots=True)
class Plan:
    """How to search an archive, from its size; either way the results are the same.

    Measured on the whole corpus (12,508 entries, AKS 30%) and on one with ten times the
    upstream notes (75,382, AKS 5%): the AKS classes ranked among AKS entry ids paid on the
    second and cost on the first (the line is drawn between, at an eighth); cutting snippets
    in one pass over the matches beat one FTS5 lookup per page entry on the first (0.2 against
    0.6 ms) and lost on the second (1.6 against 0.5 ms for 21,000 matches).
    """

    aks_by_ids: bool
    snippets_in_one_pass: bool


class _Detail(NamedTuple):
    """A matching copy with its release: what a hit is built from (aksnews.store.search.hit)."""

    id: int
    text: str
    date: str | None
    section: str
    key: str
    source: str
    version: str
    anchor: str
    kind: str


_PLAN_SECONDS = 60.0  # how long a plan is kept: it only changes the speed, not the results
# Per archive (the engine or the SQLite file the search runs on).
_plans: weakref.WeakKeyDictionary[object, tuple[float, Plan]] = weakref.WeakKeyDictionary()
_ID, _TEXT, _DATE, _SECTION, _RANK = range(5)


def search(
    conn: sqlite3.Connection, archive: object, query: common.SearchQuery
) -> common.SearchResults:
    """Search on the driver's own connection: the same SQL, without SQLAlchemy's result
    objects, which were about a third of a search's CPU (five to six statements, ~30 rows read
    singly). `archive` keys the cached Plan."""
    match = common.fts5_query(query.text)
    if not match:
        raise common.SearchError(f"nothing to search for in {query.text!r}")
    params: dict[str, Any] = {"q": match}
    filters = common.filters(query, params)
    for name in ("since", "until"):  # dates are stored as ISO text
        if isinstance(params.get(name), dt.date):
            params[name] = params[name].isoformat()
    kept = "e.removed = 0" + filters
    need = query.offset + query.limit
    cursor = conn.cursor()
    try:
        plan = _plan(archive, cursor)
        classes = _classes(query, kept, plan.aks_by_ids)
        placed, complete = _placed(cursor, classes, params, need)
        page = placed[query.offset : need]
        copies = _copies(cursor, page, filters, params, plan.snippets_in_one_pass)
        if complete:  # every match was read: the hits are all there
            total, capped = len(placed), False
        else:
            where = "entry_fts MATCH :q AND " + kept
            total, capped = _count(cursor, where, params, common.count_cap(query))
    finally:
        cursor.close()
    hits = []
    for row in page:
        newest, count, snippet = copies[row[_TEXT]]
        hits.append(common.hit(newest, snippet, rank=row[_RANK], also_in=count - 1))
    return common.SearchResults(hits=tuple(hits), total=total, total_capped=capped)


def _plan(archive: object, cursor: sqlite3.Cursor) -> Plan:
    now = time.monotonic()
    known = _plans.get(archive)
    if known is None or now - known[0] > _PLAN_SECONDS:
        aks, every = (int(n) for n in cursor.execute(_ARCHIVE).fetchone())
        known = _plans[archive] = (now, Plan(8 * aks < every, every < 25_000))
    return known[1]


def _classes(query: common.SearchQuery, where: str, by_ids: bool) -> list[str]:
    """The queries of the classes the filters leave, in ranking order."""
    return [
        (_AKS_RANKED if aks and by_ids else _STREAM).format(where=where, klass=klass)
        for (listing, aks), klass in _CLASSES
        if (query.source is None or (query.source == "aks") == aks)
        and (query.kind != "dependency" or listing)
    ]


def _newer(row: Any) -> tuple[str, int]:
    return (row[_DATE] or "", row[_ID])


def _placed(
    cursor: sqlite3.Cursor, classes: list[str], params: dict[str, Any], need: int
) -> tuple[list[Any], bool]:
    """The first `need` hits in ranking order, one row per text (its best-placed copy), and
    whether every match was read. Rows of equal rank come from FTS5 in no set order: each run
    of them is read whole and ordered newer first before the page is cut."""
    placed: list[Any] = []
    seen: set[str] = set()
    for sql in classes:
        # Reading stops once the page is full; the next execute resets the statement.
        for _, tied in itertools.groupby(cursor.execute(sql, params), key=lambda row: row[_RANK]):
            run = list(tied)
            if len(run) > 1:
                run.sort(key=_newer, reverse=True)
            for row in run:
                if row[_TEXT] not in seen:
                    seen.add(row[_TEXT])
                    placed.append(row)
            if len(placed) >= need:
                return placed, False
    return placed, True


def _copies(
    cursor: sqlite3.Cursor, page: list[Any], filters: str, params: dict[str, Any], one_pass: bool
) -> dict[str, tuple[_Detail, int, str | None]]:
    """Per text of the page: its newest matching copy (with its release), how many copies
    match, and the snippet (cut from the text, so the same for every copy).

    A copy with the text and the section of the placed row is the same FTS document, so it
    matches; one under another section may not (the query's words may be in the heading), so
    those are checked against the index in the query that cuts the snippets.
    """
    if not page:
        return {}
    texts = {f"t{n}": row[_TEXT] for n, row in enumerate(page)}
    found_rows = cursor.execute(
        "SELECT e.id, e.text, r.date, e.section, r.key, r.source, r.version, r.anchor, e.kind "
        "FROM entry e "
        "JOIN release r ON r.id = e.release_id "
        f"WHERE e.text IN ({_names(texts)}) AND e.removed = 0{filters}",
        {**params, **texts},
    )
    rows = [_Detail._make(row) for row in found_rows]
    sections = {row[_TEXT]: row[_SECTION] for row in page}
    unsure = [row[_ID] for row in rows if row[_SECTION] != sections[row[_TEXT]]]
    ids = {f"i{n}": entry for n, entry in enumerate([row[_ID] for row in page] + unsure)}
    found = cursor.execute(
        "SELECT rowid, snippet(entry_fts, 0, "
        f"'{HIGHLIGHT_START}', '{HIGHLIGHT_END}', '…', 24) FROM entry_fts "
        # '+rowid': a filter on one pass over the matches, not one FTS5 lookup per id.
        f"WHERE entry_fts MATCH :q AND {'+' if one_pass else ''}rowid IN ({_names(ids)})",
        {"q": params["q"], **ids},
    )
    snippets: dict[int, str | None] = {int(row[0]): row[1] for row in found}
    if unsure:
        rows = [r for r in rows if r[_SECTION] == sections[r[_TEXT]] or r[_ID] in snippets]
    by_text: dict[str, list[_Detail]] = {}
    for r in rows:
        by_text.setdefault(r.text, []).append(r)
    copies: dict[str, tuple[_Detail, int, str | None]] = {}
    for row in page:
        matching = by_text[row[_TEXT]]
        copies[row[_TEXT]] = (max(matching, key=_newer), len(matching), snippets[row[_ID]])
    return copies


def _names(values: dict[str, Any]) -> str:
    return ", ".join(f":{name}" for name in values)


def _count(
    cursor: sqlite3.Cursor, where: str, params: dict[str, Any], cap: int
) -> tuple[int, bool]:
    """Distinct texts among the matches, counted up to `cap`: (count, whether there are more)."""
    (found,) = cursor.execute(
        f"SELECT count(*) FROM (SELECT DISTINCT e.text {_JOINS} WHERE {where} LIMIT :cap)",
        {**params, "cap": cap + 1},
    ).fetchone()
    return min(int(found), cap), int(found) > cap
