"""A stale archive says so: the freshness rules, `aksnews status`, and the warning of check,
calendar, digest and the web home, on both backends with a real local HTTP server for fetches
that fail.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import time
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pytest_httpserver import HTTPServer

from aksnews.commands import run
from aksnews.sources.freshness import SourceStatus, judge
from aksnews.store.engine import open_engine
from aksnews.store.handle import Archive

from conftest import BACKENDS, database
from corpus import corpus_path, corpus_text

UTC = dt.UTC
NOW = dt.datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


def _newest_release_in(rel: str) -> dt.date:
    days = re.findall(r"(?m)^## Release(?: Notes)? (\d{4}-\d{2}-\d{2})", corpus_text(rel))
    return max(dt.date.fromisoformat(d) for d in days)


# --- the rules ---------------------------------------------------------------------------------


def _aks(newest: dt.date, fetched: dt.datetime) -> SourceStatus:
    return SourceStatus(
        "aks",
        urls=1,
        last_fetch=fetched,
        releases=10,
        newest_release=f"aks:{newest}",
        newest_release_date=newest,
    )


def test_fresh_archive_has_no_warning() -> None:
    status = _aks(NOW.date() - dt.timedelta(days=14), NOW - dt.timedelta(hours=11))
    assert judge([status], NOW, poll_interval_hours=6).warnings == ()


def test_release_older_than_two_weeks_names_its_date_and_the_last_fetch() -> None:
    newest = NOW.date() - dt.timedelta(days=15)
    (warning,) = judge([_aks(newest, NOW)], NOW, poll_interval_hours=6).warnings
    assert f"newest AKS release archived is {newest} (15 days before {NOW.date()}" in warning
    assert "last successful fetch of aks: 2026-01-10 12:00 UTC" in warning


def test_source_not_fetched_for_two_poll_intervals() -> None:
    fetched = NOW - dt.timedelta(hours=13)
    failing = SourceStatus(
        "aks-calendar",
        urls=1,
        last_fetch=fetched,
        failed_at=NOW - dt.timedelta(hours=1),
        last_error="HTTP 500",
    )
    never = SourceStatus("deprecation-guide", urls=1, failed_at=NOW, last_error="HTTP 404")
    unpolled = SourceStatus("kubernetes-schedule")  # never tried: nothing to say
    warnings = judge(
        [_aks(NOW.date(), NOW), failing, never, unpolled], NOW, poll_interval_hours=6
    ).warnings
    assert len(warnings) == 2
    assert warnings[0].startswith("source aks-calendar has not been fetched successfully for 13")
    assert "last successful fetch 2026-01-09 23:00 UTC" in warnings[0]
    assert "last error 2026-01-10 11:00 UTC: HTTP 500" in warnings[0]
    assert warnings[1] == (
        "source deprecation-guide has never been fetched successfully "
        "(last error 2026-01-10 12:00 UTC: HTTP 404)"
    )
    # Twelve hours is two intervals of six: not yet stale.
    ok = SourceStatus("aks-calendar", urls=1, last_fetch=NOW - dt.timedelta(hours=12))
    assert judge([ok], NOW, poll_interval_hours=6).warnings == ()


# --- on an archive -------------------------------------------------------------------------------


def _cli(url: str, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = run(["--db", url, *args])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module", params=BACKENDS)
def archive(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("fresh")
    with database(request.param, request, folder) as url:
        for rel, source in (
            ("aks/CHANGELOG.md", "aks"),
            ("docs/aks-supported-kubernetes-versions.md", "aks-calendar"),
        ):
            assert _cli(url, "ingest", str(corpus_path(rel)), "--source", source)[0] == 0
        inventory = Path(__file__).parent.parent / "data" / "inventory.yaml"
        assert _cli(url, "inventory", "load", str(inventory))[0] == 0
        yield url


STALE_DAY = "2025-12-01"


def test_check_calendar_and_digest_warn_with_the_newest_release_date(archive: str) -> None:
    newest = _newest_release_in("aks/CHANGELOG.md")
    age = (dt.date.fromisoformat(STALE_DAY) - newest).days
    assert age > 14
    expected = f"newest AKS release archived is {newest} ({age} days before {STALE_DAY}"
    code, out, err = _cli(archive, "check", "--today", STALE_DAY, "--format", "json")
    assert expected in err and json.loads(out)  # stdout stays one JSON document
    code, out, err = _cli(archive, "calendar", "--today", STALE_DAY, "--json")
    assert code == 0 and expected in err and json.loads(out)
    code, out, err = _cli(archive, "digest", "--team", "platform", "--today", STALE_DAY)
    assert code == 0 and expected in err
    # The digest itself carries it first, for whoever reads it in Slack or Teams.
    assert out.index("The archive may be out of date") < out.index(expected)
    assert out.index(expected) < min(
        (i for s in ("Retirements and deadlines", "New AKS releases") if (i := out.find(s)) >= 0),
        default=len(out),
    )


def test_a_fresh_day_has_no_warning(archive: str) -> None:
    newest = _newest_release_in("aks/CHANGELOG.md")
    day = (newest + dt.timedelta(days=7)).isoformat()
    for args in (("check", "--fail-on", "never"), ("calendar",)):
        code, _, err = _cli(archive, *args, "--today", day)
        assert "warning:" not in err, err


def test_web_home_and_findings_show_the_warning(archive: str) -> None:
    from aksnews.web.app import create_app

    newest = _newest_release_in("aks/CHANGELOG.md")
    engine = open_engine(archive)
    stale_now = dt.datetime.combine(dt.date.fromisoformat(STALE_DAY), dt.time(9), tzinfo=UTC)
    with TestClient(create_app(Archive(engine), now=lambda: stale_now)) as client:
        for page in ("/", "/findings", "/calendar"):
            html = client.get(page).text
            assert 'id="freshness"' in html, page
            assert f"newest AKS release archived is {newest}" in html, page
        # The calendar page notes where its sources disagree (1.29: calendar vs CHANGELOG).
        html = client.get("/calendar").text
        assert 'id="conflicts"' in html and "1.29 end-of-support: chose Mar 2025" in html
    fresh_now = dt.datetime.combine(newest + dt.timedelta(days=3), dt.time(9), tzinfo=UTC)
    with TestClient(create_app(Archive(engine), now=lambda: fresh_now)) as client:
        assert 'id="freshness"' not in client.get("/").text
    engine.dispose()


def test_status_lists_every_source(archive: str) -> None:
    code, out, err = _cli(archive, "status", "--today", STALE_DAY, "--json")
    assert code == 0
    document: dict[str, Any] = json.loads(out)
    by_source = {s["source"]: s for s in document["sources"]}
    assert set(by_source) == {
        "aks",
        "kubernetes",
        "deprecation-guide",
        "aks-calendar",
        "kubernetes-schedule",
    }
    newest = _newest_release_in("aks/CHANGELOG.md")
    assert by_source["aks"]["newest_release"] == f"aks:{newest}"
    assert by_source["aks"]["last_fetch"] is not None and by_source["aks"]["last_error"] is None
    assert by_source["kubernetes"]["last_fetch"] is None and by_source["kubernetes"]["urls"] == 0
    assert document["stale"] and any(str(newest) in w for w in document["warnings"])
    code, table, _ = _cli(archive, "status", "--today", STALE_DAY, "-o", "table")
    assert re.search(rf"(?m)^aks\s.*aks:{newest} {newest}", table)


@pytest.mark.parametrize("backend", BACKENDS)
def test_status_shows_failed_fetches_and_their_errors(
    backend: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    httpserver.expect_request("/CHANGELOG.md").respond_with_data(
        corpus_path("aks/CHANGELOG-2024-03-22.md").read_bytes(), content_type="text/plain"
    )
    httpserver.expect_request("/calendar.md").respond_with_data("boom", status=500)
    # A login wall served with 200: fetched, but not the document.
    httpserver.expect_request("/schedule.yaml").respond_with_data(
        "<!doctype html><html><body>sign in</body></html>", content_type="text/plain"
    )
    monkeypatch.setenv("AKSNEWS_AKS_URL", httpserver.url_for("/CHANGELOG.md"))
    monkeypatch.setenv("AKSNEWS_AKS_CALENDAR_URL", httpserver.url_for("/calendar.md?token=s3cret"))
    monkeypatch.setenv("AKSNEWS_KUBERNETES_SCHEDULE_URL", httpserver.url_for("/schedule.yaml"))
    monkeypatch.setenv("AKSNEWS_FETCH_RETRIES", "0")
    monkeypatch.setenv("AKSNEWS_POLL_INTERVAL_HOURS", "0.0002")  # two intervals: 1.44 s
    with database(backend, request, tmp_path) as url:
        sources = ("aks", "aks-calendar", "kubernetes-schedule")
        code, _, err = _cli(url, "fetch", *(a for s in sources for a in ("--source", s)))
        assert code == 1 and err.count("aksnews: error:") == 2
        code, out, _ = _cli(url, "status", "--json")
        by_source = {s["source"]: s for s in json.loads(out)["sources"]}
        assert by_source["aks"]["last_fetch"] and not by_source["aks"]["failing"]
        calendar = by_source["aks-calendar"]
        assert calendar["failing"] and calendar["last_fetch"] is None
        assert "500" in calendar["last_error"] and "s3cret" not in calendar["last_error"]
        schedule = by_source["kubernetes-schedule"]
        assert schedule["failing"] and "HTML page" in schedule["last_error"]
        warnings = json.loads(out)["warnings"]
        assert any(w.startswith("source aks-calendar has never been fetched") for w in warnings)
        time.sleep(1.6)  # past two poll intervals since the successful fetch of aks
        code, _, err = _cli(url, "status")
        assert code == 0 and "source aks has not been fetched successfully for" in err
        assert "last successful fetch" in err
