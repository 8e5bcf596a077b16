"""The web archive in a real headless Chromium: search through the form, filter, navigate,
feeds, and a changelog entry that tries to run script.

Debian's chromium is driven by the Playwright package with executable_path (Playwright's own
browser download is never used). The app runs in uvicorn on a free loopback port over an
archive of the corpus AKS CHANGELOG, the 1.29 release notes and one hand-written hostile
changelog. Screenshots go to test-output/web-*.png.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import feedparser
import icalendar
import pytest
from sqlalchemy import Engine
from web_browser import TIMEOUT_MS, chromium, needs_chromium, screenshot, served

from aksnews.knowledge.lifecycle import load_calendar
from aksnews.store.handle import Archive
from aksnews.store.queries import get_release
from aksnews.store.search import SearchQuery, search

from corpus import web_archive

NOW = dt.datetime(2025, 10, 20, 9, 0, tzinfo=dt.UTC)
HOSTILE_RELEASE = "aks:2001-02-03"
HOSTILE_CHANGELOG = """\
# Azure Kubernetes Service Changelog

## Release Notes 2001-02-03

### Features

* Quokka one <script>window.__pwned=1</script> then [x](javascript:window.__pwned=2) then \
<img src=x onerror="window.__pwned=3"> then <!-- c --> end.
* Quokka two <a href="javascript:window.__pwned=4">y</a> and [ok](https://example.com/ok).
"""
playwright_sync = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is not installed (dev extra)"
)
pytestmark = needs_chromium


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = web_archive(tmp_path_factory.mktemp("web-browser"), HOSTILE_CHANGELOG)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def base_url(archive: Engine) -> Iterator[str]:
    from aksnews.web.app import create_app

    with served(create_app(Archive(archive), now=lambda: NOW)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium(playwright_sync) as launched:
        yield launched


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    context = browser.new_context(base_url=base_url, viewport={"width": 1200, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


def _screenshot(page: Any, name: str) -> None:
    screenshot(page, name)


def _count(page: Any) -> int:
    text = page.locator("#count").inner_text()
    match = re.match(r"(\d+) results?\b", text)
    assert match, text
    return int(match.group(1))


def test_search_filter_release_and_permalink(page: Any, archive: Engine, base_url: str) -> None:
    total = search(archive, SearchQuery(text="cgroup")).total
    assert total > 0
    page.goto("/search")
    page.locator("#q").fill("cgroup")
    page.locator("form.search button[type=submit]").click()
    page.wait_for_url(re.compile(r"/search\?q=cgroup"))
    assert _count(page) == total
    results = page.locator("li.result")
    assert results.count() == min(20, total)
    assert page.locator("li.result mark").count() > 0
    _screenshot(page, "search")

    # Filter by the kind of the best hit: the form keeps the words, the URL carries the filter.
    kind = search(archive, SearchQuery(text="cgroup", limit=1)).hits[0].kind
    expected = search(archive, SearchQuery(text="cgroup", kind=kind, limit=100))
    page.locator("#kind").select_option(kind)
    page.locator("form.search button[type=submit]").click()
    page.wait_for_url(re.compile(rf"kind={re.escape(kind)}"))
    assert _count(page) == expected.total < total
    metas = page.locator("li.result .meta").all_inner_texts()
    assert metas and all(m.startswith(kind) for m in metas)

    # A result opens its entry's page (the permalink); that page links to its release.
    hit = expected.hits[0]
    page.locator("li.result a").first.click()
    page.wait_for_url(re.compile(rf"/entries/{hit.entry_id}$"))
    permalink = page.locator("p.meta", has_text="Permalink").locator("a")
    assert permalink.get_attribute("href") == f"{base_url}/entries/{hit.entry_id}"
    page.locator("#release-link").click()
    page.wait_for_url(re.compile(rf"/releases/.+#entry-{hit.entry_id}$"))
    detail = get_release(archive, hit.release_key)
    assert page.locator("h1").first.inner_text() == detail.summary.title
    assert page.locator("li.entry").count() == len(detail.entries)
    assert page.locator(f"#entry-{hit.entry_id}").is_visible()
    _screenshot(page, "release")

    # Following the permalink from the release page's entry comes back to the same entry.
    page.goto(f"/entries/{hit.entry_id}")
    page.locator("p.meta", has_text="Permalink").locator("a").click()
    page.wait_for_url(f"{base_url}/entries/{hit.entry_id}")
    assert hit.release_key in page.locator("#release-link").inner_text()


def test_calendar_page(page: Any, archive: Engine) -> None:
    rows = load_calendar(Archive(archive), NOW.date())
    page.goto("/calendar")
    assert page.locator(".minor").count() == len(rows)
    assert page.locator(".supported").count() == sum(r.supported for r in rows)
    _screenshot(page, "calendar")


def test_atom_and_ics_feeds_parse(page: Any, archive: Engine, base_url: str) -> None:
    atom = page.request.get("/feeds/search.atom?q=cgroup&limit=50")
    assert atom.ok and atom.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(atom.body())
    assert not feed.bozo, feed.get("bozo_exception")
    hits = search(archive, SearchQuery(text="cgroup", limit=50)).hits
    assert [e.link for e in feed.entries] == [f"{base_url}/entries/{h.entry_id}" for h in hits]

    filtered = page.request.get(
        "/feeds/search.atom?source=kubernetes&kind=deprecation&version=1.29"
    )
    assert filtered.ok
    entries = feedparser.parse(filtered.body()).entries
    assert entries and {e.tags[0].term for e in entries} == {"deprecation"}

    ics = page.request.get("/calendar.ics")
    assert ics.ok and ics.headers["content-type"].startswith("text/calendar")
    events = list(icalendar.Calendar.from_ical(ics.body()).walk("VEVENT"))
    ends = {r.minor for r in load_calendar(Archive(archive), NOW.date()) if r.end_of_support}
    assert ends and all(
        any(f"Kubernetes {minor}:" in str(e["summary"]) for e in events) for minor in ends
    )


def _assert_not_pwned(page: Any, where: str) -> None:
    assert page.evaluate("typeof window.__pwned") == "undefined", where
    assert page.evaluate("document.querySelectorAll('script').length") == 0, where
    # No element carries an inline event handler attribute.
    handlers = page.evaluate(
        "Array.from(document.querySelectorAll('*')).flatMap(e => "
        "Array.from(e.attributes).filter(a => a.name.startsWith('on')).map(a => a.name))"
    )
    assert handlers == [], where


def test_hostile_entry_is_inert_in_the_browser(page: Any, archive: Engine) -> None:
    detail = get_release(archive, HOSTILE_RELEASE)
    assert len(detail.entries) == 2 and "<script>" in detail.entries[0].markdown
    urls = [f"/releases/{HOSTILE_RELEASE}"] + [f"/entries/{e.id}" for e in detail.entries]
    for url in urls:
        page.goto(url)
        page.wait_for_load_state("load")
        assert "Quokka" in page.content()
        _assert_not_pwned(page, f"{url} after load")
        # Links left in the page are http(s) only (a relative link resolves to http here).
        hrefs = page.evaluate("Array.from(document.links).map(a => a.href)")
        assert all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
        # The hostile links are shown as text: click that text, and any link that is not
        # http(s), and nothing may run.
        shown = 0
        for fragment in ("javascript:window.__pwned=2", "javascript:window.__pwned=4"):
            for element in page.locator(".markdown").get_by_text(fragment).all():
                element.click()
                shown += 1
        assert shown > 0, url
        for link in page.locator("a").all():
            if not (link.get_attribute("href") or "").startswith(("http://", "https://", "/")):
                link.click()
        _assert_not_pwned(page, f"{url} after clicks")
    _screenshot(page, "hostile")
