"""What the page, feed and API routes share: the context, query parameters, errors, rendering."""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from aksnews.model.records import HIGHLIGHT_END, HIGHLIGHT_START
from aksnews.model.releases import EntryKind, Source
from aksnews.report.render import environment, markdown_to_html
from aksnews.store.handle import Archive
from aksnews.store.search import SearchQuery

# Pages need no script at all: forbid it outright, so even a rendering bug cannot run one.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
SEARCH_SOURCES = (Source.AKS.value, Source.KUBERNETES.value)
ENTRY_KINDS = tuple(k.value for k in EntryKind)
MAX_ID = 2**31 - 1  # entry ids are 32-bit integer columns


@dataclass(frozen=True, slots=True)
class WebContext:
    archive: Archive
    clock: Callable[[], dt.datetime]
    poll_interval_hours: float = 6.0  # for the freshness warning (aksnews.sources.freshness)

    def today(self) -> dt.date:
        return self.clock().date()


def bad_request(message: str) -> HTTPException:
    return HTTPException(status_code=400, detail=message)


def _clean(value: str | None, name: str) -> str | None:
    """Empty form fields mean 'no filter'; NUL cannot reach a database driver."""
    if value is None:
        return None
    value = value.strip()
    if "\x00" in value:
        raise bad_request(f"{name} contains a NUL character")
    return value or None


def parse_day(value: str | None, name: str) -> dt.date | None:
    value = _clean(value, name)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise bad_request(f"{name} wants a date as YYYY-MM-DD, not {value!r}") from None


def text_param(value: str | None, name: str) -> str | None:
    return _clean(value, name)


def source_param(value: str | None, allowed: tuple[str, ...] = SEARCH_SOURCES) -> str | None:
    value = _clean(value, "source")
    if value is not None and value not in allowed:
        raise bad_request(f"unknown source {value!r} (known: {', '.join(allowed)})")
    return value


def kind_param(value: str | None) -> str | None:
    value = _clean(value, "kind")
    if value is not None and value not in ENTRY_KINDS:
        raise bad_request(f"unknown kind {value!r} (known: {', '.join(ENTRY_KINDS)})")
    return value


SINCE = "Released on or after, YYYY-MM-DD"
SOURCE = "aks or kubernetes; empty: both"
SourceQ = Annotated[str | None, Query(description=SOURCE)]
SinceQ = Annotated[str | None, Query(description=SINCE)]
TeamQ = Annotated[str | None, Query(max_length=200, description="Findings that concern this team")]
ClusterQ = Annotated[str | None, Query(max_length=200, description="Findings on this cluster")]
SeverityQ = Annotated[str | None, Query(max_length=20, description="critical, warning or info")]
RuleQ = Annotated[str | None, Query(max_length=40, description="A rule, e.g. end-of-support")]


def search_query(
    *,
    q: str | None,
    source: str | None,
    kind: str | None,
    version: str | None,
    since: str | None,
    until: str | None,
    limit: int,
    offset: int,
) -> SearchQuery | None:
    """The store query for the parameters; None when there is neither text nor a filter.

    Without text the filters alone select entries (newest first), so a reader can follow
    e.g. every deprecation for 1.30. Every filter is checked here, so a bad one is a 400 with
    a message even without `q`.
    """
    query = SearchQuery(
        text=text_param(q, "q") or "",
        source=source_param(source),
        kind=kind_param(kind),
        minor=text_param(version, "version"),
        since=parse_day(since, "since"),
        until=parse_day(until, "until"),
        limit=limit,
        offset=offset,
    )
    filtered = any((query.source, query.kind, query.minor, query.since, query.until))
    return query if query.text or filtered else None


@dataclass(frozen=True, slots=True)
class SearchParams:
    """The search parameters as given (to fill the form again) and the store query."""

    form: dict[str, str]
    query: SearchQuery | None
    limit: int
    offset: int


class SearchForm(BaseModel):
    """The parameters shared by /search, /api/search and /feeds/search.atom, declared once."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    q: str | None = Field(None, max_length=500, description='Words; "quoted phrase", prefix*, OR.')
    source: str | None = Field(None, description=SOURCE)
    kind: str | None = Field(None, description="Entry kind, e.g. deprecation, bug-fix")
    version: str | None = Field(
        None, max_length=20, description="Minor version, e.g. 1.29: notes of or about it"
    )
    since: str | None = Field(None, description=SINCE)
    until: str | None = Field(None, description="Released on or before, YYYY-MM-DD")
    limit: int = Field(20, ge=1, le=100, description="Results per page")
    offset: int = Field(0, ge=0, le=10_000, description="Results to skip")


def _query_parameters(form: type[BaseModel]) -> list[dict[str, object]]:
    """The form's fields as OpenAPI query parameters, in the shape FastAPI gives declared ones."""
    parameters: list[dict[str, object]] = []
    for name, schema in form.model_json_schema()["properties"].items():
        schema = {k: v for k, v in schema.items() if not (k == "default" and v is None)}
        parameters.append(
            {
                "name": name,
                "in": "query",
                "required": False,
                "schema": schema,
                "description": schema["description"],
            }
        )
    return parameters


# For the route that serves the form: FastAPI documents only the parameters (and the 422 they
# can cause) that it resolves itself.
SEARCH_OPENAPI: dict[str, Any] = {
    "parameters": _query_parameters(SearchForm),
    "responses": {
        "422": {
            "description": "Validation Error",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}
            },
        }
    },
}


async def search_params(request: Request) -> SearchParams:  # async: no thread-pool hop
    """The search form, validated in one pass of its model.

    FastAPI resolves declared query parameters one by one, re-inspecting each annotation on
    every request: for these eight that was ~0.45 ms of a web search's ~2 ms of the server's
    CPU (measured in-process over raw ASGI calls). Errors are FastAPI's own 422, with the same
    `loc` ("query", name) and messages, from the same pydantic constraints.
    """
    try:
        # A repeated parameter counts with its last value, as FastAPI reads it.
        form = SearchForm.model_validate(dict(request.query_params))
    except ValidationError as exc:
        errors = [{**e, "loc": ("query", *e["loc"])} for e in exc.errors(include_url=False)]
        raise RequestValidationError(errors) from None
    values: dict[str, str | None] = form.model_dump(exclude={"limit", "offset"})
    query = search_query(**values, limit=form.limit, offset=form.offset)
    return SearchParams(
        form={key: value or "" for key, value in values.items()},
        query=query,
        limit=form.limit,
        offset=form.offset,
    )


SearchParamsDep = Annotated[SearchParams, Depends(search_params)]


NOTHING_TO_SEARCH = (
    "q is required: the words to search for, or at least one filter "
    "(source, kind, version, since, until)"
)


def highlight(snippet: str) -> Markup:
    """A search snippet for a page: escaped first, then the store's markers become <mark>."""
    escaped = str(escape(snippet))
    return Markup(escaped.replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_END, "</mark>"))


def markdown(text: str) -> Markup:
    """Changelog Markdown as HTML: raw HTML is not rendered, only http(s) links survive."""
    return Markup(markdown_to_html(text))


def render_page(
    request: Request, template: str, context: Mapping[str, object], status_code: int = 200
) -> HTMLResponse:
    body = (
        environment()
        .get_template(template)
        .render(
            request=request,
            path=request.url.path,
            highlight=highlight,
            markdown=markdown,
            **context,
        )
    )
    return HTMLResponse(body, status_code=status_code, headers=PAGE_HEADERS)


def page(
    request: Request, template: str, status_code: int = 200, **context: object
) -> HTMLResponse:
    return render_page(request, template, context, status_code)


def wants_json(path: str) -> bool:
    """API, feed and health paths answer errors in JSON; pages answer with an HTML page."""
    return path.startswith(("/api/", "/feeds/", "/healthz")) or path.endswith(".ics")


class BearerAuth:
    """Every request but /healthz needs `Authorization: Bearer <token>` (ASGI middleware)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token.encode("utf-8")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == "/healthz":
            await self.app(scope, receive, send)
            return
        scheme, _, given = Headers(scope=scope).get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode("utf-8"), self.token
        ):
            await self.app(scope, receive, send)
            return
        response = JSONResponse(
            {"detail": "a bearer token is required (Authorization: Bearer <token>)"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
        await response(scope, receive, send)
