"""From the store to the home, findings, deadlines and node-images pages' views of the
inventory (aksnews.web.triage, aksnews.web.inventory_pages decide; this module only reads).

Every read goes through the archive handle (aksnews.store.handle); `today` and `now` come
from the caller's clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aksnews.inventory.merge import load_inventory
from aksnews.knowledge.lifecycle import load_calendar
from aksnews.knowledge.release_order import load_listing
from aksnews.knowledge.view import load_archive_view
from aksnews.match.matcher import match
from aksnews.model.findings import Finding
from aksnews.model.inventory import Inventory
from aksnews.sources.freshness import load_source_statuses
from aksnews.web import triage
from aksnews.web.inventory_pages import (
    DeadlineRow,
    PoolImage,
    inventory_deadlines,
    newest_concerning,
    os_skus,
    pool_images,
)
from aksnews.web.models import (
    DatedFindingOut,
    FindingsOut,
    InventoryDeadlineOut,
    NodeImagesOut,
)
from aksnews.web.views import node_images_view, release_urls

if TYPE_CHECKING:
    from aksnews.store.handle import Archive

# How many of the newest AKS releases the home page searches for each team's newest news.
NEWS_RELEASES = 12


@dataclass(frozen=True, slots=True)
class Matched:
    """The stored inventory and what the matcher finds for it today."""

    inventory: Inventory
    findings: tuple[Finding, ...]


def matched(archive: Archive, today: dt.date) -> Matched:
    inventory = load_inventory(archive)
    return Matched(inventory, match(inventory, load_archive_view(archive, today), now=today))


@dataclass(frozen=True, slots=True)
class HomeView:
    standings: list[triage.TeamStanding]
    fetches: list[triage.FetchLine]


def home_view(archive: Archive, now: dt.datetime) -> HomeView:
    today = now.date()
    state = matched(archive, today)
    newest: dict[str, tuple[str, str, dt.date | None]] = {}
    if state.inventory.clusters:
        keys = [r.key for r in load_listing(archive, source="aks", limit=NEWS_RELEASES).releases]
        newest = newest_concerning(state.inventory, archive.get_releases(keys), today)
    return HomeView(
        standings=triage.team_standings(state.inventory, state.findings, today, newest),
        fetches=triage.fetch_lines(load_source_statuses(archive, today)),
    )


def findings_page_view(
    archive: Archive,
    today: dt.date,
    *,
    team: str | None,
    cluster: str | None,
    severity: str | None,
    rule: str | None,
) -> tuple[FindingsOut, triage.FilterChoices]:
    """The filtered findings and the values each filter may take; FilterError for an unknown
    value."""
    state = matched(archive, today)
    chosen = triage.parse_filter(
        state.inventory, state.findings, team=team, cluster=cluster, severity=severity, rule=rule
    )
    out = triage.findings_out(state.inventory, state.findings, chosen, today)
    return out, triage.filter_choices(state.inventory, state.findings)


def deadline_out(row: DeadlineRow) -> InventoryDeadlineOut:
    return InventoryDeadlineOut(
        date=row.date,
        kind=row.kind,
        subject=row.subject,
        title=row.title,
        overdue=row.overdue,
        touches=list(row.touches),
        severity=row.severity,
        findings=[
            DatedFindingOut(
                cluster=f.cluster,
                team=f.team,
                severity=f.severity,
                title=f.title,
                node_pool=f.node_pool,
            )
            for f in row.findings
        ],
        source=row.source,
        url=row.url,
    )


def inventory_deadlines_view(archive: Archive, today: dt.date) -> list[InventoryDeadlineOut]:
    state = matched(archive, today)
    rows = inventory_deadlines(
        state.inventory,
        load_calendar(archive, today),
        archive.list_facts(fact_type="retirement", source="aks"),
        state.findings,
        today,
        release_urls(archive),
    )
    return [deadline_out(r) for r in rows]


@dataclass(frozen=True, slots=True)
class NodeImagesPage:
    images: NodeImagesOut
    pools: list[PoolImage]
    skus: dict[str, tuple[str, ...]]  # OS family -> the osSKU values that run it


def node_images_page_view(archive: Archive) -> NodeImagesPage:
    images = node_images_view(archive)
    return NodeImagesPage(
        images=images,
        pools=pool_images(load_inventory(archive), images),
        skus={f.os: os_skus(f.os) for f in images.families},
    )
