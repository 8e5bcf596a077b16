"""The archive handle's transactions, on SQLite and PostgreSQL: what is written together commits
together, and a unique key another writer took first is a DuplicateKey with nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from aksnews.errors import DuplicateKey
from aksnews.store.handle import Archive

NOW = dt.datetime(2025, 10, 13, 9, 0, tzinfo=dt.UTC)


def _insert(archive: Archive, key: str, team: str = "payments") -> None:
    with archive.transaction() as write:
        write.insert_messages(
            key=key,
            channel="slack",
            team=team,
            kind="alert",
            title=None,
            payloads=['{"text": "one"}'],
            status="pending",
            now=NOW,
        )


def test_a_transaction_commits_what_it_wrote(engine: Engine) -> None:
    archive = Archive(engine)
    with archive.transaction() as write:
        write.insert_messages(
            key="alert:a",
            channel="slack",
            team="payments",
            kind="alert",
            title="a",
            payloads=['{"text": "1"}', '{"text": "2"}'],
            status="pending",
            now=NOW,
        )
        write.record_reported("payments", [("k", '{"key": "k"}')], NOW.date(), NOW)
    assert [(r.key, r.position) for r in archive.outbox_rows()] == [("alert:a", 0), ("alert:a", 1)]
    assert archive.key_queued("alert:a") and not archive.key_queued("alert:b")
    assert archive.last_reported("payments") == {"k": {"key": "k"}}


def test_a_taken_key_is_a_duplicate_and_rolls_back_the_whole_transaction(engine: Engine) -> None:
    archive = Archive(engine)
    _insert(archive, "alert:a")
    with pytest.raises(DuplicateKey), archive.transaction() as write:
        write.record_reported("platform", [("k", "{}")], NOW.date(), NOW)
        write.insert_messages(  # (key, channel, position) is unique: taken by the first
            key="alert:a",
            channel="slack",
            team="platform",
            kind="alert",
            title=None,
            payloads=['{"text": "two"}'],
            status="pending",
            now=NOW,
        )
    assert [r.team for r in archive.outbox_rows()] == ["payments"]
    assert archive.last_reported("platform") is None  # written before the duplicate: undone


def test_other_errors_are_not_taken_for_duplicates(engine: Engine) -> None:
    archive = Archive(engine)
    with pytest.raises(ZeroDivisionError), archive.transaction() as write:
        write.record_reported("payments", [], NOW.date(), NOW)
        _ = 1 / 0
    assert archive.last_reported("payments") is None
