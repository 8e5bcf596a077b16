"""The findings a team's last digest reported (see aksnews.match.changes), stored as the JSON
values the report format gives them (aksnews.report.check.finding_json): the store keeps the
text, the cycle turns it back into findings."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select

from aksnews.store.schema import Base, DigestFindingRow

_TABLE = Base.metadata.tables["digest_finding"]
# One row with this key marks "this team had a digest", so a digest that reported no findings
# is told apart from no digest at all.
_MARKER = ""


def last_reported(engine: Engine, team: str) -> dict[str, Any] | None:
    """The team's findings at its last digest, JSON values by key; None when it had none."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(DigestFindingRow.finding_key, DigestFindingRow.payload).where(
                DigestFindingRow.team == team
            )
        ).all()
    if not rows:
        return None
    return {key: json.loads(payload) for key, payload in rows if key != _MARKER}


def record_reported(
    conn: Connection,
    team: str,
    findings: Sequence[tuple[str, str]],
    period_end: dt.date,
    now: dt.datetime,
) -> None:
    """Replace the team's snapshot with (finding key, JSON text) pairs, inside the transaction
    that queues its digest."""
    conn.execute(delete(DigestFindingRow).where(DigestFindingRow.team == team))
    rows = [(_MARKER, "{}"), *findings]
    conn.execute(
        insert(_TABLE),
        [
            {
                "team": team,
                "finding_key": key,
                "payload": payload,
                "period_end": period_end,
                "recorded_at": now,
            }
            for key, payload in rows
        ],
    )
