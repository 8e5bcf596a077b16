"""The web archive over a real archive: pages, feeds, JSON API, token, errors, inert markup.

The archive holds the corpus AKS CHANGELOG and the 1.29 release notes, a small hand-written
changelog whose entries try to inject markup, and a two-cluster inventory. Expected values come
from the store itself (search totals, calendar dates) or from the corpus text.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import icalendar
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from aksnews.commands.web import check_bind, is_loopback
from aksnews.errors import ConfigError
from aksnews.knowledge.lifecycle import load_calendar
from aksnews.model.inventory import Cluster, NodePool, Team
from aksnews.store.handle import Archive
from aksnews.store.inventory import replace_origin
from aksnews.store.queries import get_release, list_releases
from aksnews.store.search import SearchQuery, search

from corpus import corpus_text, web_archive

NOW = dt.datetime(2025, 10, 20, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
BASE = "http://testserver"
HOSTILE_RELEASE = "aks:2001-02-03"
HOSTILE_CHANGELOG = """\
# Azure Kubernetes Service Changelog

## Release Notes 2001-02-03

### Features

* Zanzibar one <script>alert(1)</script> then [x](javascript:alert(1)) then <!-- comment --> \
then <img src=x onerror=alert(1)>.
* Zanzibar two <a href="javascript:alert(2)">y</a> and [ok](https://example.com/ok) and \
![i](javascript:alert(3)) and [z](JaVaScRiPt:alert(4)).
"""
TEAMS = (Team("payments", timezone="Asia/Tokyo"), Team("platform"))
CLUSTERS = (
    Cluster(
        "prod-east",
        teams=("payments",),
        kubernetes_version="1.29.4",
        node_pools=(
            NodePool(
                "system",
                os_type="Linux",
                os_sku="Ubuntu",
                orchestrator_version="1.29.4",
                node_image_version="AKSUbuntu-2204gen2containerd-202405.03.0",
            ),
        ),
    ),
    Cluster(
        "legacy",
        teams=("platform",),
        kubernetes_version="1.27.3",
        node_pools=(
            NodePool(
                "win",
                os_type="Windows",
                os_sku="Windows2019",
                orchestrator_version="1.27.3",
                node_image_version="AKSWindows-2019-containerd-17763.5820.240612",
            ),
        ),
    ),
)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = web_archive(tmp_path_factory.mktemp("web"), HOSTILE_CHANGELOG)
    replace_origin(
        engine, "test", collected_at=NOW - dt.timedelta(days=1), teams=TEAMS, clusters=CLUSTERS
    )
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def client(archive: Engine) -> Iterator[TestClient]:
    from aksnews.web.app import create_app

    with TestClient(create_app(Archive(archive), now=lambda: NOW)) as test_client:
        yield test_client


# --- what a page must never contain -------------------------------------------------------------


class _Inertness(HTMLParser):
    """Collects everything in a page that could run script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed", "img", "svg", "base"):
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag} {name}=")
            cleaned = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if name in ("href", "src", "action", "formaction") and not cleaned.startswith(
                ("http://", "https://", "/", "#", "?")
            ):
                self.problems.append(f"{tag} {name}={value!r}")

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"<!--{data}-->")


def assert_inert(html: str) -> None:
    parser = _Inertness()
    parser.feed(html)
    parser.close()
    assert parser.problems == []


def _page(client: TestClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.text[:300])
    if response.headers["content-type"].startswith("text/html"):
        assert_inert(response.text)
        assert "script-src" not in response.headers["content-security-policy"]
    return response.text


# --- search ------------------------------------------------------------------------------------


def _count(html: str) -> int:
    match = re.search(r'id="count">(\d+) result', html)
    assert match, "the page states an exact result count"
    return int(match.group(1))


def test_search_page_counts_highlights_and_reflects_the_query(
    client: TestClient, archive: Engine
) -> None:
    results = search(archive, SearchQuery(text="cgroup"))
    total = results.total
    mentions = len(
        re.findall(r"^\s*[*-] .*\bcgroups?\b", corpus_text("aks/CHANGELOG.md"), re.I | re.M)
    )
    every = search(archive, SearchQuery(text="cgroup", limit=1000)).hits
    assert sum(h.also_in + 1 for h in every) >= mentions > 0  # identical texts are one result
    html = _page(client, "/search?q=cgroup&source=&kind=&version=&since=&until=")
    assert _count(html) == total
    assert html.count('class="result"') == min(20, total)
    assert re.search(r"<mark>cgroup", html, re.I)
    assert 'value="cgroup"' in html
    assert 'href="/feeds/search.atom?q=cgroup' in html


def test_search_filters_by_kind_and_source(client: TestClient, archive: Engine) -> None:
    expected = search(archive, SearchQuery(text="Kubernetes", kind="bug-fix", source="aks"))
    every = search(archive, SearchQuery(text="Kubernetes"))
    assert 0 < expected.total < every.total
    html = _page(client, "/search?q=Kubernetes&kind=bug-fix&source=aks")
    assert _count(html) == expected.total
    assert '<option value="bug-fix" selected>' in html
    assert '<option value="aks" selected>' in html
    data = client.get("/api/search?q=Kubernetes&kind=bug-fix&source=aks&limit=100").json()
    assert data["total"] == expected.total
    assert {r["kind"] for r in data["results"]} == {"bug-fix"}
    upstream = client.get("/api/search?q=kubelet&source=kubernetes&version=1.29").json()
    assert upstream["total"] > 0
    assert {r["source"] for r in upstream["results"]} == {"kubernetes"}


def test_search_paging_links(client: TestClient, archive: Engine) -> None:
    total = search(archive, SearchQuery(text="Kubernetes")).total
    assert total > 40
    html = _page(client, "/search?q=Kubernetes&limit=20&offset=20")
    assert 'rel="prev"' in html and 'rel="next"' in html
    assert '<ol class="results" start="21">' in html


def test_a_capped_total_says_so_and_paging_goes_past_it(
    client: TestClient, archive: Engine
) -> None:
    every = search(archive, SearchQuery(text="Kubernetes", limit=1000))
    assert not every.total_capped and every.total > 240  # more hits than the count's cap
    html = _page(client, "/search?q=Kubernetes")
    assert 'id="count">200+ results, showing 1 to 20.' in html
    html = _page(client, "/search?q=Kubernetes&offset=200")
    assert 'id="count">220+ results, showing 201 to 220.' in html
    assert 'rel="next"' in html
    last = every.total - 5
    html = _page(client, f"/search?q=Kubernetes&offset={last}")
    assert f'id="count">{every.total} results, showing {last + 1} to {every.total}.' in html
    assert 'rel="next"' not in html
    data = client.get("/api/search?q=Kubernetes&offset=200").json()
    assert (data["total"], data["total_capped"]) == (220, True)
    ids = [r["entry"] for r in data["results"]]
    assert ids == [h.entry_id for h in every.hits[200:220]]
    data = client.get(f"/api/search?q=Kubernetes&offset={last}").json()
    assert (data["total"], data["total_capped"]) == (every.total, False)


def test_api_search_results_carry_release_kind_snippet_and_urls(client: TestClient) -> None:
    data = client.get("/api/search", params={"q": "cgroup", "limit": 5}).json()
    assert data["query"]["q"] == "cgroup" and len(data["results"]) == 5
    for result in data["results"]:
        assert result["release"].startswith(f"{result['source']}:")
        assert result["kind"]
        assert "**" in result["snippet"] and "\x02" not in result["snippet"]
        page = "Azure/AKS" if result["source"] == "aks" else "kubernetes/kubernetes"
        assert result["url"].startswith(f"https://github.com/{page}/")
        assert result["permalink"] == f"{BASE}/entries/{result['entry']}"


# --- releases and entries ----------------------------------------------------------------------


def test_aks_release_page_shows_its_sections(client: TestClient, archive: Engine) -> None:
    newest = list_releases(archive, source="aks", limit=1)[0]
    detail = get_release(archive, newest.key)
    html = _page(client, f"/releases/{newest.key}")
    sections = list(dict.fromkeys(e.section for e in detail.entries))
    headings = re.findall(r"<h2>([^<]+?) <span", html)
    assert headings == sections
    assert html.count('class="entry"') == len(detail.entries)
    api = client.get(f"/api/releases/{newest.key}").json()
    assert api["release"]["id"] == newest.key
    assert [g["name"] for g in api["groups"]] == sections


def test_upstream_release_page_groups_notes_by_kind(client: TestClient, archive: Engine) -> None:
    detail = get_release(archive, "kubernetes:v1.29.0")
    html = _page(client, "/releases/kubernetes:v1.29.0")
    kinds = {e.kind for e in detail.entries}
    headings = re.findall(r"<h2>([^<]+?) <span", html)
    assert set(headings) == kinds and len(headings) == len(kinds)
    assert headings.index("urgent-upgrade") < headings.index("bug")
    assert html.count('class="entry"') == len(detail.entries)


def test_entry_permalink(client: TestClient, archive: Engine) -> None:
    hit = search(archive, SearchQuery(text="cgroup", limit=1)).hits[0]
    html = _page(client, f"/entries/{hit.entry_id}")
    assert f"/releases/{hit.release_key.replace(':', '%3A')}#entry-{hit.entry_id}" in html
    assert f"{BASE}/entries/{hit.entry_id}" in html
    release_html = _page(client, f"/releases/{hit.release_key}")
    assert f'id="entry-{hit.entry_id}"' in release_html
    data = client.get(f"/api/entries/{hit.entry_id}").json()
    assert data["release"] == hit.release_key and data["kind"] == hit.kind


def test_release_listing_and_home(client: TestClient, archive: Engine) -> None:
    releases = client.get("/api/releases").json()
    assert len(releases) == len(list_releases(archive))
    upstream = client.get("/api/releases?source=kubernetes").json()
    assert [r["id"] for r in upstream] == ["kubernetes:v1.29.0"]
    home = _page(client, "/")
    newest = list_releases(archive, source="aks", limit=1)[0]
    assert newest.title in home
    assert_inert(_page(client, "/releases"))


# --- calendar, node images, findings, deadlines -------------------------------------------------


def test_calendar_page_and_api(client: TestClient, archive: Engine) -> None:
    rows = load_calendar(Archive(archive), TODAY)
    supported = [r.minor for r in rows if r.supported]
    assert len(supported) == 3  # N-2
    html = _page(client, "/calendar")
    assert html.count('class="minor"') == len(rows)
    assert html.count('class="supported"') == len(supported)
    data = client.get("/api/calendar").json()
    assert data["today"] == TODAY.isoformat()
    assert [m["minor"] for m in data["minors"] if m["supported"]] == supported


def test_node_image_timeline(client: TestClient) -> None:
    data = client.get("/api/node-images").json()
    families = {f["os"]: f["images"] for f in data["families"]}
    assert {"Ubuntu 22.04", "Windows Server 2022", "Azure Linux 3.0"} <= set(families)
    ubuntu = families["Ubuntu 22.04"]
    dates = [i["date"] for i in ubuntu]
    assert dates == sorted(dates, reverse=True)
    html = _page(client, "/node-images")
    assert html.count('class="family"') == len(families)


def test_findings_per_team_and_cluster(client: TestClient) -> None:
    data = client.get("/api/findings").json()
    tree = {t["team"]: {c["cluster"] for c in t["clusters"]} for t in data["teams"]}
    assert tree == {"payments": {"prod-east"}, "platform": {"legacy"}}
    rules = {f["rule"] for t in data["teams"] for c in t["clusters"] for f in c["findings"]}
    assert {"end-of-support", "node-image-lag", "retirement"} <= rules
    html = _page(client, "/findings")
    assert html.count('class="finding"') == data["total"]


def test_deadlines_are_upcoming_and_sorted(client: TestClient) -> None:
    data = client.get("/api/deadlines").json()
    dates = [d["date"] for d in data["deadlines"]]
    assert dates and dates == sorted(dates) and dates[0] >= TODAY.isoformat()
    assert any(d["kind"] == "retirement" for d in data["deadlines"])
    html = _page(client, "/deadlines")
    assert html.count('class="deadline"') == len(dates)


# --- feeds -------------------------------------------------------------------------------------


def test_atom_feed_of_a_search(client: TestClient, archive: Engine) -> None:
    response = client.get("/feeds/search.atom?q=cgroup&limit=50")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    ET.fromstring(response.content)  # well-formed XML
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    expected = search(archive, SearchQuery(text="cgroup", limit=50)).hits
    assert len(feed.entries) == len(expected) > 0
    for entry, hit in zip(feed.entries, expected, strict=True):
        assert entry.link == f"{BASE}/entries/{hit.entry_id}"
        assert urlsplit(entry.link).scheme == "http" and urlsplit(entry.link).netloc
        assert entry.id == entry.link
        assert entry.updated_parsed is not None
    filtered = feedparser.parse(client.get("/feeds/search.atom?q=Kubernetes&kind=bug-fix").content)
    assert filtered.entries and {e.tags[0].term for e in filtered.entries} == {"bug-fix"}


def _events(body: bytes) -> list[icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return list(calendar.walk("VEVENT"))


def test_ics_feed_of_all_deadlines(client: TestClient, archive: Engine) -> None:
    response = client.get("/calendar.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    events = _events(response.content)
    eos = {
        r.minor: r.end_of_support
        for r in load_calendar(Archive(archive), TODAY)
        if r.end_of_support
    }
    assert len(events) >= len(eos) > 0
    starts = [e.decoded("dtstart") for e in events]
    assert all(isinstance(s, dt.date) and not isinstance(s, dt.datetime) for s in starts)
    for minor, day in eos.items():
        assert any(
            e.decoded("dtstart") == day and f"Kubernetes {minor}:" in str(e["summary"])
            for e in events
        ), minor
    assert len({str(e["uid"]) for e in events}) == len(events)


def test_ics_feed_for_one_team(client: TestClient, archive: Engine) -> None:
    eos = {r.minor: r.end_of_support for r in load_calendar(Archive(archive), TODAY)}
    payments = _events(client.get("/calendar.ics?team=payments").content)
    summaries = {str(e["summary"]) for e in payments}
    assert any("Kubernetes 1.29:" in s for s in summaries)
    assert not any("Kubernetes 1.27" in s for s in summaries)
    assert any(e.decoded("dtstart") == eos["1.29"] for e in payments)
    platform = _events(client.get("/calendar.ics?team=platform").content)
    summaries = {str(e["summary"]) for e in platform}
    # No calendar here: 1.27's end comes from the CHANGELOG's LTS-only announcement, which the
    # lifecycle reads as the end of standard support.
    assert eos["1.27"] is not None
    assert any("Kubernetes 1.27:" in s for s in summaries)
    assert any(e.decoded("dtstart") == eos["1.27"] for e in platform)
    assert any("2019 retires" in s for s in summaries)  # its Windows Server 2019 pool
    assert not any("Kubernetes 1.29" in s for s in summaries)
    assert client.get("/calendar.ics?team=nobody").status_code == 404


# --- hostile changelog text --------------------------------------------------------------------


def test_hostile_entry_renders_inert_everywhere(client: TestClient, archive: Engine) -> None:
    detail = get_release(archive, HOSTILE_RELEASE)
    assert len(detail.entries) == 2
    assert "<script>" in detail.entries[0].markdown  # the store keeps the text as written
    pages = [f"/releases/{HOSTILE_RELEASE}", "/search?q=zanzibar", "/releases"]
    pages += [f"/entries/{e.id}" for e in detail.entries]
    for url in pages:
        html = _page(client, url)  # asserts no script, handler, javascript: URL or comment
        assert "Zanzibar" in html or url == "/releases"
    release_html = _page(client, f"/releases/{HOSTILE_RELEASE}")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in release_html
    assert 'href="https://example.com/ok"' in release_html  # http(s) links still work
    search_html = _page(client, "/search?q=zanzibar")
    assert _count(search_html) == 2 and "&lt;script&gt;" in search_html
    feed = client.get("/feeds/search.atom?q=zanzibar").content
    assert b"<script" not in feed
    assert len(feedparser.parse(feed).entries) == 2


def test_every_page_is_inert(client: TestClient) -> None:
    for url in ("/", "/calendar", "/node-images", "/findings", "/deadlines", "/search"):
        _page(client, url)


# --- token, errors -----------------------------------------------------------------------------


def test_bearer_token_is_required_when_set(archive: Engine) -> None:
    from aksnews.web.app import create_app

    with TestClient(create_app(Archive(archive), token="s3cret", now=lambda: NOW)) as secured:
        assert secured.get("/healthz").status_code == 200
        for url in (
            "/",
            "/search?q=cgroup",
            "/api/search?q=cgroup",
            "/api/openapi.json",
            "/calendar.ics",
            "/feeds/search.atom?q=cgroup",
        ):
            response = secured.get(url)
            assert response.status_code == 401, url
            assert response.headers["www-authenticate"] == "Bearer"
        wrong = secured.get("/api/calendar", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        ok = secured.get("/api/calendar", headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/releases/aks:1999-01-01", 404, "no release"),
        ("/api/releases/kubernetes:v9.9.9", 404, "no release"),
        ("/entries/2147483647", 404, "no entry"),
        ("/api/entries/2147483647", 404, "no entry"),
        ("/api/entries/0", 422, ""),
        ("/entries/abc", 422, "entry_id"),
        ("/no/such/page", 404, "Not Found"),
        ("/api/search", 400, "q is required"),
        ("/api/search?q=%22", 400, "nothing to search"),
        ("/api/search?q=x&since=yesterday", 400, "YYYY-MM-DD"),
        ("/api/search?q=x&version=latest", 400, "minor version"),
        ("/api/search?q=x&kind=nope", 400, "unknown kind"),
        ("/search?q=x&source=github", 400, "unknown source"),
        ("/api/search?q=x&limit=0", 422, ""),
        ("/api/search?q=x%00y", 400, "NUL"),
        ("/feeds/search.atom", 400, "q is required"),
        ("/api/releases?since=2025-13-01", 400, "YYYY-MM-DD"),
    ],
)
def test_bad_requests_and_unknown_ids(
    client: TestClient, url: str, status: int, message: str
) -> None:
    response = client.get(url)
    assert response.status_code == status, response.text[:300]
    assert message in response.text
    if response.headers["content-type"].startswith("text/html"):
        assert_inert(response.text)


def test_openapi_describes_the_api(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    paths = set(spec["paths"])
    assert {
        "/api/search",
        "/api/releases",
        "/api/releases/{release_id}",
        "/api/entries/{entry_id}",
        "/api/calendar",
        "/api/node-images",
        "/api/findings",
        "/api/deadlines",
        "/healthz",
    } <= paths
    assert not any(p in paths for p in ("/search", "/calendar", "/"))  # pages stay out
    schema = spec["paths"]["/api/search"]["get"]["responses"]["200"]["content"]
    assert schema["application/json"]["schema"]["$ref"].endswith("/SearchOut")


# --- the command -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("10.1.2.3", False),
        ("example.com", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_non_loopback_bind_needs_a_token_or_insecure() -> None:
    check_bind("127.0.0.1", None, False)
    check_bind("0.0.0.0", "token", False)
    check_bind("0.0.0.0", None, True)
    with pytest.raises(ConfigError, match="AKSNEWS_WEB_TOKEN.*--insecure"):
        check_bind("0.0.0.0", None, False)


def test_cli_refuses_an_open_bind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aksnews.commands import run

    monkeypatch.delenv("AKSNEWS_WEB_TOKEN", raising=False)
    code = run(["--db", f"sqlite:///{tmp_path / 'x.db'}", "web", "--host", "0.0.0.0"])
    assert code == 1


# --- filters without words ---------------------------------------------------------------------


def test_filter_only_feed_follows_deprecations_of_a_minor(
    client: TestClient, archive: Engine
) -> None:
    # Every note of the 1.29.0 release is of minor 1.29, so its deprecations are the expected set.
    release = get_release(archive, "kubernetes:v1.29.0")
    deprecations = {e.id for e in release.entries if e.kind == "deprecation"}
    assert deprecations
    url = "/feeds/search.atom?source=kubernetes&kind=deprecation&version=1.29&limit=100"
    response = client.get(url)
    assert response.status_code == 200, response.text[:300]
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert "kind=deprecation" in feed.feed.title and "version=1.29" in feed.feed.title
    ids = {int(e.link.rsplit("/", 1)[1]) for e in feed.entries}
    assert deprecations <= ids
    assert {e.tags[0].term for e in feed.entries} == {"deprecation"}
    data = client.get(url.replace("/feeds/search.atom", "/api/search")).json()
    assert data["query"]["q"] == "" and data["total"] == len(feed.entries)
    assert {r["source"] for r in data["results"]} == {"kubernetes"}
    assert all("\x02" not in r["snippet"] and r["snippet"] for r in data["results"])


def test_filter_only_lists_a_date_range_newest_first(client: TestClient, archive: Engine) -> None:
    since, until = dt.date(2025, 1, 1), dt.date(2025, 6, 30)
    inside = [
        r
        for r in list_releases(archive, source="aks")
        if r.date is not None and since <= r.date <= until
    ]
    expected = sum(r.entry_count for r in inside)
    assert len(inside) > 1 and expected > 100
    data = client.get(
        "/api/search", params={"source": "aks", "since": since, "until": until, "limit": 100}
    ).json()
    assert data["total"] == expected
    dates = [r["date"] for r in data["results"]]
    assert (
        dates == sorted(dates, reverse=True) and dates[0] == max(r.date for r in inside).isoformat()
    )
    html = _page(client, f"/search?source=aks&since={since}&until={until}")
    assert _count(html) == expected
    assert html.count('class="result"') == 20
    assert "feeds/search.atom?source=aks" in html


def test_filter_only_search_page_by_kind(client: TestClient, archive: Engine) -> None:
    release = get_release(archive, "kubernetes:v1.29.0")
    urgent = [e for e in release.entries if e.kind == "urgent-upgrade"]
    html = _page(client, "/search?q=&source=kubernetes&kind=urgent-upgrade")
    assert _count(html) == len(urgent) > 0
    assert '<option value="urgent-upgrade" selected>' in html


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/api/search?q=&source=&kind=", 400, "at least one filter"),
        ("/feeds/search.atom?q=%20", 400, "at least one filter"),
        ("/api/search?kind=deprecation&version=latest", 400, "minor version"),
        ("/feeds/search.atom?since=2025-02-30", 400, "YYYY-MM-DD"),
    ],
)
def test_filter_only_bad_requests(client: TestClient, url: str, status: int, message: str) -> None:
    response = client.get(url)
    assert response.status_code == status, response.text[:300]
    assert message in response.json()["detail"]


def test_search_page_without_words_or_filters_shows_the_form(client: TestClient) -> None:
    html = _page(client, "/search?q=&source=&kind=")
    assert 'id="count"' not in html and '<form class="search"' in html


def test_home_shows_where_each_team_stands(client: TestClient, archive: Engine) -> None:
    from aksnews.web.views import current_findings

    findings = current_findings(Archive(archive), NOW.date())
    html = _page(client, "/")
    assert "Where each team stands" in html
    assert html.index("Where each team stands") < html.index("Latest AKS releases")
    for team in {f.team or "(no team)" for f in findings}:
        mine = [f for f in findings if (f.team or "(no team)") == team]
        critical = sum(f.severity.value == "critical" for f in mine)
        warning = sum(f.severity.value == "warning" for f in mine)
        row = re.search(
            rf'<tr class="standing"><td><a [^>]*>{re.escape(team)}</a></td>'
            r'<td class="count-critical">(?:<a [^>]*>)?(\d+).*?'
            r'<td class="count-warning">(?:<a [^>]*>)?(\d+)',
            html,
        )
        assert row and (int(row[1]), int(row[2])) == (critical, warning), team
