"""The home, findings and deadlines pages in a real headless Chromium at 1280x800, over the
corpus archive and a three-cluster inventory (tests/web_inventory.py): what a team must act on
is inside the first viewport. Screenshots go to test-output/web-screen-*.png.

Expected counts come from the matcher's findings for the stored inventory, read through the
store, not from the pages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from web_browser import TIMEOUT_MS, chromium, needs_chromium, screenshot, served
from web_inventory import CLUSTERS, TEAMS

from aksnews.model.findings import Finding, Severity
from aksnews.store.handle import Archive
from aksnews.store.inventory import replace_origin

from corpus import web_archive

NOW = dt.datetime(2025, 10, 20, 9, 0, tzinfo=dt.UTC)
VIEWPORT = {"width": 1280, "height": 800}

playwright_sync = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is not installed (dev extra)"
)
pytestmark = needs_chromium


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    engine = web_archive(tmp_path_factory.mktemp("web-screens"), "")
    replace_origin(
        engine, "test", collected_at=NOW - dt.timedelta(days=1), teams=TEAMS, clusters=CLUSTERS
    )
    yield Archive(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def findings(archive: Archive) -> tuple[Finding, ...]:
    from aksnews.web.team_views import matched

    found = matched(archive, NOW.date()).findings
    assert sum(f.severity is Severity.CRITICAL for f in found) >= 2  # the inventory's point
    return found


@pytest.fixture(scope="module")
def base_url(archive: Archive) -> Iterator[str]:
    from aksnews.web.app import create_app

    with served(create_app(archive, now=lambda: NOW)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium(playwright_sync) as launched:
        yield launched


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    context = browser.new_context(base_url=base_url, viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


def _above_the_fold(locator: Any) -> None:
    """The element is rendered, not empty, and wholly inside the first viewport."""
    assert locator.count() > 0
    box = locator.first.bounding_box()
    assert box is not None and box["width"] > 0 and box["height"] > 0
    assert box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"], box
    assert box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORT["width"], box


def _owners(team: str) -> set[str]:
    return {c.name for c in CLUSTERS if team in c.teams}


def test_home_shows_each_teams_counts_above_the_fold(
    page: Any, findings: tuple[Finding, ...]
) -> None:
    page.goto("/")
    rows = page.locator("tr.standing")
    assert rows.count() == len(TEAMS)
    for n, team in enumerate(sorted(t.name for t in TEAMS)):
        mine = [f for f in findings if f.cluster in _owners(team)]
        row = rows.nth(n)
        assert row.locator("td").first.inner_text() == team
        critical = sum(f.severity is Severity.CRITICAL for f in mine)
        warning = sum(f.severity is Severity.WARNING for f in mine)
        assert row.locator("td.count-critical").inner_text() == str(critical), team
        assert row.locator("td.count-warning").inner_text() == str(warning), team
        _above_the_fold(row.locator("td.count-critical"))
        _above_the_fold(row.locator("td.count-warning"))
    # platform co-owns prod-east, whose 1.31 standard support ends 2025-11-01: its next
    # deadline. legacy (LTS plan, no LTS end known for 1.29) has a finding but no deadline.
    platform = rows.filter(has_text="platform")
    assert "2025-11-01" in platform.inner_text() and "overdue" not in platform.inner_text()
    _above_the_fold(page.locator("#fetches"))
    screenshot(page, "screen-home")


def test_findings_page_shows_the_summary_and_first_critical_above_the_fold(
    page: Any, findings: tuple[Finding, ...]
) -> None:
    page.goto("/findings")
    for severity in Severity:
        expected = sum(f.severity is severity for f in findings)
        cell = page.locator(f"#summary-{severity.value}")
        assert cell.inner_text() == str(expected)
        _above_the_fold(cell)
    first = page.locator("li.finding", has=page.locator(".severity-critical")).first
    _above_the_fold(first.locator(".title"))
    critical_titles = {f.title for f in findings if f.severity is Severity.CRITICAL}
    assert first.locator(".title").inner_text() in critical_titles
    screenshot(page, "screen-findings")

    # The form filters: one team's criticals, the URL carries the filter.
    page.locator("#team").select_option("platform")
    page.locator("#severity").select_option("critical")
    page.locator("#filters button[type=submit]").click()
    page.wait_for_url("**/findings?team=platform&cluster=&severity=critical&rule=")
    mine = [
        f for f in findings if f.cluster in _owners("platform") and f.severity is Severity.CRITICAL
    ]
    assert page.locator("li.finding").count() == len(mine) > 0
    assert page.locator("#summary-critical").inner_text() == str(len(mine))
    assert page.locator("#summary-warning").inner_text() == "0"
    _above_the_fold(page.locator("li.finding .title"))
    screenshot(page, "screen-findings-filtered")


def test_deadlines_page_shows_the_inventorys_dates_above_the_fold(
    page: Any, findings: tuple[Finding, ...]
) -> None:
    page.goto("/deadlines")
    rows = page.locator("tr.inventory-deadline")
    assert rows.count() > 0
    dated = [f for f in findings if f.deadline is not None]
    earliest = min(f.deadline for f in dated if f.deadline)
    # The first row is the earliest date that touches a cluster: 1.29's end of standard
    # support, past (legacy runs 1.29); the row of the earliest dated finding is on screen too.
    first = rows.first
    assert first.locator("td").first.inner_text() <= earliest.isoformat()
    assert "overdue" in first.inner_text()
    _above_the_fold(first)
    _above_the_fold(rows.filter(has_text=earliest.isoformat()).first)
    # The first critical dated finding is on screen too.
    critical = rows.filter(has=page.locator(".severity-critical")).first
    _above_the_fold(critical)
    _above_the_fold(page.locator("#inventory-summary"))
    screenshot(page, "screen-deadlines")
