"""The outbox: every message to a team is written to the database first, then delivered.

Life of a row: pending -> sending -> sent, or back to pending with a later next_attempt_at after
a transient error (failed once max attempts are used), or failed at once on a permanent error
(a 400, an invalid token).

Delivery is at most once. A row is marked 'sending' and committed BEFORE the post, and 'sent'
after it. If the process dies between the two, the row stays 'sending' and the next run marks
it 'uncertain' instead of posting it again: the message may or may not have reached the channel,
and Slack and Teams webhooks offer no idempotency key that would let a repeat be recognised and
dropped on their side. A team missing one message (shown by `aksnews outbox`, to check and
resend by hand) is better than a team that learns to ignore duplicated alerts. The same holds
for a post that fails in an unexpected way: it may have arrived, so it is 'uncertain'.

Consequently two delivery runs must not overlap: a second run would take the first one's
in-flight rows for interrupted ones. deliver() holds the 'deliver' lock of the database
(aksnews.store.locks: an flock beside a SQLite file, an advisory lock on PostgreSQL), so a
run that finds another one delivering sends nothing and says so (`busy`). Claiming a row is a
compare-and-set on its status as well, so no message is ever posted twice.

Queueing is idempotent: (key, channel, position) is unique, so queueing the same digest or
alert again, or from two runs at once, never creates a second set of rows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Engine,
    Integer,
    String,
    Text,
    column,
    select,
    table,
)
from sqlalchemy.exc import IntegrityError

from aksnews.alerts import AlertSelection, AlertState, delivery_key
from aksnews.findings import Severity
from aksnews.inventory.model import Team
from aksnews.messages import Alert
from aksnews.notifiers.base import Message, Notifier, NotifierError, Target

# Core table descriptions (no ORM import): typed columns so datetimes round-trip on SQLite.
_outbox = table(
    "outbox",
    column("id", Integer),
    column("key", String),
    column("channel", String),
    column("position", Integer),
    column("team", Text),
    column("kind", String),
    column("payload", Text),
    column("status", String),
    column("attempts", Integer),
    column("last_error", Text),
    column("next_attempt_at", DateTime(timezone=True)),
    column("created_at", DateTime(timezone=True)),
    column("sent_at", DateTime(timezone=True)),
    column("reference", Text),
)
_alert_state = table(
    "alert_state",
    column("finding_key", String),
    column("severity", String),
    column("deadline", Date),
    column("alerted_at", DateTime(timezone=True)),
)

MAX_ERROR_CHARS = 500


class Status(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNCERTAIN = "uncertain"


class Kind(StrEnum):
    DIGEST = "digest"
    ALERT = "alert"


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    id: int
    key: str
    channel: str
    position: int
    team: str
    kind: Kind
    message: Message
    status: Status
    attempts: int
    last_error: str | None
    next_attempt_at: dt.datetime | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    reference: str | None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one delivery run did with one row."""

    entry: OutboxEntry
    status: Status  # the row's status afterwards ('pending' means: retried later)
    error: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    outcomes: tuple[Outcome, ...]
    interrupted: tuple[OutboxEntry, ...]  # left 'sending' by a dead run, now 'uncertain'
    waiting: tuple[OutboxEntry, ...] = ()  # later parts of a digest whose first part is not out
    busy: bool = False  # another process was delivering: this run sent nothing

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status is status)


Resolve = Callable[[str, str], tuple[Notifier, Target] | None]
Backoff = Callable[[int], dt.timedelta]


def exponential_backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8... minutes after the 1st, 2nd, 3rd... failed attempt, at most six hours."""
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), dt.timedelta(hours=6))


def _utc(value: dt.datetime) -> dt.datetime:
    """UTC for storing: SQLite keeps no offset, so every stored time is UTC."""
    return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else _utc(value)


def _payload(message: Message) -> str:
    body: Any = message.body if isinstance(message.body, str) else dict(message.body)
    return json.dumps({"body": body, "thread": message.thread}, ensure_ascii=False)


def _message(payload: str) -> Message:
    data = json.loads(payload)
    return Message(body=data["body"], thread=bool(data.get("thread", False)))


def _entry(row: Any) -> OutboxEntry:
    created = _aware(row.created_at)
    assert created is not None  # NOT NULL column
    return OutboxEntry(
        id=row.id,
        key=row.key,
        channel=row.channel,
        position=row.position,
        team=row.team,
        kind=Kind(row.kind),
        message=_message(row.payload),
        status=Status(row.status),
        attempts=row.attempts,
        last_error=row.last_error,
        next_attempt_at=_aware(row.next_attempt_at),
        created_at=created,
        sent_at=_aware(row.sent_at),
        reference=row.reference,
    )


_ORDER = (_outbox.c.created_at, _outbox.c.key, _outbox.c.channel, _outbox.c.position)


def queue_on(
    conn: Connection,
    team: str,
    channel: str,
    kind: Kind | str,
    key: str,
    messages: Sequence[Message],
    now: dt.datetime,
) -> int:
    """Queue the messages of one digest or alert in the caller's transaction; the number of
    rows inserted (0 when this key was already queued for this channel).

    A key is queued as a whole once: a later call with the same key queues nothing, even if the
    messages differ (a digest rebuilt with more items is still the same period's digest).
    """
    known = conn.execute(
        select(_outbox.c.id).where(_outbox.c.key == key, _outbox.c.channel == channel).limit(1)
    ).first()
    if known is not None or not messages:
        return 0
    conn.execute(
        _outbox.insert(),
        [
            {
                "key": key,
                "channel": channel,
                "position": position,
                "team": team,
                "kind": Kind(kind).value,
                "payload": _payload(message),
                "status": Status.PENDING.value,
                "attempts": 0,
                "created_at": _utc(now),
            }
            for position, message in enumerate(messages)
        ],
    )
    return len(messages)


def queue(
    engine: Engine,
    team: str,
    channel: str,
    kind: Kind | str,
    key: str,
    messages: Sequence[Message],
    now: dt.datetime,
) -> int:
    """queue_on in its own transaction. A concurrent run that queued the same key first makes
    the unique constraint refuse this insert: that is a duplicate avoided, so 0."""
    try:
        with engine.begin() as conn:
            return queue_on(conn, team, channel, kind, key, messages, now)
    except IntegrityError:
        return 0


def queued(engine: Engine, key: str) -> bool:
    """Whether any channel has rows for `key` (a digest period, an alert), whatever their state."""
    with engine.connect() as conn:
        row = conn.execute(select(_outbox.c.id).where(_outbox.c.key == key).limit(1)).first()
    return row is not None


def entries(engine: Engine, status: Status | None = None) -> list[OutboxEntry]:
    query = select(_outbox).order_by(*_ORDER)
    if status is not None:
        query = query.where(_outbox.c.status == status.value)
    with engine.connect() as conn:
        return [_entry(row) for row in conn.execute(query)]


def due(engine: Engine, now: dt.datetime) -> list[OutboxEntry]:
    """Pending rows whose next attempt time has come, oldest first, parts in order."""
    query = (
        select(_outbox)
        .where(_outbox.c.status == Status.PENDING.value)
        .where(_outbox.c.next_attempt_at.is_(None) | (_outbox.c.next_attempt_at <= _utc(now)))
        .order_by(*_ORDER)
    )
    with engine.connect() as conn:
        return [_entry(row) for row in conn.execute(query)]


def _mark_interrupted(engine: Engine) -> tuple[OutboxEntry, ...]:
    with engine.begin() as conn:
        rows = conn.execute(
            select(_outbox).where(_outbox.c.status == Status.SENDING.value).order_by(*_ORDER)
        ).all()
        if rows:
            conn.execute(
                _outbox.update()
                .where(_outbox.c.status == Status.SENDING.value)
                .values(
                    status=Status.UNCERTAIN.value,
                    last_error="interrupted between post and record: not resent, check the channel",
                )
            )
    return tuple(_entry(row) for row in rows)


def _earlier_parts(engine: Engine, entry: OutboxEntry) -> list[tuple[int, str, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(_outbox.c.position, _outbox.c.status, _outbox.c.reference)
            .where(
                _outbox.c.key == entry.key,
                _outbox.c.channel == entry.channel,
                _outbox.c.position < entry.position,
            )
            .order_by(_outbox.c.position)
        ).all()
    return [(row.position, row.status, row.reference) for row in rows]


def _claim(engine: Engine, entry: OutboxEntry) -> bool:
    """Compare-and-set pending -> sending, committed before the post (see the module doc)."""
    with engine.begin() as conn:
        result = conn.execute(
            _outbox.update()
            .where(_outbox.c.id == entry.id, _outbox.c.status == Status.PENDING.value)
            .values(status=Status.SENDING.value, attempts=_outbox.c.attempts + 1)
        )
    return result.rowcount == 1


def _record(engine: Engine, entry_id: int, **values: Any) -> None:
    with engine.begin() as conn:
        conn.execute(_outbox.update().where(_outbox.c.id == entry_id).values(**values))


def _error_text(exc: BaseException) -> str:
    return (str(exc) or type(exc).__name__)[:MAX_ERROR_CHARS]


def _retry_after(exc: NotifierError) -> dt.timedelta | None:
    """The server's wait (Retry-After), when the notifier put one on its error."""
    value = getattr(exc, "retry_after", None)
    if isinstance(value, dt.timedelta):
        return value
    if isinstance(value, int | float) and value >= 0:
        return dt.timedelta(seconds=value)
    return None


def deliver(
    engine: Engine,
    resolve: Resolve,
    now: dt.datetime,
    *,
    max_attempts: int = 5,
    backoff: Backoff = exponential_backoff,
) -> DeliveryReport:
    """Post every due message once; see the module doc for what happens on each failure.

    `resolve(team, channel)` gives the notifier and the target (secrets resolved) or None when
    the team has no such channel configured; that counts as a failed attempt, so fixing the
    configuration before the attempts run out still gets the message out.
    """
    from aksnews.store.locks import exclusive

    # One delivery per database at a time, across processes (serve, cron's notify, replicas):
    # a second run would take the first one's in-flight 'sending' rows for a crash's leftovers.
    with exclusive(engine, "deliver") as got:
        if not got:
            return DeliveryReport(outcomes=(), interrupted=(), busy=True)
        return _deliver(engine, resolve, now, max_attempts=max_attempts, backoff=backoff)


def _deliver(
    engine: Engine, resolve: Resolve, now: dt.datetime, *, max_attempts: int, backoff: Backoff
) -> DeliveryReport:
    interrupted = _mark_interrupted(engine)
    outcomes: list[Outcome] = []
    waiting: list[OutboxEntry] = []
    for entry in due(engine, now):
        earlier = _earlier_parts(engine, entry)
        if any(status in (Status.PENDING, Status.SENDING) for _, status, _ in earlier):
            # Parts go out in order: the rest of a digest waits for its first message.
            waiting.append(entry)
            continue
        thread_ref = None
        if entry.message.thread and earlier and earlier[0][1] == Status.SENT:
            thread_ref = earlier[0][2]
        resolved = resolve(entry.team, entry.channel)
        if resolved is None:
            error = f"team {entry.team!r} has no {entry.channel} target configured"
            outcomes.append(_retry_or_fail(engine, entry, error, None, now, max_attempts, backoff))
            continue
        notifier, target = resolved
        if not _claim(engine, entry):
            continue  # another run took it
        try:
            result = notifier.post(entry.message, target, thread_ref=thread_ref)
        except NotifierError as exc:
            attempted = _with_attempt(entry)
            if exc.permanent:
                _record(engine, entry.id, status=Status.FAILED.value, last_error=_error_text(exc))
                outcomes.append(Outcome(attempted, Status.FAILED, _error_text(exc)))
            else:
                outcomes.append(
                    _retry_or_fail(
                        engine, attempted, _error_text(exc), exc, now, max_attempts, backoff
                    )
                )
            continue
        except Exception as exc:  # noqa: BLE001 - unknown failure mid-post: maybe delivered
            error = f"unexpected error while posting: {_error_text(exc)}"
            _record(engine, entry.id, status=Status.UNCERTAIN.value, last_error=error)
            outcomes.append(Outcome(_with_attempt(entry), Status.UNCERTAIN, error))
            continue
        _record(
            engine,
            entry.id,
            status=Status.SENT.value,
            sent_at=_utc(now),
            reference=result.reference,
            last_error=None,
            next_attempt_at=None,
        )
        outcomes.append(Outcome(_with_attempt(entry), Status.SENT))
    return DeliveryReport(tuple(outcomes), interrupted, tuple(waiting))


def _with_attempt(entry: OutboxEntry) -> OutboxEntry:
    return replace(entry, attempts=entry.attempts + 1)


def _retry_or_fail(
    engine: Engine,
    entry: OutboxEntry,
    error: str,
    exc: NotifierError | None,
    now: dt.datetime,
    max_attempts: int,
    backoff: Backoff,
) -> Outcome:
    """Back to pending with a later attempt time, or failed once the attempts are used up.

    `entry.attempts` already counts this attempt when a post was made (the claim counted it);
    a missing target counts here."""
    attempts = entry.attempts if exc is not None else entry.attempts + 1
    if attempts >= max_attempts:
        _record(
            engine,
            entry.id,
            status=Status.FAILED.value,
            attempts=attempts,
            last_error=f"{error} (gave up after {attempts} attempts)",
        )
        return Outcome(entry, Status.FAILED, error)
    wait = backoff(attempts)
    server_wait = None if exc is None else _retry_after(exc)
    if server_wait is not None:
        wait = max(wait, server_wait)
    _record(
        engine,
        entry.id,
        status=Status.PENDING.value,
        attempts=attempts,
        last_error=error,
        next_attempt_at=_utc(now + wait),
    )
    return Outcome(entry, Status.PENDING, error)


# Alert memory -------------------------------------------------------------------------------


def load_alert_states(engine: Engine) -> dict[str, AlertState]:
    with engine.connect() as conn:
        rows = conn.execute(select(_alert_state)).all()
    states = {}
    for row in rows:
        alerted = _aware(row.alerted_at)
        assert alerted is not None  # NOT NULL column
        states[row.finding_key] = AlertState(Severity(row.severity), row.deadline, alerted)
    return states


def _record_states(conn: Connection, states: Mapping[str, AlertState]) -> None:
    if not states:
        return
    conn.execute(_alert_state.delete().where(_alert_state.c.finding_key.in_(list(states))))
    conn.execute(
        _alert_state.insert(),
        [
            {
                "finding_key": key,
                "severity": state.severity.value,
                "deadline": state.deadline,
                "alerted_at": _utc(state.alerted_at),
            }
            for key, state in states.items()
        ],
    )


def queue_alerts(
    engine: Engine,
    selection: AlertSelection,
    render: Callable[[Alert], Iterable[tuple[str, Sequence[Message]]]],
    now: dt.datetime,
) -> int:
    """Queue the selected alerts and remember them, in ONE transaction: a crash leaves either
    both (the alert will be delivered) or neither (the next run selects it again).

    `render(alert)` gives (channel, messages) for each channel of the alert's team."""
    today = now.date()
    try:
        with engine.begin() as conn:
            queued = 0
            routed = set()
            for alert in selection.alerts:
                key = delivery_key(alert, today)
                for channel, messages in render(alert):
                    queued += queue_on(conn, alert.team, channel, Kind.ALERT, key, messages, now)
                    routed.add(alert.finding.key)
            # A team with no channel got nothing: not remembered, so it is selected again once
            # the team has one.
            _record_states(conn, {k: v for k, v in selection.states.items() if k in routed})
    except IntegrityError:
        return 0  # a concurrent run queued and recorded the same alerts first
    return queued


# Team targets -------------------------------------------------------------------------------


def team_channels(team: Team) -> tuple[str, ...]:
    """The notifier names a team has a destination for, in a stable order."""
    channels = []
    if team.slack_webhook is not None or (team.slack_token and team.slack_channel):
        channels.append("slack")
    if team.teams_webhook is not None:
        channels.append("teams")
    return tuple(channels)


def team_target(
    team: Team, channel: str, environ: Mapping[str, str] | None = None
) -> Target | None:
    """Where `channel` of `team` posts, secrets resolved now (and never logged); None when not
    configured or when an env: secret is unset. A bot token wins over a webhook for Slack: only
    it can thread the parts of a long digest."""
    if channel == "slack":
        if team.slack_token is not None and team.slack_channel:
            token = team.slack_token.resolve(environ)
            if token:
                return Target(token=token, channel=team.slack_channel)
        if team.slack_webhook is not None:
            url = team.slack_webhook.resolve(environ)
            return Target(url=url) if url else None
        return None
    if channel == "teams" and team.teams_webhook is not None:
        url = team.teams_webhook.resolve(environ)
        return Target(url=url) if url else None
    return None
