"""`aksnews serve`: poll, alert, deliver and send each team's weekly digest on time.

APScheduler 3 (BlockingScheduler, in-memory job store, job ids 'poll', 'notify', 'catch-up',
'teams', 'digest:<team>'). The 'teams' job re-reads the inventory every few minutes and adds,
reschedules or removes digest jobs, so an edited inventory needs no restart.

Jobs run one at a time in one worker thread: the outbox must never be delivered by two runs at
once (see aksnews.deliver.outbox), and a poll and a digest gain nothing from overlapping.

Missed runs. Within a running process, coalesce=True and a misfire grace (an hour for the poll,
a day for digests) make a late job run once, late. Across a restart the in-memory store knows
nothing, so the service starts with a poll and a catch-up job that queues, for each team, the
digest of its most recent digest time if the outbox does not hold it yet. A digest's outbox key
is its period, and the period is derived from the scheduled fire time (not the time the job
happens to run), so a late or repeated digest job never sends a period twice.

Single run. SQLite: an exclusive lock file next to the database (fcntl.flock) refuses a second
serve. PostgreSQL: each job runs under pg_try_advisory_lock(hash of its id) and is skipped while
another replica holds it. Delivery is exclusive per database in every process (outbox.deliver
takes the 'deliver' lock), so cron's `aksnews notify` beside `serve` is safe. A job repeated
right after another replica's run does no harm: polls are conditional GETs, alerts and digests
are keyed in the outbox.

Shutdown. SIGTERM/SIGINT pause the scheduler (no new job starts) and shut it down from another
thread with wait=True, so the running job finishes; each of its database writes is a
transaction, so nothing is left half-written. The process then exits 0.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from types import FrameType
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from aksnews.config import Settings
from aksnews.errors import AksnewsError
from aksnews.model.inventory import Team
from aksnews.notifiers.registry import get_notifier
from aksnews.service import cycle
from aksnews.store.locks import file_lock

if TYPE_CHECKING:
    from aksnews.store.handle import Archive

log = logging.getLogger(__name__)

POLL_GRACE = dt.timedelta(hours=1)
NOTIFY_EVERY = dt.timedelta(minutes=5)
NOTIFY_GRACE = dt.timedelta(minutes=5)
DIGEST_GRACE = dt.timedelta(days=1)
TEAMS_EVERY = dt.timedelta(minutes=5)  # how soon an inventory edit reaches the digest jobs

Clock = Callable[[], dt.datetime]


class AlreadyRunning(AksnewsError):
    """Another `aksnews serve` holds this SQLite database."""


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# Triggers ------------------------------------------------------------------------------------


def digest_trigger(team: Team) -> CronTrigger:
    """The team's weekly digest: its day name (never a number: APScheduler and cron disagree on
    day numbers), time and IANA timezone, so the local time holds across DST changes."""
    hour, _, minute = team.digest_time.partition(":")
    return CronTrigger(
        day_of_week=team.digest_day.lower(),
        hour=int(hour),
        minute=int(minute or 0),
        timezone=ZoneInfo(team.timezone),
    )


def last_fire_time(trigger: CronTrigger, now: dt.datetime) -> dt.datetime | None:
    """The most recent fire time of a weekly trigger at or before `now`."""
    last = None
    fire = trigger.get_next_fire_time(None, now - dt.timedelta(days=8))
    while fire is not None and fire <= now:
        last = fire
        fire = trigger.get_next_fire_time(fire, fire + dt.timedelta(seconds=1))
    return last


def due_period(team: Team, now: dt.datetime) -> tuple[dt.date, dt.date] | None:
    """The period of the team's most recent digest time (the one that should be out by now)."""
    fired = last_fire_time(digest_trigger(team), now)
    return None if fired is None else cycle.period_ending(fired, team.timezone)


# Locks ---------------------------------------------------------------------------------------


@contextmanager
def serve_lock(archive: Archive) -> Iterator[None]:
    """SQLite: hold '<database>.serve.lock' exclusively for the life of the service."""
    path = archive.lock_path("serve")
    if path is None:
        yield
        return
    with file_lock(path) as got:
        if not got:
            raise AlreadyRunning(
                f"another `aksnews serve` is already running on {archive.sqlite_file()} "
                f"(lock {path}); SQLite allows one service per database file"
            )
        yield


def job_lock(archive: Archive, name: str) -> AbstractContextManager[bool]:
    """PostgreSQL: True while this process holds the job's advisory lock, False when another
    replica does. Other databases: always True (SQLite has one service by serve_lock)."""
    return archive.advisory_lock(name)


# Jobs ----------------------------------------------------------------------------------------


def _fields(counts: Mapping[str, int]) -> str:
    return " ".join(f"{k}={v}" for k, v in counts.items())


def run_job(
    archive: Archive,
    name: str,
    work: Callable[[], Mapping[str, int]],
    *,
    shared: bool = True,
    stopping: threading.Event | None = None,
) -> bool:
    """Run `work` under the job's lock and log one line with its duration and counts.

    Returns whether it ran. Errors are logged (redacted) and swallowed: the scheduler must go
    on, and the next run retries. A job that is not `shared` (it changes only this process's
    scheduler) runs in every replica, without the lock. Once `stopping` is set, no job starts:
    pausing the scheduler does not stop a job its executor was already handed."""
    if stopping is not None and stopping.is_set():
        log.info("job=%s status=skipped reason=stopping", name)
        return False
    with job_lock(archive, name) if shared else nullcontext(True) as got:
        if not got:
            log.info("job=%s status=skipped reason=running-on-another-replica", name)
            return False
        if stopping is not None and stopping.is_set():  # the signal came while it waited
            log.info("job=%s status=skipped reason=stopping", name)
            return False
        log.info("job=%s status=started", name)
        started = time.monotonic()
        try:
            counts = work()
        except Exception as exc:  # noqa: BLE001 - one failing run must not stop the service
            ms = int((time.monotonic() - started) * 1000)
            error = cycle.redact(f"{type(exc).__name__}: {exc}")
            log.error("job=%s status=error duration_ms=%d error=%s", name, ms, error)
            return True
        ms = int((time.monotonic() - started) * 1000)
        log.info("job=%s status=ok duration_ms=%d %s", name, ms, _fields(counts))
        return True


# A poll younger than this share of the interval counts as this replica's poll.
POLL_REUSE = 0.9


@dataclass
class Service:
    """The jobs of `aksnews serve`, over one archive, settings and clock."""

    archive: Archive
    settings: Settings
    clock: Clock = _utcnow
    notifiers: cycle.NotifierFactory = get_notifier
    environ: Mapping[str, str] | None = None
    # Set by SIGTERM/SIGINT: from then on every job returns without starting.
    stopping: threading.Event = field(default_factory=threading.Event)

    def deliver(self) -> dict[str, int]:
        """Deliver what is due (one delivery per database at a time: see outbox.deliver)."""
        report = cycle.send(
            self.archive,
            self.settings,
            self.clock(),
            notifiers=self.notifiers,
            environ=self.environ,
        )
        return cycle.delivery_counts(report)

    def _poll(self) -> dict[str, int]:
        # Replicas schedule their polls independently: one that finds a poll done by another
        # within most of the interval leaves it at that, so sources are fetched once per interval.
        interval = dt.timedelta(hours=self.settings.poll_interval_hours)
        last = self.archive.last_poll()
        if last is not None and self.clock() - last < interval * POLL_REUSE:
            return {"poll_skipped_recent": 1, **self.deliver()}
        polled = cycle.poll(self.archive, self.settings, self.clock())
        alerts = cycle.match_and_alert(
            self.archive,
            self.clock(),
            notifiers=self.notifiers,
            web_url=self.settings.web_url or None,
        )
        return {
            **polled.counts(),
            **{f"alert_{k}": v for k, v in alerts.counts().items()},
            **self.deliver(),
        }

    def queue_due_digest(self, team: Team) -> int:
        """Queue the digest of the team's most recent digest time unless already queued."""
        now = self.clock()
        period = due_period(team, now)
        if period is None:
            return 0
        return cycle.queue_digest(
            self.archive,
            team.name,
            *period,
            now,
            notifiers=self.notifiers,
            web_url=self.settings.web_url or None,
        )

    def catch_up(self, teams: Sequence[Team]) -> dict[str, int]:
        """Digests missed while the service was down: each team's latest period, once."""
        queued = sum(self.queue_due_digest(team) for team in teams)
        return {"teams": len(teams), "digest_rows_queued": queued, **self.deliver()}

    def _digest(self, team: Team) -> dict[str, int]:
        return {"digest_rows_queued": self.queue_due_digest(team), **self.deliver()}

    # What the scheduler calls: each wrapped in its lock and one log line.

    def poll_job(self) -> bool:
        return run_job(self.archive, "poll", self._poll, stopping=self.stopping)

    def notify_job(self) -> bool:
        return run_job(self.archive, "notify", self.deliver, stopping=self.stopping)

    def catch_up_job(self, teams: Sequence[Team]) -> bool:
        return run_job(
            self.archive, "catch-up", lambda: self.catch_up(teams), stopping=self.stopping
        )

    def digest_job(self, team: Team) -> bool:
        return run_job(
            self.archive,
            f"digest:{team.name}",
            lambda: self._digest(team),
            stopping=self.stopping,
        )

    def teams_job(self, scheduler: BlockingScheduler) -> bool:
        from aksnews.inventory.merge import load_inventory

        def work() -> dict[str, int]:
            return sync_digest_jobs(scheduler, self, load_inventory(self.archive).teams)

        return run_job(self.archive, "teams", work, shared=False, stopping=self.stopping)


def _schedule(team: Team) -> tuple[str, str, str]:
    return team.digest_day.lower(), team.digest_time, team.timezone


def sync_digest_jobs(
    scheduler: BlockingScheduler, service: Service, teams: Sequence[Team]
) -> dict[str, int]:
    """Make the digest jobs match the inventory's teams, so that editing the inventory needs no
    restart: a new team gets its job and, as a restart would give it, the digest of its latest
    period; a team whose day, time or timezone changed is rescheduled; a removed team's job goes.
    """
    jobs = {job.id: job for job in scheduler.get_jobs() if job.id.startswith("digest:")}
    wanted = {f"digest:{team.name}": team for team in teams}
    added = changed = queued = 0
    for job_id, team in wanted.items():
        job = jobs.get(job_id)
        if job is None:
            add_digest_job(scheduler, service, team)
            queued += service.queue_due_digest(team)
            added += 1
        elif _schedule(job.args[0]) != _schedule(team):
            scheduler.modify_job(job_id, args=[team])
            scheduler.reschedule_job(job_id, trigger=digest_trigger(team))
            changed += 1
    removed = 0
    for job_id in jobs.keys() - wanted.keys():
        scheduler.remove_job(job_id)
        removed += 1
    counts = {"teams_added": added, "teams_rescheduled": changed, "teams_removed": removed}
    if queued:
        return {**counts, "digest_rows_queued": queued, **service.deliver()}
    return counts


def _add_job(
    scheduler: BlockingScheduler,
    name: str,
    func: Callable[..., bool],
    trigger: BaseTrigger | None,
    grace: dt.timedelta,
    *,
    args: Sequence[object] = (),
    first_run: dt.datetime | None = None,
) -> None:
    """Every job: its id is its name, a late run happens once (coalesced), never two at a time."""
    extra = {} if first_run is None else {"next_run_time": first_run}
    scheduler.add_job(
        func,
        trigger,
        args=list(args),
        id=name,
        name=name,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=int(grace.total_seconds()),
        **extra,
    )


def _every(interval: dt.timedelta) -> IntervalTrigger:
    return IntervalTrigger(seconds=int(interval.total_seconds()), timezone=dt.UTC)


def add_digest_job(scheduler: BlockingScheduler, service: Service, team: Team) -> None:
    trigger = digest_trigger(team)
    _add_job(
        scheduler, f"digest:{team.name}", service.digest_job, trigger, DIGEST_GRACE, args=[team]
    )


def build_scheduler(service: Service, teams: Sequence[Team], now: dt.datetime) -> BlockingScheduler:
    """The scheduler with every job added; a poll and the digest catch-up run first, at `now`."""
    scheduler = BlockingScheduler(
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        timezone=dt.UTC,
    )
    poll_every = dt.timedelta(hours=service.settings.poll_interval_hours)
    _add_job(
        scheduler,
        "catch-up",
        service.catch_up_job,
        None,
        DIGEST_GRACE,
        args=[tuple(teams)],
        first_run=now,
    )
    _add_job(scheduler, "poll", service.poll_job, _every(poll_every), POLL_GRACE, first_run=now)
    _add_job(scheduler, "notify", service.notify_job, _every(NOTIFY_EVERY), NOTIFY_GRACE)
    _add_job(
        scheduler, "teams", service.teams_job, _every(TEAMS_EVERY), TEAMS_EVERY, args=[scheduler]
    )
    for team in teams:
        add_digest_job(scheduler, service, team)
    return scheduler


def _install_signal_handlers(
    scheduler: BlockingScheduler, stopping: threading.Event
) -> list[threading.Thread]:
    stoppers: list[threading.Thread] = []

    def stop(signum: int, _frame: FrameType | None) -> None:
        if stoppers:
            return  # already stopping
        stopping.set()  # a job already handed to the executor returns without starting
        log.info("signal=%s status=stopping (the running job finishes)", signal.strsignal(signum))
        scheduler.pause()  # the scheduler hands out no more jobs
        # shutdown(wait=True) blocks until the running job ends: not in a signal handler.
        stopper = threading.Thread(target=scheduler.shutdown, kwargs={"wait": True})
        stoppers.append(stopper)
        stopper.start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    return stoppers


def serve(
    archive: Archive,
    settings: Settings,
    *,
    clock: Clock = _utcnow,
    notifiers: cycle.NotifierFactory = get_notifier,
    web_server: WebServer | None = None,
) -> int:
    """Run until SIGTERM or SIGINT; 0 on a clean stop. Refuses a second serve on SQLite.

    With `web_server` (a uvicorn.Server), the web archive runs in a thread beside the
    scheduler and stops after it: the scheduler owns the signals.
    """
    from aksnews.inventory.merge import load_inventory

    with serve_lock(archive):
        service = Service(archive, settings, clock, notifiers)
        teams = load_inventory(archive).teams
        scheduler = build_scheduler(service, teams, clock())
        stoppers = _install_signal_handlers(scheduler, service.stopping)
        log.info(
            "service=started poll_interval_hours=%s teams=%d jobs=%s",
            settings.poll_interval_hours,
            len(teams),
            ",".join(job.id for job in scheduler.get_jobs()),
        )
        web_thread = None
        if web_server is not None:
            web_thread = threading.Thread(target=web_server.run, name="web", daemon=True)
            web_thread.start()
        scheduler.start()
        for stopper in stoppers:
            stopper.join()
        if web_server is not None and web_thread is not None:
            web_server.should_exit = True
            web_thread.join(timeout=30)
        log.info("service=stopped")
    return 0


class WebServer(Protocol):
    """What serve needs of uvicorn.Server (run in a thread, stopped by a flag)."""

    should_exit: bool

    def run(self) -> None: ...
