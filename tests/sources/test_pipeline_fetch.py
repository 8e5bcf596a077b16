"""`aksnews fetch` end to end against a real local HTTP server serving the corpus.

The server answers like raw.githubusercontent.com: ETag on 200, 304 to a matching
If-None-Match, 404 for files that do not exist (how a new upstream minor is discovered).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine
from werkzeug import Request, Response

from aksnews.config import Settings
from aksnews.sources.pipeline import fetch_and_ingest, fetch_kubernetes, parse_minor_range
from aksnews.store.handle import Archive
from aksnews.store.queries import archive_counts, list_releases

from corpus import corpus_path


def _serve(
    path_bytes: Callable[[], bytes], etag: Callable[[], str]
) -> Callable[[Request], Response]:
    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == etag():
            return Response(status=304, headers={"ETag": etag()})
        return Response(
            path_bytes(), status=200, headers={"ETag": etag()}, content_type="text/plain"
        )

    return handler


def test_fetch_then_304_then_changed_document(engine: Engine, httpserver: HTTPServer) -> None:
    state = {"version": "aks/CHANGELOG-2025-09-29.md", "etag": '"v1"', "hits": 0}

    def body() -> bytes:
        state["hits"] = int(state["hits"]) + 1
        return corpus_path(str(state["version"])).read_bytes()

    httpserver.expect_request("/CHANGELOG.md").respond_with_handler(
        _serve(body, lambda: str(state["etag"]))
    )
    url = httpserver.url_for("/CHANGELOG.md")
    settings = Settings(aks_url=url, fetch_retries=0)

    first = fetch_and_ingest(Archive(engine), settings, "aks", url)
    assert first.report is not None and len(first.report.new_releases) > 200
    counts = archive_counts(engine)

    second = fetch_and_ingest(Archive(engine), settings, "aks", url)
    assert second.not_modified and second.report is None
    assert archive_counts(engine) == counts
    assert httpserver.log[-1][0].headers.get("If-None-Match") == '"v1"'

    state.update(version="aks/CHANGELOG.md", etag='"v2"')
    third = fetch_and_ingest(Archive(engine), settings, "aks", url)
    assert third.report is not None
    assert len(third.report.new_releases) == 1
    # Only the new and the edited sections were parsed, not all 232.
    assert third.report.parsed == 1 + len(third.report.revised_releases)
    assert third.report.parsed < 20


def test_fetch_rejects_an_html_error_page_and_keeps_the_archive(
    engine: Engine, httpserver: HTTPServer
) -> None:
    from aksnews.sources.fetch import FetchError

    httpserver.expect_request("/CHANGELOG.md").respond_with_data(
        "<!DOCTYPE html><html><body>Rate limited</body></html>", content_type="text/html"
    )
    url = httpserver.url_for("/CHANGELOG.md")
    with pytest.raises(FetchError, match="HTML"):
        fetch_and_ingest(Archive(engine), Settings(fetch_retries=0), "aks", url)
    assert archive_counts(engine)["releases"] == 0


def test_upstream_minors_are_discovered_until_404(engine: Engine, httpserver: HTTPServer) -> None:
    served = {"1.32": corpus_path("kubernetes/changelog/CHANGELOG-1.32.md").read_bytes()}
    for minor, data in served.items():
        httpserver.expect_request(f"/CHANGELOG-{minor}.md").respond_with_data(
            data, content_type="text/plain"
        )
    httpserver.expect_request("/CHANGELOG-1.33.md").respond_with_data("404: Not Found", status=404)
    template = httpserver.url_for("/") + "CHANGELOG-{minor}.md"
    settings = Settings(kubernetes_url=template, kubernetes_minors="1.32-", fetch_retries=0)

    outcomes = fetch_kubernetes(Archive(engine), settings)

    assert [o.url.rsplit("/", 1)[1] for o in outcomes] == ["CHANGELOG-1.32.md"]
    versions = [r.version for r in list_releases(engine, source="kubernetes")]
    assert "v1.32.5" in versions and "v1.32.0" in versions
    requested = [entry[0].path for entry in httpserver.log]
    assert requested == ["/CHANGELOG-1.32.md", "/CHANGELOG-1.33.md"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.28-", ("1.28", None)), ("1.28-1.32", ("1.28", "1.32")), ("v1.30", ("1.30", "1.30"))],
)
def test_minor_ranges(text: str, expected: tuple[str | None, str | None]) -> None:
    assert parse_minor_range(text) == expected


def test_bad_minor_range_names_the_setting() -> None:
    from aksnews.errors import ConfigError

    with pytest.raises(ConfigError, match="kubernetes_minors"):
        parse_minor_range("latest")


def test_json_of_fetch_report_is_one_document(
    httpserver: HTTPServer,
    tmp_path: object,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from aksnews.commands import run

    httpserver.expect_request("/CHANGELOG.md").respond_with_data(
        corpus_path("aks/CHANGELOG-2024-03-22.md").read_bytes(), content_type="text/plain"
    )
    monkeypatch.setenv("AKSNEWS_DATABASE_URL", f"sqlite:///{tmp_path}/fetch.db")
    monkeypatch.setenv("AKSNEWS_AKS_URL", httpserver.url_for("/CHANGELOG.md"))
    assert run(["fetch", "--source", "aks", "--json"]) == 0
    [outcome] = json.loads(capsys.readouterr().out)
    assert outcome["source"] == "aks" and outcome["ingest"]["new_releases"]


def test_one_unreachable_source_does_not_stop_the_others(
    httpserver: HTTPServer,
    tmp_path: object,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from aksnews.commands import run

    httpserver.expect_request("/CHANGELOG.md").respond_with_data(
        corpus_path("aks/CHANGELOG-2024-03-22.md").read_bytes(), content_type="text/plain"
    )
    dead = "http://127.0.0.1:9/unreachable.md"  # the discard port: nothing listens there
    monkeypatch.setenv("AKSNEWS_DATABASE_URL", f"sqlite:///{tmp_path}/partial.db")
    monkeypatch.setenv("AKSNEWS_AKS_URL", httpserver.url_for("/CHANGELOG.md"))
    monkeypatch.setenv("AKSNEWS_AKS_CALENDAR_URL", dead)
    monkeypatch.setenv("AKSNEWS_DEPRECATION_GUIDE_URL", dead)
    monkeypatch.setenv("AKSNEWS_FETCH_RETRIES", "0")
    code = run(
        ["fetch", "--source", "aks", "--source", "aks-calendar", "--source", "deprecation-guide"]
    )
    out, err = capsys.readouterr()
    assert code == 1
    assert "release sections" in out  # the AKS CHANGELOG was still ingested
    assert err.count("aksnews: error:") == 2 and "aks-calendar" in err


def test_the_upstream_window_starts_at_the_oldest_minor_in_calendar_or_inventory(
    engine: Engine,
) -> None:
    import datetime as dt

    from aksnews.model.inventory import Cluster
    from aksnews.sources.pipeline import FALLBACK_FIRST_MINOR, default_first_minor, ingest_file
    from aksnews.store.inventory import replace_origin

    assert default_first_minor(Archive(engine)) == FALLBACK_FIRST_MINOR  # an empty archive
    ingest_file(
        Archive(engine),
        Settings(),
        corpus_path("docs/aks-supported-kubernetes-versions.md"),
        source="aks-calendar",
    )
    assert default_first_minor(Archive(engine)) == "1.27"  # the calendar's oldest row (LTS table)
    replace_origin(
        engine,
        "test",
        collected_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        clusters=[Cluster(name="old", kubernetes_version="1.24.9")],
    )
    assert default_first_minor(Archive(engine)) == "1.24"  # a cluster still runs 1.24


def test_a_served_document_cut_short_is_refused_then_the_full_one_is_unchanged(
    engine: Engine, httpserver: HTTPServer
) -> None:
    """The server sends a complete response of a cut document (a broken mirror or a proxy that
    stored half a file): the fetch is refused, the archive and the ETag state stay, and the
    next fetch of the full text finds the archive current."""
    from aksnews.store.archive import DocumentShrank

    full = corpus_path("aks/CHANGELOG.md").read_bytes()
    state = {"body": full, "etag": '"full"'}
    httpserver.expect_request("/CHANGELOG.md").respond_with_handler(
        _serve(lambda: state["body"], lambda: state["etag"])
    )
    url = httpserver.url_for("/CHANGELOG.md")
    settings = Settings(aks_url=url, fetch_retries=0)
    fetch_and_ingest(Archive(engine), settings, "aks", url)
    counts = archive_counts(engine)
    state.update(body=full[: len(full) // 3], etag='"cut"')
    with pytest.raises(DocumentShrank, match=r"looks truncated .*fewer"):
        fetch_and_ingest(Archive(engine), settings, "aks", url)
    assert archive_counts(engine) == counts
    assert (
        Archive(engine).fetch_state("aks", url)[0] == '"full"'
    )  # not the ETag of the refused body
    state.update(body=full, etag='"full-again"')
    again = fetch_and_ingest(Archive(engine), settings, "aks", url)
    assert again.report is not None and again.report.unchanged
