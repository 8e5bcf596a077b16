"""kill -9 of a real delivering `aksnews notify` at 20 points, then two more deliveries with
the clock past every backoff: no message posted twice, none lost.

tests/kill_at.py runs the real command line in a subprocess and SIGKILLs itself at the Nth
SQL statement, commit or socket send/receive; a first run without a kill lists the points,
and the 20 chosen cover every socket event of every post and the outbox's statements between
them. After each kill: every row ends sent, pending, failed or uncertain, the rows add up to
the queue, a sent message was posted exactly once, and no message was posted more than once.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from aksnews.config import Settings
from aksnews.deliver.outbox import Kind, Status, entries, queue
from aksnews.model.inventory import SecretRef, Team
from aksnews.notifiers.base import Message
from aksnews.service import cycle
from aksnews.store.engine import open_engine
from aksnews.store.handle import Archive
from aksnews.store.inventory import replace_origin

from fault_server import FaultServer, fault_server

TESTS = Path(__file__).parent.parent
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=1)
MARKERS = ("alert-one", "digest-part-0", "digest-part-1")
POINTS = 20
PARALLEL = 2  # kill runs at once (one per core): each is mostly interpreter start-up
FINAL = {Status.SENT, Status.PENDING, Status.FAILED, Status.UNCERTAIN}


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with fault_server() as s:
        yield s


def _database(path: Path, hook: str) -> str:
    url = f"sqlite:///{path}"
    engine = open_engine(url)
    team = Team("payments", slack_webhook=SecretRef.parse("env:PAYMENTS_SLACK_WEBHOOK"))
    replace_origin(engine, "file:teams.yaml", collected_at=NOW, teams=[team])
    queue(Archive(engine), "payments", "slack", Kind.ALERT, "alert:k:critical",
          [Message({"text": MARKERS[0]})], NOW, title="critical: a finding")  # fmt: skip
    parts = [Message({"text": MARKERS[1]}), Message({"text": MARKERS[2]}, thread=True)]
    queue(Archive(engine), "payments", "slack", Kind.DIGEST, "digest:payments:p", parts, NOW)
    engine.dispose()
    return url


def _notify(kill_at: int, url: str, hook: str, trace: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(TESTS),
        "PAYMENTS_SLACK_WEBHOOK": hook,
        "AKSNEWS_DATABASE_URL": url,
    }
    env.pop("AKSNEWS_CONFIG", None)
    argv = [sys.executable, str(TESTS / "kill_at.py"), str(kill_at), str(trace), "--"]
    argv += ["notify", "--now", NOW.isoformat()]
    return subprocess.Popen(
        argv, env=env, cwd="/tmp", stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _choose(trace: list[str]) -> list[int]:
    """Every socket point, then outbox statements from the first claim on, spread out."""
    first_claim = next(i for i, label in enumerate(trace) if "UPDATE" in label)
    sockets = [i + 1 for i, label in enumerate(trace) if label.startswith(("send", "recv"))]
    rest = [i + 1 for i in range(first_claim, len(trace)) if i + 1 not in sockets]
    room = POINTS - len(sockets)
    assert room > 0, f"{len(sockets)} socket points"
    step = len(rest) / room
    chosen = sorted({*sockets, *(rest[int(k * step)] for k in range(room))})
    assert len(chosen) == POINTS
    return chosen


def test_kill_9_at_20_points_posts_nothing_twice_and_loses_nothing(
    tmp_path: Path, server: FaultServer
) -> None:
    # A run without a kill: every message goes out once, and the trace lists the points.
    trace_file = tmp_path / "trace.txt"
    hook = server.url("/hooks/trace/secret")
    done = _notify(0, _database(tmp_path / "trace.db", hook), hook, trace_file)
    assert done.wait(60) == 0, done.communicate()[1]
    assert [server.count(m) for m in MARKERS] == [1, 1, 1]
    trace = trace_file.read_text(encoding="utf-8").splitlines()
    points = _choose(trace)

    # Each kill point has its own database and webhook path; a few run at once.
    runs: dict[int, tuple[str, str, subprocess.Popen[str] | None]] = {}
    for n in points:
        path = f"/hooks/kill-{n}/secret"
        runs[n] = (_database(tmp_path / f"kill-{n}.db", hook), path, None)
    pending = list(points)
    while pending:
        batch, pending = pending[:PARALLEL], pending[PARALLEL:]
        for n in batch:
            url, path, _ = runs[n]
            runs[n] = (url, path, _notify(n, url, server.url(path), tmp_path / "unused.txt"))
        for n in batch:
            child = runs[n][2]
            assert child is not None
            code = child.wait(60)
            assert code == -signal.SIGKILL, (n, trace[n - 1], child.communicate()[1])

    for n in points:
        url, path, _ = runs[n]
        # The next runs (cron's next notify), with the clock past every backoff.
        engine = open_engine(url)
        environ = {"PAYMENTS_SLACK_WEBHOOK": server.url(path)}
        for when in (LATER, LATER + dt.timedelta(days=1)):
            cycle.send(Archive(engine), Settings(), when, environ=environ)
        rows = entries(Archive(engine))
        engine.dispose()
        posts = {m: server.count(m, path) for m in MARKERS}
        where = f"killed at point {n}: {trace[n - 1]}"
        assert len(rows) == len(MARKERS), where  # nothing lost from the queue
        assert {r.status for r in rows} <= FINAL, where
        for row in rows:
            marker = str(row.message.body["text"])  # type: ignore[index]
            assert posts[marker] <= 1, f"{where}: {marker} posted {posts[marker]} times"
            if row.status is Status.SENT:
                assert posts[marker] == 1, f"{where}: {marker} sent but never posted"
            else:
                assert row.status is Status.UNCERTAIN, f"{where}: {marker} {row.status}"
