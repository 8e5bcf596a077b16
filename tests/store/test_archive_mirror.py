"""The archive mirrors its document: truncation, renames, reverts, repeated headings, dry runs.

Every expectation is read off the documents themselves (which headings two revisions have) and
every end state is compared with a fresh ingest of the same document.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from aksnews.config import Settings
from aksnews.model.records import IngestReport
from aksnews.sources.pipeline import ingest_file
from aksnews.store.archive import DocumentShrank
from aksnews.store.handle import Archive
from aksnews.store.queries import get_release, list_releases
from aksnews.store.schema import DocumentRow, ReleaseRow
from aksnews.store.search import SearchQuery, search

from archive_mirror import differences, fresh_snapshot, snapshot
from corpus import corpus_path

SETTINGS = Settings()
_HEADING = re.compile(r"^## (Release.*)$", re.MULTILINE)
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
SNAPSHOTS = ["aks/CHANGELOG-2024-03-22.md", "aks/CHANGELOG-2025-09-29.md", "aks/CHANGELOG.md"]


def revision(number: int) -> Path:
    folder = corpus_path("aks/revisions/PROVENANCE.md").parent
    return next(folder.glob(f"{number:02d}-*.md"))


def headings(text: str) -> list[str]:
    return _HEADING.findall(text)


def keys(text: str) -> set[str]:
    found = (_DATE.search(h) for h in headings(text))
    return {f"aks:{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}" for m in found if m}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _documents(engine: Engine) -> int:
    with Session(engine) as s:
        return s.scalar(select(func.count(DocumentRow.id))) or 0


def test_a_truncated_download_is_refused_and_the_full_one_is_then_unchanged(
    engine: Engine, tmp_path: Path
) -> None:
    full = corpus_path("aks/CHANGELOG.md")
    text = full.read_text("utf-8")
    ingest_file(Archive(engine), SETTINGS, full, source="aks")
    before, documents = snapshot(engine), _documents(engine)
    cut = _write(tmp_path, "cut.md", text[: len(text) * 3 // 5])  # cut mid-release
    with pytest.raises(DocumentShrank) as error:
        ingest_file(Archive(engine), SETTINGS, cut, source="aks")
    message = str(error.value)
    size = len(cut.read_bytes())
    assert "cut.md" in message and "truncated" in message
    assert f"{size:,} bytes against {len(full.read_bytes()):,}" in message
    assert f"{len(headings(text)) - len(headings(cut.read_text('utf-8')))} fewer" in message
    assert "--accept-shrink" in message
    assert snapshot(engine) == before and _documents(engine) == documents
    assert ingest_file(Archive(engine), SETTINGS, full, source="aks").unchanged


def test_a_document_cut_in_its_last_release_is_refused(engine: Engine, tmp_path: Path) -> None:
    full = corpus_path("aks/CHANGELOG.md")
    text = full.read_text("utf-8").rstrip("\n")
    ingest_file(Archive(engine), SETTINGS, full, source="aks")
    last = headings(text)[-1]
    cut = _write(tmp_path, "tail.md", text[:-200])  # only the end of the oldest release lost
    with pytest.raises(DocumentShrank, match=r"ends in the middle of release .*200 missing"):
        ingest_file(Archive(engine), SETTINGS, cut, source="aks")
    assert _DATE.search(last)
    # Accepted on request: the archive then mirrors the shorter text.
    report = ingest_file(Archive(engine), SETTINGS, cut, source="aks", accept_shrink=True)
    assert not report.unchanged
    assert differences(snapshot(engine), fresh_snapshot(cut.read_text("utf-8"))) == []


def test_a_truncated_first_ingest_is_repaired_by_the_full_document(
    engine: Engine, tmp_path: Path
) -> None:
    """Nothing to compare with at first: the stub is accepted, and the full text replaces it
    (the old archive skipped sections whose text it had seen and kept the stub)."""
    full = corpus_path("aks/CHANGELOG.md")
    text = full.read_text("utf-8")
    cut = _write(tmp_path, "cut.md", text[: len(text) // 2])
    ingest_file(Archive(engine), SETTINGS, cut, source="aks")
    report = ingest_file(Archive(engine), SETTINGS, full, source="aks")
    assert not report.unchanged and report.revised_releases  # the stub release, completed
    assert differences(snapshot(engine), fresh_snapshot(text)) == []


def test_a_renamed_heading_is_the_same_release_renamed(engine: Engine) -> None:
    # PROVENANCE: 09 -> 10 renames 'Release 2023-12-03' to 'Release 2023-11-29'.
    old, new = revision(9), revision(10)
    gone = keys(old.read_text("utf-8")) - keys(new.read_text("utf-8"))
    came = keys(new.read_text("utf-8")) - keys(old.read_text("utf-8"))
    assert len(gone) == len(came) == 1
    ingest_file(Archive(engine), SETTINGS, old, source="aks")
    facts_before = len(Archive(engine).list_facts(source="aks"))
    with Session(engine) as s:
        release_id = s.scalar(select(ReleaseRow.id).where(ReleaseRow.key == next(iter(gone))))
    report = ingest_file(Archive(engine), SETTINGS, new, source="aks")
    [renamed] = report.renamed_releases
    assert (renamed.old_key, renamed.new_key) == (next(iter(gone)), next(iter(came)))
    assert report.withdrawn_releases == () and report.new_releases == ()
    detail = get_release(engine, renamed.new_key)
    last = detail.revisions[-1]
    assert last.change == "renamed"
    assert (last.old_title, last.title) == (renamed.old_title, renamed.new_title)
    assert last.old_date is not None and last.date == detail.summary.date != last.old_date
    with Session(engine) as s:  # the same row: permalinks to the release survive
        assert s.scalar(select(ReleaseRow.id).where(ReleaseRow.key == renamed.new_key)) == (
            release_id
        )
    listed = {r.key for r in list_releases(engine, source="aks")}
    assert renamed.old_key not in listed and renamed.new_key in listed  # no ghost
    assert len(Archive(engine).list_facts(source="aks")) == facts_before  # nothing counted twice
    assert differences(snapshot(engine), fresh_snapshot(new.read_text("utf-8"))) == []


def test_a_withdrawn_release_is_kept_but_hidden_unless_asked_for(engine: Engine) -> None:
    # PROVENANCE: 15 -> 16 removes 'Release 2024-04-11'.
    old, new = revision(15), revision(16)
    [gone] = keys(old.read_text("utf-8")) - keys(new.read_text("utf-8"))
    ingest_file(Archive(engine), SETTINGS, old, source="aks")
    word = "Taints"  # in the withdrawn release's first announcement
    hits_before = search(engine, SearchQuery(text=word, limit=1000)).total
    report = ingest_file(Archive(engine), SETTINGS, new, source="aks")
    assert report.withdrawn_releases == (gone,)
    assert gone not in {r.key for r in list_releases(engine)}
    everything = {r.key: r for r in list_releases(engine, include_withdrawn=True)}
    assert everything[gone].withdrawn
    assert all(f.release_key != gone for f in Archive(engine).list_facts())
    assert any(f.release_key == gone for f in Archive(engine).list_facts(include_withdrawn=True))
    hidden = search(engine, SearchQuery(text=word, limit=1000))
    shown = search(engine, SearchQuery(text=word, limit=1000, include_withdrawn=True))
    assert all(h.release_key != gone for h in hidden.hits)
    assert shown.total == hits_before > hidden.total
    assert [r.change for r in get_release(engine, gone).revisions][-1] == "withdrawn"
    assert differences(snapshot(engine), fresh_snapshot(new.read_text("utf-8"))) == []
    # Back to the older revision: the release is restored, the same row with its history.
    again = ingest_file(Archive(engine), SETTINGS, old, source="aks", accept_shrink=True)
    assert again.restored_releases == (gone,)
    assert [r.change for r in get_release(engine, gone).revisions][-2:] == [
        "withdrawn",
        "restored",
    ]
    assert differences(snapshot(engine), fresh_snapshot(old.read_text("utf-8"))) == []


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))), ids=str)
def test_every_order_of_the_snapshots_ends_as_a_fresh_ingest_of_the_last(
    engine: Engine, order: tuple[int, ...]
) -> None:
    paths = [corpus_path(SNAPSHOTS[i]) for i in order]
    for path in paths:
        ingest_file(Archive(engine), SETTINGS, path, source="aks", accept_shrink=True)
    last = paths[-1].read_text("utf-8")
    assert differences(snapshot(engine), fresh_snapshot(last)) == []
    assert {r.key for r in list_releases(engine, source="aks")} == keys(last)


FIRST_COPY = """## Release 2024-02-20

* Features
  * A feature of the first copy.

"""
DUPLICATED = (
    """# AKS Release Notes

## Release 2024-03-01

* Bug Fixes
  * Fixed the first thing.

"""
    + FIRST_COPY
    + """## Release 2024-02-20

* Features
  * A feature of the second copy.
"""
)


def test_a_repeated_heading_is_a_warning_and_a_numbered_release(
    engine: Engine, tmp_path: Path
) -> None:
    path = _write(tmp_path, "twice.md", DUPLICATED)
    report = ingest_file(Archive(engine), SETTINGS, path, source="aks")
    lines = [i for i, line in enumerate(DUPLICATED.split("\n"), 1) if "2024-02-20" in line]
    [warning] = [w for w in report.warnings if "repeats" in w.message]
    assert warning.line == lines[1] and f"line {lines[0]}" in warning.message
    assert set(report.new_releases) == {"aks:2024-03-01", "aks:2024-02-20", "aks:2024-02-20#2"}
    second = get_release(engine, "aks:2024-02-20#2")
    assert [e.text for e in second.entries] == ["A feature of the second copy."]
    assert second.summary.url.endswith("#release-2024-02-20-1")  # GitHub's anchor for a repeat
    assert ingest_file(Archive(engine), SETTINGS, path, source="aks").unchanged
    # The first copy removed: the second is now the only one, under the plain id.
    single = _write(tmp_path, "once.md", DUPLICATED.replace(FIRST_COPY, "", 1))
    assert single.read_text("utf-8").count("2024-02-20") == 1
    ingest_file(Archive(engine), SETTINGS, single, source="aks", accept_shrink=True)
    assert differences(snapshot(engine), fresh_snapshot(single.read_text("utf-8"))) == []


def _changes(report: IngestReport) -> tuple[object, ...]:
    return (
        report.new_releases,
        report.revised_releases,
        report.renamed_releases,
        report.withdrawn_releases,
        report.restored_releases,
    )


@pytest.mark.parametrize(("base", "target"), [(9, 16), (15, 16)])
def test_dry_run_shows_the_changes_and_writes_nothing(
    engine: Engine, base: int, target: int
) -> None:
    """09 -> 16 adds releases and renames one; 15 -> 16 withdraws one (PROVENANCE)."""
    ingest_file(Archive(engine), SETTINGS, revision(base), source="aks")
    before, documents = snapshot(engine), _documents(engine)
    report = ingest_file(Archive(engine), SETTINGS, revision(target), source="aks", dry_run=True)
    assert report.dry_run and report.entries == 0
    assert report.new_releases or report.withdrawn_releases
    assert bool(report.renamed_releases) == (base == 9)
    assert snapshot(engine) == before and _documents(engine) == documents
    real = ingest_file(Archive(engine), SETTINGS, revision(target), source="aks")
    assert _changes(real) == _changes(report)


def test_the_cli_reports_changes_refusals_and_withdrawn_releases(
    db_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from aksnews.commands import run

    def cli(*args: str) -> tuple[int, str, str]:
        code = run(["--db", db_url, *args])
        out, err = capsys.readouterr()
        return code, out, err

    old, new = revision(15), revision(16)  # 16 withdraws 'Release 2024-04-11' (PROVENANCE)
    assert cli("ingest", str(old))[0] == 0
    code, out, _ = cli("ingest", str(new), "--dry-run")
    assert code == 0 and "withdrawn: aks:2024-04-11" in out and "dry run: nothing written" in out
    code, out, _ = cli("releases", "--json")
    assert "aks:2024-04-11" in {r["id"] for r in json.loads(out)}  # the dry run wrote nothing
    assert cli("ingest", str(new))[0] == 0
    code, out, _ = cli("releases", "--json")
    assert "aks:2024-04-11" not in {r["id"] for r in json.loads(out)}
    code, out, _ = cli("releases", "--all", "--json")
    [withdrawn] = [r for r in json.loads(out) if r["id"] == "aks:2024-04-11"]
    assert withdrawn["withdrawn"] is True
    cut = _write(tmp_path, "cut.md", new.read_text("utf-8")[:100_000])
    code, out, err = cli("ingest", str(cut))
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1
    assert "looks truncated" in err and "--accept-shrink" in err


def test_an_upstream_changelog_withdraws_only_releases_of_its_own_minor(
    engine: Engine, tmp_path: Path
) -> None:
    """CHANGELOG-1.NN.md files are one document per minor line: ingesting 1.32's file leaves
    the 1.22 releases alone, and a 1.32 file without its newest release withdraws only that."""
    first = corpus_path("kubernetes/changelog/CHANGELOG-1.22.md")
    second = corpus_path("kubernetes/changelog/CHANGELOG-1.32.md")
    ingest_file(Archive(engine), SETTINGS, first, source="kubernetes")
    old_line = {r.key for r in list_releases(engine, source="kubernetes", minor="1.22")}
    report = ingest_file(Archive(engine), SETTINGS, second, source="kubernetes")
    assert report.withdrawn_releases == () and old_line
    assert {r.key for r in list_releases(engine, source="kubernetes", minor="1.22")} == old_line
    text = second.read_text("utf-8")
    newest = re.search(r"^# (v1\.32\.\d+)\n", text, re.MULTILINE)
    assert newest is not None
    start = newest.start()
    end = text.index("\n# v1.32.", start + 1) + 1
    doc = _write(tmp_path, "CHANGELOG-1.32.md", text[:start] + text[end:])
    again = ingest_file(Archive(engine), SETTINGS, doc, source="kubernetes")
    assert again.withdrawn_releases == (f"kubernetes:{newest[1]}",)
    assert {r.key for r in list_releases(engine, source="kubernetes", minor="1.22")} == old_line
