"""`aksnews notify` (deliver the outbox), `aksnews outbox` (show it), `aksnews notifiers`."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import typer

from aksnews.commands.context import AppState, print_json, print_table
from aksnews.commands.options import json_option, output_option, wants_json
from aksnews.errors import AksnewsError, InputError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from aksnews.outbox import OutboxEntry, Resolve

STATUSES = ("pending", "sending", "sent", "failed", "uncertain")


class DeliveryProblems(AksnewsError):
    """Something failed for good or may not have arrived in this run (exit code 2)."""

    exit_code = 2


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")


def entry_json(entry: OutboxEntry, *, body: bool = False) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": entry.id,
        "key": entry.key,
        "team": entry.team,
        "channel": entry.channel,
        "kind": entry.kind.value,
        "part": entry.position,
        "status": entry.status.value,
        "attempts": entry.attempts,
        "last_error": entry.last_error,
        "next_attempt_at": _iso(entry.next_attempt_at),
        "created_at": _iso(entry.created_at),
        "sent_at": _iso(entry.sent_at),
        "reference": entry.reference,
    }
    if body:
        document["body"] = entry.message.body
        document["thread"] = entry.message.thread
    return document


def _resolver(engine: Engine) -> Resolve:
    """Team and channel -> (notifier, target), from the stored inventory's team settings."""
    from aksnews.cycle import resolver

    return resolver(engine)


def _table(rows: list[OutboxEntry], title: str) -> None:
    typer.echo(title)
    columns = ("id", "status", "kind", "team", "channel", "key", "part", "tries", "when", "error")
    print_table(
        columns,
        (
            (
                str(e.id),
                e.status.value,
                e.kind.value,
                e.team,
                e.channel,
                e.key,
                str(e.position),
                str(e.attempts),
                _iso(e.sent_at if e.sent_at is not None else e.next_attempt_at) or "",
                e.last_error or "",
            )
            for e in rows
        ),
    )


def register(app: typer.Typer) -> None:
    @app.command()
    def notify(
        ctx: typer.Context,
        dry_run: bool = typer.Option(False, "--dry-run", help="Show what is due; post nothing."),
        output: str | None = output_option(),
        as_json: bool = json_option(),
        max_attempts: int = typer.Option(
            5, "--max-attempts", min=1, help="Attempts before a message is marked failed."
        ),
    ) -> None:
        """Send what is due in the outbox (digests and alerts), retrying earlier failures.

        Exit codes: 0 all went out or waits for a retry; 2 a message failed for good or may
        not have arrived (uncertain: see `aksnews outbox --status uncertain`); 1 an error.
        """
        as_json = wants_json(output, as_json)
        from aksnews.outbox import Status, deliver, due

        state: AppState = ctx.obj
        engine = state.engine()
        now = _now()
        if dry_run:
            rows = due(engine, now)
            if as_json:
                print_json([entry_json(e, body=True) for e in rows])
            elif not rows:
                typer.echo("nothing is due")
            else:
                _table(rows, f"{len(rows)} message(s) would be sent")
            return
        report = deliver(engine, _resolver(engine), now, max_attempts=max_attempts)
        if as_json:
            print_json(
                {
                    "outcomes": [
                        {**entry_json(o.entry), "status": o.status.value, "error": o.error}
                        for o in report.outcomes
                    ],
                    "interrupted": [entry_json(e) for e in report.interrupted],
                    "waiting": [entry_json(e) for e in report.waiting],
                    "busy": report.busy,
                }
            )
        elif report.busy:
            typer.echo("another process is delivering this outbox; nothing sent by this run")
        else:
            for e in report.interrupted:
                typer.echo(
                    f"uncertain: {e.kind.value} {e.key} part {e.position} to "
                    f"{e.team}/{e.channel}: a previous run died while posting it; not resent",
                    err=True,
                )
            for o in report.outcomes:
                e = o.entry
                where = f"{e.kind.value} {e.key} part {e.position} to {e.team}/{e.channel}"
                line = f"{o.status.value}: {where}" + (f" ({o.error})" if o.error else "")
                typer.echo(line, err=o.status is not Status.SENT)
            counts = ", ".join(
                f"{report.count(s)} {s.value}"
                for s in (Status.SENT, Status.PENDING, Status.FAILED, Status.UNCERTAIN)
            )
            typer.echo(f"{counts}, {len(report.waiting)} waiting for an earlier part")
        if report.interrupted or report.count(Status.FAILED) or report.count(Status.UNCERTAIN):
            raise DeliveryProblems("some messages failed or may not have arrived")

    @app.command()
    def outbox(
        ctx: typer.Context,
        output: str | None = output_option(),
        as_json: bool = json_option(),
        status: str | None = typer.Option(
            None, "--status", help=f"Only rows in this state: {', '.join(STATUSES)}."
        ),
    ) -> None:
        """Show queued, sent, failed and uncertain messages."""
        as_json = wants_json(output, as_json)
        from aksnews.outbox import Status, entries

        if status is not None and status not in STATUSES:
            raise InputError(f"--status must be one of {', '.join(STATUSES)}, not {status!r}")
        state: AppState = ctx.obj
        rows = entries(state.engine(), None if status is None else Status(status))
        if as_json:
            print_json([entry_json(e) for e in rows])
        elif not rows:
            typer.echo("the outbox is empty" if status is None else f"no {status} messages")
        else:
            _table(rows, "Outbox")

    @app.command()
    def notifiers(
        output: str | None = output_option(),
        as_json: bool = json_option(),
    ) -> None:
        """List the notifiers a team's channel can name."""
        as_json = wants_json(output, as_json)
        from aksnews.notifiers.registry import describe

        described = describe()
        if as_json:
            print_json([{"name": name, "description": text} for name, text in described])
            return
        for name, text in described:
            typer.echo(f"{name:10} {text}")
