"""The weekly digest: built from the real corpus for the week ending 2025-10-13, rendered to
Markdown and email HTML, checked by value, against golden files, with hostile changelog text,
and in headless Chromium."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from digest_teams import CLUSTERS, RELEASE_URL, SEPT_URL, _finding, payments_findings
from markdown_it import MarkdownIt

from aksnews.deliver.digest import (
    NEWS_LIMIT,
    NOTHING_TO_DO,
    DigestInputs,
    build_digest,
    render_html,
    render_markdown,
)
from aksnews.match.relevance import owned_clusters
from aksnews.model.findings import FindingChange, Rule, Severity
from aksnews.model.inventory import Cluster, Inventory, NodePool
from aksnews.model.links import release_url
from aksnews.model.messages import Digest, DigestItem
from aksnews.model.records import ReleaseDetail, ReleaseSummary, StoredEntry
from aksnews.notifiers.slack import escape as slack_escape
from aksnews.notifiers.teams import escape as teams_escape
from aksnews.report.render import markdown_to_html

from corpus import REPO, corpus_text
from digest_inputs import AKS_CHANGELOG, aks_releases, corpus_inputs, upstream_release

TEAM = "payments"
START = dt.date(2025, 10, 6)
END = dt.date(2025, 10, 13)  # exclusive: the week ending 2025-10-13
NOW = dt.datetime(2025, 10, 13, 9, 0, tzinfo=dt.UTC)
GOLDEN = Path(__file__).parent.parent / "golden"
INVENTORY = Inventory(clusters=CLUSTERS)
# The four cases the golden files cover: criticals, nothing to act on, LTS, Windows pools.
TEAMS = ("payments", "docs", "search", "retail")


def _inputs(team: str = TEAM, upstream: tuple[str, ...] = ("1.31", "1.32", "1.34")) -> DigestInputs:
    clusters = owned_clusters(INVENTORY, team)
    return corpus_inputs(
        period_start=START,
        period_end=END,
        today=NOW.date(),
        team_minors=[c.kubernetes_version or "" for c in clusters],
        upstream_minors=upstream,
        findings=payments_findings() if team in ("payments", "platform") else (),
        clusters=clusters,
    )


def _digest(team: str = TEAM) -> Digest:
    return build_digest(team, _inputs(team), period_start=START, period_end=END, now=NOW)


def _section(digest: Digest, key: str) -> list[DigestItem]:
    (section,) = [s for s in digest.sections if s.key == key]
    return list(section.items)


def _release_text(version: str) -> str:
    """The raw text of one AKS release section, found by its '## ' heading."""
    text = corpus_text(AKS_CHANGELOG)
    start = re.search(rf"^## .*{re.escape(version)}.*$", text, re.M)
    assert start
    end = re.compile(r"^## ", re.M).search(text, start.end())
    return text[start.end() : end.start() if end else len(text)]


def _top_level_bullets(section_text: str) -> int:
    # CommonMark: a marker indented less than the previous item's content starts a sibling.
    return len(re.findall(r"^ ?[*-] ", section_text, re.M))


# --- building -----------------------------------------------------------------------------------


@pytest.mark.parametrize("team", TEAMS)
def test_sections_in_order(team: str) -> None:
    keys = [s.key for s in _digest(team).sections]
    assert keys[:2] == ["action", "clusters"] or keys[:3] == ["action", "coming-up", "clusters"]
    assert keys[-2:] == ["news", "everything-else"]


def test_freshness_comes_first_and_unread_statements_follow_the_news() -> None:
    inputs = replace(_inputs(), freshness=("aks: last fetched 9 days ago",))
    week = build_digest(TEAM, inputs, period_start=START, period_end=END, now=NOW)
    assert [s.key for s in week.sections][0] == "freshness"
    entry = StoredEntry(
        1, "aks:2025-10-12", "other", "Other", 0, None, "x", "x", (), 1, None, None, ()
    )
    entry = replace(entry, unread=(("deadline", "KEDA scalers change some time next year"),))
    (release,) = [r for r in inputs.aks_releases if r.summary.version == "2025-10-12"]
    extra = replace(release, entries=(*release.entries, replace(entry, id=10**6)))
    week = build_digest(
        TEAM, replace(inputs, aks_releases=(extra,)), period_start=START, period_end=END, now=NOW
    )
    keys = [s.key for s in week.sections]
    assert keys.index("unread") == keys.index("news") + 1
    (item,) = _section(week, "unread")
    assert item.detail == "because prod-east runs the keda add-on"


# The week of the 2023-11-05 release: two statements aksnews could not read, one about the
# Azure Policy add-on (Gatekeeper), one about a node image fix that names no OS.
POLICY_WEEK = (dt.date(2023, 11, 1), dt.date(2023, 11, 8))
POLICY = Cluster(
    "policy-prod",
    teams=("governance",),
    kubernetes_version="1.27.3",
    node_pools=(NodePool("system", os_sku="Ubuntu", orchestrator_version="1.27.3"),),
    features=("addon:azurepolicy",),  # as import-az names an enabled add-on
)
PLAIN = replace(POLICY, name="plain-prod", teams=("web",), features=())


def _unread_week(cluster: Cluster, web_url: str | None = None) -> Digest:
    start, end = POLICY_WEEK
    inputs = corpus_inputs(
        period_start=start,
        period_end=end,
        today=start,
        team_minors=["1.27"],
        clusters=[cluster],
        web_url=web_url,
    )
    now = dt.datetime.combine(end, dt.time(9), dt.UTC)
    return build_digest(cluster.teams[0], inputs, period_start=start, period_end=end, now=now)


def _corpus_unread(version: str) -> list[tuple[str, str]]:
    (release,) = [r for r in aks_releases() if r.version == version]
    return [(u.expected.value, u.text) for e in release.entries for u in e.unread]


def test_unread_statements_only_those_touching_the_team_the_rest_counted() -> None:
    statements = _corpus_unread("2023-11-05")
    assert len(statements) == 2
    (policy,) = [t for _, t in statements if "Azure Policy Add-On" in t]
    # The team running the Azure Policy add-on reads the Gatekeeper statement, with its reason;
    # the node image statement names nothing it runs: counted, linked to the web archive.
    digest = _unread_week(POLICY, web_url="https://aksnews.example/")
    shown, more = _section(digest, "unread")
    assert (shown.text, shown.label) == (policy, "retirement?")
    assert shown.detail == "because policy-prod runs the Azure Policy add-on"
    assert more.text == "and 1 more not touching your clusters"
    assert more.url == "https://aksnews.example/releases/aks%3A2023-11-05"
    # A team that runs neither reads none of them; the count is under "Everything else".
    other = _unread_week(PLAIN)
    assert "unread" not in [s.key for s in other.sections]
    (counted,) = [i for i in _section(other, "everything-else") if i.label == "not read"]
    assert counted.text == "2 statements aksnews could not read, none touching your clusters"
    assert counted.url == release_url("aks", "2023-11-05", "release-2023-11-05")
    assert "Gatekeeper" not in render_markdown(other)


def test_action_needed_is_new_and_escalated_criticals_and_warnings_deadline_first() -> None:
    items = _section(_digest(), "action")
    assert [(i.label, i.text.split(" ")[0]) for i in items] == [
        ("critical", "Kubernetes"),  # deadline 2025-11-01
        ("warning", "Azure"),  # deadline 2025-11-30
        ("critical", "flowcontrol.apiserver.k8s.io/v1beta3"),  # no deadline: after the dated
    ]
    assert all(i.detail and "do: " in i.detail and "on prod-east" in i.detail for i in items)
    assert items[0].detail and "escalated; deadline 2025-11-01 (in 19 days)" in items[0].detail
    assert items[0].url == SEPT_URL
    # The info finding is new but not for action; the open one is counted under its cluster.
    assert not any("autoscaling" in i.text or "images behind" in i.text for i in items)


def test_second_owner_of_a_cluster_gets_its_findings_and_state() -> None:
    assert [c.name for c in owned_clusters(INVENTORY, "platform")] == ["prod-east"]
    platform = [i.text for i in _section(_digest("platform"), "action")]
    assert platform == [i.text for i in _section(_digest(), "action")]


def test_nothing_to_act_on_says_so_first_and_stays_short() -> None:
    digest = _digest("docs")
    first = digest.sections[0]
    assert first.key == "action" and [i.text for i in first.items] == [NOTHING_TO_DO]
    assert len(render_markdown(digest).splitlines()) < 40


def test_coming_up_only_what_touches_the_team() -> None:
    items = _section(_digest(), "coming-up")
    texts = [i.text for i in items]
    # prod-east runs Ubuntu 22.04 and Azure Linux 2.0 on 1.31: not Ubuntu 18.04.
    assert "Ubuntu 18.04 retires" not in texts
    # Stated for 2025-11-01 in June and moved to 2025-11-30 in October: the newest date, once.
    (azl,) = [i for i in items if i.text == "Azure Linux 2.0 retires"]
    assert azl.detail == "2025-11-30 (in 48 days); on prod-east" and azl.url == RELEASE_URL
    assert "Kubernetes 1.31: end of standard support" in texts
    # Basic Load Balancer retired on 2025-09-30: before now, so not a deadline any more.
    assert "Basic Load Balancer retires" not in texts
    details = [i.detail or "" for i in items]
    assert all(d.endswith("on prod-east") for d in details)
    assert "2025-11-30 (in 48 days); on prod-east" in details
    assert details == sorted(details)  # ISO dates first: soonest first
    assert "coming-up" not in [s.key for s in _digest("retail").sections]  # 1.32: March 2026


def test_your_clusters_one_line_each_then_resolved() -> None:
    items = _section(_digest(), "clusters")
    assert [i.label for i in items] == ["critical", "warning", "resolved"]
    # The still-open warning from an earlier week stays in sight, under the clusters.
    assert items[1].text == "Node pool system on prod-east is 4 Ubuntu 22.04 images behind"
    assert (
        items[1].detail == "still open on prod-east pool system; do: Upgrade before the deadline."
    )
    state = items[0]
    assert state.text == "prod-east: Kubernetes 1.31.8, supported until 2025-11-01"
    assert state.detail == (
        "upgrade channel patch; node OS channel NodeImage; pool system: 4 images behind; "
        "pool batch: no image lag found; 5 open findings (2 critical, 2 warning, 1 info)"
    )
    (lts,) = _section(_digest("search"), "clusters")
    assert lts.text.startswith("legacy: Kubernetes 1.29.100-akslts, LTS")


def _news(team: str) -> list[DigestItem]:
    return _section(_digest(team), "news")


def test_news_only_what_concerns_the_team_with_the_reason() -> None:
    for team in TEAMS:
        news = _news(team)
        assert news and all(
            i.detail and i.detail.startswith("because ") for i in news if i.label != "more"
        )
        # AKS Automatic billing and Automatic-only changes concern no cluster of the inventory.
        assert not any("AKS Automatic" in i.text for i in news), team
    # An -akslts patch reaches only the cluster on the LTS plan.
    lts = [i for i in _news("search") if "LTS" in i.text]
    assert len(lts) == 1 and lts[0].detail
    assert lts[0].detail.startswith("because legacy runs Kubernetes 1.29 on the LTS plan")
    for team in ("payments", "docs", "retail"):
        assert "akslts" not in render_markdown(_digest(team)), team
    # Windows Server 2022 pools: Windows news, never Windows Server 2019 nor Ubuntu 18.04.
    retail = render_markdown(_digest("retail"))
    assert "because retail-win runs Windows node pools" in retail
    assert "Windows Server 2019" not in retail and "18.04" not in retail
    # Node images only of the OSes run.
    images = [i.text for i in _news("payments") if i.label == "node image"]
    assert images == [
        "AKS Azure Linux v2 image has been updated to 202510.03.0.",
        "AKS Ubuntu 22.04 node image has been updated to 202510.03.0.",
    ]


# What each cluster of tests/digest_teams.py runs, written from its definition, and the words by
# which a changelog entry names that thing.
RUNS = {
    "prod-east": {"Kubernetes 1.31", "Ubuntu 22.04", "Azure Linux 2.0", "the keda add-on"},
    "docs-west": {"Kubernetes 1.33", "Azure Linux 3.0"},
    "legacy": {"Kubernetes 1.29 on the LTS plan", "Ubuntu 22.04"},
    "retail-win": {"Kubernetes 1.32", "Ubuntu 22.04", "Windows Server 2022"},
}
FAMILY = {"Ubuntu": "Ubuntu", "Azure Linux": "Azure Linux", "Windows Server": "Windows"}
NAMED_BY = {
    "Kubernetes 1.31": r"(?<![\d.])1\.31(?!\d)",
    "Kubernetes 1.32": r"(?<![\d.])1\.32(?!\d)",
    "Kubernetes 1.33": r"(?<![\d.])1\.33(?!\d)",
    "Kubernetes 1.29 on the LTS plan": r"1\.29\.\d+-akslts",
    "Ubuntu 22.04": r"Ubuntu 22\.04",
    "Azure Linux 2.0": r"Azure Linux v?2\b|Mariner",
    "Azure Linux 3.0": r"Azure Linux v?3\b",
    "Windows Server 2022": r"Windows (Server )?2022",
    "the keda add-on": r"(?i)\bkeda\b",
    "Ubuntu node pools": r"Ubuntu",
    "Azure Linux node pools": r"Azure Linux",
    "Windows node pools": r"Windows",
}


@pytest.mark.parametrize("team", TEAMS)
def test_every_news_reason_is_true_of_the_inventory_and_named_by_the_entry(team: str) -> None:
    """No entry outside relevance: each shown entry's reason is something its cluster runs (by
    the table above, not by aksnews) and the entry, its sub-bullets or its release names it."""
    owned = {c.name for c in owned_clusters(INVENTORY, team)}
    news = [i for i in _news(team) if i.label != "more"]
    assert news
    for item in news:
        assert item.detail
        reasons, _, below = item.detail.removeprefix("because ").partition(". ")
        said = f"{item.text} {below} {item.group or ''}"
        for reason in re.sub(r" and \d+ more$", "", reasons).split(", "):
            cluster, _, thing = reason.partition(" runs ")
            families = {
                f"{FAMILY[k]} node pools"
                for os in RUNS[cluster]
                for k in FAMILY
                if os.startswith(k)
            }
            assert cluster in owned, (team, reason)
            assert thing in RUNS[cluster] | families, (team, reason)
            assert re.search(NAMED_BY[thing], said), (team, reason, said)


def test_upstream_notes_of_the_minors_run_are_capped_with_a_link() -> None:
    news = _news("payments")
    upstream = [i for i in news if i.group == "Kubernetes v1.31.0"]
    notes = [
        e
        for e in upstream_release("1.31").entries
        if e.kind.value in ("urgent-upgrade", "deprecation") and e.text.strip()
    ]
    more = news[-1]
    assert more.label == "more" and more.text.startswith(f"{len(notes) - len(upstream)} more")
    assert len(news) == NEWS_LIMIT + 1
    assert not any(i.group == "Kubernetes v1.32.0" for i in news)  # prod-east runs 1.31


def test_everything_else_counts_what_is_not_shown() -> None:
    digest = _digest()
    rest = {i.text.partition(":")[0]: i for i in _section(digest, "everything-else")}
    line = rest["AKS release 2025-10-12"]
    counted = sum(int(n) for n in re.findall(r"(\d+) ", line.text.partition(":")[2]))
    shown = [i for i in _news(TEAM) if i.group == "AKS release 2025-10-12"]
    assert counted + len(shown) == _top_level_bullets(_release_text("2025-10-12"))
    assert line.url == RELEASE_URL


def test_empty_week() -> None:
    quiet = DigestInputs(team_minors=("1.31",))
    digest = build_digest(TEAM, quiet, period_start=START, period_end=END, now=NOW)
    assert [s.key for s in digest.sections] == ["action"]
    text = render_markdown(digest)
    assert NOTHING_TO_DO in text


def test_releases_outside_the_period_are_ignored() -> None:
    inputs = _inputs(upstream=())
    later = build_digest(
        TEAM, inputs, period_start=END, period_end=END + dt.timedelta(days=7), now=NOW
    )
    assert "news" not in [s.key for s in later.sections]


# --- hostile text --------------------------------------------------------------------------------

HOSTILE = "<script>alert(1)</script> <!channel> [x](javascript:alert(1)) *bold* & more"


def _hostile_digest() -> Digest:
    entry = StoredEntry(
        id=1,
        release_key="aks:2025-10-08",
        kind="announcement",
        section="Announcements",
        position=0,
        parent_position=None,
        markdown=HOSTILE,
        text=HOSTILE,
        links=(),
        line=5,
        pr=None,
        author=None,
        sigs=(),
    )
    summary = ReleaseSummary(
        key="aks:2025-10-08",
        source="aks",
        version="2025-10-08",
        title="Release 2025-10-08",
        date=dt.date(2025, 10, 8),
        tag=None,
        hotfix=False,
        url=release_url("aks", "2025-10-08", "release-2025-10-08"),
        entry_count=1,
        revision=1,
    )
    bad_link = _finding(
        Rule.REMOVED_API, Severity.CRITICAL, "x", HOSTILE, links=("javascript:alert(1)",)
    )
    inputs = DigestInputs(
        aks_releases=(ReleaseDetail(summary, HOSTILE, (entry,), ()),),
        findings=(FindingChange(bad_link, "new"),),
    )
    return build_digest(TEAM, inputs, period_start=START, period_end=END, now=NOW)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.hrefs += [v or "" for k, v in attrs if k == "href"]


def _links_of(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def test_hostile_text_in_html_is_escaped() -> None:
    html = render_html(_hostile_digest())
    assert "<script" not in html.lower()
    assert "javascript:" not in "".join(_links_of(html).hrefs)
    assert all(h.startswith("https://") for h in _links_of(html).hrefs)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;!channel&gt;" in html
    assert "[x](javascript:alert(1)) *bold* &amp; more" in html
    assert "script" not in _links_of(html).tags
    # Email clients ignore <style> and external CSS: styles are inline only.
    assert not {"style", "link", "script"} & _links_of(html).tags


def test_hostile_text_in_markdown_is_escaped() -> None:
    text = render_markdown(_hostile_digest())
    assert r"\<script\>alert(1)\</script\> \<!channel\> \[x\](javascript:alert(1)) \*bold\*" in text
    # Even a renderer that allows raw HTML makes no tag, link or emphasis of it.
    for html in (MarkdownIt("commonmark", {"html": True}).render(text), markdown_to_html(text)):
        assert "<script" not in html
        assert "<em>" not in html
        links = _links_of(html)
        assert all(h.startswith("https://") for h in links.hrefs), links.hrefs
        assert "&lt;!channel&gt;" in html


# --- golden files and a real browser -------------------------------------------------------------


def _slack_json(digest: Digest) -> str:
    from aksnews.notifiers.slack import SlackNotifier

    messages = SlackNotifier().render_digest(digest)
    return json.dumps([dict(m.body) for m in messages], indent=2, ensure_ascii=False) + "\n"


def _teams_json(digest: Digest) -> str:
    from aksnews.notifiers.teams import TeamsNotifier

    messages = TeamsNotifier().render_digest(digest)
    return json.dumps([dict(m.body) for m in messages], indent=2, ensure_ascii=False) + "\n"


FORMATS = {
    "md": render_markdown,
    "html": render_html,
    "slack.json": _slack_json,
    "teams.json": _teams_json,
}


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("team", TEAMS)
def test_golden(team: str, fmt: str) -> None:
    rendered = FORMATS[fmt](_digest(team))
    path = GOLDEN / f"digest-{team}.{fmt}"
    if os.environ.get("AKSNEWS_UPDATE_GOLDEN") == "1":
        # Rewriting the expectation under CI would make this test pass whatever it renders.
        assert not os.environ.get("CI"), "AKSNEWS_UPDATE_GOLDEN=1 is refused when CI is set"
        path.parent.mkdir(exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.is_file(), f"{path} missing: run with AKSNEWS_UPDATE_GOLDEN=1 and review it"
    assert rendered == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("team", TEAMS)
def test_every_format_keeps_the_section_order(team: str) -> None:
    """The golden payloads, read back section by section: the same titles, in the same order,
    with the same counts in md, html, Slack and Teams."""
    digest = _digest(team)
    titles = [s.title for s in digest.sections]
    md = (GOLDEN / f"digest-{team}.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.*) \((\d+)\)$", md, re.M)
    counts = [str(len(s.items)) for s in digest.sections]
    assert [(h.replace("\\", ""), n) for h, n in headings] == list(zip(titles, counts, strict=True))
    html = (GOLDEN / f"digest-{team}.html").read_text(encoding="utf-8")
    positions = [
        html.index(f">{t} ({len(s.items)})<") for t, s in zip(titles, digest.sections, strict=True)
    ]
    assert positions == sorted(positions)
    slack = json.loads((GOLDEN / f"digest-{team}.slack.json").read_text(encoding="utf-8"))
    teams = json.loads((GOLDEN / f"digest-{team}.teams.json").read_text(encoding="utf-8"))
    assert len(slack) == 1 and len(teams) == 1, f"{team}: a typical week fits one message"
    blocks = slack[0]["blocks"]
    headings = [
        b["text"]["text"]
        for b in blocks
        if re.fullmatch(r"\*[^*]+\*", b.get("text", {}).get("text", ""))
    ]
    assert [h.strip("*") for h in headings] == [slack_escape(t) for t in titles]
    assert len(blocks) - 2 == len(titles) + sum(len(s.items) for s in digest.sections)
    body = teams[0]["attachments"][0]["content"]["body"]
    titles_teams = [e["text"] for e in body if e.get("size") == "Medium"]
    assert titles_teams == [teams_escape(t) for t in titles]


def _critical_top(chromium: str, page: Path, tmp_path: Path) -> float:
    """The distance in CSS px from the top of the page to the first critical label, as laid out
    by Chromium in a 1000 px wide window."""
    probe = tmp_path / "probe.html"
    script = (
        "<script>window.onload=function(){var e=document.querySelector('[data-label=critical]');"
        "document.body.setAttribute('data-top', e ? e.getBoundingClientRect().top : -1);};</script>"
    )
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", script + "</body>"))
    dom = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile-dom'}",
            "--window-size=1000,1400",
            "--virtual-time-budget=2000",
            "--dump-dom",
            probe.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=60,
        text=True,
    ).stdout
    match = re.search(r'data-top="(-?[\d.]+)"', dom)
    assert match, dom[:500]
    return float(match[1])


def test_html_golden_renders_in_chromium(tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium not installed (apt-get install chromium; .ci/run installs it)")
    golden = GOLDEN / "digest-payments.html"
    out = REPO / "test-output" / "digest.png"
    out.parent.mkdir(exist_ok=True)
    out.unlink(missing_ok=True)
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={out}",
            "--window-size=1000,1400",
            golden.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    data = out.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 20_000  # a page with text, not a blank canvas
    top = _critical_top(chromium, golden, tmp_path)
    assert 0 < top < 600, f"the first critical finding is {top} px down"


# Slack's published Block Kit limits (api.slack.com/reference/block-kit), written out here rather
# than imported, so a wrong constant in the notifier cannot make its own check pass.
SLACK_BLOCKS, SLACK_SECTION, SLACK_HEADER, SLACK_CONTEXT_ELEMENTS = 50, 3000, 150, 10
TEAMS_CARD_BYTES = 28 * 1024


def _check_block_kit(message: dict[str, object]) -> None:
    blocks = message["blocks"]
    assert isinstance(blocks, list) and 0 < len(blocks) <= SLACK_BLOCKS
    assert isinstance(message["text"], str) and 0 < len(message["text"]) <= 4000
    for block in blocks:
        kind = block["type"]
        assert kind in ("header", "section", "context", "divider"), kind
        if kind == "header":
            assert block["text"]["type"] == "plain_text"
            assert len(block["text"]["text"]) <= SLACK_HEADER
        elif kind == "section":
            assert block["text"]["type"] == "mrkdwn"
            assert 0 < len(block["text"]["text"]) <= SLACK_SECTION
        elif kind == "context":
            assert 0 < len(block["elements"]) <= SLACK_CONTEXT_ELEMENTS


@pytest.mark.parametrize("team", TEAMS)
def test_a_typical_week_fits_one_message_per_channel(team: str) -> None:
    from aksnews.notifiers.slack import SlackNotifier
    from aksnews.notifiers.teams import TeamsNotifier

    digest = _digest(team)
    (slack,) = SlackNotifier().render_digest(digest)
    assert isinstance(slack.body, dict)
    _check_block_kit(slack.body)
    # The fallback text summarises: what needs action comes first.
    expected = "Nothing to act on" if team != "payments" else "3 to act on (2 critical)"
    assert slack.body["text"].startswith(f"{digest.title}: {expected}")
    (card,) = TeamsNotifier().render_digest(digest)
    assert len(json.dumps(card.body).encode()) <= TEAMS_CARD_BYTES


def test_breaking_entries_that_concern_the_team_are_marked() -> None:
    inputs = _inputs("retail", upstream=())
    (release,) = [r for r in inputs.aks_releases if r.summary.version == "2025-10-12"]
    entry = StoredEntry(
        10**6,
        release.summary.key,
        "behavioral-change",
        "Behavioral Changes",
        999,
        None,
        "x",
        "Windows node pools now reboot on every node image upgrade.",
        (),
        1,
        None,
        None,
        (),
        breaking=True,
    )
    other = replace(entry, id=10**6 + 1, position=1000, text="AKS Automatic pricing changes.")
    release = replace(release, entries=(*release.entries, entry, other))
    digest = build_digest(
        "retail",
        replace(inputs, aks_releases=(release,)),
        period_start=START,
        period_end=END,
        now=NOW,
    )
    marked = [i for i in _section(digest, "news") if i.label == "breaking"]
    assert [i.text for i in marked] == [entry.text]
    assert marked[0].detail == "because retail-win runs Windows node pools"


def test_what_the_news_leaves_out_is_linked_to_the_web_archive() -> None:
    inputs = replace(_inputs(), web_url="https://aksnews.example/")
    digest = build_digest(TEAM, inputs, period_start=START, period_end=END, now=NOW)
    more = _section(digest, "news")[-1]
    assert more.label == "more" and more.url == "https://aksnews.example/releases"
