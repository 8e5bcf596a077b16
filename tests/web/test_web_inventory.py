"""The web archive's inventory pages over the corpus and a three-cluster inventory
(tests/web_inventory.py) plus a fourth cluster whose names try to inject markup: findings filters
and their summary row, bad filter values, deadlines with overdue ones, node pools on the image
timeline and the SKU column, the home page's standings, release pages with nested lists.

Expected values come from the corpus text, the hand-written inventory, or the matcher's findings
read through the store; never from the page under test.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from web_inventory import CLUSTERS, TEAMS

from aksnews.model.findings import Finding, Rule, Severity
from aksnews.model.inventory import Cluster, NodePool, Team
from aksnews.store.handle import Archive
from aksnews.store.inventory import replace_origin

from corpus import corpus_text, web_archive

NOW = dt.datetime(2025, 10, 20, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
HOSTILE_TEAM = "<!channel> ops"
HOSTILE = Cluster(
    "<script>alert(1)</script>",
    teams=(HOSTILE_TEAM,),
    kubernetes_version="1.31.2",
    node_pools=(NodePool("np", os_type="Linux", os_sku="Ubuntu", orchestrator_version="1.31.2"),),
)
ALL_CLUSTERS = (*CLUSTERS, HOSTILE)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    engine = web_archive(tmp_path_factory.mktemp("web-inventory"), "")
    replace_origin(
        engine,
        "test",
        collected_at=NOW - dt.timedelta(days=1),
        teams=(*TEAMS, Team(HOSTILE_TEAM)),
        clusters=ALL_CLUSTERS,
    )
    yield Archive(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def client(archive: Archive) -> Iterator[TestClient]:
    from aksnews.web.app import create_app

    with TestClient(create_app(archive, now=lambda: NOW)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def findings(archive: Archive) -> tuple[Finding, ...]:
    from aksnews.web.views import current_findings

    return current_findings(archive, TODAY)


class _Inert(HTMLParser):
    """Anything in a page that could run script or be read as a chat mention."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.problems.append("<script>")
        self.problems += [f"{tag} {n}=" for n, _ in attrs if n.startswith("on")]

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        if decl.lower() != "doctype html":
            self.problems.append(f"<!{decl}>")

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"<!{data}>")


def _page(client: TestClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.text[:300])
    assert response.headers["content-type"].startswith("text/html")
    parser = _Inert()
    parser.feed(response.text)
    assert parser.problems == [], url
    return response.text


def _owned_by(team: str) -> set[str]:
    return {c.name for c in ALL_CLUSTERS if team in c.teams}


def _of(findings: tuple[Finding, ...], **chosen: str) -> list[Finding]:
    out = list(findings)
    if "team" in chosen:
        out = [f for f in out if f.cluster in _owned_by(chosen["team"])]
    if "cluster" in chosen:
        out = [f for f in out if f.cluster == chosen["cluster"]]
    if "severity" in chosen:
        out = [f for f in out if f.severity.value == chosen["severity"]]
    if "rule" in chosen:
        out = [f for f in out if f.rule.value == chosen["rule"]]
    return out


def _summary(html: str) -> dict[str, int]:
    cells = dict(re.findall(r'<td id="summary-(\w+)">(?:<a [^>]*>)?(\d+)', html))
    return {k: int(v) for k, v in cells.items()}


# --- findings: filters and the summary row ------------------------------------------------------


@pytest.mark.parametrize(
    "chosen",
    [
        {},
        {"team": "platform"},  # second owner of prod-east, owner of legacy
        {"team": "retail"},
        {"cluster": "prod-east"},
        {"severity": "critical"},
        {"rule": "end-of-support"},
        {"team": "payments", "severity": "warning"},
        {"team": "platform", "cluster": "legacy", "rule": "end-of-support"},
    ],
    ids=lambda c: "&".join(f"{k}={v}" for k, v in c.items()) or "none",
)
def test_findings_filters_and_summary_row(
    client: TestClient, findings: tuple[Finding, ...], chosen: dict[str, str]
) -> None:
    expected = _of(findings, **chosen)
    query = "&".join(f"{k}={v}" for k, v in chosen.items())
    html = _page(client, f"/findings?{query}")
    assert html.count('class="finding"') == len(expected)
    counts = {s.value: sum(f.severity is s for f in expected) for s in Severity}
    assert _summary(html) == {**counts, "total": len(expected)}
    for key, value in chosen.items():
        assert f'<option value="{value}" selected>' in html, key
    data = client.get(f"/api/findings?{query}").json()
    assert data["total"] == len(expected) and data["summary"] == counts
    shown = [f for t in data["teams"] for c in t["clusters"] for f in c["findings"]]
    assert sorted(f["key"] for f in shown) == sorted(f.key for f in expected)
    if "team" in chosen:
        assert [t["team"] for t in data["teams"]] == ([chosen["team"]] if expected else [])


def test_findings_filter_selects_what_the_inventory_says(findings: tuple[Finding, ...]) -> None:
    # The cases above are only worth something if the inventory yields each of them.
    assert _of(findings, team="platform", cluster="prod-east")  # a co-owner's findings
    assert {f.severity for f in findings} == set(Severity)
    assert {Rule.END_OF_SUPPORT, Rule.RETIREMENT, Rule.NODE_IMAGE_LAG} <= {f.rule for f in findings}


def test_summary_links_keep_the_filter(client: TestClient) -> None:
    html = _page(client, "/findings?team=platform")
    link = re.search(r'<td id="summary-critical"><a [^>]*href="([^"]+)"', html)
    assert link and "team=platform" in link[1] and "severity=critical" in link[1]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("team=nobody", "unknown team 'nobody'"),
        ("cluster=prod-west", "unknown cluster 'prod-west'"),
        ("severity=urgent", "unknown severity 'urgent' (known: critical, warning, info)"),
        ("rule=everything", "unknown rule 'everything'"),
        ("team=%3Cscript%3Ealert(1)%3C/script%3E", "unknown team"),
    ],
)
def test_unknown_filter_values_are_a_clear_400(
    client: TestClient, query: str, message: str
) -> None:
    html = _page(client, f"/findings?{query}", status=400)
    assert 'id="error"' in html and message.replace("'", "&#39;") in html
    response = client.get(f"/api/findings?{query}")
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_empty_filter_fields_mean_no_filter(
    client: TestClient, findings: tuple[Finding, ...]
) -> None:
    html = _page(client, "/findings?team=&cluster=&severity=&rule=")
    assert html.count('class="finding"') == len(findings)


def test_hostile_names_stay_inert(client: TestClient, findings: tuple[Finding, ...]) -> None:
    mine = _of(findings, team=HOSTILE_TEAM)
    assert mine and all(f.cluster == HOSTILE.name for f in mine)
    for url in ("/", "/findings", "/deadlines", "/node-images"):
        html = _page(client, url)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or url == "/node-images", url
        assert "<!channel>" not in html
    html = _page(client, "/")
    assert "&lt;!channel&gt; ops" in html
    assert 'href="/findings?team=%3C%21channel%3E%20ops"' in html
    filtered = _page(client, "/findings?team=%3C!channel%3E%20ops")
    assert filtered.count('class="finding"') == len(mine)


# --- home ---------------------------------------------------------------------------------------


def _standings(html: str) -> dict[str, tuple[int, int, str]]:
    """Team -> (critical, warning, the row's HTML) of the home page's table."""
    out = {}
    for row in re.findall(r'<tr class="standing">.*?</tr>', html):
        team = re.search(r"<td><a [^>]*>([^<]+)</a></td>", row)
        critical = re.search(r'class="count-critical">(?:<a [^>]*>)?(\d+)', row)
        warning = re.search(r'class="count-warning">(?:<a [^>]*>)?(\d+)', row)
        assert team and critical and warning, row
        out[team[1]] = (int(critical[1]), int(warning[1]), row)
    return out


def test_home_shows_each_teams_counts_deadline_newest_release_and_fetch(
    client: TestClient, findings: tuple[Finding, ...]
) -> None:
    html = _page(client, "/")
    rows = _standings(html.replace("&lt;!channel&gt; ops", "HOSTILE"))
    names = {"HOSTILE" if t.name == HOSTILE_TEAM else t.name for t in (*TEAMS, Team(HOSTILE_TEAM))}
    assert set(rows) == names
    for team, (critical, warning, row) in rows.items():
        mine = _of(findings, team=HOSTILE_TEAM if team == "HOSTILE" else team)
        assert critical == sum(f.severity is Severity.CRITICAL for f in mine), team
        assert warning == sum(f.severity is Severity.WARNING for f in mine), team
        dated = sorted(f.deadline for f in mine if f.deadline)
        if dated:
            assert dated[0].isoformat() in row, team
    # legacy runs 1.29 on the LTS plan and no source dates 1.29's LTS end: a warning without a
    # deadline, not an overdue end of support (1.29's standard support ended 2025-04-30).
    legacy = [f for f in findings if f.cluster == "legacy" and f.rule is Rule.END_OF_SUPPORT]
    assert [(f.severity, f.deadline) for f in legacy] == [(Severity.WARNING, None)]
    assert "overdue" not in rows["platform"][2] and "overdue" not in rows["retail"][2]
    # The newest corpus release names the LTS patches, Azure Linux 2.0's end and Ubuntu
    # images: it concerns every team with clusters.
    assert all("/releases/aks%3A2025-10-12" in row for _, _, row in rows.values())
    assert re.search(r'id="fetches">Last successful fetch: aks \d{4}-\d\d-\d\d \d\d:\d\d UTC', html)


# --- deadlines ----------------------------------------------------------------------------------


def test_deadlines_list_the_inventorys_dates_with_overdue_ones(
    client: TestClient, findings: tuple[Finding, ...]
) -> None:
    data = client.get("/api/deadlines").json()
    rows = data["inventory"]
    dates = [r["date"] for r in rows]
    assert dates == sorted(dates)
    assert all(r["overdue"] == (r["date"] < TODAY.isoformat()) for r in rows)
    assert any(r["overdue"] for r in rows) and not all(r["overdue"] for r in rows)
    # Every dated finding is on the page, once.
    listed = [(f["cluster"], f["title"]) for r in rows for f in r["findings"]]
    dated = [(f.cluster, f.title) for f in findings if f.deadline is not None]
    assert sorted(listed) == sorted(dated)
    # Retirements that touch a cluster, and only those: Windows Server 2019 (retail-win's
    # pool) and Azure Linux 2.0 (prod-east/batch) retire; Ubuntu 18.04 concerns nobody here.
    subjects = {r["subject"] for r in rows if r["kind"] == "retirement"}
    assert {"Windows Server 2019", "Azure Linux 2.0"} <= subjects
    assert not any("18.04" in s for s in subjects)
    windows = next(r for r in rows if r["subject"] == "Windows Server 2019")
    assert windows["touches"] == ["retail-win runs Windows Server 2019"]
    # The 1.29 end of standard support (2025-04-30) touches legacy (its minor) and is past.
    eos = next(r for r in rows if r["kind"] == "end-of-support" and r["subject"] == "1.29")
    assert eos["overdue"] and eos["date"] == "2025-04-30"
    # legacy is on the LTS plan: no finding dates its support by the standard end.
    assert eos["findings"] == []

    html = _page(client, "/deadlines")
    assert html.count('class="inventory-deadline') == len(rows)
    overdue = sum(r["overdue"] for r in rows)
    assert html.count('class="inventory-deadline overdue-row"') == overdue
    assert f"{overdue} overdue" in html


# --- node images --------------------------------------------------------------------------------


def _ubuntu_2204_versions() -> set[str]:
    """The Ubuntu 22.04 image versions the corpus CHANGELOG announces, read from its text."""
    text = corpus_text("aks/CHANGELOG.md")
    found = re.findall(r"vhd-notes/aks-ubuntu/AKSUbuntu-2204/(\d{6}\.\d{2}\.\d+)\.txt", text)
    return set(found)


def test_node_images_mark_the_pools_and_fill_the_sku(client: TestClient) -> None:
    html = _page(client, "/node-images")
    pools = re.findall(r'<tr class="pool"><td>([^<]+)</td>.*?<td class="behind">(.*?)</td>', html)
    behind = {label: re.sub(r"<[^>]+>", "", text) for label, text in pools}
    newer = {v for v in _ubuntu_2204_versions() if v > "202509.11.0"}
    assert newer == {"202510.03.0"}
    assert behind["prod-east/system"] == "1 image behind"
    assert behind["legacy/system"] == "newest"  # runs 202510.03.0
    # The row of 202509.11.0 in the Ubuntu 22.04 table names the pool that runs it.
    section = html[html.index('<h2 id="Ubuntu-22.04">') :]
    section = section[: section.index("</section>")]
    row = next(r for r in section.split("<tr") if ">202509.11.0<" in r)
    assert 'class="image running"' in "<tr" + row and "prod-east/system" in row
    assert section.count("running") == 2  # prod-east/system and legacy/system
    # SKU: the osSKU values that give the family (AKS: Ubuntu is 22.04 from 1.25).
    skus = re.findall(r'<td class="sku">([^<]*)', section)
    assert skus and all(s.startswith("Ubuntu on 1.25+, Ubuntu2204") for s in skus)
    windows = html[html.index('<h2 id="Windows-Server-2019">') :]
    assert re.search(r'<td class="sku">Windows2019 <span class="meta">\(gen1\)</span>', windows)
    assert "Windows2019" in re.findall(r'<td class="sku">([^<]*)', windows)[0]


# --- release pages ------------------------------------------------------------------------------


class _Items(HTMLParser):
    """Each entry <li>'s id and the id of the entry <li> it sits in; every <li> counted."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str | None] = []
        self.parent: dict[str, str | None] = {}
        self.items = 0
        self.lists_in_markdown = 0
        self._markdown_depth: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "li":
            self.items += 1
            entry = found.get("id") if (found.get("class") or "").startswith("entry") else None
            if entry:
                self.parent[entry] = next((e for e in reversed(self.stack) if e), None)
            self.stack.append(entry)
        if tag == "div" and found.get("class") == "markdown":
            self._markdown_depth.append(0)
        elif tag in ("ul", "ol") and self._markdown_depth:
            self.lists_in_markdown += 1
        if tag == "div" and self._markdown_depth and found.get("class") != "markdown":
            self._markdown_depth[-1] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "li" and self.stack:
            self.stack.pop()
        if tag == "div" and self._markdown_depth:
            if self._markdown_depth[-1]:
                self._markdown_depth[-1] -= 1
            else:
                self._markdown_depth.pop()


def _bullets(release_heading: str) -> tuple[int, int]:
    """(bullet lines, indented bullet lines) of one release section of the corpus CHANGELOG."""
    text = corpus_text("aks/CHANGELOG.md")
    start = text.index(f"\n## {release_heading}\n")
    end = text.index("\n## ", start + 1)
    lines = text[start:end].splitlines()
    bullets = [line for line in lines if re.match(r"^\s*[*-] ", line)]
    nested = [line for line in bullets if re.match(r"^\s{2,}[*-] ", line)]
    return len(bullets), len(nested)


def test_release_page_renders_nested_lists_once(client: TestClient, archive: Archive) -> None:
    bullets, nested = _bullets("Release Notes 2025-10-12")
    assert nested >= 10  # the LTS patches, CSI driver versions, resource requests
    html = _page(client, "/releases/aks:2025-10-12")
    body = html[html.index("<main>") :]
    parser = _Items()
    parser.feed(body)
    assert parser.items == bullets  # one <li> per bullet: no list inside an entry's item
    assert parser.lists_in_markdown == 0
    detail = archive.get_release("aks:2025-10-12")
    assert len(detail.entries) == bullets
    ids = {e.position: f"entry-{e.id}" for e in detail.entries}
    for entry in detail.entries:
        parent = ids.get(entry.parent_position) if entry.parent_position is not None else None
        assert parser.parent[ids[entry.position]] == parent, entry.text[:60]
    assert sum(p is not None for p in parser.parent.values()) == nested


def test_release_page_metadata_is_quiet(client: TestClient, archive: Archive) -> None:
    html = _page(client, "/releases/aks:2025-10-12")
    metas = re.findall(r'<div class="entry-meta">(.*?)</div>', html)
    detail = archive.get_release("aks:2025-10-12")
    assert len(metas) == len(detail.entries)
    for meta in metas:
        shown = re.sub(r"<[^>]+>", "", re.sub(r'title="[^"]*"', "", meta))
        assert len(shown) <= 60, shown  # permalink, kind, breaking, a fact count: one short line
    with_facts = [e for e in detail.entries if e.facts]
    assert with_facts and html.count(" fact") >= len(with_facts)
    assert ".entry-meta { color: #6e7781; font-size: .75rem; }" in html


@pytest.mark.parametrize(
    ("markdown", "item"),
    [
        ("* plain", "plain"),
        ("- dash", "dash"),
        ("  * indented", "indented"),
        ("**bold** start", "**bold** start"),  # emphasis, not a bullet
        ("*emphasis* start", "*emphasis* start"),
        ("1.29 is GA", "1.29 is GA"),
        ("* one\n  * two", "one\n  * two"),  # only the entry's own marker goes
    ],
)
def test_item_markdown_drops_only_the_entrys_own_bullet(markdown: str, item: str) -> None:
    from aksnews.web.entry_tree import item_markdown

    assert item_markdown(markdown) == item


def test_entry_tree_nests_children_and_keeps_orphans_at_the_top(archive: Archive) -> None:
    from aksnews.web.entry_tree import EntryNode, entry_tree
    from aksnews.web.views import release_view

    detail = release_view(archive, "aks:2025-10-12", lambda n: f"/entries/{n}")
    entries = [e for g in detail.groups for e in g.entries]
    parents = {e.parent for e in entries if e.parent is not None}
    # Without its parent (another group on upstream pages) a child stands at the top.
    orphans = [e for e in entries if e.parent is not None]
    assert [n.entry.id for n in entry_tree(orphans[:1])] == [orphans[0].id]
    forest = entry_tree(entries)
    assert {n.entry.position for n in forest if n.children} <= parents

    def count(nodes: tuple[EntryNode, ...]) -> int:
        return sum(1 + count(n.children) for n in nodes)

    assert count(forest) == len(entries)
