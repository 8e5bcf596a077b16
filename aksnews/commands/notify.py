"""`aksnews notify` (deliver the outbox), `aksnews outbox` (show it, resend by hand),
`aksnews notifiers`."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import typer

from aksnews.commands.context import AppState, print_json, print_table
from aksnews.commands.options import json_option, output_option, wants_json
from aksnews.errors import AksnewsError, InputError

if TYPE_CHECKING:
    from aksnews.deliver.outbox import OutboxEntry, Resolve
    from aksnews.store.handle import Archive

STATUSES = ("pending", "sending", "sent", "failed", "uncertain")


class DeliveryProblems(AksnewsError):
    """Something failed for good or may not have arrived in this run: an error (exit 1).

    Exit codes 2 and 3 mean findings only, so a CI gate on `check` never mistakes a delivery
    problem for one.
    """


def _now(value: str | None = None) -> dt.datetime:
    """The real time, or --now (ISO 8601; without an offset it is UTC)."""
    if value is None:
        return dt.datetime.now(dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        example = "2026-03-02T09:00Z"
        raise InputError(f"--now wants an ISO 8601 time such as {example}, not {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _output(output: str | None, as_json: bool) -> str:
    return "json" if wants_json(output, as_json) else "table"


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")


def entry_json(entry: OutboxEntry, *, body: bool = False) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": entry.id,
        "key": entry.key,
        "team": entry.team,
        "channel": entry.channel,
        "kind": entry.kind.value,
        "title": entry.label,
        "part": entry.position,
        "status": entry.status.value,
        "attempts": entry.attempts,
        "rate_limited": entry.rate_limited,
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


def _resolver(archive: Archive) -> Resolve:
    """Team and channel -> (notifier, target), from the stored inventory's team settings."""
    from aksnews.service.cycle import resolver

    return resolver(archive)


def _table(rows: list[OutboxEntry], title: str) -> None:
    typer.echo(title)
    columns = (
        "id", "created", "status", "kind", "title", "team", "channel", "part", "tries", "when",
        "error",
    )  # fmt: skip
    print_table(
        columns,
        (
            (
                str(e.id),
                _iso(e.created_at) or "",
                e.status.value,
                e.kind.value,
                e.label,
                e.team,
                e.channel,
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
        now_text: str | None = typer.Option(
            None,
            "--now",
            help="Deliver as if it were this time (ISO 8601), e.g. to send what a backoff "
            "holds back until then.",
        ),
    ) -> None:
        """Send what is due in the outbox (digests and alerts), retrying earlier failures.

        Exit codes: 0 all went out or waits for a retry; 2 a message failed for good or may
        not have arrived (uncertain: see `aksnews outbox --status uncertain`); 1 an error.
        """
        as_json = wants_json(output, as_json)
        from aksnews.deliver.outbox import Status, deliver, due

        state: AppState = ctx.obj
        archive = state.archive()
        now = _now(now_text)
        if dry_run:
            rows = due(archive, now)
            if as_json:
                print_json([entry_json(e, body=True) for e in rows])
            elif not rows:
                typer.echo("nothing is due")
            else:
                _table(rows, f"{len(rows)} message(s) would be sent")
            return
        report = deliver(archive, _resolver(archive), now, max_attempts=max_attempts)
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
            typer.echo(
                f"{counts}, {len(report.waiting)} waiting (an earlier part, or a rate limit)"
            )
        if report.interrupted or report.count(Status.FAILED) or report.count(Status.UNCERTAIN):
            raise DeliveryProblems("some messages failed or may not have arrived")

    # A group of its own per application: register runs once for each application built.
    outbox_app = typer.Typer(
        help="Show queued, sent, failed and uncertain messages; resend one by hand.",
        invoke_without_command=True,
        rich_markup_mode="markdown",
    )
    app.add_typer(outbox_app, name="outbox")

    @outbox_app.callback()
    def outbox(
        ctx: typer.Context,
        output: str | None = output_option(),
        as_json: bool = json_option(),
        status: str | None = typer.Option(
            None, "--status", help=f"Only rows in this state: {', '.join(STATUSES)}."
        ),
    ) -> None:
        """Show the outbox, newest first: each message's title (the digest's period or the
        finding), team, channel, status, attempts and last error.

        States: pending (due now or after a backoff or a Retry-After), sending (being posted),
        sent, failed (refused by the channel, a missing secret, or out of attempts),
        uncertain (the post may have arrived: check the channel, then
        `aksnews outbox resend ID` if it did not).
        """
        if ctx.invoked_subcommand is not None:
            return
        from aksnews.deliver.outbox import Status, entries

        fmt = _output(output, as_json)
        if status is not None and status not in STATUSES:
            raise InputError(f"--status must be one of {', '.join(STATUSES)}, not {status!r}")
        state: AppState = ctx.obj
        rows = entries(
            state.archive(), None if status is None else Status(status), newest_first=True
        )
        if fmt == "json":
            print_json([entry_json(e) for e in rows])
        elif not rows:
            typer.echo("the outbox is empty" if status is None else f"no {status} messages")
        else:
            _table(rows, "Outbox")

    @outbox_app.command("resend")
    def resend(
        ctx: typer.Context,
        which: str = typer.Argument(..., help="An outbox id, or a key (every part and channel)."),
        output: str | None = output_option(),
        as_json: bool = json_option(),
    ) -> None:
        """Queue a failed or uncertain message again, on purpose, after checking the channel
        (an uncertain message may have arrived). The next `aksnews notify` (or `serve`)
        sends it, with a fresh count of attempts."""
        from aksnews.deliver.outbox import RESENDABLE
        from aksnews.deliver.outbox import resend as requeue

        fmt = _output(output, as_json)
        state: AppState = ctx.obj
        chosen, left = requeue(state.archive(), which)
        if fmt == "json":
            print_json(
                {
                    "queued": [entry_json(e) for e in chosen],
                    "unchanged": [entry_json(e) for e in left],
                }
            )
        for e in chosen if fmt != "json" else ():
            typer.echo(
                f"queued again: {e.id} {e.label} part {e.position} to {e.team}/{e.channel} "
                f"(was {e.status.value})"
            )
        for e in left if fmt != "json" else ():
            typer.echo(f"left as it is: {e.id} {e.label} is {e.status.value}", err=True)
        if not chosen:
            states = " or ".join(s.value for s in RESENDABLE)
            if not left:
                raise InputError(f"no outbox row has the id or key {which!r}")
            raise InputError(f"nothing to resend: {which!r} has no {states} row")

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
