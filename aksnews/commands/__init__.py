"""The typer application: global options, error handling, and the command modules."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Sequence

import typer

# typer vendors click (as typer._click) since 0.2x: its exceptions and contexts are those.
from typer._click import core as click
from typer._click import exceptions as click_errors
from typer.core import TyperOption

from aksnews import __version__
from aksnews.commands import archive, convert
from aksnews.commands import check as check_commands
from aksnews.commands import freshness as freshness_commands
from aksnews.commands import inventory as inventory_commands
from aksnews.commands import notify as notify_commands
from aksnews.commands import scan as scan_commands
from aksnews.commands import service as service_commands
from aksnews.commands import upstream as upstream_commands
from aksnews.commands import web as web_commands
from aksnews.commands.context import AppState
from aksnews.commands.options import UsageProblem
from aksnews.errors import AksnewsError
from aksnews.redact import install as install_redaction
from aksnews.redact import redact


def _flag_type(self: TyperOption, ctx: click.Context) -> str | None:
    """typer labels flags `<bool>` in help as if they took a value; a flag shows no type."""
    if self.is_flag or self.count:
        return None
    return _option_type(self, ctx)


_option_type = TyperOption.display_type_rich
TyperOption.display_type_rich = _flag_type  # type: ignore[method-assign]
convert.install()

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
    # Every record reaching the handlers, aksnews's and the libraries' (slack_sdk, httpx,
    # httpcore, urllib3), is redacted: webhook paths, tokens, passwords, Authorization.
    install_redaction()
    if not debug:
        # httpx logs every request at INFO: noise for a command line that reports outcomes.
        for noisy in ("httpx", "httpcore"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


archive.register(app)
upstream_commands.register(app)
inventory_commands.register(app)
check_commands.register(app)
scan_commands.register(app)
web_commands.register(app)
notify_commands.register(app)
service_commands.register(app)
freshness_commands.register(app)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply database migrations (also done automatically on first use)."""
    state: AppState = ctx.obj
    print(f"{state.archive().safe_url}: schema is current")


def _usage_line(exc: click_errors.UsageError, args: Sequence[str]) -> str:
    """A usage error as one line with a hint: 'aksnews check: ... (see `aksnews check --help`)'."""
    command = exc.ctx.command_path if exc.ctx is not None else _command_path(args)
    message = " ".join(exc.format_message().split())
    return f"{command}: error: {message} (see `{command} --help`)"


def _command_path(args: Sequence[str]) -> str:
    """'aksnews inventory scan' from the arguments (for errors raised without a context)."""
    command = typer.main.get_command(app)
    path = ["aksnews"]
    words = iter(args)
    for word in words:
        if word in ("--db", "--config"):
            next(words, None)
            continue
        sub = getattr(command, "commands", {}).get(word)
        if sub is None:
            if not word.startswith("-"):
                break
            continue
        command = sub
        path.append(word)
    return " ".join(path)


def run(args: Sequence[str]) -> int:
    """Run the CLI; the exit code. Usage errors exit 1 (2 and 3 mean findings, never misuse)."""
    debug = "--debug" in args
    try:
        # Not standalone: click would exit 2 on a usage error, the code of "findings".
        result = app(list(args), prog_name="aksnews", standalone_mode=False)
    except click_errors.NoArgsIsHelpError as exc:
        typer.echo(exc.format_message())
        return 0
    except click_errors.UsageError as exc:
        print(_usage_line(exc, args), file=sys.stderr)
        return 1
    except click_errors.ClickException as exc:
        print(f"aksnews: error: {' '.join(exc.format_message().split())}", file=sys.stderr)
        return 1
    except typer.Abort:
        print("aksnews: interrupted", file=sys.stderr)
        return 130
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:
        print("aksnews: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the one place that turns errors into exit codes
        if debug:
            print(redact(traceback.format_exc()), end="", file=sys.stderr)
        if isinstance(exc, UsageProblem):
            command = _command_path(args)
            print(f"{command}: error: {exc} (see `{command} --help`)", file=sys.stderr)
            return 1
        if isinstance(exc, AksnewsError):
            print(f"aksnews: error: {redact(str(exc))}", file=sys.stderr)
            return int(getattr(exc, "exit_code", 1))
        print(
            f"aksnews: internal error: {type(exc).__name__}: {redact(str(exc))}"
            + ("" if debug else " (run with --debug for the traceback)"),
            file=sys.stderr,
        )
        return 1
    return result if isinstance(result, int) else 0
