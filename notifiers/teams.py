"""Microsoft Teams: Adaptive Cards posted to a Workflows webhook with httpx.

The old Office 365 connectors are retired; a Workflows flow ('Post to a channel when a webhook
request is received') takes a message envelope with one Adaptive Card attachment (1.4 renders
everywhere Teams does) and answers 202, even for a card it later fails to show, so the card is
checked here and in the tests rather than by the peer. A message above about 28 KB is refused,
so long digests are split.

TextBlocks interpret a Markdown subset (bold, italic, lists, [text](url)); changelog text goes
through `escape` so it can neither format nor link. Links come only from our own data.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from aksnews.model.messages import Alert, AlertBatch, Digest, DigestItem, DigestSection
from aksnews.notifiers.base import (
    Failure,
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
from aksnews.notifiers.http import post_once, status_error, status_failure

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 28_000
MAX_ITEM_BYTES = 6_000  # one item's TextBlock, so a single entry never fills a whole message
MAX_DETAIL_CHARS = 500
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.4"

# Characters with a meaning in Markdown (CommonMark lets any ASCII punctuation be escaped
# with a backslash); a list marker or heading only counts at the start of a line.
_MARKDOWN_CHARS = re.compile(r"([\\`*_{}\[\]()<>#|~!])")
_LINE_START_MARKER = re.compile(r"(?m)^(\s*\d*)([-+.)])(?=\s)")

Element = dict[str, Any]


def escape(text: str) -> str:
    """Plain text made inert in a TextBlock: no emphasis, lists, headings or links."""
    text = _MARKDOWN_CHARS.sub(r"\\\1", text)
    return _LINE_START_MARKER.sub(r"\1\\\2", text)


def link(url: str | None, label: str) -> str:
    """Our own link as [label](url); '' when the URL is not a plain http(s) one."""
    safe = safe_url(url)
    return f"[{escape(label)}]({safe})" if safe else ""


def json_size(value: Any) -> int:
    """Bytes of `value` exactly as post() sends it."""
    return len(encode(value))


def encode(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _text_size(text: str) -> int:
    return json_size(text)


def envelope(body: list[Element]) -> dict[str, Any]:
    card: dict[str, Any] = {
        "$schema": CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "body": body,
    }
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


def text_block(text: str, **style: Any) -> Element:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def item_text(item: DigestItem) -> str:
    """One item within MAX_ITEM_BYTES of JSON; a long text is cut with '…' and keeps its link."""
    prefix = f"**{escape(item.label)}** " if item.label else ""
    source = link(item.url, "source")
    suffix = f" {source}" if source else ""
    detail = "\n\n" + fit_text(item.detail, MAX_DETAIL_CHARS, escape) if item.detail else ""
    budget = MAX_ITEM_BYTES - _text_size(prefix + detail)
    return prefix + fit_text(item.text, budget, escape, suffix, _text_size) + detail


def _section_elements(section: DigestSection) -> tuple[Callable[[bool], Element], list[Element]]:
    def heading(continued: bool) -> Element:
        title = f"{section.title} (continued)" if continued else section.title
        return text_block(escape(title), weight="Bolder", size="Medium", separator=True)

    return heading, [text_block(item_text(item), spacing="Small") for item in section.items]


def _element_size(element: Element) -> int:
    return json_size(element) + 1  # the comma before it in the body list


def _title(text: str) -> Element:
    return text_block(escape(text), weight="Bolder", size="Large")


def alert_text(alert: Alert) -> str:
    """One finding of an alert card: severity, title, where, deadline, what to do, source."""
    f = alert.finding
    what = " (escalated)" if alert.escalated else ""
    where = f.cluster + (f"/{f.node_pool}" if f.node_pool else "")
    facts = [f"on **{escape(where)}**"] + ([f"deadline {f.deadline}"] if f.deadline else [])
    source = next((s for s in (link(u, "source") for u in f.links) if s), None)
    tail = f" · {source}" if source else ""
    head = f"**{f.severity.value.upper()}**{what} " + fit_text(f.title, 300, escape)
    second = " · ".join(facts) + " · **Do:** "
    budget = MAX_ITEM_BYTES - _text_size(head + second + tail) - 4
    return f"{head}\n\n{second}{fit_text(f.action, budget, escape, measure=_text_size)}{tail}"


class TeamsNotifier:
    """Microsoft Teams Adaptive Cards (1.4) to a Workflows webhook; long digests split."""

    name: ClassVar[str] = "teams"

    def __init__(self, *, timeout: float = 30) -> None:
        self.timeout = timeout

    # -- render (pure) ------------------------------------------------------------------

    def render_digest(self, digest: Digest) -> tuple[Message, ...]:
        summary = [
            _title(digest.title),
            text_block(escape(summary_counts(digest)), isSubtle=True),
        ]
        sections = [_section_elements(s) for s in digest.sections if s.items]
        room = MAX_MESSAGE_BYTES - json_size(envelope(summary))
        single = pack_sections(sections, Limits(10_000, room), _element_size)
        if len(single) <= 1:
            body = summary + (single[0] if single else [])
            return (Message(envelope(body)),)
        # A part title is at most this long; reserve its room in every later message.
        part_title = _title(f"{digest.title} (99/99)")
        room = MAX_MESSAGE_BYTES - json_size(envelope([part_title])) - 1
        chunks = pack_sections(sections, Limits(10_000, room), _element_size)
        note = text_block(f"Details follow in {len(chunks)} more messages.", isSubtle=True)
        messages = [Message(envelope([*summary, note]))]
        for n, chunk in enumerate(chunks, start=1):
            title = _title(f"{digest.title} ({n}/{len(chunks)})")
            messages.append(Message(envelope([title, *chunk])))
        return tuple(messages)

    def render_alerts(self, batch: AlertBatch) -> tuple[Message, ...]:
        """One card listing every alert of the run; more cards only past 28 KB."""
        critical = any(a.finding.severity.value == "critical" for a in batch.alerts)
        summary = [
            text_block(
                escape(batch.title),
                weight="Bolder",
                size="Large",
                color="Attention" if critical else "Warning",
            )
        ]
        if batch.standing:
            counted = ", ".join(f"{n} {severity}" for severity, n in batch.standing)
            summary.append(
                text_block(f"Open findings: {counted}. The digest has the rest.", isSubtle=True)
            )
        lines = [text_block(alert_text(a), spacing="Small", separator=True) for a in batch.alerts]
        if batch.more:
            more = link(batch.more_url, f"{batch.more} more") or f"{batch.more} more"
            lines.append(
                text_block(f"…and {more} not listed here (--max-alerts-per-run).", isSubtle=True)
            )

        def heading(continued: bool) -> Element:
            return text_block(
                "(continued)" if continued else "Nearest deadline first", isSubtle=True
            )

        room = MAX_MESSAGE_BYTES - json_size(envelope(summary))
        chunks = pack_sections([(heading, lines)], Limits(10_000, room), _element_size)
        messages = [Message(envelope(summary + (chunks[0] if chunks else [])))]
        for n, chunk in enumerate(chunks[1:], start=2):
            title = _title(f"{batch.title} ({n}/{len(chunks)})")
            messages.append(Message(envelope([title, *chunk])))
        return tuple(messages)

    # -- post (I/O) ---------------------------------------------------------------------

    def post(
        self, message: Message, target: Target, *, thread_ref: str | None = None
    ) -> PostResult:
        """Post one card, one attempt (the outbox decides on retries); Workflows webhooks
        have no threads, so thread_ref is ignored."""
        if not isinstance(message.body, Mapping):
            raise NotifierError("teams: a message must be a JSON object", Failure.REJECTED)
        if not target.url:
            raise NotifierError("teams: the target needs a Workflows webhook URL", Failure.REJECTED)
        what = "teams webhook"
        response = post_once(what, target.url, encode(message.body), timeout=self.timeout)
        failure = status_failure(response.status_code)
        if failure is None:
            return PostResult(response.status_code)
        raise status_error(what, response, failure)
