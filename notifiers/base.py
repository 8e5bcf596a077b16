"""The notifier interface: render (pure) and post (I/O) kept apart, and splitting to limits.

Every channel caps a message (Slack: 50 blocks and characters per block; Teams: about 28 KB of
JSON), so a long digest becomes several messages. The packing is the same for every channel and
lives here: blocks are packed in order, a section that continues in the next message repeats its
heading, and an item that is too long for one block is cut with '…' and keeps the link to its
source. No item is ever dropped.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from aksnews.errors import AksnewsError

# Annotations only: the outbox reads messages without importing the digest and alert types.
if TYPE_CHECKING:
    from aksnews.model.messages import AlertBatch, Digest

ELLIPSIS = "…"
_SAFE_SCHEMES = ("https://", "http://")

B = TypeVar("B")


@dataclass(frozen=True, slots=True)
class Message:
    """One payload to post: a JSON body (Slack, Teams) or text (file/stdout)."""

    body: Mapping[str, Any] | str
    thread: bool = False  # Slack with a bot token: post in the first message's thread


@dataclass(frozen=True, slots=True)
class Target:
    """Where to post, with secrets already resolved (never logged)."""

    url: str | None = None  # webhook URL, or file path for the file notifier
    token: str | None = None  # Slack bot token
    channel: str | None = None  # Slack channel for chat.postMessage


class Failure(StrEnum):
    """How a post that did not succeed ended, which decides what the outbox does next.

    Webhooks have no idempotency key, so the line that matters is whether the request may
    have reached the peer: once it may have, posting it again could be a duplicate.
    """

    NOT_SENT = "not-sent"  # DNS, refused, TLS handshake: nothing was written; retry later
    MAY_HAVE_ARRIVED = "may-have-arrived"  # written, then no clear answer: never re-posted
    REJECTED = "rejected"  # the peer refused this message (4xx, Slack error): failed
    RATE_LIMITED = "rate-limited"  # 429 / 'ratelimited': not taken; retry after Retry-After


# A longer Retry-After is cut to this: a peer cannot park a message for days.
MAX_RETRY_AFTER = dt.timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class RetryAfter:
    """An HTTP Retry-After (RFC 9110 10.2.3): a number of seconds, or an HTTP-date."""

    seconds: float | None = None
    at: dt.datetime | None = None

    def asked(self, now: dt.datetime) -> dt.timedelta:
        """How long from `now` the peer asked us to wait (never negative)."""
        if self.seconds is not None:
            return dt.timedelta(seconds=self.seconds)
        if self.at is not None:
            return max(dt.timedelta(0), self.at - now)
        return dt.timedelta(0)

    def wait(self, now: dt.datetime) -> dt.timedelta:
        """What we wait: what was asked, at most MAX_RETRY_AFTER."""
        return min(self.asked(now), MAX_RETRY_AFTER)

    def __str__(self) -> str:
        return f"{self.seconds:g} s" if self.seconds is not None else f"{self.at}"


def parse_retry_after(value: str | None) -> RetryAfter | None:
    """Retry-After as seconds ('120') or as an HTTP-date ('Wed, 21 Oct 2026 07:28:00 GMT');
    None when absent or unreadable (the outbox's own backoff applies then)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return RetryAfter(seconds=seconds) if seconds >= 0 and seconds == seconds else None
    try:
        at = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return RetryAfter(at=at if at.tzinfo else at.replace(tzinfo=dt.UTC))


class NotifierError(AksnewsError):
    """A post did not succeed; `failure` says whether it may have arrived (see Failure).

    `retry_after` carries what the peer asked us to wait (HTTP Retry-After), so the outbox can
    schedule the next attempt no earlier than that. Messages never carry a URL or a token.
    """

    def __init__(
        self,
        message: str,
        failure: Failure = Failure.NOT_SENT,
        *,
        retry_after: RetryAfter | None = None,
    ) -> None:
        super().__init__(message)
        self.failure = failure
        self.retry_after = retry_after

    @property
    def permanent(self) -> bool:
        return self.failure is Failure.REJECTED


@dataclass(frozen=True, slots=True)
class PostResult:
    status: int
    reference: str | None = None  # e.g. Slack message ts, for threading the rest


class Notifier(Protocol):
    name: ClassVar[str]

    def render_digest(self, digest: Digest) -> tuple[Message, ...]: ...

    def render_alerts(self, batch: AlertBatch) -> tuple[Message, ...]: ...

    def post(
        self, message: Message, target: Target, *, thread_ref: str | None = None
    ) -> PostResult: ...


@dataclass(frozen=True, slots=True)
class Limits:
    """What one message of a channel may hold, beyond its fixed parts (title, summary)."""

    max_blocks: int
    max_size: int | None = None  # in the unit of `size` given to pack_sections (bytes for Teams)


def pack_sections(
    sections: Sequence[tuple[Callable[[bool], B], Sequence[B]]],
    limits: Limits,
    size: Callable[[B], int] = lambda _: 0,
) -> list[list[B]]:
    """Pack (heading, items) sections into as few chunks as the limits allow, order kept.

    `heading(continued)` builds a section's heading block; a heading is never the last block of
    a chunk, and a section carried over to the next chunk starts it with heading(True). Each
    item must fit in a chunk on its own next to a heading (callers cut items to a per-block
    limit first); such an item is still placed rather than dropped if it does not.
    """
    chunks: list[list[B]] = []
    current: list[B] = []
    used = 0

    def fits(*blocks: B) -> bool:
        if len(current) + len(blocks) > limits.max_blocks:
            return False
        return limits.max_size is None or used + sum(size(b) for b in blocks) <= limits.max_size

    def flush() -> None:
        nonlocal current, used
        if current:
            chunks.append(current)
        current, used = [], 0

    def add(*blocks: B) -> None:
        nonlocal used
        current.extend(blocks)
        used += sum(size(b) for b in blocks)

    for heading, items in sections:
        started = False
        for item in items:
            if started and fits(item):
                add(item)
                continue
            head = heading(started)
            if not fits(head, item):
                flush()
            add(head, item)
            started = True
    flush()
    return chunks


def fit_text(
    text: str,
    limit: int,
    render: Callable[[str], str],
    suffix: str = "",
    measure: Callable[[str], int] = len,
) -> str:
    """render(text) + suffix when that fits in `limit`, else the longest render(prefix) + '…' +
    suffix that does. Cutting the plain text before rendering never splits an escape sequence
    (Slack's '&amp;', Markdown's '\\*'). `render` must not shrink when its input grows."""
    whole = render(text) + suffix
    if measure(whole) <= limit:
        return whole
    lo, hi = 0, len(text)
    while lo < hi:  # the longest prefix whose rendering fits
        mid = (lo + hi + 1) // 2
        if measure(render(text[:mid].rstrip()) + ELLIPSIS + suffix) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return render(text[:lo].rstrip()) + ELLIPSIS + suffix


def safe_url(url: str | None) -> str | None:
    """Our own link, or None when it is not a plain http(s) URL. Characters that would end a
    link in Slack ('|', '>') or Markdown (')', spaces) are percent-encoded."""
    if not url or not url.lower().startswith(_SAFE_SCHEMES):
        return None
    for raw, quoted in _URL_QUOTES:
        url = url.replace(raw, quoted)
    return url


_URL_QUOTES = (
    (" ", "%20"),
    ("|", "%7C"),
    ("<", "%3C"),
    (">", "%3E"),
    ("(", "%28"),
    (")", "%29"),
    ('"', "%22"),
)


def summary_counts(digest: Digest) -> str:
    """One line for the first message and the notification text: what needs action (with the
    criticals counted), then how many items the other sections hold, or that none came."""
    if digest.empty:
        return "Nothing new this period."
    parts: list[str] = []
    for section in digest.sections if any(s.key == "action" for s in digest.sections) else ():
        if section.key == "action":
            acting = [i for i in section.items if i.label in ("critical", "warning")]
            critical = sum(i.label == "critical" for i in acting)
            if not acting:
                parts.append("Nothing to act on")
            else:
                parts.append(
                    f"{len(acting)} to act on" + (f" ({critical} critical)" if critical else "")
                )
        elif section.key != "everything-else":
            parts.append(f"{section.title} ({len(section.items)})")
    if parts:
        return ", ".join(parts)
    total = sum(len(s.items) for s in digest.sections)
    listed = ", ".join(f"{s.title} ({len(s.items)})" for s in digest.sections if s.items)
    return f"{total} item{'s' if total != 1 else ''}: {listed}"
