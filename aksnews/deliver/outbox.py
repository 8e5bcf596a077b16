"""The outbox: every message to a team is written to the database first, then delivered.

Delivery is at most once, and nothing queued is lost: every row ends in one of four states
that a person can read with `aksnews outbox`.

    pending ──claim──> sending ──posted──────────────────────────> sent
       ^                  │──not sent (DNS, refused, TLS, 5xx)───> pending, later (backoff)
       │                  │──rate limited (429, 'ratelimited')───> pending, after Retry-After
       │                  │──rejected (4xx, Slack error body)────> failed
       │                  │──may have arrived (written, then a
       │                  │  timeout, a reset, a broken answer)──> uncertain
       │                  └──the process died (found 'sending')──> uncertain
       └──── `aksnews outbox resend KEY|ID` (by hand) <────────── failed, uncertain

A row is marked 'sending' and committed BEFORE the post, and its outcome after it. The
notifiers make exactly one HTTP attempt per claim and classify its outcome (see
aksnews.notifiers.base.Failure); no library retries or sleeps. Once a request may have reached
the peer it is never posted again automatically: Slack and Teams webhooks offer no idempotency
key that would let a repeat be recognised and dropped on their side, and a team missing one
message (shown by `aksnews outbox`, to check and resend by hand) is better than a team that
learns to ignore duplicated alerts. A not-sent attempt is retried after a backoff until
--max-attempts; a rate-limited one waits for the peer's Retry-After (seconds or an HTTP-date,
capped at MAX_RETRY_AFTER and recorded in the row) and does not count as an attempt, and the
run leaves that channel alone for the rest of the run rather than sleep under the lock. A
team whose env: secret is unset gets a failed row naming the variable; setting it and
resending gets the message out.

Two delivery runs must not overlap: a second run would take the first one's in-flight rows for
interrupted ones. deliver() holds the 'deliver' lock of the database (aksnews.store.locks: an
flock beside a SQLite file, an advisory lock on PostgreSQL), so a run that finds another one
delivering sends nothing and says so (`busy`). Claiming a row is a compare-and-set on its
status as well, so no message is ever posted twice.

Queueing is idempotent: (key, channel, position) is unique, so queueing the same digest or
alert again, or from two runs at once, never creates a second set of rows. The SQL is in
aksnews.store.outbox; this module decides.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from aksnews.errors import DuplicateKey
from aksnews.notifiers.base import Failure, Message, Notifier, NotifierError, Target
from aksnews.redact import redact
from aksnews.store import outbox as store

# The alert and inventory types only annotate here: listing the outbox (`aksnews outbox`)
# then imports neither the alerts nor the findings behind them.
if TYPE_CHECKING:
    from aksnews.deliver.alerts import AlertState
    from aksnews.model.inventory import SecretRef, Team
    from aksnews.model.messages import AlertBatch
    from aksnews.store.handle import Archive, ArchiveWrite

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 500


class Status(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNCERTAIN = "uncertain"


# What `aksnews outbox resend` may queue again: the states a person has to look at.
RESENDABLE = (Status.FAILED, Status.UNCERTAIN)


class Kind(StrEnum):
    DIGEST = "digest"
    ALERT = "alert"


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    id: int
    key: str
    channel: str
    position: int
    team: str
    kind: Kind
    message: Message
    status: Status
    attempts: int
    last_error: str | None
    next_attempt_at: dt.datetime | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    reference: str | None
    title: str | None = None
    rate_limited: int = 0

    @property
    def label(self) -> str:
        """What the row is, for a person: its title, else its key."""
        return self.title or self.key


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one delivery run did with one row."""

    entry: OutboxEntry
    status: Status  # the row's status afterwards ('pending' means: retried later)
    error: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    outcomes: tuple[Outcome, ...]
    interrupted: tuple[OutboxEntry, ...]  # left 'sending' by a dead run, now 'uncertain'
    # Left for a later run: parts whose earlier part is not out, rows of a rate-limited channel.
    waiting: tuple[OutboxEntry, ...] = ()
    busy: bool = False  # another process was delivering: this run sent nothing

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status is status)


@dataclass(frozen=True, slots=True)
class MissingSecret:
    """A team's channel names an env: variable that is not set in this process."""

    variable: str

    def __str__(self) -> str:
        return f"{self.variable} is not set"


Resolve = Callable[[str, str], "tuple[Notifier, Target] | MissingSecret | None"]
Backoff = Callable[[int], dt.timedelta]


def exponential_backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8... minutes after the 1st, 2nd, 3rd... failed attempt, at most six hours."""
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), dt.timedelta(hours=6))


def _payload(message: Message) -> str:
    body: Any = message.body if isinstance(message.body, str) else dict(message.body)
    return json.dumps({"body": body, "thread": message.thread}, ensure_ascii=False)


def _message(payload: str) -> Message:
    data = json.loads(payload)
    return Message(body=data["body"], thread=bool(data.get("thread", False)))


def _entry(row: store.OutboxRow) -> OutboxEntry:
    return OutboxEntry(
        id=row.id,
        key=row.key,
        channel=row.channel,
        position=row.position,
        team=row.team,
        kind=Kind(row.kind),
        message=_message(row.payload),
        status=Status(row.status),
        attempts=row.attempts,
        last_error=row.last_error,
        next_attempt_at=row.next_attempt_at,
        created_at=row.created_at,
        sent_at=row.sent_at,
        reference=row.reference,
        title=row.title,
        rate_limited=row.rate_limited,
    )


def _body_size(message: Message) -> int:
    return len(_payload(message).encode("utf-8"))


def queue_on(
    write: ArchiveWrite,
    team: str,
    channel: str,
    kind: Kind | str,
    key: str,
    messages: Sequence[Message],
    now: dt.datetime,
    *,
    title: str | None = None,
) -> int:
    """Queue the messages of one digest or alert in the caller's transaction; the number of
    rows inserted (0 when this key was already queued for this channel).

    A key is queued as a whole once: a later call with the same key queues nothing, even if the
    messages differ (a digest rebuilt with more items is still the same period's digest).
    `title` says what it is in `aksnews outbox` (the digest's period, the finding).
    """
    if not messages or write.key_queued(key, channel):
        return 0
    return write.insert_messages(
        key=key,
        channel=channel,
        team=team,
        kind=Kind(kind).value,
        title=title,
        payloads=[_payload(m) for m in messages],
        status=Status.PENDING.value,
        now=now,
    )


def queue(
    archive: Archive,
    team: str,
    channel: str,
    kind: Kind | str,
    key: str,
    messages: Sequence[Message],
    now: dt.datetime,
    *,
    title: str | None = None,
) -> int:
    """queue_on in its own transaction. A concurrent run that queued the same key first makes
    the unique constraint refuse this insert: that is a duplicate avoided, so 0."""
    try:
        with archive.transaction() as write:
            return queue_on(write, team, channel, kind, key, messages, now, title=title)
    except DuplicateKey:
        return 0


def queued(archive: Archive, key: str) -> bool:
    """Whether any channel has rows for `key` (a digest period, an alert), whatever their state."""
    return archive.key_queued(key)


def entries(
    archive: Archive,
    status: Status | None = None,
    *,
    newest_first: bool = False,
    key: str | None = None,
) -> list[OutboxEntry]:
    found = archive.outbox_rows(
        None if status is None else status.value, newest_first=newest_first, key=key
    )
    return [_entry(row) for row in found]


def due(archive: Archive, now: dt.datetime) -> list[OutboxEntry]:
    """Pending rows whose next attempt time has come, oldest first, parts in order."""
    return [_entry(row) for row in archive.due_rows(Status.PENDING.value, now)]


def resend(archive: Archive, key_or_id: str) -> tuple[list[OutboxEntry], list[OutboxEntry]]:
    """Queue again, on purpose, the failed or uncertain rows named by an outbox id or a key
    (every part and channel of it): (rows queued again, rows of that name left as they are).
    A person does this after checking the channel: nothing here can know whether an uncertain
    message arrived."""
    if key_or_id.isdigit():
        row = archive.outbox_row(int(key_or_id))
        named = [] if row is None else [_entry(row)]
    else:
        named = entries(archive, key=key_or_id)
    chosen = [e for e in named if e.status in RESENDABLE]
    if chosen:
        archive.requeue(
            [e.id for e in chosen],
            [s.value for s in RESENDABLE],
            Status.PENDING.value,
            "queued again by `aksnews outbox resend`",
        )
    ids = {e.id for e in chosen}
    return chosen, [e for e in named if e.id not in ids]


def _error_text(exc: BaseException | str) -> str:
    text = exc if isinstance(exc, str) else (str(exc) or type(exc).__name__)
    return redact(text)[:MAX_ERROR_CHARS]


def deliver(
    archive: Archive,
    resolve: Resolve,
    now: dt.datetime,
    *,
    max_attempts: int = 5,
    backoff: Backoff = exponential_backoff,
) -> DeliveryReport:
    """Post every due message once; see the module doc for what happens on each outcome.

    `resolve(team, channel)` gives the notifier and the target (secrets resolved), a
    MissingSecret (failed at once, naming the variable), or None when the team has no such
    channel configured: that counts as a failed attempt, so fixing the inventory before the
    attempts run out still gets the message out.
    """
    # One delivery per database at a time, across processes (serve, cron's notify, replicas):
    # a second run would take the first one's in-flight 'sending' rows for a crash's leftovers.
    with archive.exclusive("deliver") as got:
        if not got:
            return DeliveryReport(outcomes=(), interrupted=(), busy=True)
        return _Run(archive, resolve, now, max_attempts, backoff).deliver()


@dataclass
class _Run:
    archive: Archive
    resolve: Resolve
    now: dt.datetime
    max_attempts: int
    backoff: Backoff

    def deliver(self) -> DeliveryReport:
        interrupted = self.archive.set_status_where(
            Status.SENDING.value,
            Status.UNCERTAIN.value,
            "interrupted between post and record: not resent, check the channel",
        )
        outcomes: list[Outcome] = []
        waiting: list[OutboxEntry] = []
        limited: set[tuple[str, str]] = set()  # (team, channel) that answered 'rate limited'
        for entry in due(self.archive, self.now):
            earlier = self.archive.earlier_parts(entry.key, entry.channel, entry.position)
            if any(status in (Status.PENDING, Status.SENDING) for _, status, _ in earlier):
                # Parts go out in order: the rest of a digest waits for its first message.
                waiting.append(entry)
                continue
            if (entry.team, entry.channel) in limited:
                waiting.append(entry)  # asked to slow down: the next run tries again
                continue
            thread_ref = None
            if entry.message.thread and earlier and earlier[0][1] == Status.SENT:
                thread_ref = earlier[0][2]
            outcome = self._one(entry, thread_ref)
            if outcome is None:
                continue  # another run took it
            if outcome.status is Status.PENDING and outcome.entry.rate_limited > entry.rate_limited:
                limited.add((entry.team, entry.channel))
            outcomes.append(outcome)
        return DeliveryReport(
            tuple(outcomes), tuple(_entry(r) for r in interrupted), tuple(waiting)
        )

    def _one(self, entry: OutboxEntry, thread_ref: str | None) -> Outcome | None:
        resolved = self.resolve(entry.team, entry.channel)
        if isinstance(resolved, MissingSecret):
            error = f"{resolved}: set it and run `aksnews outbox resend {entry.id}`"
            self.archive.update_row(entry.id, status=Status.FAILED.value, last_error=error)
            log.warning("delivery id=%d key=%s status=failed error=%s", entry.id, entry.key, error)
            return Outcome(entry, Status.FAILED, error)
        if resolved is None:
            error = f"team {entry.team!r} has no {entry.channel} target configured"
            return self._retry_or_fail(replace(entry, attempts=entry.attempts + 1), error)
        notifier, target = resolved
        if not self.archive.claim(entry.id, Status.PENDING.value, Status.SENDING.value):
            return None
        attempted = replace(entry, attempts=entry.attempts + 1)
        log.debug(
            "post id=%d key=%s part=%d channel=%s team=%s bytes=%d",
            entry.id,
            entry.key,
            entry.position,
            entry.channel,
            entry.team,
            _body_size(entry.message),
        )
        try:
            result = notifier.post(entry.message, target, thread_ref=thread_ref)
        except NotifierError as exc:
            return self._failed_post(attempted, exc)
        except Exception as exc:  # noqa: BLE001 - unknown failure mid-post: maybe delivered
            error = f"unexpected error while posting: {_error_text(exc)}"
            return self._record(attempted, Status.UNCERTAIN, error)
        self.archive.update_row(
            entry.id,
            status=Status.SENT.value,
            sent_at=self.now,
            reference=result.reference,
            last_error=None,
            next_attempt_at=None,
        )
        log.info("delivery id=%d key=%s part=%d status=sent", entry.id, entry.key, entry.position)
        return Outcome(replace(attempted, status=Status.SENT), Status.SENT)

    def _failed_post(self, entry: OutboxEntry, exc: NotifierError) -> Outcome:
        error = _error_text(exc)
        if exc.failure is Failure.REJECTED:
            return self._record(entry, Status.FAILED, error)
        if exc.failure is Failure.MAY_HAVE_ARRIVED:
            return self._record(entry, Status.UNCERTAIN, f"{error}: not resent, check the channel")
        if exc.failure is Failure.RATE_LIMITED:
            self.archive.count_rate_limited(entry.id)
            asked = exc.retry_after
            wait = self.backoff(1) if asked is None else asked.wait(self.now)
            note = f"rate limited: retry after {wait.total_seconds():g} s"
            if asked is not None and asked.asked(self.now) > wait:
                note += f" (asked for {asked.asked(self.now).total_seconds():g} s: capped)"
            limited = replace(
                entry, attempts=entry.attempts - 1, rate_limited=entry.rate_limited + 1
            )
            return self._pending(limited, f"{error}; {note}", wait)
        return self._retry_or_fail(entry, error)

    def _retry_or_fail(self, entry: OutboxEntry, error: str) -> Outcome:
        """Back to pending after the backoff, or failed once the attempts are used up.
        `entry.attempts` counts this attempt."""
        if entry.attempts >= self.max_attempts:
            given_up = f"{error} (gave up after {entry.attempts} attempts)"
            self.archive.update_row(entry.id, attempts=entry.attempts)
            return self._record(entry, Status.FAILED, given_up)
        return self._pending(entry, error, self.backoff(entry.attempts))

    def _pending(self, entry: OutboxEntry, error: str, wait: dt.timedelta) -> Outcome:
        later = self.now + wait
        self.archive.update_row(
            entry.id,
            status=Status.PENDING.value,
            attempts=entry.attempts,
            last_error=error,
            next_attempt_at=later,
        )
        log.info("delivery id=%d key=%s status=pending error=%s", entry.id, entry.key, error)
        return Outcome(
            replace(entry, status=Status.PENDING, next_attempt_at=later), Status.PENDING, error
        )

    def _record(self, entry: OutboxEntry, status: Status, error: str) -> Outcome:
        self.archive.update_row(entry.id, status=status.value, last_error=error)
        log.warning("delivery id=%d key=%s status=%s error=%s", entry.id, entry.key, status, error)
        return Outcome(replace(entry, status=status, last_error=error), status, error)


# Alert memory -------------------------------------------------------------------------------


def load_alert_states(archive: Archive) -> dict[str, AlertState]:
    from aksnews.deliver.alerts import AlertState
    from aksnews.model.findings import Severity

    return {
        row.finding_key: AlertState(Severity(row.severity), row.deadline, row.alerted_at)
        for row in archive.alert_states()
    }


def alerted_teams(archive: Archive) -> set[str]:
    """Teams that were ever sent an alert: any other team's next alerts are its first."""
    return archive.teams_with(Kind.ALERT.value)


def queue_alert_batches(
    archive: Archive,
    batches: Sequence[AlertBatch],
    states: Mapping[str, AlertState],
    render: Callable[[AlertBatch], Iterable[tuple[str, Sequence[Message]]]],
    now: dt.datetime,
    *,
    remembered: Iterable[str] = (),
) -> int:
    """Queue one message (or its parts) per batch and channel through queue_on, and remember
    the alerts, in ONE transaction: a crash leaves either both (the alerts will be delivered)
    or neither (the next run selects them again).

    A finding is remembered once some batch listing it reached a channel; `remembered` adds
    the keys counted but not listed by --max-alerts-per-run, which the batch links to."""
    from aksnews.deliver.alerts import batch_key

    today = now.date()
    try:
        with archive.transaction() as write:
            queued = 0
            routed: set[str] = set()
            for batch in batches:
                key = batch_key(batch, today)
                for channel, messages in render(batch):
                    written = queue_on(
                        write,
                        batch.team,
                        channel,
                        Kind.ALERT,
                        key,
                        messages,
                        now,
                        title=batch.title,
                    )
                    queued += written
                    if messages:
                        routed.update(a.finding.key for a in batch.alerts)
            if routed:
                routed.update(remembered)
            write.record_alert_states(
                [
                    store.AlertStateRow(k, v.severity.value, v.deadline, v.alerted_at)
                    for k, v in states.items()
                    if k in routed
                ],
            )
    except DuplicateKey:
        return 0  # a concurrent run queued and recorded the same alerts first
    return queued


# Team targets -------------------------------------------------------------------------------


def team_channels(team: Team) -> tuple[str, ...]:
    """The notifier names a team has a destination for, in a stable order."""
    channels = []
    if team.slack_webhook is not None or (team.slack_token and team.slack_channel):
        channels.append("slack")
    if team.teams_webhook is not None:
        channels.append("teams")
    return tuple(channels)


def _resolve(secret: SecretRef, environ: Mapping[str, str] | None) -> str | MissingSecret:
    value = secret.resolve(environ)
    if value:
        return value
    return MissingSecret(secret.env or "the inline secret")


def team_target(
    team: Team, channel: str, environ: Mapping[str, str] | None = None
) -> Target | MissingSecret | None:
    """Where `channel` of `team` posts, secrets resolved now (and never logged); None when the
    team has no such channel, MissingSecret when its env: variable is unset. A bot token wins
    over a webhook for Slack (only it can thread the parts of a long digest); with its
    variable unset the webhook is used, when there is one."""
    if channel == "slack":
        missing = None
        if team.slack_token is not None and team.slack_channel:
            token = _resolve(team.slack_token, environ)
            if isinstance(token, str):
                return Target(token=token, channel=team.slack_channel)
            missing = token
        if team.slack_webhook is not None:
            url = _resolve(team.slack_webhook, environ)
            return Target(url=url) if isinstance(url, str) else url
        return missing
    if channel == "teams" and team.teams_webhook is not None:
        url = _resolve(team.teams_webhook, environ)
        return Target(url=url) if isinstance(url, str) else url
    return None


def unset_secrets(team: Team, environ: Mapping[str, str] | None = None) -> list[str]:
    """The env: variables a team's channels name that are not set, for `inventory load`."""
    refs = (team.slack_webhook, team.slack_token, team.teams_webhook)
    return [r.env for r in refs if r is not None and r.env and not r.resolve(environ)]
