"""New, escalated, still open and resolved findings between two digests of a team."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import Engine

from aksnews.match.changes import classify
from aksnews.model.findings import Finding, Rule, Severity
from aksnews.report.check import last_reported, record_reported
from aksnews.store.handle import Archive

NOW = dt.datetime(2025, 10, 13, 9, tzinfo=dt.UTC)


def _finding(key: str, severity: Severity, deadline: dt.date | None = None) -> Finding:
    return Finding(
        key=key,
        rule=Rule.RETIREMENT,
        severity=severity,
        cluster="prod-east",
        team="payments",
        title=f"finding {key}",
        why="because",
        action="act",
        subject=key,
        deadline=deadline,
    )


def test_classify_against_the_last_digest() -> None:
    stays = _finding("a", Severity.WARNING, dt.date(2026, 3, 1))
    worse = _finding("b", Severity.WARNING)
    closer = _finding("c", Severity.INFO, dt.date(2026, 3, 1))
    gone = _finding("d", Severity.CRITICAL)
    previous = {f.key: f for f in (stays, worse, closer, gone)}
    current = [
        stays,
        dataclasses.replace(worse, severity=Severity.CRITICAL),
        dataclasses.replace(closer, deadline=dt.date(2025, 11, 1)),
        _finding("e", Severity.INFO),
    ]
    changes = {c.finding.key: c.change for c in classify(current, previous)}
    assert changes == {
        "a": "open",
        "b": "escalated",
        "c": "escalated",
        "d": "resolved",
        "e": "new",
    }


def test_snapshot_round_trip_on_both_databases(engine: Engine) -> None:
    archive = Archive(engine)
    assert last_reported(archive, "payments") is None  # never had a digest
    findings = [_finding("a", Severity.WARNING, dt.date(2026, 3, 1)), _finding("b", Severity.INFO)]
    with archive.transaction() as write:
        record_reported(write, "payments", findings, dt.date(2025, 10, 13), NOW)
    assert last_reported(archive, "payments") == {f.key: f for f in findings}
    with archive.transaction() as write:
        record_reported(write, "payments", [], dt.date(2025, 10, 20), NOW)
    # A digest that reported nothing is remembered as such, not as "no digest yet".
    assert last_reported(archive, "payments") == {}
    assert last_reported(archive, "platform") is None
