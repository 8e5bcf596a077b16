"""Slack: Block Kit messages, posted by incoming webhook or by bot token (chat.postMessage).

Changelog text is untrusted: in mrkdwn '<!channel>' pings a channel and '<http://x|y>' makes a
link, so every piece of it goes through `escape` (&, <, >), including link labels; links come
only from our own data. Block Kit limits are documented at
https://api.slack.com/reference/block-kit/blocks and enforced here, not left to a 400 from Slack.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    RetryHandler,
    RetryIntervalCalculator,
)
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.webhook import WebhookClient

from aksnews.messages import Alert, Digest, DigestItem, DigestSection
from aksnews.notifiers.base import (
    Limits,
    Message,
    NotifierError,
    PostResult,
    Target,
    fit_text,
    pack_sections,
    safe_url,
    summary_counts,
)

log = logging.getLogger(__name__)

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_TEXT = 3000
MAX_MESSAGE_TEXT = 4000
MAX_DETAIL_TEXT = 500  # a detail line may not crowd out the item it explains
DEFAULT_API_URL = "https://slack.com/api/"

# Web API errors that the same request will hit again: never retried by the outbox.
PERMANENT_API_ERRORS = frozenset(
    {
        "account_inactive",
        "channel_not_found",
        "invalid_arguments",
        "invalid_auth",
        "invalid_blocks",
        "invalid_blocks_format",
        "is_archived",
        "missing_scope",
        "msg_too_long",
        "no_text",
        "not_authed",
        "not_in_channel",
        "restricted_action",
        "token_revoked",
    }
)
# Incoming webhooks answer these for a bad payload, a removed hook or an archived channel.
PERMANENT_WEBHOOK_STATUS = frozenset({400, 401, 403, 404, 410})

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


class SlackNotifier:
    """Slack Block Kit, by incoming webhook or bot token + channel (threads a long digest)."""

    name: ClassVar[str] = "slack"

    def __init__(
        self,
        *,
        api_url: str = DEFAULT_API_URL,
        timeout: float = 30,
        max_retries: int = 2,
        retry_interval: RetryIntervalCalculator | None = None,
    ) -> None:
        self.api_url = api_url
        self.timeout = timeout
        self.max_retries = max_retries
        self.retry_interval = retry_interval or BackoffRetryIntervalCalculator()

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

    def render_alert(self, alert: Alert) -> tuple[Message, ...]:
        f = alert.finding
        what = "Escalated" if alert.escalated else "New"
        title = f"{f.severity.value.upper()}: {f.title}"
        facts = [f"{what} {f.rule.value} finding", f"cluster *{escape(f.cluster)}*"]
        if f.node_pool:
            facts.append(f"pool *{escape(f.node_pool)}*")
        if f.deadline:
            facts.append(f"deadline {f.deadline}")
        blocks = [
            _header(title),
            _context(fit_text(" · ".join(facts), MAX_CONTEXT_TEXT, str)),
            _section(fit_text(f.why, MAX_SECTION_TEXT, escape)),
            _section("*What to do:* " + fit_text(f.action, MAX_SECTION_TEXT - 15, escape)),
        ]
        if f.locations:
            where = "\n".join(f"• {loc}" for loc in f.locations)
            blocks.append(_section("*Where:*\n" + fit_text(where, MAX_SECTION_TEXT - 10, escape)))
        links = [link(url, f"source {n}") for n, url in enumerate(f.links, start=1)]
        if any(links):
            blocks.append(_context(_join_within(" · ", [s for s in links if s], MAX_CONTEXT_TEXT)))
        return (Message({"text": _fallback(title), "blocks": blocks}),)

    # -- post (I/O) ---------------------------------------------------------------------

    def post(
        self, message: Message, target: Target, *, thread_ref: str | None = None
    ) -> PostResult:
        if not isinstance(message.body, Mapping):
            raise NotifierError("slack: a message must be a JSON object", permanent=True)
        if target.token and target.channel:
            return self._post_api(message, target.token, target.channel, thread_ref)
        if target.url:
            return self._post_webhook(message.body, target.url)
        raise NotifierError(
            "slack: the target needs a webhook URL or a bot token and a channel", permanent=True
        )

    def _retry_handlers(self) -> list[RetryHandler]:
        n, interval = self.max_retries, self.retry_interval
        return [
            ConnectionErrorRetryHandler(max_retry_count=n, interval_calculator=interval),
            RateLimitErrorRetryHandler(max_retry_count=n),  # sleeps for Retry-After
            ServerErrorRetryHandler(max_retry_count=n, interval_calculator=interval),
        ]

    def _post_webhook(self, body: Mapping[str, Any], url: str) -> PostResult:
        client = WebhookClient(
            url,
            # slack-sdk annotates timeout as int; urllib takes a float.
            timeout=self.timeout,  # type: ignore[arg-type]
            retry_handlers=self._retry_handlers(),
        )
        try:
            response = client.send_dict(dict(body))
        except OSError as exc:  # URLError, timeouts, refused connections
            raise NotifierError(f"slack webhook: {exc}") from exc
        if response.status_code == 200:
            return PostResult(200)
        raise NotifierError(
            f"slack webhook: HTTP {response.status_code} {response.body[:200]}",
            permanent=response.status_code in PERMANENT_WEBHOOK_STATUS,
            retry_after=_retry_after(response.headers),
        )

    def _post_api(
        self, message: Message, token: str, channel: str, thread_ref: str | None
    ) -> PostResult:
        client = WebClient(
            token=token,
            base_url=self.api_url,
            timeout=self.timeout,  # type: ignore[arg-type]  # as above
            retry_handlers=self._retry_handlers(),
        )
        body = message.body
        assert isinstance(body, Mapping)  # checked by post()
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
                f"slack chat.postMessage: HTTP {status} {error or 'error'}",
                permanent=error in PERMANENT_API_ERRORS,
                retry_after=_retry_after(exc.response.headers),
            ) from exc
        except OSError as exc:
            raise NotifierError(f"slack chat.postMessage: {exc}") from exc
        ts = response.get("ts")
        return PostResult(response.status_code, str(ts) if ts else None)


def _is_json(response: Any) -> bool:
    return isinstance(getattr(response, "data", None), dict)


def _retry_after(headers: Mapping[str, Any] | None) -> float | None:
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) else value
            try:
                return float(raw)
            except (TypeError, ValueError):
                return None
    return None


def _join_within(sep: str, parts: Sequence[str], limit: int) -> str:
    """Join whole parts (links must not be cut in half) while they fit in `limit`."""
    out: list[str] = []
    size = 0
    for part in parts:
        extra = len(part) + (len(sep) if out else 0)
        if size + extra > limit:
            break
        out.append(part)
        size += extra
    return sep.join(out)
