"""Slack: Block Kit messages, posted by incoming webhook or by bot token (chat.postMessage).

Changelog text is untrusted: in mrkdwn '<!channel>' pings a channel and '<http://x|y>' makes a
link, so every piece of it goes through `escape` (&, <, >), including link labels; links come
only from our own data. Block Kit limits are documented at
https://api.slack.com/reference/block-kit/blocks and enforced here, not left to a 400 from Slack.
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
from collections.abc import Callable, Mapping
from http.client import HTTPException
from typing import Any, ClassVar
from urllib.error import URLError

from aksnews.model.messages import Alert, AlertBatch, Digest, DigestItem, DigestSection
from aksnews.notifiers.base import (
    Failure,
    Limits,
    Message,
    NotifierError,
    PostResult,
    RetryAfter,
    Target,
    fit_text,
    pack_sections,
    parse_retry_after,
    safe_url,
    summary_counts,
)
from aksnews.notifiers.http import post_once, status_error, status_failure

log = logging.getLogger(__name__)

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_MESSAGE_TEXT = 4000
MAX_DETAIL_TEXT = 500  # a detail line may not crowd out the item it explains
DEFAULT_API_URL = "https://slack.com/api/"

# Slack's answers for a rate limit: a webhook's body, a Web API error code.
RATE_LIMITED_BODIES = frozenset({"ratelimited", "rate_limited"})
# Web API errors documented as "it's possible some aspect of the operation succeeded".
API_MAY_HAVE_POSTED = frozenset({"internal_error", "fatal_error"})
# Web API errors that say the request was not processed: retried with backoff.
API_NOT_TAKEN = frozenset({"service_unavailable", "request_timeout"})
# Any other error code (channel_not_found, invalid_auth, no_text...) is a refusal: failed.

# slack-sdk's own logger formats every request body at DEBUG (when the logger's own level
# allows it) and logs each failure we already report: it gets one that does neither.
_SDK_LOG = logging.getLogger("aksnews.notifiers.slack_sdk")
_SDK_LOG.setLevel(logging.CRITICAL)

Block = dict[str, Any]


def escape(text: str) -> str:
    """Plain text made inert in mrkdwn: no mentions, no links, no HTML-looking entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str | None, label: str) -> str:
    """Our own link as <url|label>; '' when the URL is not a plain http(s) one."""
    safe = safe_url(url)
    if safe is None:
        return ""
    return f"<{safe}|{escape(label.replace('|', ' '))}>"


def _header(text: str) -> Block:
    # plain_text makes no mentions or links, but Slack decodes &amp; &lt; &gt; in every text
    # field, so escaping here too shows the changelog's characters as they were.
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": fit_text(text, MAX_HEADER_TEXT, escape)},
    }


def _section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}


def _context(mrkdwn: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn}]}


def item_text(item: DigestItem) -> str:
    """One item as mrkdwn within a section's 3,000 characters; a long text is cut with '…'
    and keeps its source link, so the reader can get the rest."""
    prefix = f"*{escape(item.label)}* " if item.label else ""
    source = link(item.url, "source")
    suffix = f" {source}" if source else ""
    detail = "\n" + fit_text(item.detail, MAX_DETAIL_TEXT, escape) if item.detail else ""
    budget = MAX_SECTION_TEXT - len(prefix) - len(detail)
    return prefix + fit_text(item.text, budget, escape, suffix) + detail


def _section_blocks(section: DigestSection) -> tuple[Callable[[bool], Block], list[Block]]:
    def heading(continued: bool) -> Block:
        title = f"{section.title} (continued)" if continued else section.title
        return _section(f"*{fit_text(title, MAX_SECTION_TEXT - 2, escape)}*")

    return heading, [_section(item_text(item)) for item in section.items]


def _summary_blocks(digest: Digest) -> list[Block]:
    return [
        _header(digest.title),
        _section(fit_text(summary_counts(digest), MAX_SECTION_TEXT, escape)),
    ]


def _fallback(text: str) -> str:
    """Top-level text: what notifications and screen readers show."""
    return fit_text(text, MAX_MESSAGE_TEXT, escape)


def alert_line(alert: Alert) -> str:
    """One finding of an alert message: severity, title, where, deadline, what to do, source."""
    f = alert.finding
    what = " (escalated)" if alert.escalated else ""
    where = f.cluster + (f"/{f.node_pool}" if f.node_pool else "")
    facts = [f"on *{escape(where)}*"]
    if f.deadline:
        facts.append(f"deadline {f.deadline}")
    source = next((s for s in (link(u, "source") for u in f.links) if s), None)
    tail = f" · {source}" if source else ""
    head = f"*{f.severity.value.upper()}*{what} "
    first = head + fit_text(f.title, MAX_HEADER_TEXT * 2, escape)
    second = " · ".join(facts) + " · *Do:* "
    budget = MAX_SECTION_TEXT - len(first) - len(second) - len(tail) - 1
    return f"{first}\n{second}{fit_text(f.action, budget, escape)}{tail}"


class SlackNotifier:
    """Slack Block Kit, by incoming webhook or bot token + channel (threads a long digest)."""

    name: ClassVar[str] = "slack"

    def __init__(self, *, api_url: str = DEFAULT_API_URL, timeout: float = 30) -> None:
        self.api_url = api_url
        self.timeout = timeout

    # -- render (pure) ------------------------------------------------------------------

    def render_digest(self, digest: Digest) -> tuple[Message, ...]:
        summary = _summary_blocks(digest)
        text = _fallback(f"{digest.title}: {summary_counts(digest)}")
        sections = [_section_blocks(s) for s in digest.sections if s.items]
        single = pack_sections(sections, Limits(MAX_BLOCKS - len(summary)))
        if len(single) <= 1:
            blocks = summary + (single[0] if single else [])
            return (Message({"text": text, "blocks": blocks}),)
        # Too long for one message: a summary first, the sections in its thread.
        chunks = pack_sections(sections, Limits(MAX_BLOCKS))
        note = _context(f"Details in {len(chunks)} messages in the thread.")
        messages = [Message({"text": text, "blocks": [*summary, note]})]
        for n, chunk in enumerate(chunks, start=1):
            part = _fallback(f"{digest.title} ({n}/{len(chunks)})")
            messages.append(Message({"text": part, "blocks": chunk}, thread=True))
        return tuple(messages)

    def render_alerts(self, batch: AlertBatch) -> tuple[Message, ...]:
        """One message listing every alert of the run; parts (in a thread) only past 50 blocks."""
        summary = [_header(batch.title)]
        if batch.standing:
            counted = ", ".join(f"{n} {severity}" for severity, n in batch.standing)
            summary.append(_context(f"Open findings: {counted}. The digest has the rest."))
        lines = [_section(alert_line(a)) for a in batch.alerts]
        if batch.more:
            more = link(batch.more_url, f"{batch.more} more") or f"{batch.more} more"
            lines.append(_context(f"…and {more} not listed here (--max-alerts-per-run)."))
        text = _fallback(batch.headline)

        def heading(continued: bool) -> Block:
            return _context("(continued)" if continued else "Findings, the nearest deadline first")

        chunks = pack_sections([(heading, lines)], Limits(MAX_BLOCKS - len(summary)))
        if len(chunks) <= 1:
            return (Message({"text": text, "blocks": summary + (chunks[0] if chunks else [])}),)
        messages = [Message({"text": text, "blocks": summary + chunks[0]})]
        for n, chunk in enumerate(chunks[1:], start=2):
            part = _fallback(f"{batch.title} ({n}/{len(chunks)})")
            messages.append(Message({"text": part, "blocks": chunk}, thread=True))
        return tuple(messages)

    # -- post (I/O) ---------------------------------------------------------------------

    def post(
        self, message: Message, target: Target, *, thread_ref: str | None = None
    ) -> PostResult:
        """One attempt, no retry inside (the outbox decides); failures are classified."""
        if not isinstance(message.body, Mapping):
            raise NotifierError("slack: a message must be a JSON object", Failure.REJECTED)
        if target.token and target.channel:
            return self._post_api(message, target.token, target.channel, thread_ref)
        if target.url:
            return self._post_webhook(message.body, target.url)
        raise NotifierError(
            "slack: the target needs a webhook URL or a bot token and a channel", Failure.REJECTED
        )

    def _post_webhook(self, body: Mapping[str, Any], url: str) -> PostResult:
        # httpx rather than slack-sdk's WebhookClient: urllib folds a failed connect and a
        # failed write into one URLError, and which of the two happened is what decides
        # whether a retry could be a duplicate.
        what = "slack webhook"
        response = post_once(what, url, json.dumps(dict(body)).encode(), timeout=self.timeout)
        text = response.text.strip()
        if text in RATE_LIMITED_BODIES:
            raise status_error(what, response, Failure.RATE_LIMITED)
        failure = status_failure(response.status_code)
        if failure is None and text == "ok":
            return PostResult(response.status_code)
        # A 200 whose body is not 'ok' is Slack refusing the payload (invalid_payload,
        # no_text, channel_not_found...): nothing was posted.
        raise status_error(what, response, failure or Failure.REJECTED)

    def _post_api(
        self, message: Message, token: str, channel: str, thread_ref: str | None
    ) -> PostResult:
        # Imported here: only bot-token teams need it, and it costs every command start-up.
        from slack_sdk import WebClient
        from slack_sdk.errors import SlackApiError, SlackRequestError

        client = WebClient(
            token=token,
            base_url=self.api_url,
            timeout=self.timeout,  # type: ignore[arg-type]  # slack-sdk says int; urllib takes float
            retry_handlers=[],  # none: its handlers re-send the same body and sleep
            logger=_SDK_LOG,
        )
        body = message.body
        assert isinstance(body, Mapping)  # checked by post()
        what = "slack chat.postMessage"
        try:
            response = client.chat_postMessage(
                channel=channel,
                text=body.get("text"),
                blocks=body.get("blocks"),
                thread_ts=thread_ref if message.thread else None,
            )
        except SlackApiError as exc:
            error = str(exc.response.get("error", "")) if _is_json(exc.response) else ""
            status = exc.response.status_code
            raise NotifierError(
                f"{what}: HTTP {status} {error or 'error'}",
                _api_failure(status, error),
                retry_after=_header_retry_after(exc.response.headers),
            ) from exc
        except SlackRequestError as exc:
            raise NotifierError(f"{what}: {exc}", Failure.REJECTED) from exc
        except OSError as exc:  # urllib: URLError from connect+write, the rest from reading
            failure = _urllib_failure(exc)
            verdict = "not sent" if failure is Failure.NOT_SENT else "may have arrived"
            raise NotifierError(f"{what}: {_os_error_text(exc)} ({verdict})", failure) from exc
        except HTTPException as exc:  # a broken answer, after the request was written
            raise NotifierError(
                f"{what}: {type(exc).__name__} (may have arrived)", Failure.MAY_HAVE_ARRIVED
            ) from exc
        ts = response.get("ts")
        return PostResult(response.status_code, str(ts) if ts else None)


def _api_failure(status: int, error: str) -> Failure:
    """A Web API error answer classified by Slack's documented error codes."""
    if status == 429 or error in RATE_LIMITED_BODIES:
        return Failure.RATE_LIMITED
    if error in API_MAY_HAVE_POSTED:
        return Failure.MAY_HAVE_ARRIVED
    if error in API_NOT_TAKEN:
        return Failure.NOT_SENT
    if status != 200:  # e.g. a proxy's 503 with no Slack error code in it
        return status_failure(status) or Failure.REJECTED
    return Failure.REJECTED


def _urllib_failure(exc: OSError) -> Failure:
    """slack-sdk posts with urllib, which raises URLError for anything that went wrong while
    connecting or writing the request: only a refusal, a failed name lookup or a failed
    certificate check prove that nothing was written. A timeout there may be the connect or
    the write, so it counts as may-have-arrived, as does everything raised while reading."""
    if isinstance(exc, URLError):
        reason = exc.reason
        if isinstance(reason, ConnectionRefusedError | socket.gaierror):
            return Failure.NOT_SENT
        if isinstance(reason, ssl.SSLError) and not isinstance(reason, _SSL_AFTER_HANDSHAKE):
            return Failure.NOT_SENT
    return Failure.MAY_HAVE_ARRIVED


_SSL_AFTER_HANDSHAKE = (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLWantWriteError)


def _os_error_text(exc: OSError) -> str:
    reason = exc.reason if isinstance(exc, URLError) else exc
    if isinstance(reason, BaseException):
        return type(reason).__name__ + (f": {reason}" if str(reason) else "")
    return f"{type(exc).__name__}: {reason}"


def _is_json(response: Any) -> bool:
    return isinstance(getattr(response, "data", None), dict)


def _header_retry_after(headers: Mapping[str, Any] | None) -> RetryAfter | None:
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) else value
            return parse_retry_after(str(raw))
    return None
