"""Unread statements and the breaking flag end to end: stored per release on SQLite and
PostgreSQL (a re-parsed release replaces its own), counted by `aksnews ingest` and `aksnews
fetch`, listed by `aksnews facts --unread`, marked on the release page and shown in digests.

The fixture changelogs in tests/data/aks are hand-written: in the first, 2026-02-01 names
Kubernetes 1.40 with an event the parser cannot read and 2026-01-15 deprecates 'Some AKS
labels' (no recognisable subject); the edited copy makes 1.40 readable and adds a deadline."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine

from aksnews.commands import run
from aksnews.deliver.digest import DigestInputs, build_digest, render_markdown
from aksnews.model.inventory import Cluster
from aksnews.parsers.base import get_parser
from aksnews.sources.local import ingest_text
from aksnews.store.handle import Archive
from aksnews.store.queries import get_release, get_releases, list_unread
from aksnews.store.state import DocumentMeta

DATA = Path(__file__).parent.parent / "data" / "aks"
FIRST = DATA / "unread_changelog.md"
EDITED = DATA / "unread_changelog_edited.md"
NOW = dt.datetime(2026, 2, 3, 9, 0, tzinfo=dt.UTC)


def _ingest(engine: Engine, path: Path, at: dt.datetime = NOW) -> None:
    meta = DocumentMeta(url=f"file://{path}", fetched_at=at)
    ingest_text(
        Archive(engine),
        get_parser("aks"),
        path.read_text(encoding="utf-8"),
        path=str(path),
        meta=meta,
    )


def test_unread_statements_are_stored_and_replaced_per_release(engine: Engine) -> None:
    _ingest(engine, FIRST)
    rows = list_unread(engine)
    assert [(u.release_key, u.expected) for u in rows] == [
        ("aks:2026-02-01", "kubernetes-version"),
        ("aks:2026-01-15", "retirement"),
    ]
    assert rows[0].text == "Kubernetes 1.40 is expected in preview shortly."
    assert rows[0].url.endswith("#release-2026-02-01")
    detail = get_release(engine, "2026-02-01")
    flagged = {e.text: e.breaking for e in detail.entries}
    assert flagged["Upgrades to 1.38 will be blocked when deprecated APIs are in use."] is True
    assert flagged["Gatekeeper has been upgraded to v3.30.0."] is False
    (entry,) = [e for e in detail.entries if e.unread]
    assert entry.unread == (
        ("kubernetes-version", "Kubernetes 1.40 is expected in preview shortly."),
    )

    # The edited 2026-02-01 is re-parsed: its unread statements are replaced; 2026-01-15 is
    # unchanged, not re-parsed, and keeps its own.
    _ingest(engine, EDITED, NOW + dt.timedelta(hours=1))
    rows = list_unread(engine)
    assert [(u.release_key, u.expected, u.text) for u in rows] == [
        ("aks:2026-02-01", "deadline", "Customers must switch to the new endpoint by 1 July 2026."),
        ("aks:2026-01-15", "retirement", "Some AKS labels have been deprecated."),
    ]
    assert list_unread(engine, since=dt.date(2026, 2, 1)) == rows[:1]


def test_a_release_without_facts_has_entries_and_no_facts(engine: Engine) -> None:
    _ingest(engine, FIRST)
    quiet = get_release(engine, "2026-01-15")
    assert [e.text for e in quiet.entries] == [
        "Some AKS labels have been deprecated.",
        "Nothing else changed this week.",
    ]
    assert all(not e.facts for e in quiet.entries)


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_reports_and_facts_lists_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AKSNEWS_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.delenv("AKSNEWS_CONFIG", raising=False)
    code, out, _ = _cli(capsys, "ingest", str(FIRST))
    assert code == 0
    lines = out.splitlines()
    at = lines.index("2 statements not understood; aksnews facts --unread")
    assert lines[at + 1] == (
        "  aks:2026-02-01 (kubernetes-version): Kubernetes 1.40 is expected in preview shortly."
    )
    code, out, _ = _cli(capsys, "facts", "--unread", "--json")
    listed = json.loads(out)
    assert code == 0 and [u["expected"] for u in listed] == ["kubernetes-version", "retirement"]
    assert set(listed[0]) >= {"release", "entry", "expected", "text", "entry_text", "url"}
    code, out, err = _cli(capsys, "facts", "--unread")
    assert code == 0 and "Some AKS labels have been deprecated." in out
    assert "2 statements not understood" in err
    code, out, _ = _cli(capsys, "ingest", str(FIRST), "--json")
    assert json.loads(out)[0]["unread"] == []  # the same bytes: nothing parsed, nothing to say
    code, out, _ = _cli(capsys, "show", "2026-02-01", "--json")
    shown = {e["text"]: e for e in json.loads(out)["entries"]}
    assert shown["Upgrades to 1.38 will be blocked when deprecated APIs are in use."]["breaking"]
    assert shown["Kubernetes 1.40 is expected in preview shortly."]["unread"] == [
        {
            "expected": "kubernetes-version",
            "text": "Kubernetes 1.40 is expected in preview shortly.",
        }
    ]


def test_fetch_ends_with_the_count(
    httpserver: HTTPServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    httpserver.expect_request("/CHANGELOG.md").respond_with_data(
        FIRST.read_bytes(), content_type="text/plain"
    )
    monkeypatch.setenv("AKSNEWS_DATABASE_URL", f"sqlite:///{tmp_path / 'fetch.db'}")
    monkeypatch.setenv("AKSNEWS_AKS_URL", httpserver.url_for("/CHANGELOG.md"))
    monkeypatch.delenv("AKSNEWS_CONFIG", raising=False)
    code, out, _ = _cli(capsys, "fetch", "--source", "aks")
    assert code == 0
    assert out.splitlines()[-3] == "2 statements not understood; aksnews facts --unread"


def test_release_page_marks_them(engine: Engine) -> None:
    from fastapi.testclient import TestClient

    from aksnews.web.app import create_app

    _ingest(engine, FIRST)
    with TestClient(create_app(Archive(engine), now=lambda: NOW)) as client:
        html = client.get("/releases/aks:2026-02-01").text
        assert html.count('class="unread-note"') == 1
        assert "Not understood, read it yourself:" in html
        assert "kubernetes-version in “Kubernetes 1.40 is expected in preview shortly.”" in html
        assert html.count('class="breaking"') == 1
        quiet = client.get("/releases/aks:2026-01-15").text
        assert quiet.count('class="unread-note"') == 1


def test_digest_shows_them_under_their_own_heading(engine: Engine) -> None:
    _ingest(engine, FIRST)
    releases = tuple(get_releases(engine, ["aks:2026-02-01", "aks:2026-01-15"]))
    # A team already trying 1.40 reads the statement about it; a team on 1.39 gets its count.
    trying = Cluster("preview", teams=("platform",), kubernetes_version="1.40.0")
    inputs = DigestInputs(aks_releases=releases, team_minors=("1.40",), clusters=(trying,))
    week = build_digest(
        "platform",
        inputs,
        period_start=dt.date(2026, 1, 29),
        period_end=dt.date(2026, 2, 5),
        now=NOW,
    )
    (section,) = [s for s in week.sections if s.key == "unread"]
    assert section.title.startswith("Not understood by aksnews")
    assert [(i.label, i.text, i.detail) for i in section.items] == [
        (
            "kubernetes-version?",
            "Kubernetes 1.40 is expected in preview shortly.",
            "because preview runs Kubernetes 1.40",
        )
    ]
    assert "read these statements in the changelog yourself" in render_markdown(week)
    stable = replace(trying, name="stable", kubernetes_version="1.39.2")
    other = build_digest(
        "platform",
        replace(inputs, team_minors=("1.39",), clusters=(stable,)),
        period_start=dt.date(2026, 1, 29),
        period_end=dt.date(2026, 2, 5),
        now=NOW,
    )
    assert all(s.key != "unread" for s in other.sections)
    (rest,) = [s for s in other.sections if s.key == "everything-else"]
    assert rest.items[-1].text == (
        "1 statement aksnews could not read, none touching your clusters"
    )
    # A period without unread statements has no such section.
    earlier = build_digest(
        "platform",
        inputs,
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 1, 10),
        now=NOW,
    )
    assert all(s.key != "unread" for s in earlier.sections)
