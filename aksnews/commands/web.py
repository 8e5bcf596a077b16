"""`aksnews web`: serve the archive (pages, feeds, JSON API) with uvicorn."""

from __future__ import annotations

import ipaddress
import os

import typer

from aksnews.commands.context import AppState
from aksnews.errors import ConfigError

TOKEN_ENV = "AKSNEWS_WEB_TOKEN"


def is_loopback(host: str) -> bool:
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything


def check_bind(host: str, token: str | None, insecure: bool) -> None:
    """Anything beyond this machine must present a token, unless the user says otherwise."""
    if token or insecure or is_loopback(host):
        return
    raise ConfigError(
        f"refusing to serve on {host} without a token: set {TOKEN_ENV} so that clients must "
        "send 'Authorization: Bearer <token>', or pass --insecure to let anyone who can reach "
        "the port read the archive"
    )


def register(app: typer.Typer) -> None:
    @app.command()
    def web(
        ctx: typer.Context,
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
        port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
        insecure: bool = typer.Option(
            False,
            "--insecure",
            help=f"Allow a non-loopback address without {TOKEN_ENV} (no authentication).",
        ),
    ) -> None:
        """Serve the searchable archive: pages, Atom/iCalendar feeds and the JSON API.

        A bearer token is read from AKSNEWS_WEB_TOKEN (never from the command line, where
        other users could see it); when set, every path but /healthz requires it.
        """
        import uvicorn

        from aksnews.web.app import create_app

        token = os.environ.get(TOKEN_ENV) or None
        check_bind(host, token, insecure)
        state: AppState = ctx.obj
        application = create_app(
            state.archive(), token=token, poll_interval_hours=state.settings().poll_interval_hours
        )
        uvicorn.run(application, host=host, port=port, server_header=False, log_level="info")
