"""`aksnews status` and the freshness warning every command that judges the present prints."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import typer

from aksnews.commands.context import AppState, print_json, print_table, today_or

if TYPE_CHECKING:
    from aksnews.sources.freshness import SourceStatus, Staleness


def staleness(state: AppState, day: dt.date) -> Staleness:
    from aksnews.sources.freshness import judge, judged_at

    now = judged_at(day, dt.datetime.now(dt.UTC))
    from aksnews.sources.freshness import load_source_statuses

    return judge(
        load_source_statuses(state.archive(), day),
        now,
        poll_interval_hours=state.settings().poll_interval_hours,
    )


def warn_if_stale(state: AppState, day: dt.date) -> Staleness:
    """Print the freshness warnings on stderr (stdout stays the command's document)."""
    found = staleness(state, day)
    for warning in found.warnings:
        typer.echo(f"warning: {warning}", err=True)
    return found


def _when(value: dt.datetime | None) -> str:
    return "" if value is None else value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")


def status_json(s: SourceStatus) -> dict[str, Any]:
    return {
        "source": s.source,
        "urls": s.urls,
        "last_fetch": s.last_fetch.isoformat() if s.last_fetch else None,
        "last_change": s.last_change.isoformat() if s.last_change else None,
        "failed_at": s.failed_at.isoformat() if s.failed_at else None,
        "last_error": s.last_error,
        "failing": s.failing,
        "releases": s.releases,
        "newest_release": s.newest_release,
        "newest_release_date": s.newest_release_date.isoformat() if s.newest_release_date else None,
    }


def register(app: typer.Typer) -> None:
    @app.command()
    def status(
        ctx: typer.Context,
        today: str | None = typer.Option(None, "--today", help="Judge as of this date."),
        output: str = typer.Option("table", "--output", "-o", help="table or json."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
    ) -> None:
        """Per source: last fetch, last change, newest release and errors; warns when the
        archive is stale (newest AKS release older than 14 days, or a source not fetched for
        two poll intervals)."""
        from aksnews.errors import InputError
        from aksnews.sources.freshness import judge, judged_at, load_source_statuses

        if output not in ("table", "json"):
            raise InputError(f"--output must be table or json, not {output!r}")
        state: AppState = ctx.obj
        day = today_or(today)
        found = load_source_statuses(state.archive(), day)
        verdict = judge(
            found,
            judged_at(day, dt.datetime.now(dt.UTC)),
            poll_interval_hours=state.settings().poll_interval_hours,
        )
        if as_json or output == "json":
            print_json(
                {
                    "today": day.isoformat(),
                    "stale": verdict.stale,
                    "warnings": list(verdict.warnings),
                    "sources": [status_json(s) for s in found],
                }
            )
            return
        print_table(
            ("source", "last fetch", "last change", "newest release", "releases", "errors"),
            (
                (
                    s.source,
                    _when(s.last_fetch) or "never",
                    _when(s.last_change),
                    f"{s.newest_release or ''} {s.newest_release_date or ''}".strip(),
                    str(s.releases),
                    (
                        (f"{_when(s.failed_at)} {s.last_error}", "red")
                        if s.failing
                        else (f"(earlier: {_when(s.failed_at)} {s.last_error})", "dim")
                        if s.failed_at
                        else ""
                    ),
                )
                for s in found
            ),
        )
        for warning in verdict.warnings:
            typer.echo(f"warning: {warning}", err=True)
