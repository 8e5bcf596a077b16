"""Outbox: idempotent queueing, retries with backoff, permanent failures, restart, and no
duplicate after a crash between post and record (a killed subprocess), on SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine
from werkzeug import Request, Response

from aksnews.deliver.outbox import (
    Kind,
    MissingSecret,
    Status,
    deliver,
    due,
    entries,
    exponential_backoff,
    queue,
    team_channels,
    team_target,
)
from aksnews.model.inventory import SecretRef, Team
from aksnews.notifiers.base import Message, Target
from aksnews.store.engine import open_engine
from aksnews.store.handle import Archive

from http_notifier import HttpNotifier

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
KEY = "digest:payments:2026-02-23:2026-03-02"
TESTS = Path(__file__).parent.parent


class Hook:
    """Answers POST /hook with the next status from a script, capturing every request."""

    def __init__(
        self, server: HTTPServer, statuses: list[int], headers: dict[str, str] | None = None
    ):
        self.statuses = statuses
        self.headers = headers or {}
        self.bodies: list[dict[str, object]] = []
        server.expect_request("/hook", method="POST").respond_with_handler(self._answer)
        self.url = server.url_for("/hook")

    def _answer(self, request: Request) -> Response:
        self.bodies.append(json.loads(request.get_data()))
        status = self.statuses.pop(0) if self.statuses else 200
        if status == 200:
            ts = f"17000000{len(self.bodies):02d}.0001"
            return Response(json.dumps({"ok": True, "ts": ts}), status=200)
        return Response("invalid_payload" if status == 400 else "", status, self.headers)

    def resolve(self, team: str, channel: str) -> tuple[HttpNotifier, Target]:
        return HttpNotifier(), Target(url=self.url)


def _messages(*texts: str, thread: bool = False) -> tuple[Message, ...]:
    return tuple(Message({"text": t}, thread=thread and n > 0) for n, t in enumerate(texts))


def test_queue_is_idempotent(engine: Engine) -> None:
    assert (
        queue(Archive(engine), "payments", "slack", Kind.DIGEST, KEY, _messages("a", "b"), NOW) == 2
    )
    # Again, and again with a different rendering of the same period: nothing new.
    assert (
        queue(Archive(engine), "payments", "slack", Kind.DIGEST, KEY, _messages("a", "b"), NOW) == 0
    )
    assert (
        queue(Archive(engine), "payments", "slack", Kind.DIGEST, KEY, _messages("x", "y", "z"), NOW)
        == 0
    )
    # The same key on another channel is another message.
    assert queue(Archive(engine), "payments", "teams", Kind.DIGEST, KEY, _messages("a"), NOW) == 1
    rows = entries(Archive(engine))
    assert [(r.channel, r.position, r.message.body) for r in rows] == [
        ("slack", 0, {"text": "a"}),
        ("slack", 1, {"text": "b"}),
        ("teams", 0, {"text": "a"}),
    ]
    assert {r.status for r in rows} == {Status.PENDING}


def test_500_then_success_over_two_runs(engine: Engine, httpserver: HTTPServer) -> None:
    hook = Hook(httpserver, [500])
    queue(Archive(engine), "payments", "hook", Kind.ALERT, "alert:k:critical", _messages("a"), NOW)
    first = deliver(Archive(engine), hook.resolve, NOW)
    assert first.count(Status.PENDING) == 1 and first.count(Status.SENT) == 0
    (row,) = entries(Archive(engine))
    assert (row.status, row.attempts, row.last_error) == (Status.PENDING, 1, "hook: HTTP 500")
    assert row.next_attempt_at == NOW + exponential_backoff(1)
    # Not due before the backoff has passed: nothing posted.
    assert deliver(Archive(engine), hook.resolve, NOW + dt.timedelta(seconds=30)).outcomes == ()
    assert len(hook.bodies) == 1
    later = NOW + dt.timedelta(minutes=5)
    second = deliver(Archive(engine), hook.resolve, later)
    assert second.count(Status.SENT) == 1
    (row,) = entries(Archive(engine))
    assert (row.status, row.attempts, row.sent_at) == (Status.SENT, 2, later)
    assert row.reference == "1700000002.0001"
    assert len(hook.bodies) == 2 and hook.bodies[0] == hook.bodies[1]
    assert deliver(Archive(engine), hook.resolve, later + dt.timedelta(days=1)).outcomes == ()
    assert len(hook.bodies) == 2


def test_400_is_permanent(engine: Engine, httpserver: HTTPServer) -> None:
    hook = Hook(httpserver, [400])
    queue(Archive(engine), "payments", "hook", Kind.ALERT, "alert:k:critical", _messages("a"), NOW)
    report = deliver(Archive(engine), hook.resolve, NOW)
    assert report.count(Status.FAILED) == 1
    (row,) = entries(Archive(engine))
    assert row.status is Status.FAILED and "invalid_payload" in (row.last_error or "")
    deliver(Archive(engine), hook.resolve, NOW + dt.timedelta(days=30))
    assert len(hook.bodies) == 1


def test_retry_after_is_honoured(engine: Engine, httpserver: HTTPServer) -> None:
    hook = Hook(httpserver, [429], headers={"Retry-After": "3600"})
    queue(Archive(engine), "payments", "hook", Kind.ALERT, "alert:k:critical", _messages("a"), NOW)
    deliver(Archive(engine), hook.resolve, NOW)
    (row,) = entries(Archive(engine))
    assert row.next_attempt_at == NOW + dt.timedelta(hours=1)  # longer than the backoff


def test_max_attempts_then_failed(engine: Engine, httpserver: HTTPServer) -> None:
    hook = Hook(httpserver, [503] * 10)
    queue(Archive(engine), "payments", "hook", Kind.ALERT, "alert:k:critical", _messages("a"), NOW)
    when = NOW
    for _ in range(3):
        deliver(Archive(engine), hook.resolve, when, max_attempts=3)
        when += dt.timedelta(days=1)
    (row,) = entries(Archive(engine))
    assert (row.status, row.attempts) == (Status.FAILED, 3)
    assert "gave up after 3 attempts" in (row.last_error or "")
    deliver(Archive(engine), hook.resolve, when, max_attempts=3)
    assert len(hook.bodies) == 3


def test_split_digest_threads_under_first_message(engine: Engine, httpserver: HTTPServer) -> None:
    hook = Hook(httpserver, [200, 500])
    queue(
        Archive(engine),
        "payments",
        "hook",
        Kind.DIGEST,
        KEY,
        _messages("s", "p1", "p2", thread=True),
        NOW,
    )
    report = deliver(Archive(engine), hook.resolve, NOW)
    # The 2nd part failed: the 3rd waits for it rather than overtaking it.
    assert [o.status for o in report.outcomes] == [Status.SENT, Status.PENDING]
    assert [e.position for e in report.waiting] == [2]
    deliver(Archive(engine), hook.resolve, NOW + dt.timedelta(hours=1))
    first_ts = entries(Archive(engine))[0].reference
    assert [b["thread_ts"] for b in hook.bodies] == [None, first_ts, first_ts, first_ts]
    assert [b["body"] for b in hook.bodies][2:] == [{"text": "p1"}, {"text": "p2"}]
    assert {r.status for r in entries(Archive(engine))} == {Status.SENT}


def test_restart_resumes_pending(db_url: str, httpserver: HTTPServer) -> None:
    hook = Hook(httpserver, [])
    first = open_engine(db_url)
    queue(Archive(first), "payments", "hook", Kind.ALERT, "alert:a:critical", _messages("a"), NOW)
    queue(Archive(first), "payments", "hook", Kind.ALERT, "alert:b:critical", _messages("b"), NOW)
    first.dispose()
    second = open_engine(db_url)  # a new process would do exactly this
    try:
        assert len(due(Archive(second), NOW)) == 2
        assert deliver(Archive(second), hook.resolve, NOW).count(Status.SENT) == 2
        assert [b["body"] for b in hook.bodies] == [{"text": "a"}, {"text": "b"}]
    finally:
        second.dispose()


def test_missing_secret_fails_at_once_naming_the_variable(engine: Engine) -> None:
    queue(Archive(engine), "payments", "slack", Kind.ALERT, "alert:k:critical", _messages("a"), NOW)
    report = deliver(
        Archive(engine), lambda team, channel: MissingSecret("PAYMENTS_SLACK_WEBHOOK"), NOW
    )
    (row,) = entries(Archive(engine))
    assert row.status is Status.FAILED and report.count(Status.FAILED) == 1
    assert (row.last_error or "").startswith("PAYMENTS_SLACK_WEBHOOK is not set")


def test_missing_target_is_retried_not_lost(engine: Engine) -> None:
    queue(Archive(engine), "payments", "slack", Kind.ALERT, "alert:k:critical", _messages("a"), NOW)
    report = deliver(Archive(engine), lambda team, channel: None, NOW, max_attempts=2)
    assert report.count(Status.PENDING) == 1
    assert "has no slack target" in (report.outcomes[0].error or "")
    deliver(Archive(engine), lambda team, channel: None, NOW + dt.timedelta(days=1), max_attempts=2)
    assert entries(Archive(engine))[0].status is Status.FAILED


class _BlockingHandler(BaseHTTPRequestHandler):
    """Counts POSTs and holds each one until the test releases it (after the kill)."""

    def do_POST(self) -> None:
        server = self.server
        assert isinstance(server, _BlockingServer)
        self.rfile.read(int(self.headers["Content-Length"]))
        server.count += 1
        server.arrived.set()
        server.release.wait(20)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"ok": true, "ts": "1.0"}')

    def log_message(self, format: str, *args: object) -> None:
        pass


class _BlockingServer(ThreadingHTTPServer):
    daemon_threads = True
    count = 0
    arrived: threading.Event
    release: threading.Event


@pytest.fixture
def blocking_server() -> Iterator[_BlockingServer]:
    server = _BlockingServer(("127.0.0.1", 0), _BlockingHandler)
    server.arrived, server.release = threading.Event(), threading.Event()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


_DELIVER_IN_SUBPROCESS = """
import datetime as dt, sys
from http_notifier import HttpNotifier
from aksnews.notifiers.base import Target
from aksnews.deliver.outbox import deliver
from aksnews.store.handle import Archive

archive = Archive.open(sys.argv[1])
now = dt.datetime.fromisoformat(sys.argv[3])
deliver(archive, lambda team, channel: (HttpNotifier(), Target(url=sys.argv[2])), now)
"""


def _alert_posting_in_a_child(
    engine: Engine, db_url: str, server: _BlockingServer
) -> tuple[str, subprocess.Popen[bytes]]:
    """Queue one alert and start a process delivering it to the blocking server."""
    queue(Archive(engine), "payments", "hook", Kind.ALERT, "alert:k:critical", _messages("a"), NOW)
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    env = {**os.environ, "PYTHONPATH": str(TESTS)}
    argv = [sys.executable, "-c", _DELIVER_IN_SUBPROCESS, db_url, url, NOW.isoformat()]
    return url, subprocess.Popen(argv, cwd="/tmp", env=env)


def test_no_duplicate_after_crash_between_post_and_record(
    engine: Engine, db_url: str, blocking_server: _BlockingServer
) -> None:
    url, child = _alert_posting_in_a_child(engine, db_url, blocking_server)
    try:
        # The post reached the server; kill before the response, so 'sent' is never recorded.
        assert blocking_server.arrived.wait(30), "the subprocess never posted"
        child.send_signal(signal.SIGKILL)
        assert child.wait(10) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    blocking_server.release.set()
    assert blocking_server.count == 1
    (row,) = entries(Archive(engine))
    assert (row.status, row.attempts) == (Status.SENDING, 1)

    resolve = lambda team, channel: (HttpNotifier(), Target(url=url))  # noqa: E731
    report = deliver(Archive(engine), resolve, NOW + dt.timedelta(minutes=10))
    assert report.outcomes == ()
    assert [e.key for e in report.interrupted] == ["alert:k:critical"]
    assert blocking_server.count == 1  # nothing posted again
    (row,) = entries(Archive(engine))
    assert row.status is Status.UNCERTAIN and "not resent" in (row.last_error or "")
    deliver(Archive(engine), resolve, NOW + dt.timedelta(days=1))
    assert blocking_server.count == 1


def test_a_second_delivery_while_one_is_posting_sends_nothing(
    engine: Engine, db_url: str, blocking_server: _BlockingServer
) -> None:
    """cron's `aksnews notify` beside `serve`: the second run must not take the first one's
    in-flight row for a crash's leftover (and mark it uncertain)."""
    url, child = _alert_posting_in_a_child(engine, db_url, blocking_server)
    try:
        assert blocking_server.arrived.wait(30), "the subprocess never posted"
        resolve = lambda team, channel: (HttpNotifier(), Target(url=url))  # noqa: E731
        report = deliver(Archive(engine), resolve, NOW)
        assert report.busy and report.outcomes == () and report.interrupted == ()
        (row,) = entries(Archive(engine))
        assert row.status is Status.SENDING  # still the other run's
        blocking_server.release.set()
        assert child.wait(30) == 0
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    (row,) = entries(Archive(engine))
    assert row.status is Status.SENT and blocking_server.count == 1
    # The lock went with the other process: the next run delivers again.
    assert not deliver(Archive(engine), resolve, NOW + dt.timedelta(days=1)).busy


TEAM_CASES = [
    (Team("a"), (), None),
    (Team("b", slack_webhook=SecretRef.parse("https://hooks.example/b")), ("slack",),
     Target(url="https://hooks.example/b")),
    (Team("c", slack_webhook=SecretRef.parse("https://hooks.example/c"),
          slack_token=SecretRef.parse("env:C_TOKEN"), slack_channel="#c",
          teams_webhook=SecretRef.parse("env:C_TEAMS")), ("slack", "teams"),
     Target(token="xoxb-c", channel="#c")),
    # The token's variable is unset: fall back to the webhook.
    (Team("d", slack_webhook=SecretRef.parse("https://hooks.example/d"),
          slack_token=SecretRef.parse("env:D_TOKEN"), slack_channel="#d"), ("slack",),
     Target(url="https://hooks.example/d")),
    (Team("e", slack_webhook=SecretRef.parse("env:E_HOOK")), ("slack",), MissingSecret("E_HOOK")),
    (Team("f", slack_token=SecretRef.parse("env:F_TOKEN"), slack_channel="#f"), ("slack",),
     MissingSecret("F_TOKEN")),
]  # fmt: skip


@pytest.mark.parametrize(("team", "channels", "slack"), TEAM_CASES)
def test_team_targets(
    team: Team, channels: tuple[str, ...], slack: Target | MissingSecret | None
) -> None:
    environ = {"C_TOKEN": "xoxb-c", "C_TEAMS": "https://teams.example/c"}
    assert team_channels(team) == channels
    assert team_target(team, "slack", environ) == slack
    expected_teams = Target(url="https://teams.example/c") if "teams" in channels else None
    assert team_target(team, "teams", environ) == expected_teams


def test_cli_notify_and_outbox(
    engine: Engine,
    db_url: str,
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from aksnews.commands import run
    from aksnews.store.inventory import replace_origin

    # The real Slack notifier from the registry, its webhook URL behind an env: secret.
    httpserver.expect_request("/services/T/B/X", method="POST").respond_with_data("ok")
    hook = httpserver.url_for("/services/T/B/X")
    monkeypatch.setenv("AKSNEWS_DATABASE_URL", db_url)
    monkeypatch.delenv("AKSNEWS_CONFIG", raising=False)
    monkeypatch.setenv("PAYMENTS_SLACK", hook)
    team = Team("payments", slack_webhook=SecretRef.parse("env:PAYMENTS_SLACK"))
    replace_origin(engine, "file:teams.yaml", collected_at=NOW, teams=[team])
    text = {"text": "PodSecurityPolicy is removed", "blocks": []}
    queue(
        Archive(engine), "payments", "slack", Kind.ALERT, "alert:k:critical", [Message(text)], NOW
    )
    queue(Archive(engine), "nobody", "slack", Kind.ALERT, "alert:j:critical", [Message(text)], NOW)

    assert run(["notify", "--dry-run", "--json"]) == 0
    dry = json.loads(capsys.readouterr().out)
    assert [(d["team"], d["body"]) for d in dry] == [("nobody", text), ("payments", text)]
    assert httpserver.log == []

    assert run(["notify"]) == 0
    out, err = capsys.readouterr()
    assert "sent: alert alert:k:critical part 0 to payments/slack" in out
    assert "team 'nobody' has no slack target configured" in err
    assert hook not in out + err  # the secret never shows
    ((request, _),) = httpserver.log
    assert json.loads(request.get_data())["text"] == text["text"]

    assert run(["outbox", "--json", "--status", "sent"]) == 0
    (sent,) = json.loads(capsys.readouterr().out)
    assert (sent["team"], sent["status"], sent["attempts"]) == ("payments", "sent", 1)
    assert run(["outbox"]) == 0
    assert "pending" in capsys.readouterr().out
