"""Full-text search over entries: SQLite FTS5 or PostgreSQL tsvector, one interface.

User input is never handed to the engine's query language as is: on SQLite every word is
quoted (raw FTS5 syntax such as a lone '"' or 'AND' raises errors), on PostgreSQL
websearch_to_tsquery accepts any text. Both stem English words (FTS5's porter tokenizer, the
'english' text search configuration), so 'retirement' finds 'retiring' and 'retired'.

The ranking rule, in order (README, "Search"):
1. prose before listings: upstream dependency bumps ('github.com/x/y: v1.1.0') and download
   or checksum table rows come after every other hit;
2. AKS entries before upstream ones (with --source the results have one source anyway);
3. relevance (bm25 on SQLite, ts_rank_cd on PostgreSQL; the entry text weighs more than its
   section heading);
4. newer releases first.
Entries with exactly the same text in several releases (a weekly announcement repeated for a
month) are one hit, the newest, with `also_in` counting the others; totals count such hits.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, text

from aksnews.errors import AksnewsError
from aksnews.links import release_url
from aksnews.model.records import HIGHLIGHT_END, HIGHLIGHT_START, SearchHit


class SearchError(AksnewsError):
    """The query cannot be searched (nothing searchable in it, a bad filter)."""


@dataclass(frozen=True, slots=True)
class SearchQuery:
    text: str
    source: str | None = None
    kind: str | None = None
    minor: str | None = None  # '1.29': notes of that minor line or mentioning it
    since: dt.date | None = None
    until: dt.date | None = None
    limit: int = 20
    offset: int = 0
    include_withdrawn: bool = False  # releases gone from their document are hidden by default


@dataclass(frozen=True, slots=True)
class SearchResults:
    hits: tuple[SearchHit, ...]
    total: int  # hits after collapsing identical texts (what pages of results count)
    matches: int = 0  # matching entries before collapsing


# Listings rather than prose: ranked after everything else.
_LISTING = (
    "(CASE WHEN e.kind = 'dependency' OR e.text LIKE '%sha512%' OR e.text LIKE '|%' "
    "THEN 1 ELSE 0 END)"
)
_PREFERRED_SOURCE = "(CASE WHEN r.source = 'aks' THEN 0 ELSE 1 END)"
_DETAIL_COLUMNS = "r.key, r.source, r.version, r.date, r.anchor, e.kind, e.section"


_TERM = re.compile(r'"([^"]*)"|(\S+)')
_WORD_CHARS = re.compile(r"[\w]+", re.UNICODE)
_MINOR = re.compile(r"^v?(\d+)\.(\d+)$")


def fts5_query(raw: str) -> str:
    """A safe FTS5 query: phrases and words quoted, 'word*' as prefix, OR kept as operator."""
    parts: list[str] = []
    for match in _TERM.finditer(raw):
        phrase, word = match.group(1), match.group(2)
        if phrase is not None:
            tokens = _WORD_CHARS.findall(phrase)
            if tokens:
                parts.append('"' + " ".join(tokens) + '"')
            continue
        if word == "OR" and parts and parts[-1] != "OR":
            parts.append("OR")
            continue
        prefix = word.endswith("*")
        tokens = _WORD_CHARS.findall(word)
        if not tokens:
            continue
        quoted = '"' + " ".join(tokens) + '"'
        parts.append(quoted + ("*" if prefix else ""))
    while parts and parts[-1] == "OR":
        parts.pop()
    if parts and parts[0] == "OR":
        parts.pop(0)
    return " ".join(parts)


def normalise_minor(value: str) -> str:
    match = _MINOR.match(value.strip())
    if not match:
        raise SearchError(f"--version wants a minor version such as 1.29, not {value!r}")
    return f"{int(match[1])}.{int(match[2])}"


def _filters(query: SearchQuery, params: dict[str, Any]) -> str:
    clauses = []
    if not query.include_withdrawn:
        clauses.append("r.withdrawn_at IS NULL")
    if query.source:
        clauses.append("r.source = :source")
        params["source"] = query.source
    if query.kind:
        clauses.append("e.kind = :kind")
        params["kind"] = query.kind
    if query.minor:
        clauses.append("e.minors LIKE :minor")
        params["minor"] = f"% {normalise_minor(query.minor)} %"
    if query.since:
        clauses.append("r.date >= :since")
        params["since"] = query.since
    if query.until:
        clauses.append("r.date <= :until")
        params["until"] = query.until
    return "".join(f" AND {c}" for c in clauses)


def search(engine: Engine, query: SearchQuery) -> SearchResults:
    if query.limit < 1 or query.offset < 0:
        raise SearchError("limit must be at least 1 and offset not negative")
    if engine.dialect.name == "postgresql":
        return _search_postgres(engine, query)
    return _search_sqlite(engine, query)


def _hit(row: Any, detail: Any) -> SearchHit:
    """A hit from its page row (rank, copies) and its detail row (release, entry, snippet)."""
    date = detail.date
    return SearchHit(
        entry_id=row.id,
        release_key=detail.key,
        source=detail.source,
        version=detail.version,
        date=date if not isinstance(date, str) else dt.date.fromisoformat(date),
        kind=detail.kind,
        section=detail.section,
        snippet=detail.snip or "",
        rank=float(row.rank),
        url=release_url(detail.source, detail.version, detail.anchor),
        also_in=int(row.copies) - 1,
    )


# The page carries ids, ranks and counts only: the matches are grouped and sorted with the
# few columns the ranking needs (the release and entry columns of every match made the
# grouping ~30% slower on the whole corpus); the page's details are read by id afterwards.
_PAGE = (
    "SELECT g.id, g.rank, g.copies, count(*) OVER () AS hits_total, "
    "sum(g.copies) OVER () AS matches_total "
    "FROM g {where} ORDER BY g.listing, g.preferred, g.rank, g.date DESC{nulls}, g.id DESC "
    "LIMIT :limit OFFSET :offset"
)


def _collapsed_sqlite(matches: str) -> str:
    """The page over `matches`: one row per distinct text, the newest (SQLite takes the other
    columns of a GROUP BY from the row that holds its one max(), which is cheaper than a
    window over the texts), ordered by the ranking rule."""
    grouped = (
        "g AS (SELECT m.*, max(coalesce(m.date, '') || printf('%012d', m.id)) AS newest, "
        "count(*) AS copies FROM m GROUP BY m.text)"
    )
    return f"WITH m AS {matches}, {grouped} " + _PAGE.format(where="", nulls="")


def _collapsed_postgres(matches: str) -> str:
    grouped = (
        "g AS (SELECT m.*, count(*) OVER (PARTITION BY m.text) AS copies, row_number() OVER "
        "(PARTITION BY m.text ORDER BY m.date DESC NULLS LAST, m.id DESC) AS nth FROM m)"
    )
    return f"WITH m AS {matches}, {grouped} " + _PAGE.format(
        where="WHERE g.nth = 1", nulls=" NULLS LAST"
    )


def _results(
    engine: Engine,
    page_query: str,
    count_query: str,
    snippet_query: str,
    params: dict[str, Any],
) -> SearchResults:
    """The page with its counts (windows over the collapsed hits), then the details and
    snippets of its entries only (snippets are the costly part). A page past the end counts
    on its own."""
    with engine.connect() as conn:
        rows = conn.execute(text(page_query), params).all()
        details: dict[int, Any] = {}
        if rows:
            ids = {f"id{n}": r.id for n, r in enumerate(rows)}
            listed = ", ".join(f":{k}" for k in ids)
            found = conn.execute(text(snippet_query.format(ids=listed)), {**params, **ids})
            details = {int(r.id): r for r in found}
            total, matches = rows[0].hits_total, rows[0].matches_total
        elif query_offset(params):
            total, matches = conn.execute(text(count_query), params).one()
        else:
            total = matches = 0
    return SearchResults(
        hits=tuple(_hit(r, details[r.id]) for r in rows),
        total=int(total),
        matches=int(matches),
    )


def query_offset(params: dict[str, Any]) -> int:
    return int(params.get("offset") or 0)


def _search_sqlite(engine: Engine, query: SearchQuery) -> SearchResults:
    match = fts5_query(query.text)
    if not match:
        raise SearchError(f"nothing to search for in {query.text!r}")
    params: dict[str, Any] = {"q": match, "limit": query.limit, "offset": query.offset}
    where = "entry_fts MATCH :q AND e.removed = 0" + _filters(query, params)
    base = (
        "FROM entry_fts JOIN entry e ON e.id = entry_fts.rowid "
        "JOIN release r ON r.id = e.release_id WHERE " + where
    )
    # MATERIALIZED: bm25() must run in the query that holds the MATCH, not in the window.
    matches = (
        "MATERIALIZED (SELECT e.id, e.text, r.date, bm25(entry_fts, 1.0, 0.3) AS rank, "
        f"{_LISTING} AS listing, {_PREFERRED_SOURCE} AS preferred " + base + ")"
    )
    snippets = (
        f"SELECT e.id, {_DETAIL_COLUMNS}, "
        f"snippet(entry_fts, 0, '{HIGHLIGHT_START}', '{HIGHLIGHT_END}', '…', 24) AS snip "
        "FROM entry_fts JOIN entry e ON e.id = entry_fts.rowid "
        "JOIN release r ON r.id = e.release_id "
        "WHERE entry_fts MATCH :q AND entry_fts.rowid IN ({ids})"
    )
    counts = "SELECT count(DISTINCT e.text), count(*) " + base
    return _results(engine, _collapsed_sqlite(matches), counts, snippets, params)


def postgres_terms(raw: str) -> tuple[str, str]:
    """Split user input into websearch text and a prefix tsquery ('cgro:* & depre:*').

    websearch_to_tsquery accepts any text but has no prefix search, so 'word*' terms are taken
    out and matched with to_tsquery, built only from word characters.
    """
    rest: list[str] = []
    prefixes: list[str] = []
    for match in _TERM.finditer(raw):
        word = match.group(2)
        if word is not None and word.endswith("*") and len(word) > 1:
            tokens = _WORD_CHARS.findall(word)
            if tokens:
                prefixes.extend(tokens[:-1])
                prefixes.append(tokens[-1] + ":*")
                continue
        rest.append(match.group(0))
    return " ".join(rest), " & ".join(prefixes)


def _search_postgres(engine: Engine, query: SearchQuery) -> SearchResults:
    if not _WORD_CHARS.search(query.text):
        raise SearchError(f"nothing to search for in {query.text!r}")
    words, prefixes = postgres_terms(query.text)
    if words and prefixes:
        tsquery = "(websearch_to_tsquery('english', :q) && to_tsquery('simple', :prefix))"
    elif prefixes:
        tsquery = "to_tsquery('simple', :prefix)"
    else:
        tsquery = "websearch_to_tsquery('english', :q)"
    params: dict[str, Any] = {
        "q": words,
        "prefix": prefixes,
        "limit": query.limit,
        "offset": query.offset,
        "opts": f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_END}, MaxWords=30, MinWords=12",
    }
    where = f"e.search_vector @@ {tsquery} AND NOT e.removed" + _filters(query, params)
    base = "FROM entry e JOIN release r ON r.id = e.release_id WHERE " + where
    matches = (
        f"(SELECT e.id, e.text, r.date, -ts_rank_cd(e.search_vector, {tsquery}) AS rank, "
        f"{_LISTING} AS listing, {_PREFERRED_SOURCE} AS preferred " + base + ")"
    )
    page = _collapsed_postgres(matches)
    snippets = (
        f"SELECT e.id, {_DETAIL_COLUMNS}, "
        f"ts_headline('english', e.text, {tsquery}, :opts) AS snip "
        "FROM entry e JOIN release r ON r.id = e.release_id WHERE e.id IN ({ids})"
    )
    counts = "SELECT count(DISTINCT e.text), count(*) " + base
    return _results(engine, page, counts, snippets, params)
