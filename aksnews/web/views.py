"""From the store to what the pages and the JSON API show (aksnews.web.models).

Read-only: every function takes the archive handle (aksnews.store.handle) and only reads; the
matcher and the calendar get `today` from the caller, which owns the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aksnews.inventory.merge import load_inventory
from aksnews.knowledge.lifecycle import MinorLifecycle, load_calendar, minor_of
from aksnews.knowledge.release_order import load_listing
from aksnews.knowledge.view import load_archive_view
from aksnews.match.matcher import match
from aksnews.model.findings import Finding, Rule
from aksnews.model.records import ReleaseSummary, SearchHit, StoredEntry, StoredFact
from aksnews.model.releases import EntryKind, NodeImageFact, RetirementFact, Source, fact_to_json
from aksnews.model.subjects import normalise
from aksnews.report.records import snippet_markdown
from aksnews.store.search import SearchQuery, SearchResults
from aksnews.web.models import (
    CalendarOut,
    ClusterFindings,
    DeadlineOut,
    DeadlinesOut,
    EntryOut,
    FactOut,
    FindingOut,
    FindingsOut,
    MinorOut,
    NodeImageFamily,
    NodeImageOut,
    NodeImagesOut,
    ReleaseDetailOut,
    ReleaseGroup,
    ReleaseOut,
    SearchHitOut,
    SearchOut,
    SearchParams,
    TeamFindings,
    UnreadOut,
)

if TYPE_CHECKING:
    from aksnews.store.handle import Archive

Permalink = Callable[[int], str]

# The order upstream notes are listed in on a release page: what needs action first.
_KIND_ORDER = {
    kind.value: n
    for n, kind in enumerate(
        (
            EntryKind.URGENT_UPGRADE,
            EntryKind.DEPRECATION,
            EntryKind.API_CHANGE,
            EntryKind.FEATURE,
            EntryKind.BUG,
            EntryKind.DEPENDENCY,
            EntryKind.DOCUMENTATION,
            EntryKind.FAILING_TEST,
            EntryKind.OTHER,
        )
    )
}


def release_out(summary: ReleaseSummary) -> ReleaseOut:
    return ReleaseOut(
        id=summary.key,
        source=summary.source,
        version=summary.version,
        date=summary.date,
        title=summary.title,
        tag=summary.tag,
        hotfix=summary.hotfix,
        url=summary.url,
        entry_count=summary.entry_count,
        revision=summary.revision,
    )


def fact_out(stored: StoredFact) -> FactOut:
    return FactOut(
        type=stored.fact.type.value,
        release=stored.release_key,
        entry=stored.entry_id,
        subject=stored.fact.subject,
        data=fact_to_json(stored.fact),
    )


def entry_out(entry: StoredEntry, permalink: Permalink) -> EntryOut:
    return EntryOut(
        id=entry.id,
        release=entry.release_key,
        kind=entry.kind,
        section=entry.section,
        position=entry.position,
        parent=entry.parent_position,
        text=entry.text,
        markdown=entry.markdown,
        links=list(entry.links),
        line=entry.line,
        pr=entry.pr,
        author=entry.author,
        sigs=list(entry.sigs),
        facts=[fact_out(f) for f in entry.facts],
        permalink=permalink(entry.id),
        breaking=entry.breaking,
        unread=[UnreadOut(expected=e, text=t) for e, t in entry.unread],
    )


def releases_view(
    archive: Archive,
    *,
    source: str | None,
    since: dt.date | None,
    minor: str | None,
    limit: int | None,
) -> list[ReleaseOut]:
    if minor is not None:
        rows = archive.list_releases(source=source, since=since, minor=minor, limit=limit)
        return [release_out(r) for r in rows]
    found = load_listing(archive, source=source, since=since, limit=limit)
    return [release_out(r) for r in found.releases]


def freshness_view(archive: Archive, now: dt.datetime, poll_interval_hours: float) -> list[str]:
    """The freshness warnings (aksnews.sources.freshness) for the pages that judge the present."""
    from aksnews.sources.freshness import judge, load_source_statuses

    statuses = load_source_statuses(archive, now.date())
    return list(judge(statuses, now, poll_interval_hours=poll_interval_hours).warnings)


def latest_releases(archive: Archive, source: str, limit: int = 10) -> list[ReleaseOut]:
    """The home page's newest releases of a source; upstream: final releases only."""
    found = load_listing(archive, source=source, limit=limit, finals_only=True)
    return [release_out(r) for r in found.releases]


def release_view(archive: Archive, ref: str, permalink: Permalink) -> ReleaseDetailOut:
    """A release with its entries grouped: AKS by section as written, upstream by kind."""
    detail = archive.get_release(ref)
    groups: dict[str, list[EntryOut]] = {}
    upstream = detail.summary.source == Source.KUBERNETES
    for entry in detail.entries:
        name = entry.kind if upstream else (entry.section or "Notes")
        groups.setdefault(name, []).append(entry_out(entry, permalink))
    names = list(groups)
    if upstream:
        names.sort(key=lambda kind: (_KIND_ORDER.get(kind, len(_KIND_ORDER)), kind))
    return ReleaseDetailOut(
        release=release_out(detail.summary),
        groups=[ReleaseGroup(name=n, entries=groups[n]) for n in names],
    )


def entry_view(archive: Archive, entry_id: int, permalink: Permalink) -> EntryOut:
    return entry_out(archive.get_entry(entry_id), permalink)


def hit_out(hit: SearchHit, permalink: Permalink) -> SearchHitOut:
    return SearchHitOut(
        entry=hit.entry_id,
        release=hit.release_key,
        source=hit.source,
        version=hit.version,
        date=hit.date,
        kind=hit.kind,
        section=hit.section,
        snippet=snippet_markdown(hit.snippet),
        url=hit.url,
        permalink=permalink(hit.entry_id),
        also_in=hit.also_in,
    )


def find_entries(archive: Archive, query: SearchQuery) -> SearchResults:
    """Full-text search when the query has words; else the filtered entries, newest first."""
    if query.text:
        return archive.search(query)
    hits, total = archive.list_entries(
        source=query.source,
        kind=query.kind,
        minor=query.minor,
        since=query.since,
        until=query.until,
        limit=query.limit,
        offset=query.offset,
    )
    return SearchResults(hits=tuple(hits), total=total)


def search_out(query: SearchQuery, results: SearchResults, permalink: Permalink) -> SearchOut:
    return SearchOut(
        query=SearchParams(
            q=query.text,
            source=query.source,
            kind=query.kind,
            version=query.minor,
            since=query.since,
            until=query.until,
            limit=query.limit,
            offset=query.offset,
        ),
        total=results.total,
        total_capped=results.total_capped,
        results=[hit_out(h, permalink) for h in results.hits],
    )


def minor_out(row: MinorLifecycle) -> MinorOut:
    return MinorOut(
        minor=row.minor,
        support=row.support.value,
        supported=row.supported,
        upstream_release=row.upstream_release,
        aks_preview=row.aks_preview,
        aks_ga=row.aks_ga,
        end_of_support=row.end_of_support,
        platform_support_end=row.platform_support_end,
        lts_end=row.lts_end,
        sources=list(row.sources),
        lts=row.lts,
        inferred=[d.milestone.value for d in row.dates if d.basis.value == "inferred"],
        conflicts=[c.describe() for c in row.conflicts],
    )


def calendar_view(archive: Archive, today: dt.date) -> CalendarOut:
    return CalendarOut(today=today, minors=[minor_out(r) for r in load_calendar(archive, today)])


def node_images_view(archive: Archive) -> NodeImagesOut:
    """Node images per OS family, newest release first; families with the newest image first."""
    families: dict[str, list[NodeImageOut]] = {}
    for stored in archive.list_facts(fact_type="node-image", source="aks"):
        fact = stored.fact
        if not isinstance(fact, NodeImageFact):
            continue
        families.setdefault(fact.os, []).append(
            NodeImageOut(
                version=fact.version,
                sku=fact.sku,
                path=fact.path,
                release=stored.release_key,
                date=stored.release_date,
                entry=stored.entry_id,
            )
        )
    # list_facts is newest release first, so each family's first image is its newest.
    ordered = sorted(
        families.items(), key=lambda item: (item[1][0].date or dt.date.min, item[0]), reverse=True
    )
    return NodeImagesOut(families=[NodeImageFamily(os=os, images=imgs) for os, imgs in ordered])


def current_findings(archive: Archive, today: dt.date) -> tuple[Finding, ...]:
    return match(load_inventory(archive), load_archive_view(archive, today), now=today)


def finding_out(finding: Finding) -> FindingOut:
    return FindingOut(
        key=finding.key,
        rule=finding.rule.value,
        severity=finding.severity.value,
        cluster=finding.cluster,
        team=finding.team,
        title=finding.title,
        why=finding.why,
        action=finding.action,
        subject=finding.subject,
        node_pool=finding.node_pool,
        object=finding.object,
        locations=list(finding.locations),
        deadline=finding.deadline,
        links=list(finding.links),
    )


def findings_view(findings: Iterable[Finding], today: dt.date) -> FindingsOut:
    """Findings per team, then per cluster; teams by name, nobody's clusters last."""
    tree: dict[str | None, dict[str, list[FindingOut]]] = {}
    total = 0
    for finding in findings:  # already most urgent first: keep that order inside a cluster
        tree.setdefault(finding.team, {}).setdefault(finding.cluster, []).append(
            finding_out(finding)
        )
        total += 1
    teams = sorted(tree, key=lambda t: (t is None, t or ""))
    return FindingsOut(
        today=today,
        total=total,
        teams=[
            TeamFindings(
                team=team,
                clusters=[
                    ClusterFindings(cluster=c, findings=tree[team][c]) for c in sorted(tree[team])
                ],
            )
            for team in teams
        ],
    )


@dataclass(frozen=True, slots=True)
class _Dated:
    kind: str
    label: str


_CALENDAR_DATES = (
    ("end_of_support", _Dated("end-of-support", "end of standard support")),
    ("platform_support_end", _Dated("platform-support-end", "end of platform support")),
    ("lts_end", _Dated("lts-end", "end of long-term support")),
)


def all_deadlines(
    archive: Archive, today: dt.date, release_url: Callable[[str], str | None]
) -> list[DeadlineOut]:
    """Every dated end of support (per minor) and retirement, oldest first.

    A retirement is announced again in many releases: each (subject, date) is listed once, from
    the newest release that states it.
    """
    out: list[DeadlineOut] = []
    for row in load_calendar(archive, today):
        for attr, what in _CALENDAR_DATES:
            when = getattr(row, attr)
            if when is None:
                continue
            source = row.end_of_support_source if attr == "end_of_support" else None
            out.append(
                DeadlineOut(
                    date=when,
                    kind=what.kind,
                    subject=row.minor,
                    title=f"Kubernetes {row.minor}: {what.label}",
                    source=source,
                    url=release_url(source) if source else None,
                )
            )
    seen: set[tuple[str, dt.date]] = set()
    for stored in archive.list_facts(fact_type="retirement", source="aks"):
        fact = stored.fact
        if not isinstance(fact, RetirementFact) or fact.date is None:
            continue
        name = normalise(fact.subject_text)  # one name per thing (aksnews.model.subjects)
        if (name.casefold(), fact.date) in seen:
            continue
        seen.add((name.casefold(), fact.date))
        out.append(
            DeadlineOut(
                date=fact.date,
                kind="retirement",
                subject=name,
                title=f"{name} retires",
                source=stored.release_key,
                url=release_url(stored.release_key),
            )
        )
    out.sort(key=lambda d: (d.date, d.kind, d.subject))
    return out


def deadlines_view(deadlines: list[DeadlineOut], today: dt.date) -> DeadlinesOut:
    return DeadlinesOut(today=today, deadlines=[d for d in deadlines if d.date >= today])


def team_deadlines(
    deadlines: list[DeadlineOut],
    clusters_minors: Iterable[str],
    findings: Iterable[Finding],
) -> list[DeadlineOut]:
    """One team's deadlines: the support ends of the minors its clusters run, and the
    retirements the matcher found that the team uses. The matcher's own dated end-of-support
    and retirement findings are added where no stated date covers them (an end of support
    derived from the N-2 rule is in no changelog or calendar row)."""
    minors = {m for v in clusters_minors if (m := minor_of(v))}
    dated = [
        f
        for f in findings
        if f.deadline is not None and f.rule in (Rule.END_OF_SUPPORT, Rule.RETIREMENT)
    ]
    retiring = [f for f in dated if f.rule is Rule.RETIREMENT]
    keep = []
    for d in deadlines:
        if d.kind != "retirement":
            if d.subject in minors:
                keep.append(d)
        elif any(_same_retirement(d, f) for f in retiring):
            keep.append(d)
    covered = {(d.kind, d.date) for d in keep}
    for f in dated:
        assert f.deadline is not None  # filtered above
        if (f.rule.value, f.deadline) in covered:
            continue
        covered.add((f.rule.value, f.deadline))
        keep.append(
            DeadlineOut(
                date=f.deadline,
                kind=f.rule.value,
                subject=f.subject,
                title=f.title,
                source=None,
                url=f.links[0] if f.links else None,
            )
        )
    keep.sort(key=lambda d: (d.date, d.kind, d.subject))
    return keep


def _same_retirement(deadline: DeadlineOut, finding: Finding) -> bool:
    if finding.deadline is not None and finding.deadline != deadline.date:
        return False
    # The finding's title starts with the retirement's own subject; its `subject` is the
    # inventory's name for the thing used, which may be an alias.
    text = deadline.subject.casefold()
    return (
        finding.title.casefold().startswith(f"{text} retires") or text == finding.subject.casefold()
    )


def release_urls(archive: Archive) -> Callable[[str], str | None]:
    """Release key -> the release section's public URL."""
    return {r.key: r.url for r in archive.list_releases()}.get
