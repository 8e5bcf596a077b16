"""Search on SQLite: the matches read from FTS5 in relevance order, stopping once the page is
settled.

Ranking every match, grouping identical texts and sorting them (the simple plan) cost most of a
frequent word's search: 2,000 to 2,700 matches on the whole corpus, ten times that on a larger
archive. Instead each class of the ranking rule (prose AKS, prose upstream, listing AKS, listing
upstream; see aksnews.store.search) is read from FTS5 with `ORDER BY rank`, which FTS5 answers
from the bm25 scores alone, and the entry and release of a match are read only until the page
is full. The first copy of a text read is where its hit ranks (its best-placed copy); the page's
texts are then looked up by the entry text index (migration 0012) to count their other copies
and show the newest. The total is counted up to a cap (distinct texts in FTS5's own order, no
scores) unless reading the page already read every match.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy import Connection, Engine

from aksnews.model.records import HIGHLIGHT_END, HIGHLIGHT_START
from aksnews.store import search as common

_JOINS = (
    "FROM entry_fts JOIN entry e ON e.id = entry_fts.rowid JOIN release r ON r.id = e.release_id"
)
_IS_LISTING = "(e.kind = 'dependency' OR e.text LIKE '%sha512%' OR e.text LIKE '|%')"
# The ranking rule's classes, in its order: (listing, AKS) -> the SQL that selects it.
_CLASSES = (
    ((False, True), f"NOT {_IS_LISTING} AND r.source = 'aks'"),
    ((False, False), f"NOT {_IS_LISTING} AND r.source <> 'aks'"),
    ((True, True), f"{_IS_LISTING} AND r.source = 'aks'"),
    ((True, False), f"{_IS_LISTING} AND r.source <> 'aks'"),
)
# bm25 with the section heading weighing 0.3 of the entry text, as FTS5's rank column: FTS5
# sorts by it itself (ORDER BY bm25(...) would make SQLite sort every joined match).
_STREAM = (
    "SELECT e.id, e.text, r.date, e.section, entry_fts.rank " + _JOINS + " WHERE {where} "
    "AND entry_fts.rank MATCH 'bm25(1.0, 0.3)' AND {klass} ORDER BY entry_fts.rank"
)
_ID, _TEXT, _DATE, _SECTION, _RANK = range(5)


def search(engine: Engine, query: common.SearchQuery) -> common.SearchResults:
    match = common.fts5_query(query.text)
    if not match:
        raise common.SearchError(f"nothing to search for in {query.text!r}")
    params: dict[str, Any] = {"q": match}
    filters = common.filters(query, params)
    for name in ("since", "until"):  # dates are stored as ISO text
        if isinstance(params.get(name), dt.date):
            params[name] = params[name].isoformat()
    where = "entry_fts MATCH :q AND e.removed = 0" + filters
    need = query.offset + query.limit
    with engine.connect() as conn:
        placed, complete = _placed(conn, _classes(query), where, params, need)
        page = placed[query.offset : need]
        copies = _copies(conn, page, filters, params)
        details = _details(conn, [copies[row[_TEXT]][0] for row in page], params)
        if complete:  # every match was read: the hits are all there
            total, capped = len(placed), False
        else:
            total, capped = _count(conn, where, params, common.count_cap(query))
    hits = []
    for row in page:
        newest, count = copies[row[_TEXT]]
        hits.append(common.hit(details[newest], rank=row[_RANK], also_in=count - 1))
    return common.SearchResults(hits=tuple(hits), total=total, total_capped=capped)


def _classes(query: common.SearchQuery) -> list[str]:
    """The classes the filters leave, in ranking order (each costs an FTS5 sort)."""
    return [
        sql
        for (listing, aks), sql in _CLASSES
        if (query.source is None or (query.source == "aks") == aks)
        and (query.kind != "dependency" or listing)
    ]


def _newer(row: Any) -> tuple[str, int]:
    return (row[_DATE] or "", row[_ID])


def _placed(
    conn: Connection, classes: list[str], where: str, params: dict[str, Any], need: int
) -> tuple[list[Any], bool]:
    """The first `need` hits in ranking order, one row per text (its best-placed copy), and
    whether every match was read. Rows of equal rank come from FTS5 in no set order: each run
    of them is read whole and ordered newer first before the page is cut."""
    placed: list[Any] = []
    seen: set[str] = set()
    for klass in classes:
        result = conn.exec_driver_sql(_STREAM.format(where=where, klass=klass), params)
        try:
            for _, tied in itertools.groupby(result, key=lambda row: row[_RANK]):
                run = list(tied)
                if len(run) > 1:
                    run.sort(key=_newer, reverse=True)
                for row in run:
                    if row[_TEXT] not in seen:
                        seen.add(row[_TEXT])
                        placed.append(row)
                if len(placed) >= need:
                    return placed, False
        finally:
            result.close()
    return placed, True


def _copies(
    conn: Connection, page: list[Any], filters: str, params: dict[str, Any]
) -> dict[str, tuple[int, int]]:
    """Per text of the page: its newest matching copy's id and how many copies match.

    A copy with the text and the section of the placed row is the same FTS document, so it
    matches; one under another section may not (the query's words may be in the heading), so
    only those are checked against the index.
    """
    if not page:
        return {}
    texts = {f"t{n}": row[_TEXT] for n, row in enumerate(page)}
    listed = ", ".join(f":{name}" for name in texts)
    rows = conn.exec_driver_sql(
        "SELECT e.id, e.text, r.date, e.section FROM entry e "
        "JOIN release r ON r.id = e.release_id "
        f"WHERE e.text IN ({listed}) AND e.removed = 0{filters}",
        {**params, **texts},
    ).all()
    sections = {row[_TEXT]: row[_SECTION] for row in page}
    unsure = [row[_ID] for row in rows if row[_SECTION] != sections[row[_TEXT]]]
    if unsure:
        ids = {f"i{n}": entry for n, entry in enumerate(unsure)}
        found = set(
            conn.exec_driver_sql(
                "SELECT rowid FROM entry_fts WHERE entry_fts MATCH :q AND rowid IN ("
                + ", ".join(f":{name}" for name in ids)
                + ")",
                {"q": params["q"], **ids},
            ).scalars()
        )
        rows = [row for row in rows if row[_SECTION] == sections[row[_TEXT]] or row[_ID] in found]
    copies: dict[str, tuple[int, int]] = {}
    for text, group in itertools.groupby(sorted(rows, key=lambda row: row[_TEXT]), _text):
        matching = list(group)
        copies[text] = (max(matching, key=_newer)[_ID], len(matching))
    return copies


def _text(row: Any) -> str:
    return str(row[_TEXT])


def _details(conn: Connection, ids: list[int], params: dict[str, Any]) -> dict[int, Any]:
    """Release, entry and snippet of the entries shown (snippets are the costly part)."""
    if not ids:
        return {}
    named = {f"id{n}": entry for n, entry in enumerate(ids)}
    rows = conn.exec_driver_sql(
        f"SELECT e.id, {common.DETAIL_COLUMNS}, "
        f"snippet(entry_fts, 0, '{HIGHLIGHT_START}', '{HIGHLIGHT_END}', '…', 24) AS snip "
        + _JOINS
        + " WHERE entry_fts MATCH :q AND entry_fts.rowid IN ("
        + ", ".join(f":{name}" for name in named)
        + ")",
        {"q": params["q"], **named},
    )
    return {int(row.id): row for row in rows}


def _count(conn: Connection, where: str, params: dict[str, Any], cap: int) -> tuple[int, bool]:
    """Distinct texts among the matches, counted up to `cap`: (count, whether there are more)."""
    found = conn.exec_driver_sql(
        f"SELECT count(*) FROM (SELECT DISTINCT e.text {_JOINS} WHERE {where} LIMIT :cap)",
        {**params, "cap": cap + 1},
    ).scalar_one()
    return min(int(found), cap), int(found) > cap
