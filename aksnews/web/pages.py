"""HTML pages (templates/web_*.html.j2) and the Atom and iCalendar feeds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse

from aksnews.inventory.merge import load_inventory
from aksnews.match.matcher import scope_of
from aksnews.store.queries import NotFoundError
from aksnews.web import team_views, views
from aksnews.web.api import findings_params, permalinks
from aksnews.web.common import (
    ENTRY_KINDS,
    MAX_ID,
    NOTHING_TO_SEARCH,
    SEARCH_SOURCES,
    ClusterQ,
    RuleQ,
    SearchParamsDep,
    SeverityQ,
    SourceQ,
    TeamQ,
    WebContext,
    bad_request,
    page,
    render_page,
    source_param,
    text_param,
)
from aksnews.web.entry_tree import entry_tree, item_markdown
from aksnews.web.feeds import deadlines_ics, search_atom
from aksnews.web.models import SearchOut


def page_router(ctx: WebContext) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        latest = {source: views.latest_releases(ctx.archive, source) for source in SEARCH_SOURCES}
        home = team_views.home_view(ctx.archive, ctx.clock())
        return page(
            request,
            "web_home.html.j2",
            title="aksnews archive",
            latest=latest,
            standings=home.standings,
            fetches=home.fetches,
            freshness=views.freshness_view(ctx.archive, ctx.clock(), ctx.poll_interval_hours),
        )

    @router.get("/search", response_class=HTMLResponse)
    def search_page(request: Request, params: SearchParamsDep) -> HTMLResponse:
        form, query = params.form, params.query
        limit, offset = params.limit, params.offset
        context: dict[str, object] = {
            "title": f"Search: {form['q']}" if form["q"] else "Search",
            "form": form,
            "sources": SEARCH_SOURCES,
            "kinds": ENTRY_KINDS,
            "results": None,
        }
        if query is not None:
            results = views.find_entries(ctx.archive, query)
            link = permalinks(request)
            context["results"] = [(views.hit_out(hit, link), hit.snippet) for hit in results.hits]
            context["total"] = results.total
            context["total_capped"] = results.total_capped  # shown as "200+ results"
            context["first"] = offset + 1
            context["last"] = offset + len(results.hits)
            context["prev_url"] = (
                str(request.url.include_query_params(offset=max(0, offset - limit)))
                if offset > 0
                else None
            )
            context["next_url"] = (
                str(request.url.include_query_params(offset=offset + limit))
                if offset + limit < results.total or results.total_capped
                else None
            )
            context["feed_url"] = "/feeds/search.atom?" + request.url.query
        return render_page(request, "web_search.html.j2", context)

    @router.get("/releases", response_class=HTMLResponse)
    def releases_page(request: Request, source: SourceQ = None) -> HTMLResponse:
        chosen = source_param(source)
        rows = views.releases_view(ctx.archive, source=chosen, since=None, minor=None, limit=None)
        return page(request, "web_releases.html.j2", title="Releases", releases=rows, source=chosen)

    @router.get("/releases/{release_id}", response_class=HTMLResponse)
    def release_page(
        request: Request, release_id: Annotated[str, Path(max_length=200)]
    ) -> HTMLResponse:
        ref = text_param(release_id, "release id")
        if ref is None:
            raise bad_request("release id is empty")
        detail = views.release_view(ctx.archive, ref, permalinks(request))
        trees = [entry_tree(group.entries) for group in detail.groups]
        return page(
            request,
            "web_release.html.j2",
            title=detail.release.title,
            detail=detail,
            groups=list(zip(detail.groups, trees, strict=True)),
            item_markdown=item_markdown,
        )

    @router.get("/entries/{entry_id}", response_class=HTMLResponse, name="entry_page")
    def entry_page(
        request: Request, entry_id: Annotated[int, Path(ge=1, le=MAX_ID)]
    ) -> HTMLResponse:
        entry = views.entry_view(ctx.archive, entry_id, permalinks(request))
        return page(
            request, "web_entry.html.j2", title=f"{entry.release}: {entry.kind}", entry=entry
        )

    @router.get("/calendar", response_class=HTMLResponse)
    def calendar_page(request: Request) -> HTMLResponse:
        calendar = views.calendar_view(ctx.archive, ctx.today())
        return page(
            request,
            "web_calendar.html.j2",
            title="Kubernetes versions on AKS",
            calendar=calendar,
            freshness=views.freshness_view(ctx.archive, ctx.clock(), ctx.poll_interval_hours),
        )

    @router.get("/node-images", response_class=HTMLResponse)
    def node_images_page(request: Request) -> HTMLResponse:
        view = team_views.node_images_page_view(ctx.archive)
        running: dict[tuple[str, str], list[str]] = {}
        for pool in view.pools:
            running.setdefault((pool.family, pool.version), []).append(pool.label)
        return page(
            request,
            "web_node_images.html.j2",
            title="Node images",
            images=view.images,
            pools=view.pools,
            skus=view.skus,
            running=running,
        )

    @router.get("/findings", response_class=HTMLResponse)
    def findings_page(
        request: Request,
        team: TeamQ = None,
        cluster: ClusterQ = None,
        severity: SeverityQ = None,
        rule: RuleQ = None,
    ) -> HTMLResponse:
        findings, choices = findings_params(ctx, team, cluster, severity, rule)
        return page(
            request,
            "web_findings.html.j2",
            title="Findings",
            findings=findings,
            choices=choices,
            freshness=views.freshness_view(ctx.archive, ctx.clock(), ctx.poll_interval_hours),
        )

    @router.get("/deadlines", response_class=HTMLResponse)
    def deadlines_page(request: Request) -> HTMLResponse:
        today = ctx.today()
        deadlines = views.all_deadlines(ctx.archive, today, views.release_urls(ctx.archive))
        return page(
            request,
            "web_deadlines.html.j2",
            title="Deadlines",
            deadlines=views.deadlines_view(deadlines, today),
            inventory=team_views.inventory_deadlines_view(ctx.archive, today),
        )

    @router.get("/feeds/search.atom")
    def search_feed(request: Request, params: SearchParamsDep) -> Response:
        query = params.query
        if query is None:
            raise bad_request(NOTHING_TO_SEARCH)
        results: SearchOut = views.search_out(
            query, views.find_entries(ctx.archive, query), permalinks(request)
        )
        base = str(request.base_url).rstrip("/")
        body = search_atom(
            results,
            feed_url=str(request.url),
            page_url=f"{base}/search?{request.url.query}",
            now=ctx.clock(),
        )
        return Response(body, media_type="application/atom+xml; charset=utf-8")

    @router.get("/calendar.ics")
    def deadlines_calendar(
        team: Annotated[str | None, Query(max_length=200, description="One team's")] = None,
    ) -> Response:
        today = ctx.today()
        deadlines = views.all_deadlines(ctx.archive, today, views.release_urls(ctx.archive))
        name = "AKS deadlines"
        chosen = text_param(team, "team")
        if chosen is not None:
            inventory = load_inventory(ctx.archive)
            known = {t.name for t in inventory.teams} | {
                t for c in inventory.clusters for t in c.teams
            }
            if inventory.default_team:
                known.add(inventory.default_team)
            if chosen not in known:
                raise NotFoundError(f"no team {chosen!r} in the inventory")
            clusters = [
                c
                for c in inventory.clusters
                if chosen in c.teams or scope_of(inventory, c).team == chosen
            ]
            findings = [f for f in views.current_findings(ctx.archive, today) if f.team == chosen]
            deadlines = views.team_deadlines(
                deadlines, [c.kubernetes_version or "" for c in clusters], findings
            )
            name = f"AKS deadlines: {chosen}"
        body = deadlines_ics(deadlines, name=name, now=ctx.clock())
        return Response(body, media_type="text/calendar; charset=utf-8")

    return router
