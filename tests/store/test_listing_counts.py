"""Release listings count each release's entries in one pass over the entries when they list
many releases, through the release_id index when few: both give the entries `show` lists."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from aksnews.config import Settings
from aksnews.sources.pipeline import ingest_file
from aksnews.store import queries
from aksnews.store.engine import open_engine
from aksnews.store.handle import Archive
from aksnews.store.queries import get_release, list_releases

from corpus import corpus_path


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    engine = open_engine(f"sqlite:///{tmp_path_factory.mktemp('counts') / 'aksnews.db'}")
    ingest_file(Archive(engine), Settings(), corpus_path("aks/CHANGELOG.md"), source="aks")
    return engine


def test_both_ways_of_counting_agree(archive: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    by_index = list_releases(archive, limit=40)
    everything = list_releases(archive)
    assert len(everything) > queries._COUNT_BY_INDEX  # the one-pass branch is taken
    assert by_index == everything[:40]
    monkeypatch.setattr(queries, "_COUNT_BY_INDEX", 10**6)
    assert list_releases(archive) == everything
    monkeypatch.setattr(queries, "_COUNT_BY_INDEX", 0)
    assert list_releases(archive, limit=40) == by_index


def test_counts_are_the_entries_show_lists(archive: Engine) -> None:
    rows = list_releases(archive)
    for summary in rows[:: max(1, len(rows) // 12)]:
        assert summary.entry_count == len(get_release(archive, summary.key).entries) > 0
