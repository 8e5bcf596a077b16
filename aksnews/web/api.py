"""The JSON API: everything the pages show, described by the app's OpenAPI document."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from aksnews.model.releases import Source
from aksnews.web import team_views, views
from aksnews.web.common import (
    MAX_ID,
    NOTHING_TO_SEARCH,
    SEARCH_OPENAPI,
    ClusterQ,
    RuleQ,
    SearchParamsDep,
    SeverityQ,
    SinceQ,
    TeamQ,
    WebContext,
    bad_request,
    parse_day,
    source_param,
    text_param,
)
from aksnews.web.models import (
    CalendarOut,
    DeadlinesOut,
    EntryOut,
    FindingsOut,
    NodeImagesOut,
    ReleaseDetailOut,
    ReleaseOut,
    SearchOut,
)
from aksnews.web.triage import FilterChoices, FilterError

ALL_SOURCES = tuple(s.value for s in Source)


def permalinks(request: Request) -> views.Permalink:
    base = str(request.base_url).rstrip("/")
    return lambda entry_id: f"{base}/entries/{entry_id}"


def findings_params(
    ctx: WebContext,
    team: str | None,
    cluster: str | None,
    severity: str | None,
    rule: str | None,
) -> tuple[FindingsOut, FilterChoices]:
    """The findings the /findings page and API filter select (empty parameters: no filter)."""
    try:
        return team_views.findings_page_view(
            ctx.archive,
            ctx.today(),
            team=text_param(team, "team"),
            cluster=text_param(cluster, "cluster"),
            severity=text_param(severity, "severity"),
            rule=text_param(rule, "rule"),
        )
    except FilterError as exc:
        raise bad_request(str(exc)) from None


def api_router(ctx: WebContext) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["api"])

    @router.get("/search", response_model=SearchOut, openapi_extra=SEARCH_OPENAPI)
    # Async on purpose: the search takes a few milliseconds, and running it on the event loop
    # saves the hop to the thread pool that a sync endpoint costs (about 35% more requests/s
    # under load on two cores).
    async def api_search(request: Request, params: SearchParamsDep) -> SearchOut:
        """Full-text search over every archived entry, best matches first.

        Without `q`, at least one filter is needed: the entries it selects, newest first.
        """
        query = params.query
        if query is None:
            raise bad_request(NOTHING_TO_SEARCH)
        return views.search_out(query, views.find_entries(ctx.archive, query), permalinks(request))

    @router.get("/releases", response_model=list[ReleaseOut])
    def api_releases(
        source: Annotated[str | None, Query(description="aks, kubernetes, ...")] = None,
        since: SinceQ = None,
        version: Annotated[
            str | None, Query(max_length=20, description="Upstream minor, e.g. 1.29")
        ] = None,
        limit: Annotated[int | None, Query(ge=1, le=10_000)] = None,
    ) -> list[ReleaseOut]:
        """Archived releases, newest first."""
        return views.releases_view(
            ctx.archive,
            source=source_param(source, ALL_SOURCES),
            since=parse_day(since, "since"),
            minor=text_param(version, "version"),
            limit=limit,
        )

    @router.get("/releases/{release_id}", response_model=ReleaseDetailOut)
    def api_release(
        request: Request,
        release_id: Annotated[str, Path(max_length=200, description="e.g. aks:2025-10-12")],
    ) -> ReleaseDetailOut:
        """One release with its entries: AKS by section, upstream by kind."""
        ref = text_param(release_id, "release id")
        if ref is None:
            raise bad_request("release id is empty")
        return views.release_view(ctx.archive, ref, permalinks(request))

    @router.get("/entries/{entry_id}", response_model=EntryOut)
    def api_entry(request: Request, entry_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> EntryOut:
        """One entry with its facts."""
        return views.entry_view(ctx.archive, entry_id, permalinks(request))

    @router.get("/calendar", response_model=CalendarOut)
    def api_calendar() -> CalendarOut:
        """Kubernetes minors on AKS: support status today and the dates that decide it."""
        return views.calendar_view(ctx.archive, ctx.today())

    @router.get("/node-images", response_model=NodeImagesOut)
    def api_node_images() -> NodeImagesOut:
        """Node images announced in AKS releases, per OS family, newest first."""
        return views.node_images_view(ctx.archive)

    @router.get("/findings", response_model=FindingsOut)
    def api_findings(
        team: TeamQ = None,
        cluster: ClusterQ = None,
        severity: SeverityQ = None,
        rule: RuleQ = None,
    ) -> FindingsOut:
        """What the matcher finds today for the stored inventory, per team and cluster, with
        the counts per severity; the filters are those of the /findings page (400: unknown)."""
        return findings_params(ctx, team, cluster, severity, rule)[0]

    @router.get("/deadlines", response_model=DeadlinesOut)
    def api_deadlines() -> DeadlinesOut:
        """Upcoming end-of-support and retirement dates, soonest first; `inventory`: every date
        that touches the stored inventory's clusters, overdue ones included."""
        today = ctx.today()
        deadlines = views.all_deadlines(ctx.archive, today, views.release_urls(ctx.archive))
        out = views.deadlines_view(deadlines, today)
        return out.model_copy(
            update={"inventory": team_views.inventory_deadlines_view(ctx.archive, today)}
        )

    return router
