"""The typer application: global options, error handling, and the command modules."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable, Sequence

import typer

# typer vendors click (as typer._click) since 0.2x: its exceptions and contexts are those.
from typer._click import core as click
from typer._click import exceptions as click_errors
from typer.core import TyperOption

from aksnews import __version__
from aksnews.commands import convert
from aksnews.commands.context import AppState, startup_collector
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


def _version(value: bool) -> None:
    if value:
        print(f"aksnews {__version__}")
        raise typer.Exit()


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
    ctx.call_on_close(ctx.obj.close)
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


def db_upgrade(ctx: typer.Context) -> None:
    """Apply database migrations (also done automatically on first use)."""
    state: AppState = ctx.obj
    print(f"{state.archive().safe_url}: schema is current")


def _db(app: typer.Typer) -> None:
    db_app = typer.Typer(
        help="Database maintenance.", no_args_is_help=True, rich_markup_mode="markdown"
    )
    db_app.command("upgrade")(db_upgrade)
    app.add_typer(db_app, name="db")


def _archive(app: typer.Typer) -> None:
    from aksnews.commands import archive

    archive.register(app)


def _upstream(app: typer.Typer) -> None:
    from aksnews.commands import upstream

    upstream.register(app)


def _inventory(app: typer.Typer) -> None:
    from aksnews.commands import inventory

    inventory.register(app)


def _check(app: typer.Typer) -> None:
    from aksnews.commands import check

    check.register(app)


def _scan(app: typer.Typer) -> None:
    from aksnews.commands import scan

    scan.register(app)


def _web(app: typer.Typer) -> None:
    from aksnews.commands import web

    web.register(app)


def _notify(app: typer.Typer) -> None:
    from aksnews.commands import notify

    notify.register(app)


def _service(app: typer.Typer) -> None:
    from aksnews.commands import service

    service.register(app)


def _freshness(app: typer.Typer) -> None:
    from aksnews.commands import freshness

    freshness.register(app)


Registrar = Callable[[typer.Typer], None]

# The command modules, in the order of `aksnews --help`.
REGISTRARS: tuple[Registrar, ...] = (
    _db,
    _archive,
    _upstream,
    _inventory,
    _check,
    _scan,
    _web,
    _notify,
    _service,
    _freshness,
)

# Every top-level command and the module that registers it. A command line builds only the
# command it runs: typer converts the signature of every registered command on each run, and
# building all of them (and importing their modules) took ~40 ms, a tenth of a read command.
# tests/commands/test_cli_registry.py checks this table against the full application.
COMMANDS: dict[str, Registrar] = {
    "ingest": _archive,
    "fetch": _archive,
    "releases": _archive,
    "show": _archive,
    "facts": _archive,
    "search": _archive,
    "calendar": _upstream,
    "apis": _upstream,
    "diff": _upstream,
    "inventory": _inventory,
    "check": _check,
    "plan": _check,
    "scan": _scan,
    "web": _web,
    "notify": _notify,
    "outbox": _notify,
    "notifiers": _notify,
    "digest": _service,
    "run-once": _service,
    "serve": _service,
    "status": _freshness,
    "db": _db,
}


def build_app(command: str | None = None) -> typer.Typer:
    """The typer application with every command, or with only `command` (one of COMMANDS)."""
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
    app.callback()(_global)
    if command is None:
        for register in REGISTRARS:
            register(app)
        return app
    COMMANDS[command](app)
    app.registered_commands = [
        c
        for c in app.registered_commands
        if (c.name or typer.main.get_command_name(c.callback.__name__ if c.callback else ""))
        == command
    ]
    app.registered_groups = [g for g in app.registered_groups if g.name == command]
    return app


def _command_word(args: Sequence[str]) -> str | None:
    """The command a command line runs, if it names one of COMMANDS; None for anything else
    (no command, --help, an unknown word), which gets the full application and its messages."""
    words = iter(args)
    for word in words:
        if word in ("--db", "--config"):
            next(words, None)
        elif word.startswith("--db=") or word.startswith("--config=") or word == "--debug":
            continue
        else:
            return word if word in COMMANDS else None
    return None


def _usage_line(exc: click_errors.UsageError, args: Sequence[str]) -> str:
    """A usage error as one line with a hint: 'aksnews check: ... (see `aksnews check --help`)'."""
    command = exc.ctx.command_path if exc.ctx is not None else _command_path(args)
    message = " ".join(exc.format_message().split())
    return f"{command}: error: {message} (see `{command} --help`)"


def _command_path(args: Sequence[str]) -> str:
    """'aksnews inventory scan' from the arguments (for errors raised without a context)."""
    command = typer.main.get_command(build_app())
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
        with startup_collector():
            app = build_app(_command_word(args))
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
        if isinstance(exc.__context__, BrokenPipeError):
            # typer turns a closed stdout (`aksnews search x | head`) into exit 1; the reader
            # left on purpose, as below.
            return 0
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
