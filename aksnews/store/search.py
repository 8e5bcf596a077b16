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
4. newer releases first (undated last), then the newer entry.
Entries with exactly the same text (a weekly announcement repeated for a month) are one hit.
It ranks where its best-placed copy ranks (the first of them by the rule above: copies under
different section headings score differently) and with that copy's rank, shows the newest
copy (by release date, then entry), and `also_in` counts the other copies that match.

Totals count such hits up to TOTAL_CAP, or up to the end of the page asked for if that is
further: beyond it `total_capped` says there are more (the pages go on all the same).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aksnews.errors import AksnewsError
from aksnews.model.links import release_url
from aksnews.model.records import HIGHLIGHT_END, HIGHLIGHT_START, SearchHit

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from aksnews.store.native import SqliteFile


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
    total: int  # hits after collapsing identical texts, counted up to the cap (below)
    total_capped: bool = False  # there are more hits than `total`


# Hits are counted up to this many (or to the end of the page asked for, if further): counting
# walks the matches and compares their texts (at 1,000 it was a third of a frequent word's search).
TOTAL_CAP = 200


def count_cap(query: SearchQuery) -> int:
    """How far the total is counted for this page: to its end at least, so that `total_capped`
    tells whether a next page exists."""
    return max(TOTAL_CAP, query.offset + query.limit)


# Listings rather than prose: ranked after everything else.
IS_LISTING = "(e.kind = 'dependency' OR e.text LIKE '%sha512%' OR e.text LIKE '|%')"
_LISTING = f"(CASE WHEN {IS_LISTING} THEN 1 ELSE 0 END)"
_PREFERRED_SOURCE = "(CASE WHEN r.source = 'aks' THEN 0 ELSE 1 END)"
_ORDER = "m.listing, m.preferred, m.rank, m.date DESC NULLS LAST, m.id DESC"
DETAIL_COLUMNS = "r.key, r.source, r.version, r.date, r.anchor, e.kind, e.section"


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


def filters(query: SearchQuery, params: dict[str, Any]) -> str:
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
    _check(query)
    if engine.dialect.name == "postgresql":
        return _search_postgres(engine, query)
    import sqlite3

    from aksnews.store import search_sqlite

    with engine.connect() as conn:
        driver = conn.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        return search_sqlite.search(driver, engine, query)


def search_file(file: SqliteFile, query: SearchQuery) -> SearchResults:
    """Search a SQLite file opened without SQLAlchemy (aksnews.store.native): the same search
    on its connection, from one snapshot; `aksnews search` then imports no SQLAlchemy."""
    _check(query)
    from aksnews.store import search_sqlite

    with file.read():
        return search_sqlite.search(file.connection(), file, query)


def _check(query: SearchQuery) -> None:
    if query.limit < 1 or query.offset < 0:
        raise SearchError("limit must be at least 1 and offset not negative")


def hit(detail: Any, snippet: str | None, *, rank: float, also_in: int) -> SearchHit:
    """A hit from its detail row (release and entry), snippet, rank and other copies."""
    date = detail.date
    return SearchHit(
        entry_id=int(detail.id),
        release_key=detail.key,
        source=detail.source,
        version=detail.version,
        date=date if not isinstance(date, str) else dt.date.fromisoformat(date),
        kind=detail.kind,
        section=detail.section,
        snippet=snippet or "",
        rank=float(rank),
        url=release_url(detail.source, detail.version, detail.anchor),
        also_in=also_in,
    )


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
    from sqlalchemy import text

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
    where = f"e.search_vector @@ {tsquery} AND NOT e.removed" + filters(query, params)
    base = "FROM entry e JOIN release r ON r.id = e.release_id WHERE " + where
    matches = (
        f"(SELECT e.id, e.text, r.date, -ts_rank_cd(e.search_vector, {tsquery}) AS rank, "
        f"{_LISTING} AS listing, {_PREFERRED_SOURCE} AS preferred " + base + ")"
    )
    # Per text: its best-placed copy (place 1), its newest copy and how many copies match.
    grouped = (
        "g AS (SELECT m.*, row_number() OVER (PARTITION BY m.text ORDER BY " + _ORDER + ") "
        "AS place, first_value(m.id) OVER (PARTITION BY m.text ORDER BY m.date DESC NULLS "
        "LAST, m.id DESC) AS newest, count(*) OVER (PARTITION BY m.text) AS copies FROM m)"
    )
    page = (
        f"WITH m AS {matches}, {grouped} SELECT g.newest, g.rank, g.copies, "
        "count(*) OVER () AS hits_total FROM g WHERE g.place = 1 "
        "ORDER BY " + _ORDER.replace("m.", "g.") + " LIMIT :limit OFFSET :offset"
    )
    snippets = (
        f"SELECT e.id, {DETAIL_COLUMNS}, "
        f"ts_headline('english', e.text, {tsquery}, :opts) AS snip "
        "FROM entry e JOIN release r ON r.id = e.release_id WHERE e.id IN ({ids})"
    )
    with engine.connect() as conn:
        rows = conn.execute(text(page), params).all()
        details: dict[int, Any] = {}
        if rows:
            ids = {f"id{n}": r.newest for n, r in enumerate(rows)}
            listed = ", ".join(f":{k}" for k in ids)
            found = conn.execute(text(snippets.format(ids=listed)), {**params, **ids})
            details = {int(r.id): r for r in found}
            counted = int(rows[0].hits_total)
        elif query.offset:  # past the end: the page's windows counted nothing
            counted = int(
                conn.execute(text("SELECT count(DISTINCT e.text) " + base), params).one()[0]
            )
        else:
            counted = 0
    cap = count_cap(query)
    return SearchResults(
        hits=tuple(
            hit(details[r.newest], details[r.newest].snip, rank=r.rank, also_in=int(r.copies) - 1)
            for r in rows
        ),
        total=min(counted, cap),
        total_capped=counted > cap,
    )
