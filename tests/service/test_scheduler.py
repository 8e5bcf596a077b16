"""The scheduler: trigger math, catch-up after downtime, one run per job across replicas, the
SQLite single-serve lock, and SIGTERM and SIGINT while idle and during work (subprocesses). The
clock is a value passed in: nothing here waits for a schedule."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from aksnews.commands import run
from aksnews.config import Settings
from aksnews.deliver.outbox import Kind, Status, entries
from aksnews.deliver.outbox import queue as queue_message
from aksnews.model.inventory import SecretRef, Team
from aksnews.notifiers.base import Message
from aksnews.service.scheduler import (
    AlreadyRunning,
    Service,
    build_scheduler,
    digest_trigger,
    due_period,
    last_fire_time,
    run_job,
    serve_lock,
)
from aksnews.store.engine import open_engine
from aksnews.store.handle import Archive
from aksnews.store.inventory import replace_origin
from aksnews.store.locks import exclusive
from aksnews.store.schema import ReleaseRow

import pg
from archive_checks import check_search_index, sections
from corpus import corpus_path
from fault_server import Fault, fault_server

UTC = dt.UTC
TOKYO = Team(name="payments", timezone="Asia/Tokyo", digest_day="mon", digest_time="09:00")
NOW = dt.datetime(2025, 10, 28, 6, tzinfo=dt.UTC)
BERLIN = Team(name="platform", timezone="Europe/Berlin", digest_day="thu", digest_time="16:30")
AKSNEWS = Path(sys.executable).with_name("aksnews")


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


# Trigger math --------------------------------------------------------------------------------


def test_tokyo_monday_nine_is_monday_midnight_utc() -> None:
    trigger = digest_trigger(TOKYO)
    fire = trigger.get_next_fire_time(None, utc(2025, 10, 22, 12))
    assert fire is not None
    assert fire.astimezone(UTC) == utc(2025, 10, 27, 0, 0)
    local = fire.astimezone(ZoneInfo("Asia/Tokyo"))
    assert (local.strftime("%a"), local.hour, local.minute) == ("Mon", 9, 0)


@pytest.mark.parametrize(
    ("after", "expected_utc"),
    [
        # Summer time (CEST, UTC+2) ends on Sunday 2025-10-26: 16:30 local moves from 14:30 UTC
        # to 15:30 UTC, and back on 2026-03-29.
        (utc(2025, 10, 20), utc(2025, 10, 23, 14, 30)),
        (utc(2025, 10, 24), utc(2025, 10, 30, 15, 30)),
        (utc(2026, 3, 24), utc(2026, 3, 26, 15, 30)),
        (utc(2026, 3, 27), utc(2026, 4, 2, 14, 30)),
    ],
)
def test_berlin_digest_keeps_local_time_across_dst(
    after: dt.datetime, expected_utc: dt.datetime
) -> None:
    fire = digest_trigger(BERLIN).get_next_fire_time(None, after)
    assert fire is not None and fire.astimezone(UTC) == expected_utc
    local = fire.astimezone(ZoneInfo("Europe/Berlin"))
    assert (local.strftime("%a"), local.hour, local.minute) == ("Thu", 16, 30)


@pytest.mark.parametrize("day", ["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
def test_day_names_fire_on_that_day(day: str) -> None:
    # Day numbers differ between cron (0 = Sunday) and APScheduler (0 = Monday): names only.
    team = Team(name="t", timezone="UTC", digest_day=day, digest_time="07:05")
    fire = digest_trigger(team).get_next_fire_time(None, utc(2025, 10, 20))
    assert fire is not None and fire.strftime("%a").lower() == day


def test_last_fire_time_and_due_period() -> None:
    trigger = digest_trigger(TOKYO)
    # Just before Monday 09:00 in Tokyo the due digest is the previous week's.
    before = utc(2025, 10, 26, 23, 59)
    assert last_fire_time(trigger, before) == utc(2025, 10, 20, 0, 0)
    assert due_period(TOKYO, before) == (dt.date(2025, 10, 13), dt.date(2025, 10, 20))
    at = utc(2025, 10, 27, 0, 0)
    assert last_fire_time(trigger, at) == at
    assert due_period(TOKYO, at) == (dt.date(2025, 10, 20), dt.date(2025, 10, 27))
    # A late run (a day later, or after a restart) still belongs to the same period.
    assert due_period(TOKYO, at + dt.timedelta(hours=23)) == due_period(TOKYO, at)


def test_build_scheduler_jobs_and_misfire_policy(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'a.db'}")
    settings = Settings(poll_interval_hours=6)
    now = utc(2025, 10, 27, 3)
    scheduler = build_scheduler(Service(Archive(engine), settings), [TOKYO, BERLIN], now)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {
        "catch-up",
        "poll",
        "notify",
        "teams",
        "digest:payments",
        "digest:platform",
    }
    assert jobs["poll"].trigger.interval == dt.timedelta(hours=6)
    assert jobs["poll"].misfire_grace_time == 3600
    assert jobs["digest:payments"].misfire_grace_time == 86400
    assert all(job.coalesce for job in jobs.values())
    trigger = jobs["digest:payments"].trigger
    assert trigger.get_next_fire_time(None, now) == utc(2025, 11, 3, 0, 0)
    engine.dispose()


# Catch-up after downtime ---------------------------------------------------------------------


@pytest.fixture
def hooked(tmp_path: Path, httpserver: HTTPServer) -> Iterator[Engine]:
    """A SQLite archive whose payments team posts to a local Slack webhook."""
    httpserver.expect_request("/hooks/payments", method="POST").respond_with_data("ok")
    engine = open_engine(f"sqlite:///{tmp_path / 'a.db'}")
    team = Team(
        name="payments",
        slack_webhook=SecretRef(literal=httpserver.url_for("/hooks/payments")),
        timezone="Asia/Tokyo",
        digest_day="mon",
        digest_time="09:00",
    )
    replace_origin(engine, "file:inventory", collected_at=utc(2025, 10, 1), teams=[team])
    yield engine
    engine.dispose()


def _digests(engine: Engine) -> list[str]:
    return [e.key for e in entries(Archive(engine)) if e.kind is Kind.DIGEST]


def test_downtime_across_digest_time_sends_it_once(hooked: Engine, httpserver: HTTPServer) -> None:
    (team,) = _teams(hooked)
    # Down from Sunday to Tuesday: Monday 09:00 Tokyo (00:00 UTC) passed while down.
    restart = utc(2025, 10, 28, 6)
    service = Service(Archive(hooked), Settings(), clock=lambda: restart)
    first = service.catch_up([team])
    assert first["digest_rows_queued"] == 1 and first["sent"] == 1
    assert _digests(hooked) == ["digest:payments:2025-10-20:2025-10-27"]
    # Catch-up again (another restart), and the digest job itself firing late: nothing new.
    assert service.catch_up([team])["digest_rows_queued"] == 0
    assert service.digest_job(team)
    assert _digests(hooked) == ["digest:payments:2025-10-20:2025-10-27"]
    assert len(httpserver.log) == 1
    assert all(e.status is Status.SENT for e in entries(Archive(hooked)))
    # The next Monday is a new period.
    later = Service(Archive(hooked), Settings(), clock=lambda: utc(2025, 11, 3, 0, 1))
    assert later.catch_up([team])["digest_rows_queued"] == 1
    assert len(httpserver.log) == 2


def test_inventory_edits_reach_the_digest_jobs_without_a_restart(
    hooked: Engine, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/hooks/platform", method="POST").respond_with_data("ok")
    now = utc(2025, 10, 28, 6)  # Tuesday: Monday's digest time has passed
    service = Service(Archive(hooked), Settings(), clock=lambda: now)
    scheduler = build_scheduler(service, _teams(hooked), now)

    def digest_jobs() -> dict[str, str]:
        return {j.id: str(j.trigger) for j in scheduler.get_jobs() if j.id.startswith("digest:")}

    before = digest_jobs()
    assert "digest:payments" in before and "digest:platform" not in before
    hook = SecretRef(literal=httpserver.url_for("/hooks/platform"))
    payments = Team(name="payments", timezone="Asia/Tokyo", digest_day="fri", digest_time="08:00")
    platform = dataclasses.replace(BERLIN, slack_webhook=hook)
    replace_origin(hooked, "file:inventory", collected_at=now, teams=[payments, platform])
    assert service.teams_job(scheduler)
    after = digest_jobs()
    assert "day_of_week='fri', hour='8'" in after["digest:payments"]
    assert "day_of_week='thu', hour='16', minute='30'" in after["digest:platform"]
    # The new team gets its latest period at once, as a restart would give it; the moved team
    # keeps what it had.
    assert _digests(hooked) == ["digest:platform:2025-10-16:2025-10-23"]
    assert [r.path for r, _ in httpserver.log] == ["/hooks/platform"]
    # Nothing changed: nothing moves. A removed team loses its job.
    assert service.teams_job(scheduler) and digest_jobs() == after
    replace_origin(hooked, "file:inventory", collected_at=now, teams=[platform])
    assert service.teams_job(scheduler)
    assert "digest:payments" not in digest_jobs() and "digest:platform" in digest_jobs()


def _teams(engine: Engine) -> tuple[Team, ...]:
    from aksnews.inventory.merge import load_inventory

    return load_inventory(Archive(engine)).teams


# One run per job across replicas (PostgreSQL) ------------------------------------------------


@pytest.mark.postgres
def test_two_replicas_run_a_job_once(postgres_server: str) -> None:
    with pg.database(postgres_server) as url:
        first, second = open_engine(url), open_engine(url)
        try:
            started, release = threading.Event(), threading.Event()
            runs: list[str] = []

            def slow() -> dict[str, int]:
                runs.append("first")
                started.set()
                assert release.wait(10)
                return {"n": 1}

            def quick() -> dict[str, int]:
                runs.append("second")
                return {"n": 1}

            results: dict[str, bool] = {}
            worker = threading.Thread(
                target=lambda: results.__setitem__("first", run_job(Archive(first), "poll", slow))
            )
            worker.start()
            assert started.wait(10)
            contender = threading.Thread(
                target=lambda: results.__setitem__(
                    "second", run_job(Archive(second), "poll", quick)
                )
            )
            contender.start()
            contender.join(10)
            # Another job id is not blocked by the poll.
            assert run_job(Archive(second), "notify", lambda: {"n": 1})
            release.set()
            worker.join(10)
            assert results == {"first": True, "second": False}
            assert runs == ["first"]
            # Once released, the lock is free again for the other replica.
            assert run_job(Archive(second), "poll", quick)
        finally:
            first.dispose()
            second.dispose()


# SQLite: one serve per database file ---------------------------------------------------------


def test_second_serve_on_one_sqlite_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    one, two = open_engine(url), open_engine(url)
    with serve_lock(Archive(one)):
        with pytest.raises(AlreadyRunning, match="already running"), serve_lock(Archive(two)):
            pass
        assert run(["--db", url, "serve"]) == 1
        assert "another `aksnews serve` is already running" in capsys.readouterr().err
    with serve_lock(Archive(two)):  # released when the first service ends
        pass
    one.dispose()
    two.dispose()


# SIGTERM during work (subprocesses) ----------------------------------------------------------


def _releases(url: str) -> int:
    engine = open_engine(url)
    try:
        with Session(engine) as session:
            count = session.scalar(select(func.count(ReleaseRow.id))) or 0
        check_search_index(engine)
        return count
    finally:
        engine.dispose()


def _expected_aks_releases() -> int:
    """Release sections of the corpus CHANGELOG, cut on '## Release' lines as test_store does."""
    return len(sections(corpus_path("aks/CHANGELOG.md").read_text(encoding="utf-8")))


def test_sigterm_during_ingest_leaves_all_or_nothing(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    url = f"sqlite:///{db}"
    open_engine(url).dispose()  # migrated first, so the signal lands in the ingest itself
    proc = subprocess.Popen(
        [str(AKSNEWS), "--db", url, "ingest", str(corpus_path("aks/CHANGELOG.md"))],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    wal = db.with_name(db.name + "-wal")
    size = wal.stat().st_size if wal.exists() else 0
    deadline = dt.datetime.now() + dt.timedelta(seconds=20)
    while proc.poll() is None and dt.datetime.now() < deadline:  # writing has begun
        if wal.exists() and wal.stat().st_size > size + 64 * 1024:
            break
        threading.Event().wait(0.005)
    proc.send_signal(signal.SIGTERM)
    proc.wait(20)
    assert _releases(url) in (0, _expected_aks_releases())


def test_sigterm_during_serve_poll_finishes_the_job_and_exits_zero(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    config = tmp_path / "aksnews.toml"
    mirror = corpus_path("aks/CHANGELOG.md").resolve().as_uri()
    guide = corpus_path("docs/deprecation-guide.md").resolve().as_uri()
    calendar = corpus_path("docs/aks-supported-kubernetes-versions.md").resolve().as_uri()
    schedule = corpus_path("kubernetes/schedule/schedule.yaml").resolve().as_uri()
    upstream = corpus_path("kubernetes/changelog/CHANGELOG-1.32.md").resolve().parent.as_uri()
    config.write_text(
        f'aks_url = "{mirror}"\ndeprecation_guide_url = "{guide}"\n'
        f'aks_calendar_url = "{calendar}"\nkubernetes_minors = "1.32-1.32"\n'
        f'kubernetes_schedule_url = "{schedule}"\n'
        f'kubernetes_url = "{upstream}/CHANGELOG-{{minor}}.md"\n'
    )
    open_engine(url).dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AKSNEWS_")}
    proc = subprocess.Popen(
        [str(AKSNEWS), "--db", url, "--config", str(config), "serve"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stderr is not None
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stderr or ()])
    reader.start()
    seen = []
    try:
        while True:
            line = lines.get(timeout=30)
            seen.append(line)
            if "job=poll status=started" in line:
                break
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0, "".join(seen)
    finally:
        if proc.poll() is None:
            proc.kill()
    reader.join(10)
    while not lines.empty():
        seen.append(lines.get())
    log = "".join(seen)
    assert re.search(r"job=poll status=ok duration_ms=\d+ documents=5 ", log), log
    assert "service=stopped" in log
    with Session(engine := open_engine(url)) as session:
        aks = session.scalar(select(func.count(ReleaseRow.id)).where(ReleaseRow.source == "aks"))
    check_search_index(engine)
    engine.dispose()
    # The running poll was allowed to finish: the whole document, never part of it.
    assert aks == _expected_aks_releases()
    assert mirror not in log


def test_replicas_poll_once_per_interval(engine: Engine, tmp_path: Path) -> None:
    """Two replicas schedule polls independently; the second finds the first's fresh poll and
    fetches nothing until most of the interval has passed."""
    from aksnews.service.scheduler import Service

    missing = (tmp_path / "missing.md").as_uri()
    settings = Settings(
        aks_url=corpus_path("aks/CHANGELOG-2024-03-22.md").as_uri(),
        aks_calendar_url=missing,
        kubernetes_schedule_url=missing,
        deprecation_guide_url=missing,
        kubernetes_url=(tmp_path / "CHANGELOG-{minor}.md").as_uri(),
        poll_interval_hours=6,
        fetch_retries=0,
    )
    start = dt.datetime.now(UTC)
    first = Service(Archive(engine), settings, clock=lambda: start)
    counts = first._poll()
    assert "poll_skipped_recent" not in counts
    soon = Service(Archive(engine), settings, clock=lambda: start + dt.timedelta(hours=2))
    assert soon._poll().get("poll_skipped_recent") == 1
    later = Service(Archive(engine), settings, clock=lambda: start + dt.timedelta(hours=6))
    assert "poll_skipped_recent" not in later._poll()


# SIGTERM and SIGINT while idle and while a delivery is in flight (subprocesses) ------------------

HOOK = "/hooks/payments/secret"


class _Log:
    """The lines a subprocess writes to stderr, read in a thread so that the test can wait for
    one without blocking on the pipe."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stderr is not None
        self._lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        stream = proc.stderr
        self._reader = threading.Thread(target=lambda: [self._lines.put(x) for x in stream])
        self._reader.start()

    def wait_for(self, *needles: str) -> None:
        """Until every needle has appeared in a line (30 s at most per line: a bound only)."""
        missing = set(needles)
        while missing - {n for n in missing for line in self.seen if n in line}:
            self.seen.append(self._lines.get(timeout=30))

    def rest(self) -> str:
        self._reader.join(30)
        while not self._lines.empty():
            self.seen.append(self._lines.get())
        return "".join(self.seen)


@dataclasses.dataclass(frozen=True)
class _Stopped:
    code: int
    log: str
    posts: int  # POSTs of the queued alert that reached the webhook


def _serve_then_signal(tmp_path: Path, signum: int, *, in_flight: bool) -> _Stopped:
    """Start `aksnews serve` on a SQLite archive whose outbox holds one alert for a local
    webhook, send `signum` once it is idle (its first jobs done) or while the alert's POST is
    held by the webhook, answer the POST after the signal, and wait for the process to end."""
    url = f"sqlite:///{tmp_path / 'a.db'}"
    missing = (tmp_path / "missing.md").as_uri()  # the poll fails at once: no network, no corpus
    config = tmp_path / "aksnews.toml"
    config.write_text(
        f'aks_url = "{missing}"\ndeprecation_guide_url = "{missing}"\n'
        f'aks_calendar_url = "{missing}"\nkubernetes_schedule_url = "{missing}"\n'
        f'kubernetes_url = "{missing}"\nkubernetes_minors = "1.32-1.32"\nfetch_retries = 0\n'
    )
    with fault_server() as server:
        engine = open_engine(url)
        team = Team(name="payments", slack_webhook=SecretRef(env="SIGNAL_TEST_HOOK"))
        replace_origin(engine, "file:inventory", collected_at=utc(2025, 10, 1), teams=[team])
        message = Message({"text": "signal-test", "blocks": []})
        queue_message(
            Archive(engine), "payments", "slack", Kind.ALERT, "alert:signal", [message], NOW
        )
        engine.dispose()
        if in_flight:
            server.script(HOOK, Fault.HOLD)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AKSNEWS_")}
        env["SIGNAL_TEST_HOOK"] = server.url(HOOK)
        proc = subprocess.Popen(
            [str(AKSNEWS), "--db", url, "--config", str(config), "serve"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        log = _Log(proc)
        try:
            if in_flight:
                server.wait_for_posts(1)  # the alert's POST is held: its job is running
            else:
                log.wait_for("job=catch-up status=ok", "job=poll status=ok")  # both done: idle
            proc.send_signal(signum)
            log.wait_for("status=stopping")
            server.release()  # the held POST is answered after the signal
            code = proc.wait(60)
        finally:
            if proc.poll() is None:
                proc.kill()
        return _Stopped(code, log.rest(), server.count("signal-test"))


SIGNALS = [
    (signal.SIGTERM, False),
    (signal.SIGINT, False),
    (signal.SIGTERM, True),
    (signal.SIGINT, True),
]
SIGNAL_IDS = ["sigterm-idle", "sigint-idle", "sigterm-delivering", "sigint-delivering"]


@pytest.mark.parametrize(("signum", "in_flight"), SIGNALS, ids=SIGNAL_IDS)
def test_signal_stops_serve_cleanly(tmp_path: Path, signum: int, in_flight: bool) -> None:
    """`aksnews serve` stops on SIGTERM and on SIGINT, idle or in the middle of a delivery: the
    running delivery finishes (the held POST is answered after the signal and its row is sent),
    every job that started ends, the exit code is 0, and the serve and deliver locks are free
    for the next service."""
    stopped = _serve_then_signal(tmp_path, signum, in_flight=in_flight)
    text = stopped.log
    assert stopped.code == 0, text
    assert f"signal={signal.strsignal(signum)} status=stopping" in text
    assert text.rstrip().endswith("service=stopped"), text
    assert "Traceback" not in text
    started = re.findall(r"job=(\S+) status=started", text)
    ended = re.findall(r"job=(\S+) status=(?:ok|error)", text)
    assert started and sorted(started) == sorted(ended), text  # nothing cut off mid-job
    engine = open_engine(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        rows = entries(Archive(engine))
        assert [(r.key, r.status) for r in rows if r.key == "alert:signal"] == [
            ("alert:signal", Status.SENT)
        ]
        assert all(r.status is not Status.SENDING for r in rows)  # nothing left claimed
        assert stopped.posts == 1  # sent once: not again after the answer came late
        with serve_lock(Archive(engine)):  # the next service may start
            pass
        with exclusive(engine, "deliver") as got:
            assert got
    finally:
        engine.dispose()


def test_no_job_starts_after_the_signal(tmp_path: Path) -> None:
    """serve's catch-up and poll are both due at start: the one its executor was already handed
    when the signal came returns without starting."""
    stopped = _serve_then_signal(tmp_path, signal.SIGTERM, in_flight=True)
    after = stopped.log.split("status=stopping", 1)[1]
    assert "status=started" not in after, stopped.log
