"""The outbox from the command line: a missing env: secret named at `inventory load` and at
send time, `digest --send` failing while its digest is not out, `aksnews outbox` listing
titles newest first, `aksnews outbox resend` queueing a failed or uncertain row again, and
`aksnews notify --now` moving the clock past a backoff. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from aksnews.commands import run

from fault_server import Answer, Fault, FaultServer, fault_server

MONDAY = "2026-03-02"
KEY = "digest:payments:2026-02-23:2026-03-02"
TITLE = "AKS news for payments: 2026-02-23 to 2026-03-01"
INVENTORY = """\
teams:
  - name: payments
    slack: {webhook: env:PAYMENTS_SLACK_WEBHOOK}
    timezone: UTC
"""


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with fault_server() as s:
        yield s


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    monkeypatch.delenv("AKSNEWS_CONFIG", raising=False)
    monkeypatch.delenv("PAYMENTS_SLACK_WEBHOOK", raising=False)
    (tmp_path / "inventory.yaml").write_text(INVENTORY, encoding="utf-8")
    yield ["--db", db_url]


def _json(capsys: pytest.CaptureFixture[str], args: list[str], code: int = 0) -> object:
    assert run(args) == code, args
    return json.loads(capsys.readouterr().out)


def test_missing_secret_named_then_set_and_resent(
    cli: list[str],
    tmp_path: Path,
    server: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run([*cli, "inventory", "load", str(tmp_path / "inventory.yaml")]) == 0
    assert "warning: team payments: PAYMENTS_SLACK_WEBHOOK is not set" in capsys.readouterr().err

    send = [*cli, "digest", "--team", "payments", "--today", MONDAY, "--send"]
    assert run(send) == 1  # queued, not sent: a script must know
    err = capsys.readouterr().err
    assert "PAYMENTS_SLACK_WEBHOOK is not set" in err
    (row,) = _json(capsys, [*cli, "outbox", "--json"])  # type: ignore[misc]
    assert (row["status"], row["title"], row["key"]) == ("failed", TITLE, KEY)
    assert row["last_error"].startswith("PAYMENTS_SLACK_WEBHOOK is not set")

    # Set the variable, resend on purpose, deliver: sent once; the same period again: nothing.
    monkeypatch.setenv("PAYMENTS_SLACK_WEBHOOK", server.url("/hooks/payments/secret"))
    resent = _json(capsys, [*cli, "outbox", "resend", KEY, "--json"])
    assert [r["status"] for r in resent["queued"]] == ["failed"]  # type: ignore[index]
    assert run([*cli, "notify"]) == 0
    assert len(server.posts) == 1 and TITLE.encode() in server.posts[0][1]
    assert run(send) == 0
    assert len(server.posts) == 1
    assert run([*cli, "outbox", "resend", KEY]) == 1  # a sent row is not resent
    assert "nothing to resend" in capsys.readouterr().err
    assert run([*cli, "outbox", "resend", "999"]) == 1


def test_listing_newest_first_and_resend_of_an_uncertain_row(
    cli: list[str],
    tmp_path: Path,
    server: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PAYMENTS_SLACK_WEBHOOK", server.url("/hooks/payments/secret"))
    assert run([*cli, "inventory", "load", str(tmp_path / "inventory.yaml")]) == 0
    assert "warning" not in capsys.readouterr().err
    server.script("/hooks/payments/secret", Fault.RESET, Answer(500, "rollup_error"))
    # Two periods: the older one is reset after the post (uncertain), the newer one gets a
    # 500 (pending, backoff).
    for today in ("2026-02-23", MONDAY):
        run([*cli, "digest", "--team", "payments", "--today", today, "--send"])
    capsys.readouterr()
    rows = _json(capsys, [*cli, "outbox", "-o", "json"])
    assert [(r["key"], r["status"]) for r in rows] == [  # type: ignore[union-attr]
        (KEY, "pending"),
        ("digest:payments:2026-02-16:2026-02-23", "uncertain"),
    ]
    assert run([*cli, "outbox"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[1].split()[:3] == ["id", "created", "status"]
    assert "title" in table[1] and TITLE in table[2] and "uncertain" in table[3]

    # The uncertain one is never posted again by notify, whatever the clock says...
    assert run([*cli, "notify", "--now", "2026-03-09T00:00Z"]) == 0
    assert len(server.posts) == 3  # reset one, 500 one, the 500 one again: now sent
    # ...until someone has checked the channel and resends it by id.
    uncertain = rows[1]["id"]  # type: ignore[index]
    assert run([*cli, "outbox", "resend", str(uncertain)]) == 0
    assert "queued again" in capsys.readouterr().out
    assert run([*cli, "notify", "--now", "2026-03-09T00:00Z"]) == 0
    assert len(server.posts) == 4
    capsys.readouterr()
    statuses = [r["status"] for r in _json(capsys, [*cli, "outbox", "--json"])]  # type: ignore[union-attr]
    assert statuses == ["sent", "sent"]


def test_notify_now_moves_the_clock_past_a_backoff(
    cli: list[str],
    tmp_path: Path,
    server: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PAYMENTS_SLACK_WEBHOOK", server.url("/hooks/payments/secret"))
    assert run([*cli, "inventory", "load", str(tmp_path / "inventory.yaml")]) == 0
    server.script("/hooks/payments/secret", Answer(503, ""))
    assert run([*cli, "digest", "--team", "payments", "--today", MONDAY, "--send"]) == 1
    capsys.readouterr()
    (row,) = _json(capsys, [*cli, "outbox", "--json"])  # type: ignore[misc]
    assert row["status"] == "pending" and row["next_attempt_at"]
    assert run([*cli, "notify", "--now", "2026-03-02T12:00:30+00:00"]) == 0  # before it
    assert len(server.posts) == 1
    assert run([*cli, "notify", "--now", row["next_attempt_at"]]) == 0
    assert len(server.posts) == 2
    assert run([*cli, "notify", "--now", "tomorrow"]) == 1
    assert "--now wants an ISO 8601 time" in capsys.readouterr().err
