"""The archive on SQLite and PostgreSQL: ingest, re-ingest, revisions, transactions.

Expected numbers are derived from the corpus documents themselves (heading counts, section
texts compared between two moments), not typed in.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from aksnews.config import Settings
from aksnews.errors import AksnewsError
from aksnews.sources.pipeline import ingest_file
from aksnews.store.handle import Archive
from aksnews.store.queries import archive_counts, get_release, list_releases, revised_releases
from aksnews.store.schema import DocumentRow, EntryRevisionRow, EntryRow, ReleaseRevisionRow

from archive_checks import check_search_index, sections
from archive_mirror import differences, fresh_snapshot, snapshot
from corpus import corpus_path, corpus_text

SETTINGS = Settings()
_HEADING = re.compile(r"^## Release", re.MULTILINE)


def _counts(engine: Engine) -> tuple[int, ...]:
    with Session(engine) as s:
        return (
            *archive_counts(engine).values(),
            s.scalar(select(func.count(DocumentRow.id))) or 0,
            s.scalar(select(func.count(ReleaseRevisionRow.id))) or 0,
        )


def test_corpus_changelog_gives_every_release_with_entries(engine: Engine) -> None:
    path = corpus_path("aks/CHANGELOG.md")
    expected = len(_HEADING.findall(path.read_text(encoding="utf-8")))
    assert expected == 231  # what the issue states, derived from the document
    report = ingest_file(Archive(engine), SETTINGS, path, source="aks")
    assert len(report.new_releases) == expected
    releases = list_releases(engine, source="aks")
    assert len(releases) == expected
    assert all(r.entry_count > 0 for r in releases), [r.key for r in releases if not r.entry_count]
    assert {r.key for r in releases} == set(sections(path.read_text(encoding="utf-8")))
    check_search_index(engine)
    newest = get_release(engine, "2025-10-12")
    assert newest.summary.title == "Release Notes 2025-10-12"
    assert newest.summary.url.endswith("#release-notes-2025-10-12")


def test_reingesting_the_same_file_adds_nothing(engine: Engine) -> None:
    path = corpus_path("aks/CHANGELOG.md")
    ingest_file(Archive(engine), SETTINGS, path, source="aks")
    before = _counts(engine)
    report = ingest_file(Archive(engine), SETTINGS, path, source="aks")
    assert report.unchanged
    assert _counts(engine) == before


def test_newer_changelog_adds_one_release_and_records_edits(engine: Engine) -> None:
    old_path = corpus_path("aks/CHANGELOG-2025-09-29.md")
    new_path = corpus_path("aks/CHANGELOG.md")
    old, new = sections(old_path.read_text("utf-8")), sections(new_path.read_text("utf-8"))
    added = set(new) - set(old)
    edited = {key for key in set(new) & set(old) if new[key] != old[key]}
    assert len(added) == 1 and edited  # the corpus note says so; derived here

    ingest_file(Archive(engine), SETTINGS, old_path, source="aks")
    with Session(engine) as s:
        ids_before = _entry_ids(s)
    report = ingest_file(Archive(engine), SETTINGS, new_path, source="aks")

    assert set(report.new_releases) == added
    assert set(report.revised_releases) == edited
    assert set(revised_releases(engine, "aks")) == edited
    for key in edited:
        detail = get_release(engine, key)
        assert [r.revision for r in detail.revisions] == [1, 2]
    with Session(engine) as s:
        # Entries whose text did not change keep their ids (permalinks survive an edit).
        ids_after = _entry_ids(s)
        kept = [key for key in ids_before if key in ids_after]
        assert kept and all(ids_before[key] == ids_after[key] for key in kept)
        assert (s.scalar(select(func.count(EntryRevisionRow.id))) or 0) > 0
    check_search_index(engine)
    # The older copy again is a revert: the archive follows it (the newer release withdrawn,
    # the edits undone as new revisions), then the same copy once more is unchanged.
    again = ingest_file(Archive(engine), SETTINGS, old_path, source="aks")
    assert not again.unchanged
    assert set(again.withdrawn_releases) == added
    assert set(again.revised_releases) == edited
    assert differences(snapshot(engine), fresh_snapshot(old_path.read_text("utf-8"))) == []
    for key in edited:
        assert [r.change for r in get_release(engine, key).revisions][1:] == ["edited", "edited"]
    before = _counts(engine)
    assert ingest_file(Archive(engine), SETTINGS, old_path, source="aks").unchanged
    assert _counts(engine) == before


def _entry_ids(session: Session) -> dict[tuple[int, str], list[int]]:
    """(release, markdown) -> entry ids: the same announcement recurs across releases."""
    ids: dict[tuple[int, str], list[int]] = {}
    for release_id, markdown, entry_id in session.execute(
        select(EntryRow.release_id, EntryRow.markdown, EntryRow.id).where(
            EntryRow.removed.is_(False)
        )
    ):
        ids.setdefault((release_id, markdown), []).append(entry_id)
    return ids


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


BAD_INPUTS: list[tuple[str, bytes, str]] = [
    ("empty.md", b"", "empty document"),
    ("binary.md", bytes(range(256)) * 64, "binary data"),
    ("latin1.md", "## Release 2024-01-01\n* Caf\xe9\n".encode("latin-1"), "not valid UTF-8"),
    ("page.md", b"<!DOCTYPE html><html><head><title>404</title></head></html>", "HTML"),
    ("norelease.md", b"# Notes\n\nJust some text, no release headings.\n", "not the AKS CHANGELOG"),
]


@pytest.mark.parametrize(("name", "data", "message"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_is_refused_and_leaves_the_archive_alone(
    engine: Engine, tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    ingest_file(Archive(engine), SETTINGS, corpus_path("aks/CHANGELOG-2024-03-22.md"), source="aks")
    before = _counts(engine)
    path = _write(tmp_path, name, data)
    with pytest.raises(AksnewsError) as error:
        ingest_file(Archive(engine), SETTINGS, path, source="aks")
    assert name in str(error.value)
    assert message.lower() in str(error.value).lower()
    assert _counts(engine) == before


def test_a_huge_file_is_refused_before_it_is_read(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "huge.md"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # 50 MB, sparse: the size check must come first
    with pytest.raises(AksnewsError, match="larger than"):
        ingest_file(Archive(engine), SETTINGS, path, source="aks")
    assert archive_counts(engine)["releases"] == 0


def test_impossible_date_is_a_warning_and_the_rest_is_kept(engine: Engine, tmp_path: Path) -> None:
    text = (
        "# Changelog\n\n## Release 2024-13-45\n\n* Features\n  * Something odd.\n\n"
        "## Release 2024-02-01\n\n* Bug Fixes\n  * Fixed a real thing.\n"
    )
    path = _write(tmp_path, "odd.md", text.encode())
    report = ingest_file(Archive(engine), SETTINGS, path, source="aks")
    assert report.new_releases == ("aks:2024-02-01",)
    assert any(w.line == 3 and "2024-13-45" in w.message for w in report.warnings)


def test_a_failure_mid_document_rolls_everything_back(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aksnews.parsers import aks_changelog

    real = aks_changelog.AksChangelogParser.parse_section
    calls = {"n": 0}

    def failing(self, section, path, options):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 100:
            raise RuntimeError("disk on fire")
        return real(self, section, path, options)

    monkeypatch.setattr(aks_changelog.AksChangelogParser, "parse_section", failing)
    with pytest.raises(RuntimeError):
        ingest_file(Archive(engine), SETTINGS, corpus_path("aks/CHANGELOG.md"), source="aks")
    assert _counts(engine) == (0, 0, 0, 0, 0)
    assert corpus_text("aks/CHANGELOG.md")  # the corpus itself is untouched


def test_revising_an_upstream_release_keeps_the_search_index_exact(engine: Engine) -> None:
    """CHANGELOG-1.32's v1.32.0 section, then the release-notes draft of the same release: the
    section is revised in place (entries updated in batches), and the index still matches."""
    ingest_file(
        Archive(engine),
        SETTINGS,
        corpus_path("kubernetes/changelog/CHANGELOG-1.32.md"),
        source="kubernetes",
    )
    report = ingest_file(
        Archive(engine),
        SETTINGS,
        corpus_path("kubernetes/release-notes/release-notes-1.32.md"),
        source="kubernetes",
        release="v1.32.0",
    )
    assert report.revised_releases == ("kubernetes:v1.32.0",)
    check_search_index(engine)
    detail = get_release(engine, "kubernetes:v1.32.0")
    assert [r.revision for r in detail.revisions] == [1, 2]
    assert detail.entries and all(e.release_key == "kubernetes:v1.32.0" for e in detail.entries)
