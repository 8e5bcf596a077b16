"""`aksnews digest` (preview or send a team's digest), `aksnews run-once`, `aksnews serve`."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from aksnews.commands.context import AppState, parse_date, print_json
from aksnews.commands.options import (
    Format,
    choose_format,
    json_option,
    output_option,
    wants_json,
)
from aksnews.errors import AksnewsError, InputError

if TYPE_CHECKING:
    from aksnews.model.messages import Digest

FORMATS = (Format.MARKDOWN, Format.HTML, Format.SLACK, Format.TEAMS, Format.JSON)


class CycleProblems(AksnewsError):
    """A source could not be polled, or a message failed or may not have arrived (exit 1).

    Exit codes 2 and 3 mean findings only.
    """


def _now(today: dt.date | None) -> dt.datetime:
    """The real time, or noon UTC of --today (a fixed day for previews and tests)."""
    if today is None:
        return dt.datetime.now(dt.UTC)
    return dt.datetime.combine(today, dt.time(12), dt.UTC)


def _render(digest: Digest, fmt: Format) -> str:
    if fmt is Format.JSON:
        from aksnews.notifiers.registry import get_notifier
        from aksnews.report.records import dumps

        # The digest's own structure, as the file notifier writes it: one JSON document.
        [message] = get_notifier("file").render_digest(digest)
        return dumps(message.body) + "\n"
    if fmt is Format.MARKDOWN:
        from aksnews.deliver.digest import render_markdown

        return render_markdown(digest)
    if fmt is Format.HTML:
        from aksnews.deliver.digest import render_html

        return render_html(digest)
    from aksnews.notifiers.registry import get_notifier

    # What would be posted, one JSON body per message (Slack {text, blocks}; Teams envelope).
    bodies: list[Any] = [
        m.body if isinstance(m.body, str) else dict(m.body)
        for m in get_notifier(fmt.value).render_digest(digest)
    ]
    return json.dumps(bodies, indent=2, ensure_ascii=False) + "\n"


def _service_logging(debug: bool) -> None:
    """One key=value line per job on stderr (the CLI default level is WARNING), redacted."""
    from aksnews.redact import install

    logging.getLogger("aksnews").setLevel(logging.DEBUG if debug else logging.INFO)
    install()
    for handler in logging.getLogger().handlers:
        handler.setFormatter(
            logging.Formatter(
                "%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S%z"
            )
        )


def register(app: typer.Typer) -> None:
    @app.command()
    def digest(
        ctx: typer.Context,
        team: str = typer.Option(..., "--team", help="Team name from the inventory."),
        since: str | None = typer.Option(
            None, "--since", help="First day of the period (default: 7 days before today)."
        ),
        output: str | None = output_option(FORMATS, "--format", "-f"),
        as_json: bool = json_option(),
        write: Path | None = typer.Option(
            None, "--write", help="Write the preview to this file instead of stdout."
        ),
        send: bool = typer.Option(
            False, "--send", help="Queue it for the team's channels and deliver now."
        ),
        today: str | None = typer.Option(
            None, "--today", help="Pretend today is this date (YYYY-MM-DD)."
        ),
    ) -> None:
        """Preview a team's digest in any format, or send it (--send).

        The period runs from --since (default: 7 days back) up to today in the team's
        timezone, today excluded. --send uses the same outbox key as the scheduled digest of
        that period, so a period's digest is never sent twice.
        """
        from aksnews.inventory.merge import load_inventory
        from aksnews.service import cycle

        fmt = choose_format(output, as_json, FORMATS)
        state: AppState = ctx.obj
        archive = state.archive()
        now = _now(parse_date(today, "--today"))
        team_row = load_inventory(archive).team(team)
        timezone = team_row.timezone if team_row is not None else "UTC"
        start, end = cycle.period_ending(now, timezone)
        first = parse_date(since, "--since")
        if first is not None:
            if first >= end:
                raise InputError(f"--since {first} must be before today ({end})")
            start = first
        if send:
            queued = cycle.queue_digest(
                archive, team, start, end, now, web_url=state.settings().web_url or None
            )
            report = cycle.send(archive, state.settings(), now)
            key = cycle.digest_key(team, start, end)
            sent = [o for o in report.outcomes if o.entry.key == key]
            outcome = ", ".join(
                f"{o.entry.channel} part {o.entry.position}: {o.status.value}" for o in sent
            )
            typer.echo(
                f"{key}: {queued} message(s) queued; "
                + (
                    outcome
                    or (
                        "another process is delivering the outbox and will send them"
                        if report.busy
                        else "none delivered in this run (already sent, waiting for a retry, "
                        "or no channel: see `aksnews outbox`)"
                    )
                )
            )
            from aksnews.deliver.outbox import Status, entries

            # Whatever this period's digest has that is not out yet (a retry, a failure, an
            # uncertain post, a missing secret) makes the command fail: a script must know.
            unsent = [e for e in entries(archive, key=key) if e.status is not Status.SENT]
            for e in unsent:
                typer.echo(
                    f"{e.status.value}: {e.channel} part {e.position}"
                    + (f" ({e.last_error})" if e.last_error else ""),
                    err=True,
                )
            if unsent:
                raise CycleProblems(
                    f"{len(unsent)} message(s) of {key} not sent: see `aksnews outbox`"
                )
            return
        settings = state.settings()
        built = cycle.digest_for(
            archive, team, start, end, now, settings.poll_interval_hours, settings.web_url or None
        )
        stale = next((s for s in built.sections if s.key == "freshness"), None)
        for item in stale.items if stale else ():
            typer.echo(f"warning: {item.text}", err=True)
        text = _render(built, fmt)
        if write is None:
            typer.echo(text, nl=False)
        else:
            write.write_text(text, encoding="utf-8")

    @app.command("run-once")
    def run_once(
        ctx: typer.Context,
        output: str | None = output_option(),
        as_json: bool = json_option(),
        max_alerts_per_run: int | None = typer.Option(
            None,
            "--max-alerts-per-run",
            min=1,
            help="List at most this many findings per team in the run's alert message; "
            "the rest is counted and linked to the web archive (web_url)",
        ),
    ) -> None:
        """One cycle: poll every source, match, queue alerts, deliver the outbox (for cron).

        Exit codes: 0 done; 2 a source failed or a message failed for good or may not have
        arrived; 1 an error.
        """
        as_json = wants_json(output, as_json)
        from aksnews.service import cycle

        state: AppState = ctx.obj
        report = cycle.run_once(
            state.archive(), state.settings(), _now(None), max_alerts_per_run=max_alerts_per_run
        )
        counts = report.counts()
        if as_json:
            print_json(
                {
                    "counts": counts,
                    "source_errors": [{"source": s, "error": e} for s, e in report.poll.errors],
                    "unrouted": [
                        {"key": f.key, "cluster": f.cluster, "title": f.title}
                        for f in report.alerts.unrouted
                    ],
                }
            )
        else:
            for source, error in report.poll.errors:
                typer.echo(f"aksnews: error: {source}: {error}", err=True)
            for f in report.alerts.unrouted:
                typer.echo(f"unrouted alert: {f.cluster}: {f.title} (no team channel)", err=True)
            typer.echo(" ".join(f"{k}={v}" for k, v in counts.items()))
        if report.poll.errors or counts["failed"] or counts["uncertain"]:
            raise CycleProblems("a source failed, or messages failed or may not have arrived")

    @app.command()
    def serve(
        ctx: typer.Context,
        web: bool = typer.Option(False, "--web", help="Also serve the web archive."),
        host: str = typer.Option("127.0.0.1", "--host", help="Web: address to listen on."),
        port: int = typer.Option(8000, "--port", min=1, max=65535, help="Web: port."),
        insecure: bool = typer.Option(
            False, "--insecure", help="Web: allow a non-loopback address without a token."
        ),
    ) -> None:
        """Run the scheduler: polls, delivery every 5 minutes, each team's weekly digest.

        Polls every poll_interval_hours; sends each team's digest at its day, time and
        timezone; re-reads the inventory's teams every 5 minutes. Stops cleanly on SIGTERM.
        SQLite: one serve per database file. PostgreSQL: run replicas freely; each job runs on
        one of them at a time. --web serves the archive in the same process (see `aksnews web`).
        """
        from aksnews.service.scheduler import serve as run_service

        state: AppState = ctx.obj
        _service_logging(state.debug)
        server = None
        if web:
            import uvicorn

            from aksnews.commands.web import TOKEN_ENV, check_bind
            from aksnews.web.app import create_app

            token = os.environ.get(TOKEN_ENV) or None
            check_bind(host, token, insecure)
            config = uvicorn.Config(
                create_app(
                    state.archive(),
                    token=token,
                    poll_interval_hours=state.settings().poll_interval_hours,
                ),
                host=host,
                port=port,
                server_header=False,
                log_level="warning",
            )
            server = uvicorn.Server(config)
        code = run_service(state.archive(), state.settings(), web_server=server)
        raise typer.Exit(code)
