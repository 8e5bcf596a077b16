"""Full-text search on both backends: ranking, snippets, filters, hostile query text."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import Engine

from aksnews.commands import run
from aksnews.model.records import HIGHLIGHT_END, HIGHLIGHT_START
from aksnews.store.search import SearchError, SearchQuery, fts5_query, search

from corpus import corpus_text


def _entries_mentioning(word: str) -> int:
    """Bullet lines of the corpus changelog with `word` or its plural as a whole word."""
    pattern = re.compile(rf"^\s*[*-] .*\b{word}s?\b", re.IGNORECASE | re.MULTILINE)
    return len(pattern.findall(corpus_text("aks/CHANGELOG.md")))


def test_a_real_term_is_found_ranked_and_highlighted(corpus_archive: Engine) -> None:
    results = search(corpus_archive, SearchQuery(text="cgroup", limit=200))
    assert len(results.hits) == results.total < 200 and not results.total_capped
    # Every bullet that mentions the word is a hit or one of a hit's identical copies.
    assert sum(h.also_in + 1 for h in results.hits) >= _entries_mentioning("cgroup") > 0
    ranks = [h.rank for h in results.hits]
    assert ranks == sorted(ranks)
    top = results.hits[0]
    assert HIGHLIGHT_START in top.snippet and HIGHLIGHT_END in top.snippet
    assert "cgroup" in top.snippet.lower()
    assert top.url.startswith("https://github.com/Azure/AKS/blob/master/CHANGELOG.md#")


def test_filters_narrow_the_results(corpus_archive: Engine) -> None:
    every = search(corpus_archive, SearchQuery(text="Kubernetes", limit=1000))
    since = dt.date(2025, 1, 1)
    recent = search(corpus_archive, SearchQuery(text="Kubernetes", since=since, limit=1000))
    assert 0 < recent.total < every.total
    assert all(h.date is not None and h.date >= since for h in recent.hits)
    bugs = search(corpus_archive, SearchQuery(text="Kubernetes", kind="bug-fix", limit=1000))
    assert 0 < bugs.total < every.total and {h.kind for h in bugs.hits} == {"bug-fix"}
    v129 = search(corpus_archive, SearchQuery(text="Kubernetes", minor="1.29", limit=1000))
    assert 0 < v129.total < every.total
    none = search(corpus_archive, SearchQuery(text="Kubernetes", source="kubernetes"))
    assert none.total == 0


def test_the_total_is_counted_to_a_cap_and_pages_go_past_it(
    corpus_archive: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    # Every hit of a frequent word, in one page long enough to count them all exactly.
    every = search(corpus_archive, SearchQuery(text="Kubernetes", limit=1000))
    n = every.total
    assert not every.total_capped and len(every.hits) == n > 240
    ids = [h.entry_id for h in every.hits]

    def page(offset: int, limit: int = 20) -> tuple[list[int], int, bool]:
        found = search(corpus_archive, SearchQuery(text="Kubernetes", offset=offset, limit=limit))
        return [h.entry_id for h in found.hits], found.total, found.total_capped

    assert page(0) == (ids[:20], 200, True)  # counted up to 200: "200+"
    assert page(180) == (ids[180:200], 200, True)  # more after this page
    assert page(200) == (ids[200:220], 220, True)  # past the cap: counted to the page's end
    assert page(n - 5) == (ids[n - 5 :], n, False)  # the end: exact
    assert page(n) == ([], n, False)
    assert page(0, limit=n) == (ids, n, False)
    assert page(0, limit=n - 1) == (ids[:-1], n - 1, True)  # one more after the page
    # The command line says so too.
    capsys.readouterr()
    assert run(["--db", corpus_archive.url.render_as_string(False), "search", "Kubernetes"]) == 0
    assert capsys.readouterr().err.splitlines()[-1] == "20 of 200+ hits"


def test_phrase_and_prefix(corpus_archive: Engine) -> None:
    phrase = search(corpus_archive, SearchQuery(text='"long term support"', limit=500))
    words = search(corpus_archive, SearchQuery(text="long term support", limit=500))
    assert 0 < phrase.total <= words.total
    prefix = search(corpus_archive, SearchQuery(text="cgro*", limit=500))
    assert prefix.total >= search(corpus_archive, SearchQuery(text="cgroup", limit=500)).total


HOSTILE = ['"', "AND", "*", "OR OR", "NOT", "(", "a:b", "NEAR(", '"unterminated', "-", "^x"]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_query_text_never_crashes(corpus_archive: Engine, text: str) -> None:
    try:
        results = search(corpus_archive, SearchQuery(text=text))
    except SearchError as exc:
        assert "nothing to search" in str(exc)
    else:
        # Searched as literal words: the page and the total agree.
        assert len(results.hits) == min(results.total, 20)


def test_bad_version_filter_is_reported(corpus_archive: Engine) -> None:
    with pytest.raises(SearchError, match="minor version"):
        search(corpus_archive, SearchQuery(text="node", minor="latest"))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("cgroup v2", '"cgroup" "v2"'),
        ('"pod security" admission', '"pod security" "admission"'),
        ("deprecat*", '"deprecat"*'),
        ("ingress OR gateway", '"ingress" OR "gateway"'),
        ("policy/v1beta1", '"policy v1beta1"'),
        ('" AND *', '"AND"'),
        ("OR", '"OR"'),
    ],
)
def test_fts5_query_quotes_every_term(raw: str, expected: str) -> None:
    assert fts5_query(raw) == expected


@pytest.mark.parametrize(
    ("raw", "words", "prefixes"),
    [
        ("cgro*", "", "cgro:*"),
        ("azure deprec*", "azure", "deprec:*"),
        ("policy/v1be*", "", "policy & v1be:*"),
        ('"pod security" admis*', '"pod security"', "admis:*"),
        ("*", "*", ""),
        ("x'); drop*", "x');", "drop:*"),
    ],
)
def test_postgres_prefix_terms_are_built_from_word_characters_only(
    raw: str, words: str, prefixes: str
) -> None:
    from aksnews.store.search import postgres_terms

    assert postgres_terms(raw) == (words, prefixes)
