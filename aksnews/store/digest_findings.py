"""The findings a team's last digest reported (see aksnews.finding_changes)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from sqlalchemy import Connection, Engine, delete, insert, select

from aksnews.findings import Finding
from aksnews.report import finding_from_json, finding_json
from aksnews.store.schema import Base, DigestFindingRow

_TABLE = Base.metadata.tables["digest_finding"]
# One row with this key marks "this team had a digest", so a digest that reported no findings
# is told apart from no digest at all.
_MARKER = ""


def last_reported(engine: Engine, team: str) -> dict[str, Finding] | None:
    """The team's findings at its last digest; None when it never had one."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(DigestFindingRow.finding_key, DigestFindingRow.payload).where(
                DigestFindingRow.team == team
            )
        ).all()
    if not rows:
        return None
    return {key: finding_from_json(json.loads(payload)) for key, payload in rows if key != _MARKER}


def record_reported(
    conn: Connection,
    team: str,
    findings: Sequence[Finding],
    period_end: dt.date,
    now: dt.datetime,
) -> None:
    """Replace the team's snapshot, inside the transaction that queues its digest."""
    conn.execute(delete(DigestFindingRow).where(DigestFindingRow.team == team))
    rows = [(_MARKER, "{}")] + [(f.key, json.dumps(finding_json(f))) for f in findings]
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
