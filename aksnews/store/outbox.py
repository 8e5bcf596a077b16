"""The outbox's SQL: rows of messages to post and the alert memory (its states: deliver/outbox.py).

Every change of a row's status is one committed transaction, and the ones that start a post
are compare-and-set on the status, so two processes can never both claim a row. Statuses are
plain strings here; aksnews.deliver.outbox owns their meaning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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

# Core table descriptions (no ORM import): typed columns so datetimes round-trip on SQLite.
_outbox = table(
    "outbox",
    column("id", Integer),
    column("key", String),
    column("channel", String),
    column("position", Integer),
    column("team", Text),
    column("kind", String),
    column("title", Text),
    column("payload", Text),
    column("status", String),
    column("attempts", Integer),
    column("rate_limited", Integer),
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


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    key: str
    channel: str
    position: int
    team: str
    kind: str
    title: str | None
    payload: str
    status: str
    attempts: int
    rate_limited: int
    last_error: str | None
    next_attempt_at: dt.datetime | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    reference: str | None


@dataclass(frozen=True, slots=True)
class AlertStateRow:
    finding_key: str
    severity: str
    deadline: dt.date | None
    alerted_at: dt.datetime


def utc(value: dt.datetime) -> dt.datetime:
    """UTC for storing: SQLite keeps no offset, so every stored time is UTC."""
    return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else utc(value)


def _row(row: Any) -> OutboxRow:
    created = _aware(row.created_at)
    assert created is not None  # NOT NULL column
    return OutboxRow(
        id=row.id,
        key=row.key,
        channel=row.channel,
        position=row.position,
        team=row.team,
        kind=row.kind,
        title=row.title,
        payload=row.payload,
        status=row.status,
        attempts=row.attempts,
        rate_limited=row.rate_limited or 0,
        last_error=row.last_error,
        next_attempt_at=_aware(row.next_attempt_at),
        created_at=created,
        sent_at=_aware(row.sent_at),
        reference=row.reference,
    )


_ORDER = (_outbox.c.created_at, _outbox.c.key, _outbox.c.channel, _outbox.c.position)
_NEWEST = (
    _outbox.c.created_at.desc(),
    _outbox.c.key.desc(),
    _outbox.c.channel,
    _outbox.c.position,
)


# Queueing -----------------------------------------------------------------------------------


def key_queued(conn: Connection, key: str, channel: str | None = None) -> bool:
    query = select(_outbox.c.id).where(_outbox.c.key == key)
    if channel is not None:
        query = query.where(_outbox.c.channel == channel)
    return conn.execute(query.limit(1)).first() is not None


def insert_messages(
    conn: Connection,
    *,
    key: str,
    channel: str,
    team: str,
    kind: str,
    title: str | None,
    payloads: Sequence[str],
    status: str,
    now: dt.datetime,
) -> int:
    conn.execute(
        _outbox.insert(),
        [
            {
                "key": key,
                "channel": channel,
                "position": position,
                "team": team,
                "kind": kind,
                "title": title,
                "payload": payload,
                "status": status,
                "attempts": 0,
                "rate_limited": 0,
                "created_at": utc(now),
            }
            for position, payload in enumerate(payloads)
        ],
    )
    return len(payloads)


# Reading ------------------------------------------------------------------------------------


def teams_with(engine: Engine, kind: str) -> set[str]:
    """The teams that have ever had a message of `kind` queued."""
    with engine.connect() as conn:
        query = select(_outbox.c.team).where(_outbox.c.kind == kind).distinct()
        return {row.team for row in conn.execute(query)}


def rows(
    engine: Engine,
    status: str | None = None,
    *,
    newest_first: bool = False,
    key: str | None = None,
) -> list[OutboxRow]:
    query = select(_outbox).order_by(*(_NEWEST if newest_first else _ORDER))
    if status is not None:
        query = query.where(_outbox.c.status == status)
    if key is not None:
        query = query.where(_outbox.c.key == key)
    with engine.connect() as conn:
        return [_row(row) for row in conn.execute(query)]


def row_by_id(engine: Engine, row_id: int) -> OutboxRow | None:
    with engine.connect() as conn:
        row = conn.execute(select(_outbox).where(_outbox.c.id == row_id)).first()
    return None if row is None else _row(row)


def due_rows(engine: Engine, status: str, now: dt.datetime) -> list[OutboxRow]:
    """Rows in `status` whose next attempt time has come, oldest first, parts in order."""
    query = (
        select(_outbox)
        .where(_outbox.c.status == status)
        .where(_outbox.c.next_attempt_at.is_(None) | (_outbox.c.next_attempt_at <= utc(now)))
        .order_by(*_ORDER)
    )
    with engine.connect() as conn:
        return [_row(row) for row in conn.execute(query)]


def earlier_parts(
    engine: Engine, key: str, channel: str, position: int
) -> list[tuple[int, str, str | None]]:
    """(position, status, reference) of the parts before `position` of the same message."""
    with engine.connect() as conn:
        found = conn.execute(
            select(_outbox.c.position, _outbox.c.status, _outbox.c.reference)
            .where(
                _outbox.c.key == key,
                _outbox.c.channel == channel,
                _outbox.c.position < position,
            )
            .order_by(_outbox.c.position)
        ).all()
    return [(r.position, r.status, r.reference) for r in found]


# Changing a row's status --------------------------------------------------------------------


def set_status_where(engine: Engine, old: str, new: str, last_error: str) -> list[OutboxRow]:
    """Every row in `old` moved to `new` with `last_error`, in one transaction; the rows."""
    with engine.begin() as conn:
        found = conn.execute(select(_outbox).where(_outbox.c.status == old).order_by(*_ORDER)).all()
        if found:
            conn.execute(
                _outbox.update()
                .where(_outbox.c.status == old)
                .values(status=new, last_error=last_error)
            )
    return [_row(row) for row in found]


def claim(engine: Engine, row_id: int, old: str, new: str) -> bool:
    """Compare-and-set `old` -> `new` counting an attempt, committed before the post."""
    with engine.begin() as conn:
        result = conn.execute(
            _outbox.update()
            .where(_outbox.c.id == row_id, _outbox.c.status == old)
            .values(status=new, attempts=_outbox.c.attempts + 1)
        )
    return result.rowcount == 1


def update(engine: Engine, row_id: int, **values: Any) -> None:
    for name in ("next_attempt_at", "sent_at"):
        if isinstance(values.get(name), dt.datetime):
            values[name] = utc(values[name])
    with engine.begin() as conn:
        conn.execute(_outbox.update().where(_outbox.c.id == row_id).values(**values))


def count_rate_limited(engine: Engine, row_id: int) -> None:
    """A rate-limited attempt: the peer took nothing, so it is not counted as an attempt."""
    with engine.begin() as conn:
        conn.execute(
            _outbox.update()
            .where(_outbox.c.id == row_id)
            .values(
                attempts=_outbox.c.attempts - 1,
                rate_limited=_outbox.c.rate_limited + 1,
            )
        )


def requeue(
    engine: Engine, ids: Iterable[int], allowed: Sequence[str], status: str, note: str
) -> int:
    """Rows of `ids` whose status is in `allowed` set to `status`, due now, their attempts
    reset (a resend starts afresh); the number of rows changed. One transaction."""
    with engine.begin() as conn:
        result = conn.execute(
            _outbox.update()
            .where(_outbox.c.id.in_(list(ids)), _outbox.c.status.in_(list(allowed)))
            .values(
                status=status,
                attempts=0,
                rate_limited=0,
                next_attempt_at=None,
                last_error=note,
            )
        )
    return result.rowcount


# Alert memory -------------------------------------------------------------------------------


def alert_states(engine: Engine) -> list[AlertStateRow]:
    with engine.connect() as conn:
        found = conn.execute(select(_alert_state)).all()
    out = []
    for row in found:
        alerted = _aware(row.alerted_at)
        assert alerted is not None  # NOT NULL column
        out.append(AlertStateRow(row.finding_key, row.severity, row.deadline, alerted))
    return out


def record_alert_states(conn: Connection, states: Sequence[AlertStateRow]) -> None:
    if not states:
        return
    keys = [s.finding_key for s in states]
    conn.execute(_alert_state.delete().where(_alert_state.c.finding_key.in_(keys)))
    conn.execute(
        _alert_state.insert(),
        [
            {
                "finding_key": s.finding_key,
                "severity": s.severity,
                "deadline": s.deadline,
                "alerted_at": utc(s.alerted_at),
            }
            for s in states
        ],
    )
