"""Search ranking on the corpus AKS CHANGELOG with the upstream 1.32 CHANGELOG archived, on both
backends: stemming, identical texts collapsed, prose before dependency bumps, AKS first.

Expected values come from the documents: the releases that repeat a bullet are counted in the
CHANGELOG text here, and upstream dependency bumps are the notes of kind dependency.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from aksnews.commands import run
from aksnews.config import Settings
from aksnews.model.records import HIGHLIGHT_END, HIGHLIGHT_START
from aksnews.sources.pipeline import ingest_file
from aksnews.store.engine import open_engine
from aksnews.store.handle import Archive
from aksnews.store.search import SearchQuery, search

from conftest import BACKENDS, database
from corpus import corpus_path, corpus_text


@pytest.fixture(scope="module", params=BACKENDS)
def archive(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, str]]:
    with database(request.param, request, tmp_path_factory.mktemp("ranking")) as url:
        engine = open_engine(url)
        ingest_file(Archive(engine), Settings(), corpus_path("aks/CHANGELOG.md"), source="aks")
        changelog = corpus_path("kubernetes/changelog/CHANGELOG-1.32.md")
        ingest_file(Archive(engine), Settings(), changelog, source="kubernetes")
        yield engine, url
        engine.dispose()


def _highlighted(snippets: list[str]) -> set[str]:
    pattern = re.escape(HIGHLIGHT_START) + r"(\w+)" + re.escape(HIGHLIGHT_END)
    return {w.lower() for s in snippets for w in re.findall(pattern, s)}


def test_stemming_finds_other_forms_of_the_word(archive: tuple[Engine, str]) -> None:
    engine, _ = archive
    text = corpus_text("aks/CHANGELOG.md").lower()
    assert "retiring" in text and "retirement" in text  # both forms are in the document
    found = search(engine, SearchQuery(text="retirement", limit=1000))
    assert {"retiring", "retired", "retirement"} <= _highlighted([h.snippet for h in found.hits])
    assert search(engine, SearchQuery(text="retiring", limit=1000)).total == found.total


def _sections() -> list[tuple[str, list[str]]]:
    """(release date, its bullet texts with whitespace collapsed) per '## Release' section."""
    sections = []
    for block in re.split(r"^## ", corpus_text("aks/CHANGELOG.md"), flags=re.M)[1:]:
        date = re.search(r"\d{4}-\d{2}-\d{2}", block.splitlines()[0])
        bullets = [" ".join(m.split()) for m in re.findall(r"^[*-] (.+)$", block, re.M)]
        if date:
            sections.append((date[0], bullets))
    return sections


def test_identical_texts_across_releases_are_one_hit(archive: tuple[Engine, str]) -> None:
    engine, _ = archive
    # The cgroups v2 default announcement, repeated week after week in the CHANGELOG.
    wanted = "the default cgroups implementation on AKS nodes will be cgroupsv2"
    dates = [d for d, bullets in _sections() if any(wanted in b for b in bullets)]
    by_text: dict[str, list[str]] = {}
    for date, bullets in _sections():
        for bullet in dict.fromkeys(b for b in bullets if wanted in b):
            by_text.setdefault(bullet, []).append(date)
    assert len(dates) >= 2 and max(len(d) for d in by_text.values()) >= 2
    hits = search(engine, SearchQuery(text='"cgroups implementation on AKS nodes"', limit=100))
    # One hit per distinct text, from the newest release that has it, counting the others.
    assert sorted(h.also_in + 1 for h in hits.hits) == sorted(len(d) for d in by_text.values())
    assert {h.release_key for h in hits.hits} == {f"aks:{max(d)}" for d in by_text.values()}
    assert hits.total == len(by_text)


def test_cgroup_puts_the_aks_announcement_first_and_bumps_last(
    archive: tuple[Engine, str],
) -> None:
    engine, _ = archive
    hits = search(engine, SearchQuery(text="cgroup", limit=200)).hits
    first = hits[0]
    assert (first.source, first.kind) == ("aks", "announcement")
    assert "cgroup" in first.snippet.lower()
    kinds = [h.kind for h in hits]
    if engine.dialect.name == "sqlite":
        # PostgreSQL's parser reads 'github.com/containerd/cgroups' as one host/path token, so
        # there the bumps do not match 'cgroup' at all; FTS5 splits it into words.
        assert "dependency" in kinds
    # Every dependency bump after every prose hit; AKS before upstream among the prose.
    first_bump = kinds.index("dependency") if "dependency" in kinds else len(kinds)
    assert all(k == "dependency" for k in kinds[first_bump:])
    prose_sources = [h.source for h in hits[:first_bump]]
    assert prose_sources == sorted(prose_sources, key=lambda s: s != "aks")
    assert "kubernetes" in prose_sources


def test_source_filter_keeps_upstream_ranking(archive: tuple[Engine, str]) -> None:
    engine, _ = archive
    hits = search(engine, SearchQuery(text="cgroup", source="kubernetes", limit=200)).hits
    assert hits and {h.source for h in hits} == {"kubernetes"}
    assert hits[0].kind != "dependency"


def test_cli_says_also_in(archive: tuple[Engine, str], capsys: pytest.CaptureFixture[str]) -> None:
    _, url = archive
    capsys.readouterr()
    assert run(["--db", url, "search", '"cgroups implementation on AKS nodes"']) == 0
    out, err = capsys.readouterr()
    assert re.search(r"also in \d+ releases?", out)
    assert re.search(r"^\d+ of \d+ hits$", err, re.M)
