"""The weekly digest of one team: what changed on AKS and upstream, and what it means for them.

Pure: `build_digest` takes what the store hands over (DigestInputs), the team, the period and
`now`, and returns a Digest; `render_markdown` and `render_html` turn a Digest into text through
the templates digest.md.j2 and digest.html.j2. Text from changelogs stays plain text in the
Digest; the templates escape it for their format, and every link comes from our own data
(release anchors, PR numbers, finding links), never from changelog markup.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from aksnews.deliver.digest_clusters import cluster_items
from aksnews.knowledge.lifecycle import MinorLifecycle, minor_of
from aksnews.match.relevance import (
    Reason,
    TeamProfile,
    because,
    entry_reasons,
    fact_reasons,
    statement_reasons,
    team_profile,
)
from aksnews.model.findings import Change, Finding, FindingChange, Severity, days_until, sort_key
from aksnews.model.inventory import Cluster
from aksnews.model.links import AKS_CALENDAR_PAGE, pr_url, release_key_url
from aksnews.model.messages import Digest, DigestItem, DigestSection
from aksnews.model.records import ReleaseDetail, StoredEntry, StoredFact
from aksnews.model.releases import EntryKind, RetirementFact
from aksnews.model.subjects import normalise
from aksnews.model.versions import try_parse_kube_version
from aksnews.report.render import render

# Only http(s) links reach a rendered digest: a javascript: or data: URL can never be made
# clickable, whatever a finding or a stored record carries.
_SAFE_URL = re.compile(r"^https?://[^\s<>\"'`\\]+$", re.IGNORECASE)

_KIND_LABELS = {
    EntryKind.ANNOUNCEMENT.value: "announcement",
    EntryKind.KUBERNETES_VERSION.value: "Kubernetes version",
    EntryKind.FEATURE.value: "feature",
    EntryKind.PREVIEW_FEATURE.value: "preview feature",
    EntryKind.BEHAVIORAL_CHANGE.value: "behavioral change",
    EntryKind.BUG_FIX.value: "bug fix",
    EntryKind.SECURITY.value: "security fix",
    EntryKind.COMPONENT_UPDATE.value: "component update",
    EntryKind.NODE_IMAGE.value: "node image",
    EntryKind.URGENT_UPGRADE.value: "urgent upgrade",
    EntryKind.DEPRECATION.value: "deprecation",
    EntryKind.API_CHANGE.value: "API change",
}
_UPSTREAM_KINDS = {
    EntryKind.URGENT_UPGRADE.value: "urgent upgrade",
    EntryKind.DEPRECATION.value: "deprecation",
}
_ACTION_SEVERITIES = frozenset({Severity.CRITICAL, Severity.WARNING})
NOTHING_TO_DO = "Nothing to act on: no new or escalated critical or warning finding this week."
# News entries shown in full; past this the rest is one linked line, so a typical week fits one
# Slack message (50 blocks) and one Teams card (28 KB).
NEWS_LIMIT = 12


@dataclass(frozen=True, slots=True)
class DigestInputs:
    """What the store hands over for one team and period.

    - aks_releases: AKS releases dated in the period (others are ignored by the builder);
    - upstream_releases: upstream releases of the period (the builder keeps those of the
      team's minors; upstream notes carry no date, so the store's choice is trusted);
    - calendar: one MinorLifecycle per minor (aksnews.knowledge.lifecycle.build_calendar);
    - retirements: every known retirement fact, to list deadlines ahead of `now`;
    - findings: the team's findings with their change since the last digest;
    - team_minors: Kubernetes minors the team's clusters run, e.g. ('1.31', '1.32');
    - release_urls: release key -> public URL with anchor, for facts that only carry a key;
    - freshness: warnings that the archive is stale (aksnews.sources.freshness), shown first;
    - clusters: the team's clusters, which decide what news concerns it (aksnews.match.relevance).
    """

    aks_releases: tuple[ReleaseDetail, ...] = ()
    upstream_releases: tuple[ReleaseDetail, ...] = ()
    calendar: tuple[MinorLifecycle, ...] = ()
    retirements: tuple[StoredFact, ...] = ()
    findings: tuple[FindingChange, ...] = ()
    team_minors: tuple[str, ...] = ()
    release_urls: Mapping[str, str] = field(default_factory=dict)
    freshness: tuple[str, ...] = ()
    clusters: tuple[Cluster, ...] = ()  # the clusters the team owns (aksnews.match.relevance.owns)
    web_url: str | None = None  # the web archive, for what the digest leaves out

    def url(self, release_key: str) -> str:
        """The release's URL; without a stored one, the page of its document."""
        return release_key_url(self.release_urls, release_key)


def safe_url(url: str | None) -> str | None:
    return url if url is not None and _SAFE_URL.match(url) else None


def build_digest(
    team: str,
    inputs: DigestInputs,
    *,
    period_start: dt.date,
    period_end: dt.date,
    now: dt.datetime,
    horizon_days: int = 90,
) -> Digest:
    """The team's digest for [period_start, period_end); deadlines within horizon_days of now.

    Ordered by what the team must do: what needs action, what comes up, the state of its
    clusters, the news that concerns it (by aksnews.match.relevance, with the reason), and counts of
    the rest with links, never the entries themselves."""
    aks = sorted(
        (r for r in inputs.aks_releases if _in_period(r, period_start, period_end)),
        key=lambda r: (r.summary.date or dt.date.min, r.summary.key),
        reverse=True,
    )
    profile = team_profile(team, inputs.clusters)
    today = now.date()
    news, shown = _news_items(aks, inputs.upstream_releases, profile)
    unread, unread_elsewhere = _unread_items(aks, profile, inputs.web_url)
    release_of = {_group(r): r.summary.url for r in (*aks, *inputs.upstream_releases)}
    sections = [
        # A digest built from a stale archive says so before anything else it says.
        DigestSection(
            "freshness",
            "The archive may be out of date",
            tuple(DigestItem(text=w, label="stale") for w in inputs.freshness),
        ),
        DigestSection("action", "Action needed", _action_items(inputs.findings, today)),
        DigestSection(
            "coming-up",
            f"Coming up in the next {horizon_days} days",
            _deadline_items(inputs, profile, today, horizon_days),
        ),
        DigestSection("clusters", "Your clusters", cluster_items(inputs, today)),
        DigestSection("news", "News that concerns you", _capped(news, inputs.web_url, release_of)),
        DigestSection(
            "unread",
            "Not understood by aksnews: read these statements in the changelog yourself",
            unread,
        ),
        DigestSection(
            "everything-else",
            "Everything else (not shown)",
            _rest_items((*aks, *inputs.upstream_releases), shown) + unread_elsewhere,
        ),
    ]
    return Digest(
        team=team,
        period_start=period_start,
        period_end=period_end,
        generated_at=now,
        sections=tuple(s for s in sections if s.items),
    )


def _in_period(release: ReleaseDetail, start: dt.date, end: dt.date) -> bool:
    date = release.summary.date
    return date is not None and start <= date < end


def _group(release: ReleaseDetail) -> str:
    summary = release.summary
    if summary.source != "aks":
        return f"Kubernetes {summary.version}"
    return f"AKS release {summary.version}{' (hotfix)' if summary.hotfix else ''}"


# --- 1) action needed ---------------------------------------------------------------------------


def _deadline_first(finding: Finding) -> tuple[dt.date, tuple[object, ...]]:
    return (finding.deadline or dt.date.max, sort_key(finding))


def _action_items(changes: Iterable[FindingChange], today: dt.date) -> tuple[DigestItem, ...]:
    acting = [
        c
        for c in changes
        if c.change in ("new", "escalated") and c.finding.severity in _ACTION_SEVERITIES
    ]
    if not acting:
        return (DigestItem(text=NOTHING_TO_DO, label="all clear"),)
    acting.sort(key=lambda c: _deadline_first(c.finding))
    return tuple(finding_item(c.finding, c.change, today) for c in acting)


def finding_item(finding: Finding, change: Change, today: dt.date) -> DigestItem:
    where = f"on {finding.cluster}" + (f" pool {finding.node_pool}" if finding.node_pool else "")
    notes = [{"escalated": f"{where}, escalated", "open": f"still open {where}"}.get(change, where)]
    if finding.deadline and change != "resolved":
        notes.append(f"deadline {finding.deadline} ({days_until(finding.deadline, today)})")
    if change != "resolved" and finding.action:
        notes.append(f"do: {finding.action}")
    link = next((u for u in map(safe_url, finding.links) if u), None)
    label = "resolved" if change == "resolved" else finding.severity.value
    return DigestItem(text=finding.title, url=link, label=label, detail="; ".join(notes))


# --- 2) coming up -------------------------------------------------------------------------------


def _deadline_items(
    inputs: DigestInputs, profile: TeamProfile, today: dt.date, horizon_days: int
) -> tuple[DigestItem, ...]:
    """Retirements of what the team runs and the end of support of its clusters' minors."""
    last = today + dt.timedelta(days=horizon_days)
    dated: dict[tuple[str, str], tuple[dt.date, DigestItem]] = {}

    def add(
        key: tuple[str, str], when: dt.date, text: str, label: str, url: str, on: list[str]
    ) -> None:
        clusters = ", ".join(dict.fromkeys(on))
        dated[key] = (
            when,
            DigestItem(
                text=text,
                url=safe_url(url),
                label=label,
                detail=f"{when} ({days_until(when, today)}); on {clusters}",
            ),
        )

    # The newest statement of a retirement is its date and its link: a later release that moves
    # the date (Azure Linux 2.0: 2025-11-01 in June, 2025-11-30 in October) supersedes it.
    newest: dict[str, StoredFact] = {}
    for stored in sorted(inputs.retirements, key=lambda s: (s.release_date or dt.date.min, s.id)):
        if isinstance(stored.fact, RetirementFact) and stored.fact.date:
            newest[normalise(stored.fact.subject_text).lower()] = stored
    for stored in newest.values():
        fact = stored.fact
        if not (isinstance(fact, RetirementFact) and fact.date and today <= fact.date <= last):
            continue
        touched = fact_reasons(fact, profile)
        if not touched:
            continue
        name = normalise(fact.subject_text)  # one name per thing: Windows2019 = ...
        on = [r.cluster for r in touched]
        add(
            ("retirement", name.lower()),
            fact.date,
            f"{name} retires",
            "retirement",
            inputs.url(stored.release_key),
            on,
        )
    rows = {row.minor: row for row in inputs.calendar}
    for cluster in profile.clusters:
        row = rows.get(cluster.minor or "")
        if row is None:
            continue
        source = row.end_of_support_source
        url = inputs.url(source) if source else AKS_CALENDAR_PAGE
        end, what, label = (
            (row.lts_end, "end of long-term support", "LTS end")
            if cluster.lts
            else (row.end_of_support, "end of standard support", "end of support")
        )
        if end and today <= end <= last:
            key = (label, row.minor)
            on = [*_clusters_of(dated.get(key)), cluster.name]
            add(key, end, f"Kubernetes {row.minor}: {what}", label, url, on)
    return tuple(item for _, item in sorted(dated.values(), key=lambda d: (d[0], d[1].text)))


def _clusters_of(known: tuple[dt.date, DigestItem] | None) -> list[str]:
    if known is None or not known[1].detail:
        return []
    return known[1].detail.partition("; on ")[2].split(", ")


# --- 4) news that concerns the team -------------------------------------------------------------


def _news_items(
    aks: Sequence[ReleaseDetail], upstream: Sequence[ReleaseDetail], profile: TeamProfile
) -> tuple[list[DigestItem], set[int]]:
    """Entries of the period relevant to the team, each with its reason; and their ids.

    A nested entry is judged with its parent's text ('LTS patch versions are now available:'
    says little alone, its sub-bullets say which), and shown under it once."""
    items: list[DigestItem] = []
    shown: set[int] = set()
    for release in aks:
        by_position = {e.position: e for e in release.entries}
        for entry in release.entries:
            if not entry.text.strip():
                continue
            parent = by_position.get(entry.parent_position or -1)
            if parent is not None and parent.id in shown:
                shown.add(entry.id)  # already told as part of its parent's line
                continue
            children = [e for e in release.entries if e.parent_position == entry.position]
            facts = [f.fact for e in (entry, *children) for f in e.facts]
            text = " ".join(e.text for e in (entry, *children))
            reasons = entry_reasons(text, facts, profile)
            if not reasons:
                continue
            shown.add(entry.id)
            items.append(_news_item(entry, release, reasons, children))
    minors = profile.minors
    for release in sorted(upstream, key=_version_order, reverse=True):
        minor = minor_of(release.summary.version)
        if minor not in minors:
            continue
        reasons = tuple(
            Reason(c.name, f"Kubernetes {minor}") for c in profile.clusters if c.minor == minor
        )
        notes = [e for e in release.entries if e.kind in _UPSTREAM_KINDS and e.text.strip()]
        notes.sort(key=lambda e: (list(_UPSTREAM_KINDS).index(e.kind), e.position))
        for entry in notes:
            shown.add(entry.id)
            url = pr_url(entry.pr) if entry.pr else release.summary.url
            items.append(
                DigestItem(
                    text=entry.text,
                    url=safe_url(url),
                    label=_UPSTREAM_KINDS[entry.kind],
                    detail=because(reasons),
                    group=_group(release),
                )
            )
    return items, shown


def _news_item(
    entry: StoredEntry,
    release: ReleaseDetail,
    reasons: Sequence[Reason],
    children: Sequence[StoredEntry],
) -> DigestItem:
    below = "; ".join(c.text.rstrip(". ") for c in children if c.text)
    label = "breaking" if entry.breaking else _KIND_LABELS.get(entry.kind, entry.kind)
    detail = because(reasons) + (f". {below}" if below else "")
    return DigestItem(
        text=entry.text,
        url=safe_url(release.summary.url),
        label=label,
        detail=detail,
        group=_group(release),
    )


def _capped(
    items: list[DigestItem], web_url: str | None, release_of: Mapping[str, str]
) -> tuple[DigestItem, ...]:
    """At most NEWS_LIMIT entries; the rest is one line linking to where they are (the web
    archive when `web_url` is set, else the release), never cut silently."""
    if len(items) <= NEWS_LIMIT:
        return tuple(items)
    rest = items[NEWS_LIMIT:]
    groups = ", ".join(dict.fromkeys(i.group for i in rest if i.group))
    first = rest[0].group or ""
    url = web_url.rstrip("/") + "/releases" if web_url else release_of.get(first)
    more = DigestItem(
        text=f"{len(rest)} more entries concern you ({groups})",
        url=safe_url(url),
        label="more",
    )
    return (*items[:NEWS_LIMIT], more)


def _unread_items(
    releases: Iterable[ReleaseDetail], profile: TeamProfile, web_url: str | None
) -> tuple[tuple[DigestItem, ...], tuple[DigestItem, ...]]:
    """Statements of the period's releases that the parser could not read (a version, component,
    node image, retirement or deadline it found no fact for) and that name something the team
    runs: a person must read them. The others are counted, with a link to where they are
    (the web archive when `web_url` is set, else the release): after the shown ones as "and N
    more", or under "Everything else" when none is shown.

    Returns (items of the unread section, items for the everything-else section)."""
    items: list[DigestItem] = []
    left: list[ReleaseDetail] = []
    for release in releases:
        for entry in release.entries:
            for expected, text in entry.unread:
                reasons = statement_reasons(text, profile)
                if not reasons:
                    left.append(release)
                    continue
                items.append(
                    DigestItem(
                        text=text,
                        url=safe_url(release.summary.url),
                        label=f"{expected}?",
                        detail=because(reasons),
                        group=_group(release),
                    )
                )
    if not left:
        return tuple(items), ()
    first = left[0].summary
    url = f"{web_url.rstrip('/')}/releases/{quote(first.key, safe='')}" if web_url else first.url
    n = len(left)
    if items:
        more = f"and {n} more not touching your clusters"
        return (*items, DigestItem(text=more, url=safe_url(url), label="more")), ()
    what = "statement" if n == 1 else "statements"
    rest = f"{n} {what} aksnews could not read, none touching your clusters"
    return (), (DigestItem(text=rest, url=safe_url(url), label="not read"),)


# --- 5) everything else -------------------------------------------------------------------------


def _rest_items(releases: Iterable[ReleaseDetail], shown: set[int]) -> tuple[DigestItem, ...]:
    """Per release, how many entries of each kind were not shown, with the release's link."""
    items = []
    for release in releases:
        counts: dict[str, int] = {}
        for entry in release.entries:
            if entry.id not in shown and entry.parent_position is None and entry.text.strip():
                counts[entry.kind] = counts.get(entry.kind, 0) + 1
        if not counts:
            continue
        parts = ", ".join(f"{n} {_plural(kind, n)}" for kind, n in sorted(counts.items()))
        items.append(
            DigestItem(
                text=f"{_group(release)}: {parts}",
                url=safe_url(release.summary.url),
                label="not shown",
            )
        )
    return tuple(items)


def _plural(kind: str, n: int) -> str:
    word = _KIND_LABELS.get(kind, kind.replace("-", " "))
    return word if n == 1 or word.endswith("s") else f"{word}s"


def _version_order(release: ReleaseDetail) -> tuple[tuple[int, int, int], str]:
    parsed = try_parse_kube_version(release.summary.version)
    return (parsed.triple if parsed else (0, 0, -1), release.summary.key)


# --- rendering ----------------------------------------------------------------------------------


def _context(digest: Digest) -> dict[str, object]:
    link: Callable[[str | None], str | None] = safe_url
    return {"digest": digest, "link": link}


def render_markdown(digest: Digest) -> str:
    return render("digest.md.j2", **_context(digest))


def render_html(digest: Digest) -> str:
    return render("digest.html.j2", **_context(digest))
