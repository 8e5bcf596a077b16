"""Search pages on the archive of the whole corpus (AKS CHANGELOG, the upstream CHANGELOGs and
every release-notes draft), SQLite: for a sample of real queries, the first pages, a deeper
page, also_in and the totals equal a reference computed here by the plain rule of README
"Search".

The reference reads every match with its bm25 score and sorts them all in Python: prose before
listings (dependency bumps, checksum and table rows); AKS before upstream; relevance; newer
first (by release date, then entry id). Identical texts are one hit, placed where the first of
its copies in that order is, with that copy's rank; it shows the newest copy (by release date,
then entry id) and counts the others. (No AKS entry of the corpus is a listing, so the first
two rules never disagree here.) Totals are exact up to the cap, then flagged as capped.
"""

from __future__ import annotations

import collections
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from aksnews.config import Settings
from aksnews.model.records import HIGHLIGHT_END, HIGHLIGHT_START
from aksnews.sources.pipeline import ingest_file
from aksnews.store import search_sqlite
from aksnews.store.engine import open_engine
from aksnews.store.handle import Archive
from aksnews.store.search import SearchQuery, SearchResults, fts5_query, search

from corpus import corpus_path

CHANGELOGS = ("CHANGELOG-1.22.md", "CHANGELOG-1.32.md")
DRAFT_MINORS = range(14, 35)


@pytest.fixture(scope="module")
def whole_corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    folder: Path = tmp_path_factory.mktemp("whole")
    engine = open_engine(f"sqlite:///{folder / 'aksnews.db'}")
    archive, settings = Archive(engine), Settings()
    ingest_file(archive, settings, corpus_path("aks/CHANGELOG.md"), source="aks")
    for name in CHANGELOGS:
        path = corpus_path(f"kubernetes/changelog/{name}")
        ingest_file(archive, settings, path, source="kubernetes")
    for minor in DRAFT_MINORS:
        path = corpus_path(f"kubernetes/release-notes/release-notes-1.{minor}.md")
        ingest_file(archive, settings, path, source="kubernetes", release=f"v1.{minor}.0")
    yield engine
    engine.dispose()


@pytest.fixture(params=["as planned", "the other plan"])
def plan(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both of SQLite's plans (chosen by the archive's size; this archive gets the first):
    the pages must not depend on them."""
    if request.param == "the other plan":
        other = search_sqlite.Plan(aks_by_ids=True, snippets_in_one_pass=False)
        monkeypatch.setattr(search_sqlite, "_plan", lambda engine, conn: other)


@dataclass(frozen=True)
class Match:
    id: int
    text: str
    kind: str
    source: str
    date: str | None
    rank: float


def _matches(engine: Engine, words: str) -> list[Match]:
    """Every entry the engine matches, with its bm25 score (weights as documented)."""
    sql = (
        "SELECT e.id, e.text, e.kind, r.source, r.date, bm25(entry_fts, 1.0, 0.3) "
        "FROM entry_fts JOIN entry e ON e.id = entry_fts.rowid "
        "JOIN release r ON r.id = e.release_id "
        "WHERE entry_fts MATCH ? AND e.removed = 0 AND r.withdrawn_at IS NULL"
    )
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(sql, (fts5_query(words),)).all()
    return [Match(*row) for row in rows]


def _listing(m: Match) -> bool:
    return m.kind == "dependency" or "sha512" in m.text.lower() or m.text.startswith("|")


@dataclass(frozen=True)
class Hit:
    id: int
    also_in: int
    rank: float


def _reference(matches: list[Match]) -> list[Hit]:
    """All hits in ranking order, by the rule alone."""
    groups: dict[str, list[Match]] = collections.defaultdict(list)
    for m in matches:
        groups[m.text].append(m)
    # Newer first with undated last, then the higher id: one descending key.
    ordered = sorted(matches, key=lambda m: (m.date or "", m.id), reverse=True)
    ordered.sort(key=lambda m: (_listing(m), m.source != "aks", m.rank))  # stable
    placed: dict[str, Match] = {}
    for m in ordered:
        placed.setdefault(m.text, m)  # the first copy in ranking order places the hit
    hits = []
    for text, first in placed.items():
        newest = max(groups[text], key=lambda m: (m.date or "", m.id))
        hits.append(Hit(newest.id, len(groups[text]) - 1, first.rank))
    return hits


def _page(results: SearchResults) -> list[Hit]:
    return [Hit(h.entry_id, h.also_in, h.rank) for h in results.hits]


def _real_queries(engine: Engine) -> list[str]:
    """Words of the AKS entries from the 10th most frequent on, alone and in pairs, as people
    search the archive (the benchmark's choice)."""
    with engine.connect() as conn:
        texts = conn.exec_driver_sql(
            "SELECT e.text FROM entry e JOIN release r ON r.id = e.release_id "
            "WHERE r.source = 'aks'"
        ).scalars()
        words = collections.Counter(
            w.lower() for t in texts for w in re.findall(r"[A-Za-z][A-Za-z-]{4,}", t)
        )
    common = [w for w, _ in words.most_common(130)][10:]
    return common[:40] + [f"{a} {b}" for a, b in zip(common[40:80], common[80:120], strict=True)]


def test_pages_equal_the_rule_applied_to_every_match(whole_corpus: Engine, plan: None) -> None:
    queries = _real_queries(whole_corpus)
    large = collapsed = 0
    for words in queries:
        matches = _matches(whole_corpus, words)
        expected = _reference(matches)
        texts = {m.id: m.text for m in matches}
        for offset, limit in ((0, 20), (20, 20), (0, 5), (990, 20)):
            results = search(whole_corpus, SearchQuery(text=words, offset=offset, limit=limit))
            assert _page(results) == expected[offset : offset + limit], (words, offset)
            cap = max(200, offset + limit)  # README "Search": counted up to 200 hits
            assert results.total == min(len(expected), cap), words
            assert results.total_capped == (len(expected) > cap), words
            for hit in results.hits:  # each snippet is cut from its own entry's text
                plain = hit.snippet.replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_END, "")
                assert all(p.strip() in texts[hit.entry_id] for p in plain.split("…")), hit
        large += len(expected) > 1000
        collapsed += any(h.also_in for h in expected[:40])
    # The sample holds frequent words and first pages where copies collapse.
    assert large > 0 and collapsed > 0, (large, collapsed)


def test_filters_apply_before_the_page_is_cut(whole_corpus: Engine, plan: None) -> None:
    matches = [m for m in _matches(whole_corpus, "kubelet") if m.source == "aks"]
    expected = _reference(matches)
    results = search(whole_corpus, SearchQuery(text="kubelet", source="aks", limit=30))
    assert len(expected) > 30
    assert _page(results) == expected[:30]
    assert results.total == len(expected)
    past = search(whole_corpus, SearchQuery(text="kubelet", source="aks", offset=len(expected)))
    assert past.hits == () and past.total == len(expected)
