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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from aksnews.findings import Finding, days_until, sort_key
from aksnews.lifecycle import MinorLifecycle, minor_of
from aksnews.links import AKS_CALENDAR_PAGE, pr_url, release_key_url
from aksnews.messages import Digest, DigestItem, DigestSection
from aksnews.model import (
    EntryKind,
    KubernetesVersionFact,
    NodeImageFact,
    RetirementFact,
    VersionEvent,
)
from aksnews.render import render
from aksnews.store.records import ReleaseDetail, StoredEntry, StoredFact
from aksnews.subjects import normalise
from aksnews.versions import compare_node_images, try_parse_kube_version

Change = Literal["new", "escalated", "open", "resolved"]

# Only http(s) links reach a rendered digest: a javascript: or data: URL can never be made
# clickable, whatever a finding or a stored record carries.
_SAFE_URL = re.compile(r"^https?://[^\s<>\"'`\\]+$", re.IGNORECASE)

_HEADLINE_KINDS = {
    EntryKind.ANNOUNCEMENT.value: "announcement",
    EntryKind.KUBERNETES_VERSION.value: "Kubernetes version",
    EntryKind.BEHAVIORAL_CHANGE.value: "behavioral change",
}
_UPSTREAM_KINDS = {
    EntryKind.URGENT_UPGRADE.value: "urgent upgrade",
    EntryKind.DEPRECATION.value: "deprecation",
}
_EVENT_LABELS = {
    VersionEvent.GA: "GA",
    VersionEvent.PREVIEW: "preview",
    VersionEvent.DEPRECATED: "deprecated",
    VersionEvent.LTS_ONLY: "LTS only",
    VersionEvent.END_OF_SUPPORT: "end of support",
    VersionEvent.PATCH_AVAILABLE: "patch",
}
_FINDING_SECTIONS: tuple[tuple[Change, str, str], ...] = (
    ("new", "findings-new", "New findings"),
    ("escalated", "findings-escalated", "Escalated findings"),
    ("open", "findings-open", "Still open"),
    ("resolved", "findings-resolved", "Resolved"),
)


@dataclass(frozen=True, slots=True)
class FindingChange:
    """A finding of the team and how it moved since the last digest."""

    finding: Finding
    change: Change  # new: first seen; escalated: severity up or deadline closer; resolved: gone


@dataclass(frozen=True, slots=True)
class DigestInputs:
    """What the store hands over for one team and period.

    - aks_releases: AKS releases dated in the period (others are ignored by the builder);
    - upstream_releases: upstream releases of the period (the builder keeps those of the
      team's minors; upstream notes carry no date, so the store's choice is trusted);
    - calendar: one MinorLifecycle per minor (aksnews.lifecycle.build_calendar);
    - retirements: every known retirement fact, to list deadlines ahead of `now`;
    - findings: the team's findings with their change since the last digest;
    - team_minors: Kubernetes minors the team's clusters run, e.g. ('1.31', '1.32');
    - release_urls: release key -> public URL with anchor, for facts that only carry a key;
    - freshness: warnings that the archive is stale (aksnews.freshness), shown first.
    """

    aks_releases: tuple[ReleaseDetail, ...] = ()
    upstream_releases: tuple[ReleaseDetail, ...] = ()
    calendar: tuple[MinorLifecycle, ...] = ()
    retirements: tuple[StoredFact, ...] = ()
    findings: tuple[FindingChange, ...] = ()
    team_minors: tuple[str, ...] = ()
    release_urls: Mapping[str, str] = field(default_factory=dict)
    freshness: tuple[str, ...] = ()

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
    """The team's digest for [period_start, period_end); deadlines within horizon_days of now."""
    aks = sorted(
        (r for r in inputs.aks_releases if _in_period(r, period_start, period_end)),
        key=lambda r: (r.summary.date or dt.date.min, r.summary.key),
        reverse=True,
    )
    minors = tuple(dict.fromkeys(m for v in inputs.team_minors if (m := minor_of(v))))
    sections = [
        # A digest built from a stale archive says so before anything else it says.
        DigestSection(
            "freshness",
            "The archive may be out of date",
            tuple(DigestItem(text=w, label="stale") for w in inputs.freshness),
        ),
        DigestSection("aks-releases", "New AKS releases", _release_items(aks)),
        DigestSection(
            "unread",
            "Not understood by aksnews: read these statements in the changelog yourself",
            _unread_items(aks),
        ),
        DigestSection("kubernetes-versions", "Kubernetes versions", _version_items(aks, minors)),
        DigestSection("node-images", "New node images", _node_image_items(aks)),
        DigestSection(
            "deadlines",
            f"Retirements and deadlines in the next {horizon_days} days",
            _deadline_items(inputs, minors, now.date(), horizon_days),
        ),
        *_finding_sections(inputs.findings, now.date()),
        DigestSection(
            "upstream",
            f"Upstream Kubernetes highlights for {', '.join(minors) or 'your minors'}",
            _upstream_items(inputs.upstream_releases, minors),
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


def _children(release: ReleaseDetail) -> dict[int, list[StoredEntry]]:
    out: dict[int, list[StoredEntry]] = {}
    for entry in release.entries:
        if entry.parent_position is not None:
            out.setdefault(entry.parent_position, []).append(entry)
    return out


def _group(release: ReleaseDetail) -> str:
    summary = release.summary
    return f"AKS release {summary.version}{' (hotfix)' if summary.hotfix else ''}"


def _release_items(releases: Iterable[ReleaseDetail]) -> tuple[DigestItem, ...]:
    """Headline entries of each release; sub-bullets become the item's second line, because
    a parent such as 'LTS patch versions are now available:' says little without them."""
    items: list[DigestItem] = []
    for release in releases:
        children = _children(release)
        for entry in release.entries:
            label = _HEADLINE_KINDS.get(entry.kind)
            if label is None or entry.parent_position is not None or not entry.text.strip():
                continue
            below = "; ".join(
                c.text.rstrip(". ") for c in children.get(entry.position, ()) if c.text
            )
            items.append(
                DigestItem(
                    text=entry.text,
                    url=safe_url(release.summary.url),
                    label=label,
                    detail=below or None,
                    group=_group(release),
                )
            )
    return tuple(items)


def _unread_items(releases: Iterable[ReleaseDetail]) -> tuple[DigestItem, ...]:
    """Statements of the period's releases that the parser could not read (a version, component,
    node image, retirement or deadline it found no fact for): a person must read them."""
    items: list[DigestItem] = []
    for release in releases:
        for entry in release.entries:
            for expected, text in entry.unread:
                items.append(
                    DigestItem(
                        text=text,
                        url=safe_url(release.summary.url),
                        label=f"{expected}?",
                        group=_group(release),
                    )
                )
    return tuple(items)


def _facts(release: ReleaseDetail) -> Iterable[tuple[StoredEntry, StoredFact]]:
    for entry in release.entries:
        for stored in entry.facts:
            yield entry, stored


def _version_items(
    releases: Iterable[ReleaseDetail], minors: tuple[str, ...]
) -> tuple[DigestItem, ...]:
    items: list[DigestItem] = []
    seen: set[tuple[str, VersionEvent]] = set()
    for release in releases:  # newest first: a repeated statement links to its latest source
        for _, stored in _facts(release):
            fact = stored.fact
            if not isinstance(fact, KubernetesVersionFact):
                continue
            if (fact.version, fact.event) in seen:
                continue
            seen.add((fact.version, fact.event))
            notes = [f"on {fact.date}"] if fact.date else []
            minor = minor_of(fact.version)
            if minor in minors:
                notes.append(f"your clusters run {minor}")
            items.append(
                DigestItem(
                    text=f"Kubernetes {fact.version}",
                    url=safe_url(release.summary.url),
                    label=_EVENT_LABELS[fact.event],
                    detail=", ".join(notes) or None,
                )
            )
    return tuple(items)


def _newer(candidate: NodeImageFact, current: NodeImageFact) -> bool:
    try:
        order = compare_node_images(candidate.version, current.version)
    except ValueError:
        order = None
    # Releases are read newest first: an unreadable or incomparable version keeps the first one.
    return order is not None and order > 0


def _node_image_items(releases: Iterable[ReleaseDetail]) -> tuple[DigestItem, ...]:
    newest: dict[str, tuple[NodeImageFact, ReleaseDetail]] = {}
    for release in releases:
        for _, stored in _facts(release):
            fact = stored.fact
            if not isinstance(fact, NodeImageFact):
                continue
            known = newest.get(fact.os)
            if known is None or _newer(fact, known[0]):
                newest[fact.os] = (fact, release)
    return tuple(
        DigestItem(
            text=f"{os} node image {fact.version}",
            url=safe_url(release.summary.url),
            label=os,
            detail=f"SKU {fact.sku}" if fact.sku else None,
        )
        for os, (fact, release) in sorted(newest.items())
    )


def _deadline_items(
    inputs: DigestInputs, minors: tuple[str, ...], today: dt.date, horizon_days: int
) -> tuple[DigestItem, ...]:
    last = today + dt.timedelta(days=horizon_days)
    dated: dict[tuple[str, str], tuple[dt.date, DigestItem]] = {}

    def add(key: tuple[str, str], when: dt.date, text: str, label: str, url: str) -> None:
        dated[key] = (
            when,
            DigestItem(
                text=text,
                url=safe_url(url),
                label=label,
                detail=f"{when} ({days_until(when, today)})",
            ),
        )

    # Oldest statement first, so the newest release that repeats a retirement is its link.
    for stored in sorted(inputs.retirements, key=lambda s: (s.release_date or dt.date.min, s.id)):
        fact = stored.fact
        if isinstance(fact, RetirementFact) and fact.date and today <= fact.date <= last:
            name = normalise(fact.subject_text)  # one name per thing: Windows2019 = ...
            key = ("retirement", f"{name.lower()}|{fact.date}")
            add(
                key,
                fact.date,
                f"{name} retires",
                "retirement",
                inputs.url(stored.release_key),
            )
    for row in inputs.calendar:
        if row.minor not in minors:
            continue
        source = row.end_of_support_source
        url = inputs.url(source) if source else AKS_CALENDAR_PAGE
        if row.end_of_support and today <= row.end_of_support <= last:
            text = f"Kubernetes {row.minor}: end of standard support"
            add(("end-of-support", row.minor), row.end_of_support, text, "end of support", url)
        if row.lts_end and today <= row.lts_end <= last:
            text = f"Kubernetes {row.minor}: end of long-term support"
            add(("lts-end", row.minor), row.lts_end, text, "LTS end", AKS_CALENDAR_PAGE)
    return tuple(item for _, item in sorted(dated.values(), key=lambda d: (d[0], d[1].text)))


def _finding_item(finding: Finding, change: Change, today: dt.date) -> DigestItem:
    notes = []
    if finding.deadline and change != "resolved":
        notes.append(f"deadline {finding.deadline} ({days_until(finding.deadline, today)})")
    notes.append(f"cluster {finding.cluster}")
    if change != "resolved" and finding.action:
        notes.append(f"do: {finding.action}")
    link = next((u for u in map(safe_url, finding.links) if u), None)
    return DigestItem(
        text=finding.title, url=link, label=finding.severity.value, detail="; ".join(notes)
    )


def _finding_sections(
    changes: Iterable[FindingChange], today: dt.date
) -> tuple[DigestSection, ...]:
    by_change: dict[str, list[Finding]] = {}
    for change in changes:
        by_change.setdefault(change.change, []).append(change.finding)
    return tuple(
        DigestSection(
            key,
            title,
            tuple(
                _finding_item(f, change, today)
                for f in sorted(by_change.get(change, []), key=sort_key)
            ),
        )
        for change, key, title in _FINDING_SECTIONS
    )


def _version_order(release: ReleaseDetail) -> tuple[tuple[int, int, int], str]:
    parsed = try_parse_kube_version(release.summary.version)
    return (parsed.triple if parsed else (0, 0, -1), release.summary.key)


def _upstream_items(
    releases: Iterable[ReleaseDetail], minors: tuple[str, ...]
) -> tuple[DigestItem, ...]:
    chosen = [r for r in releases if minor_of(r.summary.version) in minors]
    chosen.sort(key=_version_order)
    kind_order = list(_UPSTREAM_KINDS)
    items: list[DigestItem] = []
    for release in reversed(chosen):  # newest version first
        notes = [e for e in release.entries if e.kind in _UPSTREAM_KINDS and e.text.strip()]
        notes.sort(key=lambda e: (kind_order.index(e.kind), e.position))
        for entry in notes:
            url = pr_url(entry.pr) if entry.pr else release.summary.url
            items.append(
                DigestItem(
                    text=entry.text,
                    url=safe_url(url),
                    label=_UPSTREAM_KINDS[entry.kind],
                    group=f"Kubernetes {release.summary.version}",
                )
            )
    return tuple(items)


# --- rendering ----------------------------------------------------------------------------------


def _context(digest: Digest) -> dict[str, object]:
    link: Callable[[str | None], str | None] = safe_url
    return {"digest": digest, "link": link}


def render_markdown(digest: Digest) -> str:
    return render("digest.md.j2", **_context(digest))


def render_html(digest: Digest) -> str:
    return render("digest.html.j2", **_context(digest))
