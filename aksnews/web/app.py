"""The web archive: a read-only FastAPI application over the store.

Pages (templates/web_*.html.j2), feeds (Atom per search, iCalendar of deadlines) and a JSON API
described at /api/openapi.json. Errors a user can cause are 400/404/422 with a message, as
JSON on API and feed paths and as a page elsewhere.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from aksnews import __version__
from aksnews.errors import AksnewsError
from aksnews.store.handle import Archive
from aksnews.store.queries import NotFoundError
from aksnews.web.api import api_router
from aksnews.web.common import BearerAuth, WebContext, page, wants_json
from aksnews.web.models import HealthOut
from aksnews.web.pages import page_router

log = logging.getLogger(__name__)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _error(request: Request, status: int, message: str) -> Response:
    if wants_json(request.url.path):
        return JSONResponse({"detail": message}, status_code=status)
    return page(request, "web_error.html.j2", status_code=status, title="Error", message=message)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "path"))
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else error.get("msg", ""))
    return "; ".join(parts) or "invalid request"


def create_app(
    archive: Archive,
    *,
    token: str | None = None,
    now: Callable[[], dt.datetime] | None = None,
    poll_interval_hours: float = 6.0,
) -> FastAPI:
    """The application; `token` requires a bearer token on everything but /healthz, `now`
    is the clock the calendar, findings and deadlines are computed for."""
    ctx = WebContext(archive=archive, clock=now or _utcnow, poll_interval_hours=poll_interval_hours)
    app = FastAPI(
        title="aksnews archive",
        version=__version__,
        description="AKS and Kubernetes release notes, parsed and searchable.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    if token:
        app.add_middleware(BearerAuth, token=token)

    # Starlette's class, so unknown paths (raised by the router) get the same treatment.
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return _error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        if wants_json(request.url.path):
            # FastAPI's own shape, which the OpenAPI document declares for 422.
            return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)
        return _error(request, 422, _validation_message(exc))

    @app.exception_handler(AksnewsError)
    async def aksnews_error(request: Request, exc: AksnewsError) -> Response:
        status = 404 if isinstance(exc, NotFoundError) else 400
        log.debug("%s %s: %s", request.method, request.url.path, exc)
        return _error(request, status, str(exc))

    @app.get("/healthz", response_model=HealthOut, tags=["health"])
    def healthz() -> HealthOut:
        """Liveness: the process answers (no token needed)."""
        return HealthOut(status="ok")

    app.include_router(api_router(ctx))
    app.include_router(page_router(ctx))
    return app
