"""The typer application: global options, error handling, and the command modules."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Sequence

import typer

from aksnews import __version__
from aksnews.commands import archive
from aksnews.commands import check as check_commands
from aksnews.commands import freshness as freshness_commands
from aksnews.commands import inventory as inventory_commands
from aksnews.commands import notify as notify_commands
from aksnews.commands import service as service_commands
from aksnews.commands import upstream as upstream_commands
from aksnews.commands import web as web_commands
from aksnews.commands.context import AppState
from aksnews.errors import AksnewsError

app = typer.Typer(
    name="aksnews",
    help="AKS and Kubernetes release news, parsed into a searchable archive.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Markdown reflows the docstrings' paragraphs to the terminal (the rich mode keeps every
    # source line break) and shows `commands` as code.
    rich_markup_mode="markdown",
)
db_app = typer.Typer(
    help="Database maintenance.", no_args_is_help=True, rich_markup_mode="markdown"
)
app.add_typer(db_app, name="db")


def _version(value: bool) -> None:
    if value:
        print(f"aksnews {__version__}")
        raise typer.Exit()


@app.callback()
def _global(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None,
        "--db",
        envvar="AKSNEWS_DATABASE_URL",
        help="Database URL (sqlite:///path or postgresql://...). "
        "Default: SQLite at ~/.local/share/aksnews/aksnews.db.",
        show_envvar=True,
    ),
    config: str | None = typer.Option(
        None, "--config", envvar="AKSNEWS_CONFIG", help="TOML settings file.", show_envvar=True
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks and debug logs."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    ctx.obj = AppState(db_url=db, config_file=config, debug=debug)
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # httpx logs every request URL at INFO; URLs can carry tokens, so keep it quiet.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


archive.register(app)
upstream_commands.register(app)
inventory_commands.register(app)
check_commands.register(app)
web_commands.register(app)
notify_commands.register(app)
service_commands.register(app)
freshness_commands.register(app)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply database migrations (also done automatically on first use)."""
    from aksnews.store.engine import safe_url

    state: AppState = ctx.obj
    engine = state.engine()
    print(f"{safe_url(str(engine.url))}: schema is current")


def run(args: Sequence[str]) -> int:
    debug = "--debug" in args
    try:
        # Standalone mode: typer reports usage errors itself and exits with click's codes.
        app(list(args), prog_name="aksnews")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:
        print("aksnews: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the one place that turns errors into exit codes
        if debug:
            traceback.print_exc()
        if isinstance(exc, AksnewsError):
            print(f"aksnews: error: {exc}", file=sys.stderr)
            return int(getattr(exc, "exit_code", 1))
        print(
            f"aksnews: internal error: {type(exc).__name__}: {exc}"
            + ("" if debug else " (run with --debug for the traceback)"),
            file=sys.stderr,
        )
        return 1
    return 0
