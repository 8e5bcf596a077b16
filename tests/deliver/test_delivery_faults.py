"""At most once against a peer that misbehaves: the real Slack and Teams notifiers, the real
outbox, a real local server (tests/fault_server.py) that resets, hangs, cuts answers short,
rate-limits with either Retry-After form, refuses payloads with a 200, fails with 5xx, or is
not there at all.

Each case queues one message, delivers, moves the clock past every backoff and cap, and
delivers again; then counts the POSTs that carried the message. Wherever the request may have
arrived, that count is exactly one and the row is 'uncertain'; a refused payload is posted
once and 'failed'; a message the peer did not take is posted again and ends 'sent'.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine

from aksnews.deliver.outbox import Kind, Status, deliver, entries, exponential_backoff, queue
from aksnews.notifiers.base import MAX_RETRY_AFTER, Message, Notifier, Target, parse_retry_after
from aksnews.notifiers.slack import SlackNotifier
from aksnews.notifiers.teams import TeamsNotifier
from aksnews.store.engine import open_engine
from aksnews.store.handle import Archive

from fault_server import (
    ANSWER_TIMEOUT,
    HANG_TIMEOUT,
    Answer,
    Behaviour,
    Fault,
    FaultServer,
    fault_server,
    free_port,
)

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
LATER = NOW + MAX_RETRY_AFTER + dt.timedelta(hours=1)  # past every backoff and every cap


def http_date(moment: dt.datetime) -> str:
    return email.utils.format_datetime(moment, usegmt=True)


@dataclass(frozen=True)
class Case:
    id: str
    channel: str  # slack (webhook), slack-api (bot token), teams
    first: Behaviour | None  # None: nothing listens (refused); "tls": https to plain HTTP
    after_first: Status  # the row after the first run
    final: Status  # after the second run, with the clock past every backoff
    posts: int  # POSTs that carried the message, over both runs
    tls: bool = False
    error: str = ""  # in last_error after the first run
    next_attempt: dt.datetime | None = field(default=None)


RATE = {"Retry-After": "120"}
CASES = [
    # The request was written, then no clear answer: never posted again.
    Case("slack-reset", "slack", Fault.RESET, Status.UNCERTAIN, Status.UNCERTAIN, 1),
    Case("slack-hang", "slack", Fault.HANG, Status.UNCERTAIN, Status.UNCERTAIN, 1),
    Case("slack-broken", "slack", Fault.BROKEN, Status.UNCERTAIN, Status.UNCERTAIN, 1),
    Case("slack-502", "slack", Answer(502, ""), Status.UNCERTAIN, Status.UNCERTAIN, 1),
    Case("teams-reset", "teams", Fault.RESET, Status.UNCERTAIN, Status.UNCERTAIN, 1),
    Case("teams-hang", "teams", Fault.HANG, Status.UNCERTAIN, Status.UNCERTAIN, 1),
    Case("teams-504", "teams", Answer(504, ""), Status.UNCERTAIN, Status.UNCERTAIN, 1),
    Case("api-reset", "slack-api", Fault.RESET, Status.UNCERTAIN, Status.UNCERTAIN, 1),
    Case("api-hang", "slack-api", Fault.HANG, Status.UNCERTAIN, Status.UNCERTAIN, 1),
    Case(
        "api-internal-error",
        "slack-api",
        Answer(200, json.dumps({"ok": False, "error": "internal_error"})),
        Status.UNCERTAIN,
        Status.UNCERTAIN,
        1,
    ),
    # Refused by the peer: posted once, failed, not retried.
    Case("slack-200-invalid", "slack", Answer(200, "invalid_payload"), Status.FAILED,
         Status.FAILED, 1, error="HTTP 200 invalid_payload"),
    Case("slack-200-no-text", "slack", Answer(200, "no_text"), Status.FAILED, Status.FAILED, 1),
    Case("slack-404", "slack", Answer(404, "channel_not_found"), Status.FAILED, Status.FAILED, 1),
    Case("teams-400", "teams", Answer(400, "bad card"), Status.FAILED, Status.FAILED, 1),
    Case(
        "api-channel-not-found",
        "slack-api",
        Answer(200, json.dumps({"ok": False, "error": "channel_not_found"})),
        Status.FAILED,
        Status.FAILED,
        1,
    ),
    # Not taken: posted again later, and sent once.
    Case("slack-500", "slack", Answer(500, "rollup_error"), Status.PENDING, Status.SENT, 2,
         next_attempt=NOW + exponential_backoff(1)),
    Case("teams-503", "teams", Answer(503, ""), Status.PENDING, Status.SENT, 2),
    Case("slack-429-seconds", "slack", Answer(429, "rate_limited", RATE), Status.PENDING,
         Status.SENT, 2, error="retry after 120 s", next_attempt=NOW + dt.timedelta(seconds=120)),
    Case("teams-429-date", "teams",
         Answer(429, "", {"Retry-After": http_date(NOW + dt.timedelta(minutes=30))}),
         Status.PENDING, Status.SENT, 2, next_attempt=NOW + dt.timedelta(minutes=30)),
    Case("slack-429-years", "slack", Answer(429, "", {"Retry-After": "99999999"}),
         Status.PENDING, Status.SENT, 2, error="capped", next_attempt=NOW + MAX_RETRY_AFTER),
    Case(
        "api-ratelimited",
        "slack-api",
        Answer(429, json.dumps({"ok": False, "error": "ratelimited"}), RATE),
        Status.PENDING,
        Status.SENT,
        2,
        next_attempt=NOW + dt.timedelta(seconds=120),
    ),
    # Nothing was written: retried, sent once.
    Case("slack-refused", "slack", None, Status.PENDING, Status.SENT, 1, error="not sent"),
    Case("teams-refused", "teams", None, Status.PENDING, Status.SENT, 1),
    Case("api-refused", "slack-api", None, Status.PENDING, Status.SENT, 1),
    Case("teams-tls", "teams", None, Status.PENDING, Status.SENT, 1, tls=True),
    Case("slack-tls", "slack", None, Status.PENDING, Status.SENT, 1, tls=True),
]  # fmt: skip

API_OK = Answer(200, json.dumps({"ok": True, "ts": "1700000000.000100"}))


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with fault_server() as s:
        yield s


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[Engine]:
    engine = open_engine(f"sqlite:///{tmp_path / 'faults.db'}")
    yield engine
    engine.dispose()


def _path(case: Case) -> str:
    if case.channel == "slack-api":
        return "/api/chat.postMessage"
    return f"/hooks/{case.id}/secret"


def _resolver(case: Case, server: FaultServer, *, first_run: bool):
    """The case's notifier, aimed at a dead port or over TLS in the first run when the case
    says so (the peer 'comes back' for the second run)."""
    down = first_run and case.first is None
    port = free_port() if down and not case.tls else server.port
    scheme = "https" if down and case.tls else "http"
    base = f"{scheme}://127.0.0.1:{port}"

    # A hang never answers, so its short timeout fires whatever the load; every other peer
    # answers at once and gets a generous one, so that a slow machine cannot turn its answer
    # into a timeout.
    timeout = HANG_TIMEOUT if case.first is Fault.HANG else ANSWER_TIMEOUT

    def resolve(team: str, channel: str) -> tuple[Notifier, Target]:
        if case.channel == "slack-api":
            notifier = SlackNotifier(api_url=f"{base}/api/", timeout=timeout)
            return notifier, Target(token="xoxb-test-token", channel="#payments")
        notifier_type = SlackNotifier if case.channel == "slack" else TeamsNotifier
        return notifier_type(timeout=timeout), Target(url=base + _path(case))

    return resolve


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_posts_per_message_over_two_runs(case: Case, server: FaultServer, sqlite: Engine) -> None:
    marker = f"message-{case.id}"
    body = {"text": marker, "blocks": []}
    if case.channel == "teams":
        body = {"type": "message", "attachments": [], "text": marker}
    queue(
        Archive(sqlite),
        "payments",
        case.channel,
        Kind.ALERT,
        f"alert:{case.id}",
        [Message(body)],
        NOW,
    )
    if case.first is not None:
        server.script(_path(case), case.first)
    if case.channel == "slack-api":
        server.script(_path(case), API_OK)

    deliver(Archive(sqlite), _resolver(case, server, first_run=True), NOW)
    (row,) = entries(Archive(sqlite))
    assert row.status is case.after_first, row.last_error
    assert case.error in (row.last_error or "")
    assert "secret" not in (row.last_error or "") and "xoxb" not in (row.last_error or "")
    if case.next_attempt is not None:
        assert row.next_attempt_at == case.next_attempt
    if row.status is Status.PENDING:  # not before its time
        assert row.next_attempt_at is not None
        early = row.next_attempt_at - dt.timedelta(seconds=1)
        assert (
            deliver(Archive(sqlite), _resolver(case, server, first_run=False), early).outcomes == ()
        )

    deliver(Archive(sqlite), _resolver(case, server, first_run=False), LATER)
    deliver(Archive(sqlite), _resolver(case, server, first_run=False), LATER + dt.timedelta(days=1))
    (row,) = entries(Archive(sqlite))
    assert row.status is case.final
    server.wait_for_posts(case.posts)  # a timed-out client may be ahead of the server thread
    assert server.count(marker) == case.posts
    if case.after_first is Status.PENDING:
        # A rate limit is not an attempt that brings giving up closer.
        assert row.attempts == (1 if "429" in case.id or "ratelimited" in case.id else 2)


def test_a_rate_limited_channel_is_left_alone_for_the_rest_of_the_run(
    server: FaultServer, sqlite: Engine
) -> None:
    path = "/hooks/limited/secret"
    server.script(path, Answer(429, "rate_limited", {"Retry-After": "30"}))
    for n in range(3):
        queue(
            Archive(sqlite),
            "payments",
            "slack",
            Kind.ALERT,
            f"alert:{n}",
            [Message({"text": f"m{n}"})],
            NOW,
        )

    def resolve(team: str, channel: str) -> tuple[Notifier, Target]:
        return SlackNotifier(timeout=ANSWER_TIMEOUT), Target(url=server.url(path))

    report = deliver(Archive(sqlite), resolve, NOW)
    assert len(server.posts) == 1  # no hammering, no sleeping: the others wait
    assert [o.status for o in report.outcomes] == [Status.PENDING]
    assert len(report.waiting) == 2
    deliver(Archive(sqlite), resolve, NOW + dt.timedelta(seconds=31))
    assert {e.status for e in entries(Archive(sqlite))} == {Status.SENT}
    assert [server.count(f"m{n}") for n in range(3)] == [2, 1, 1]


@pytest.mark.parametrize(
    ("header", "wait"),
    [
        ("120", dt.timedelta(seconds=120)),
        ("0", dt.timedelta(0)),
        ("1.5", dt.timedelta(seconds=1.5)),
        (http_date(NOW + dt.timedelta(minutes=5)), dt.timedelta(minutes=5)),
        (http_date(NOW - dt.timedelta(minutes=5)), dt.timedelta(0)),  # a date already past
        ("Monday, 02-Mar-26 09:10:00 GMT", dt.timedelta(minutes=10)),  # RFC 850, obsolete
        ("99999999", MAX_RETRY_AFTER),  # capped
        (http_date(NOW + dt.timedelta(days=400)), MAX_RETRY_AFTER),
        ("-5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_in_both_rfc_9110_forms(header: str | None, wait: dt.timedelta | None) -> None:
    parsed = parse_retry_after(header)
    assert (None if parsed is None else parsed.wait(NOW)) == wait
