"""`aksnews diff` streams the notes it shows (store.upstream_notes) instead of loading every
release whole: the report is the one built from the whole releases, on real upstream notes."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from aksnews.config import Settings
from aksnews.knowledge.diff import (
    NOTE_KINDS,
    Version,
    build_diff,
    load_upstream_range,
    minors_between,
    range_keys,
)
from aksnews.sources.pipeline import ingest_file
from aksnews.store import upstream_notes
from aksnews.store.engine import open_engine
from aksnews.store.handle import Archive
from aksnews.store.queries import list_releases
from aksnews.store.upstream_notes import release_notes

from corpus import corpus_path, ingest_corpus

RANGES = [("1.29", "1.32"), ("1.30", "1.31"), ("1.31.0", "1.32.4"), ("1.32.2", "1.32")]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    engine = open_engine(f"sqlite:///{tmp_path_factory.mktemp('diff') / 'aksnews.db'}")
    ingest_corpus(engine, release_notes=("1.29", "1.30", "1.31", "1.32"))
    changelog = corpus_path("kubernetes/changelog/CHANGELOG-1.32.md")
    ingest_file(Archive(engine), Settings(), changelog, source="kubernetes")
    return engine


def _streamed(engine: Engine, a: Version, b: Version) -> list[object]:
    summaries = list_releases(engine, source="kubernetes", minors=minors_between(a, b))
    return list(release_notes(engine, range_keys(summaries, a, b), NOTE_KINDS))


@pytest.mark.parametrize(("start", "end"), RANGES)
@pytest.mark.parametrize("kinds", [(), ("dependency",), ("urgent-upgrade", "deprecation")])
def test_the_streamed_report_is_the_whole_releases_report(
    archive: Engine, start: str, end: str, kinds: tuple[str, ...]
) -> None:
    a, b = Version.parse(start), Version.parse(end)
    whole = build_diff(a, b, load_upstream_range(Archive(archive), a, b), kinds)
    summaries = list_releases(archive, source="kubernetes", minors=minors_between(a, b))
    streamed = build_diff(
        a, b, release_notes(archive, range_keys(summaries, a, b), NOTE_KINDS), kinds
    )
    assert streamed == whole
    assert whole.releases  # the range holds archived releases, so the comparison says something
    if not kinds:
        assert any(g.entries for g in whole.groups)


def test_chunk_boundaries_keep_the_order(archive: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = Version.parse("1.29"), Version.parse("1.32")
    expected = [d.summary.key for d in _streamed(archive, a, b)]
    assert len(expected) > 3
    for size in (1, 3):
        monkeypatch.setattr(upstream_notes, "CHUNK", size)
        assert [d.summary.key for d in _streamed(archive, a, b)] == expected


def test_only_the_notes_a_diff_shows_are_read(archive: Engine) -> None:
    a, b = Version.parse("1.29"), Version.parse("1.32")
    whole = {d.summary.key: d for d in load_upstream_range(Archive(archive), a, b)}
    for detail in _streamed(archive, a, b):
        full = whole[detail.summary.key]
        shown = [e for e in full.entries if e.kind in NOTE_KINDS or e.action_required]
        assert list(detail.entries) == shown
        assert detail.summary == full.summary  # the entry count is that of every note
        assert len(shown) < len(full.entries)  # bugs and features are left out
        assert detail.markdown == "" and detail.revisions == ()


def test_keys_not_archived_are_skipped(archive: Engine) -> None:
    details = list(release_notes(archive, ["kubernetes:v9.9.9", "kubernetes:v1.32.0"], NOTE_KINDS))
    assert [d.summary.key for d in details] == ["kubernetes:v1.32.0"]
