"""What the deadlines, node-images and home pages show about the stored inventory: the dates
that touch its clusters, the images its pools run, and the newest news for each team.

Pure: what touches a cluster is decided by aksnews.match.relevance (the digest's own function), the
pool's OS family by aksnews.match.nodes.pool_os; the callers read the store and own the clock.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from aksnews.knowledge.lifecycle import MinorLifecycle
from aksnews.match.nodes import pool_os
from aksnews.match.relevance import (
    Reason,
    entry_reasons,
    fact_reasons,
    owned_clusters,
    team_profile,
)
from aksnews.model.findings import Finding, Rule, Severity
from aksnews.model.inventory import Inventory, NodePool
from aksnews.model.records import ReleaseDetail, StoredFact
from aksnews.model.releases import RetirementFact
from aksnews.model.subjects import canonical, normalise
from aksnews.model.versions import (
    NodeImageVersion,
    parse_node_image_version,
    try_parse_kube_version,
)
from aksnews.web.models import NodeImagesOut
from aksnews.web.triage import known_teams

# --- deadlines ----------------------------------------------------------------------------------

_MINOR = re.compile(r"\b\d+\.\d+\b")
_CALENDAR = (
    ("end_of_support", "end-of-support", "end of standard support"),
    ("platform_support_end", "platform-support-end", "end of platform support"),
    ("lts_end", "lts-end", "end of long-term support"),
)


@dataclass(frozen=True, slots=True)
class DatedFinding:
    cluster: str
    team: str | None
    severity: str
    title: str
    node_pool: str | None


@dataclass(frozen=True, slots=True)
class DeadlineRow:
    """One date that touches the inventory: a stated retirement or end of support, with the
    clusters it touches and the findings about it, or a dated finding no statement covers."""

    date: dt.date
    kind: str  # end-of-support, platform-support-end, lts-end, retirement, or a finding's rule
    subject: str
    title: str
    overdue: bool
    touches: tuple[str, ...]  # 'prod-east runs Ubuntu 22.04'
    findings: tuple[DatedFinding, ...]
    source: str | None  # release key that states the date
    url: str | None

    @property
    def severity(self) -> str | None:
        """The most severe of its findings' severities, None without findings."""
        ranks = [Severity(f.severity) for f in self.findings]
        return min(ranks, key=lambda s: s.rank).value if ranks else None


def _dated(finding: Finding) -> DatedFinding:
    return DatedFinding(
        finding.cluster,
        finding.team,
        finding.severity.value,
        finding.title,
        finding.node_pool,
    )


def _covers(kind: str, subject: str, day: dt.date, finding: Finding) -> bool:
    """Whether a finding is about this stated date (same rule, day and thing)."""
    if finding.deadline != day:
        return False
    if kind == "retirement":
        text = subject.casefold()
        return finding.rule is Rule.RETIREMENT and (
            finding.subject.casefold() == text
            or finding.title.casefold().startswith(f"{text} retires")
        )
    # The finding names the minor as 'kubernetes 1.31'.
    minor = _MINOR.search(finding.subject)
    return finding.rule is Rule.END_OF_SUPPORT and minor is not None and minor[0] == subject


def inventory_deadlines(
    inventory: Inventory,
    calendar: Iterable[MinorLifecycle],
    retirements: Iterable[StoredFact],
    findings: Iterable[Finding],
    today: dt.date,
    release_url: Callable[[str], str | None],
) -> list[DeadlineRow]:
    """Every dated finding and every stated end of support or retirement that touches a cluster
    of the inventory, oldest first; those before `today` are overdue.

    A retirement stated in many releases is one row, from the newest release that states it
    (`retirements` come newest first, as aksnews.store.queries.list_facts gives them)."""
    profile = team_profile("inventory", inventory.clusters)
    rows: list[tuple[str, str, dt.date, str, tuple[Reason, ...], str | None]] = []
    for row in calendar:
        runs = tuple(
            Reason(c.name, f"Kubernetes {row.minor}" + (" on the LTS plan" if c.lts else ""))
            for c in profile.clusters
            if c.minor == row.minor
        )
        if not runs:
            continue
        for attr, kind, label in _CALENDAR:
            when: dt.date | None = getattr(row, attr)
            if when is None:
                continue
            if kind == "lts-end" and not any(
                c.lts for c in profile.clusters if c.minor == row.minor
            ):
                continue
            source = row.end_of_support_source if attr == "end_of_support" else None
            rows.append((kind, row.minor, when, f"Kubernetes {row.minor}: {label}", runs, source))
    seen: set[tuple[str, dt.date]] = set()
    for stored in retirements:
        fact = stored.fact
        if not isinstance(fact, RetirementFact) or fact.date is None:
            continue
        name = normalise(fact.subject_text)
        if (name.casefold(), fact.date) in seen:
            continue
        seen.add((name.casefold(), fact.date))
        reasons = tuple(dict.fromkeys(fact_reasons(fact, profile)))
        if reasons:
            rows.append(
                ("retirement", name, fact.date, f"{name} retires", reasons, stored.release_key)
            )
    dated = [f for f in findings if f.deadline is not None]
    used: set[int] = set()
    out = []
    for kind, subject, day, title, reasons, source in rows:
        mine = [
            (n, f) for n, f in enumerate(dated) if n not in used and _covers(kind, subject, day, f)
        ]
        used.update(n for n, _ in mine)
        out.append(
            DeadlineRow(
                date=day,
                kind=kind,
                subject=subject,
                title=title,
                overdue=day < today,
                touches=tuple(map(str, reasons)),
                findings=tuple(_dated(f) for _, f in mine),
                source=source,
                url=release_url(source) if source else None,
            )
        )
    for n, finding in enumerate(dated):
        if n in used:
            continue
        assert finding.deadline is not None  # filtered above
        out.append(
            DeadlineRow(
                date=finding.deadline,
                kind=finding.rule.value,
                subject=finding.subject,
                title=finding.title,
                overdue=finding.deadline < today,
                touches=(),
                findings=(_dated(finding),),
                source=None,
                url=finding.links[0] if finding.links else None,
            )
        )
    out.sort(key=lambda d: (d.date, d.kind, d.subject))
    return out


# --- node images --------------------------------------------------------------------------------

# The osSKU values of a node pool (az aks nodepool add --os-sku), in the API's spelling; which OS
# family each gives is asked of aksnews.match.nodes.pool_os, so there is one answer.
_OS_SKUS = (
    "Ubuntu",
    "Ubuntu2204",
    "Ubuntu2404",
    "AzureLinux",
    "AzureLinux3",
    "CBLMariner",
    "Windows2019",
    "Windows2022",
    "Windows2025",
)
_PROBE_MINORS = tuple(f"1.{n}.0" for n in range(20, 40))


def _first_minor(version: str) -> str:
    return version.rsplit(".", 1)[0]


def os_skus(family: str) -> tuple[str, ...]:
    """The osSKU values that run `family`, with the Kubernetes versions where that depends on
    the version: ('Ubuntu2204', 'Ubuntu on 1.25+'). Old names ('Mariner') count as their
    family's one name (aksnews.model.subjects)."""
    family = canonical(family)
    out = []
    for sku in _OS_SKUS:
        pool = NodePool("probe", os_sku=sku)
        hits = [v for v in _PROBE_MINORS if pool_os(pool, try_parse_kube_version(v)) == family]
        if not hits:
            continue
        if len(hits) == len(_PROBE_MINORS):
            out.append(sku)
        elif hits[0] == _PROBE_MINORS[0]:
            after = _PROBE_MINORS[_PROBE_MINORS.index(hits[-1]) + 1]
            out.append(f"{sku} before {_first_minor(after)}")
        else:
            out.append(f"{sku} on {_first_minor(hits[0])}+")
    return tuple(out)


@dataclass(frozen=True, slots=True)
class PoolImage:
    """A node pool of the inventory and where its image stands in its family's timeline."""

    cluster: str
    pool: str
    family: str
    image: str  # as the pool reports it: AKSUbuntu-2204gen2containerd-202405.03.0
    version: str  # the version part: 202405.03.0
    behind: int | None  # newer images of the family in the archive; None: not comparable
    listed: bool  # the pool's version is one of the archived images

    @property
    def label(self) -> str:
        return f"{self.cluster}/{self.pool}"


def _parse(text: str) -> NodeImageVersion | None:
    try:
        return parse_node_image_version(text)
    except ValueError:
        return None


def pool_images(inventory: Inventory, images: NodeImagesOut) -> list[PoolImage]:
    """Every pool whose image and OS family are known, with how many archived images of its
    family are newer than its own (distinct versions, as the timeline lists them)."""
    versions = {
        family.os.casefold(): [v for i in family.images if (v := _parse(i.version))]
        for family in images.families
    }
    out = []
    for cluster in inventory.clusters:
        kube = try_parse_kube_version(cluster.kubernetes_version or "")
        for pool in cluster.node_pools:
            family = pool_os(pool, kube)
            current = _parse(pool.node_image_version or "")
            if family is None or current is None:
                continue
            known = [v for v in versions.get(family.casefold(), []) if current.comparable_with(v)]
            newer = {v.text for v in known if v.key > current.key}
            out.append(
                PoolImage(
                    cluster=cluster.name,
                    pool=pool.name,
                    family=family,
                    image=pool.node_image_version or "",
                    version=current.text,
                    behind=len(newer) if known else None,
                    listed=any(v.text == current.text for v in known),
                )
            )
    return out


# --- newest news per team -----------------------------------------------------------------------


def newest_concerning(
    inventory: Inventory, releases: Sequence[ReleaseDetail], today: dt.date
) -> dict[str, tuple[str, str, dt.date | None]]:
    """Per team, (key, title, date) of the newest of `releases` (given newest first) released
    by `today` with an entry that concerns it by aksnews.match.relevance; a nested entry is judged
    with its parent's text, as the digest does."""
    teams = {
        name: team_profile(name, owned_clusters(inventory, name)) for name in known_teams(inventory)
    }
    teams = {name: p for name, p in teams.items() if p.clusters}
    out: dict[str, tuple[str, str, dt.date | None]] = {}
    for release in releases:
        if release.summary.date is not None and release.summary.date > today:
            continue
        waiting = [name for name in teams if name not in out]
        if not waiting:
            break
        by_position = {e.position: e for e in release.entries}
        for entry in release.entries:
            parent = by_position.get(entry.parent_position or -1)
            text = f"{parent.text} {entry.text}" if parent else entry.text
            facts = [f.fact for f in entry.facts]
            for name in waiting:
                if name not in out and entry_reasons(text, facts, teams[name]):
                    out[name] = (release.summary.key, release.summary.title, release.summary.date)
    return out
