"""Full-text search over entries: SQLite FTS5 or PostgreSQL tsvector, one interface.

User input is never handed to the engine's query language as is: on SQLite every word is
quoted (raw FTS5 syntax such as a lone '"' or 'AND' raises errors), on PostgreSQL
websearch_to_tsquery accepts any text.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, text

from aksnews.errors import AksnewsError
from aksnews.links import release_url
from aksnews.store.records import HIGHLIGHT_END, HIGHLIGHT_START, SearchHit


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
    total: int


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


def _hit(row: Any) -> SearchHit:
    return SearchHit(
        entry_id=row.id,
        release_key=row.key,
        source=row.source,
        version=row.version,
        date=row.date if not isinstance(row.date, str) else dt.date.fromisoformat(row.date),
        kind=row.kind,
        section=row.section,
        snippet=row.snip or "",
        rank=float(row.rank),
        url=release_url(row.source, row.version, row.anchor),
    )


def _page_and_total(
    engine: Engine, select_hits: str, base: str, params: dict[str, Any]
) -> SearchResults:
    """The page of hits and the number of all matches (FTS5's rank functions refuse a window
    count, so it is a second query on both backends)."""
    with engine.connect() as conn:
        rows = conn.execute(text(select_hits), params).all()
        total = conn.execute(text("SELECT count(*) " + base), params).scalar_one()
    return SearchResults(hits=tuple(_hit(r) for r in rows), total=int(total))


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
    select_hits = (
        "SELECT e.id, r.key, r.source, r.version, r.date, r.anchor, e.kind, e.section, "
        f"snippet(entry_fts, 0, '{HIGHLIGHT_START}', '{HIGHLIGHT_END}', '…', 24) AS snip, "
        "bm25(entry_fts, 1.0, 0.3) AS rank "
        + base
        + " ORDER BY rank, r.date DESC LIMIT :limit OFFSET :offset"
    )
    return _page_and_total(engine, select_hits, base, params)


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
    select_hits = (
        "SELECT e.id, r.key, r.source, r.version, r.date, r.anchor, e.kind, e.section, "
        f"ts_headline('english', e.text, {tsquery}, :opts) AS snip, "
        f"-ts_rank_cd(e.search_vector, {tsquery}) AS rank "
        + base
        + " ORDER BY rank, r.date DESC NULLS LAST LIMIT :limit OFFSET :offset"
    )
    return _page_and_total(engine, select_hits, base, params)
