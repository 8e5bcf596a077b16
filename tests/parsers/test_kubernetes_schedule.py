"""The upstream release schedule source: the parser on the real schedule.yaml and on small
hand-written cases, and what it does to the archive (upstream releases dated, newest first).

Expected values come from the document itself, read with PyYAML in the test, not from the
parser.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from typing import Any

import pytest
import yaml

from aksnews.commands import run
from aksnews.knowledge.release_order import semver
from aksnews.model.releases import UpstreamLifecycleFact, UpstreamReleaseFact
from aksnews.parsers.base import DocumentRejected, get_parser, parse_document
from aksnews.store.handle import Archive

from conftest import BACKENDS, database
from corpus import corpus_path, corpus_text

SCHEDULE = "kubernetes/schedule/schedule.yaml"


def _document() -> dict[str, Any]:
    loaded = yaml.safe_load(corpus_text(SCHEDULE))
    assert isinstance(loaded, dict)
    return loaded


def _day(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def test_every_minor_and_patch_of_the_corpus_schedule() -> None:
    doc = _document()
    result = parse_document(get_parser("kubernetes-schedule"), corpus_text(SCHEDULE), SCHEDULE)
    assert result.warnings == ()
    by_key = {r.key: r for r in result.releases}
    expected_patches = {
        f"v{p['release']}": _day(p["targetDate"])
        for minor in doc["schedules"]
        for p in minor["previousPatches"]
    }
    assert len(result.releases) == len(doc["schedules"]) + len(expected_patches)
    for version, day in expected_patches.items():
        release = by_key[f"kubernetes-schedule:{version}"]
        assert release.date == day
        (entry,) = release.entries
        assert entry.facts == (UpstreamReleaseFact(version, day),)
    assert expected_patches["v1.25.0"] == dt.date(2022, 8, 23)
    for minor in doc["schedules"]:
        release = by_key[f"kubernetes-schedule:v{minor['release']}"]
        lifecycle = release.entries[0].facts[0]
        assert lifecycle == UpstreamLifecycleFact(
            str(minor["release"]),
            _day(minor["releaseDate"]),
            _day(minor["maintenanceModeStartDate"]),
            _day(minor["endOfLifeDate"]),
        )
        # The planned patch is an entry of the minor, flagged planned, never a release.
        planned = release.entries[1].facts[0]
        assert planned == UpstreamReleaseFact(
            f"v{minor['next']['release']}", _day(minor["next"]["targetDate"]), planned=True
        )
        assert f"kubernetes-schedule:v{minor['next']['release']}" not in by_key


def test_sections_are_the_documents_own_lines() -> None:
    text = corpus_text(SCHEDULE)
    lines = text.split("\n")
    parser = get_parser("kubernetes-schedule")
    result = parse_document(parser, text, SCHEDULE)
    for release in result.releases:
        assert release.markdown == "\n".join(
            lines[release.line - 1 :][: release.markdown.count("\n") + 1]
        )
        assert release.markdown.lstrip(" -").startswith("release:")


_FIXTURE = """\
schedules:
  - release: "1.40"
    releaseDate: 2031-04-01
    maintenanceModeStartDate: 2032-04-28
    endOfLifeDate: not-a-date
    codename: Nope
    previousPatches:
      - release: 1.40.1
        targetDate: 2031-05-14
      - release: 1.40.0
        targetDate: "2031-04-01"
      - release: 1.40-rc
        targetDate: 2031-03-25
      - release: 1.40.1
        targetDate: 2031-05-15
  - release: "1.40"
    releaseDate: 2031-04-02
"""


def test_bad_values_are_warnings_naming_field_and_line() -> None:
    result = parse_document(get_parser("kubernetes-schedule"), _FIXTURE, "fixture.yaml")
    keys = [r.key for r in result.releases]
    assert keys == [
        "kubernetes-schedule:v1.40",
        "kubernetes-schedule:v1.40.1",
        "kubernetes-schedule:v1.40.0",
    ]
    messages = {(w.line, w.message) for w in result.warnings}
    assert (5, "schedules 1.40: endOfLifeDate 'not-a-date' is not a date") in messages
    assert (6, "schedules 1.40: unknown field 'codename' (kept out)") in messages
    assert any(line == 12 and "'1.40-rc' is not a patch version" in m for line, m in messages)
    assert (14, "1.40: patch 1.40.1 listed again: ignored") in messages
    assert (16, "schedules: 1.40 again: ignored") in messages
    minor = result.releases[0].entries[0].facts[0]
    assert isinstance(minor, UpstreamLifecycleFact) and minor.end_of_life is None
    assert minor.release_date == dt.date(2031, 4, 1)
    # Quoted and plain dates are the same date.
    assert result.releases[2].date == dt.date(2031, 4, 1)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty document"),
        ("<!doctype html><html><body>rate limited</body></html>", "HTML page"),
        ("schedules: [\n  - release: 1.27\n", "not valid YAML"),
        ("releases:\n  - 1.27\n", "no 'schedules' list"),
    ],
)
def test_documents_that_are_not_a_schedule_are_rejected(text: str, reason: str) -> None:
    with pytest.raises(DocumentRejected, match=reason):
        parse_document(get_parser("kubernetes-schedule"), text, "x.yaml")


def test_upstream_versions_order_pre_releases_before_the_final() -> None:
    names = ["v1.32.1", "v1.32.0", "v1.32.0-rc.1", "v1.32.0-beta.0", "v1.32.0-alpha.1", "v1.31.9"]
    assert sorted(names, key=lambda n: semver(n), reverse=True) == names  # type: ignore[arg-type, return-value]


# --- in the archive ---------------------------------------------------------------------------


def _cli(url: str, *args: str) -> tuple[Any, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = run(["--db", url, *args])
    assert code == 0, err.getvalue()
    return json.loads(out.getvalue()) if "--json" in args else out.getvalue(), err.getvalue()


@pytest.fixture(scope="module", params=BACKENDS)
def archive(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with database(request.param, request, tmp_path_factory.mktemp("schedule")) as url:
        changelogs = [corpus_path(f"kubernetes/changelog/CHANGELOG-1.{n}.md") for n in (22, 32)]
        _cli(url, "ingest", *map(str, changelogs), "--source", "kubernetes")
        notes = corpus_path("kubernetes/release-notes/release-notes-1.25.md")
        _cli(url, "ingest", str(notes), "--source", "kubernetes", "--release", "v1.25.0")
        _cli(url, "ingest", str(corpus_path(SCHEDULE)), "--source", "kubernetes-schedule")
        yield url


def test_releases_newest_first_and_dated_by_the_schedule(archive: str) -> None:
    rows, _ = _cli(archive, "releases", "--source", "kubernetes", "--json")
    versions = [r["version"] for r in rows]
    assert versions == sorted(versions, key=semver, reverse=True)  # type: ignore[arg-type]
    # The newest final release is listed before every pre-release of the next .0.
    text = corpus_text("kubernetes/changelog/CHANGELOG-1.32.md")
    finals = [v for v in versions if v.startswith("v1.32.") and "-" not in v]
    assert f"# {finals[0]}" in text and versions[0] == finals[0]
    assert (
        versions.index("v1.32.0")
        < versions.index("v1.32.0-rc.2")
        < versions.index("v1.32.0-alpha.1")
    )
    by_version = {r["version"]: r for r in rows}
    expected = {
        f"v{p['release']}": _day(p["targetDate"]).isoformat()
        for m in _document()["schedules"]
        for p in m["previousPatches"]
    }
    assert by_version["v1.25.0"]["date"] == expected["v1.25.0"] == "2022-08-23"
    assert by_version["v1.25.0"]["dated_by"] == "kubernetes-schedule:v1.25.0"
    shown, _ = _cli(archive, "show", "v1.25.0", "--json")
    assert shown["date"] == "2022-08-23" and shown["dated_by"] == "kubernetes-schedule:v1.25.0"
    assert shown["id"] == "kubernetes:v1.25.0" and len(shown["entries"]) > 100
    schedule, _ = _cli(archive, "show", "kubernetes-schedule:v1.25.0", "--json")
    assert schedule["date"] == "2022-08-23" and len(schedule["entries"]) == 1
    # Versions the schedule does not list keep no date, and say so.
    assert by_version["v1.32.0"]["date"] is None and by_version["v1.32.0"]["dated_by"] is None


def test_since_keeps_undated_releases_unless_provably_older(archive: str) -> None:
    rows, _ = _cli(archive, "releases", "--source", "kubernetes", "--since", "2022-08-01", "--json")
    versions = {r["version"] for r in rows}
    assert "v1.25.0" in versions  # dated 2022-08-23 by the schedule
    assert "v1.32.5" in versions  # no source dates 1.32: listed, not dropped
    table, err = _cli(archive, "releases", "--source", "kubernetes", "--since", "2022-08-01")
    assert "no date" in table and "have no date in any source" in err
    later, _ = _cli(
        archive, "releases", "--source", "kubernetes", "--since", "2022-09-01", "--json"
    )
    assert "v1.25.0" not in {r["version"] for r in later}


def test_schedule_releases_and_upstream_dates_in_the_lifecycle(archive: str) -> None:
    rows, _ = _cli(archive, "calendar", "--today", "2023-07-01", "--json")
    by_minor = {r["minor"]: r for r in rows}
    doc = {str(m["release"]): m for m in _document()["schedules"]}
    for minor, m in doc.items():
        zero = next(p for p in m["previousPatches"] if p["release"] == f"{minor}.0")
        assert by_minor[minor]["upstream_release"] == _day(zero["targetDate"]).isoformat()
        assert by_minor[minor]["upstream_end_of_life"] == _day(m["endOfLifeDate"]).isoformat()
        assert (
            by_minor[minor]["upstream_maintenance"]
            == _day(m["maintenanceModeStartDate"]).isoformat()
        )
    # 1.27's releaseDate disagrees with its own 1.27.0 patch: kept as a conflict.
    assert _day(doc["1.27"]["releaseDate"]) != _day(
        doc["1.27"]["previousPatches"][-1]["targetDate"]
    )
    conflicts, _ = _cli(archive, "calendar", "--today", "2023-07-01", "--conflicts", "--json")
    (upstream_127,) = [
        c for c in conflicts if c["minor"] == "1.27" and c["milestone"] == "upstream-release"
    ]
    assert upstream_127["chosen"]["source"] == "kubernetes-schedule:v1.27.0"
    assert [o["date"] for o in upstream_127["others"]] == [str(doc["1.27"]["releaseDate"])]


def test_web_home_lists_the_newest_final_releases(archive: str) -> None:
    from fastapi.testclient import TestClient

    from aksnews.store.engine import open_engine
    from aksnews.web.app import create_app

    engine = open_engine(archive)
    with TestClient(create_app(Archive(engine))) as client:
        html = client.get("/").text
    engine.dispose()
    upstream = html.split("Latest Kubernetes releases")[1]
    shown = re.findall(r'href="/releases/kubernetes%3A(v[^"]+)"', upstream)
    rows, _ = _cli(archive, "releases", "--source", "kubernetes", "--json")
    finals = [r["version"] for r in rows if re.fullmatch(r"v\d+\.\d+\.\d+", r["version"])]
    assert shown == finals[:10]
    assert not [v for v in shown if "-" in v]
