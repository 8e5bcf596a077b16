"""A minimal notifier for outbox tests: posts the message body as JSON with httpx.

It follows the Notifier protocol the real notifiers implement: 2xx is success (the response's
"ts" becomes the reference, as Slack's chat.postMessage returns it), 400 is permanent, anything
else is retried; 429 carries Retry-After. Also run as a subprocess by the crash test.
"""

from __future__ import annotations

from typing import ClassVar

import httpx

from aksnews.messages import Alert, Digest
from aksnews.notifiers.base import Message, NotifierError, PostResult, Target


class RetryLater(NotifierError):
    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class HttpNotifier:
    name: ClassVar[str] = "hook"

    def render_digest(self, digest: Digest) -> tuple[Message, ...]:
        return (Message({"text": digest.title}),)

    def render_alert(self, alert: Alert) -> tuple[Message, ...]:
        return (Message({"text": alert.finding.title, "team": alert.team}),)

    def post(
        self, message: Message, target: Target, *, thread_ref: str | None = None
    ) -> PostResult:
        assert target.url is not None
        body = {"body": message.body, "thread_ts": thread_ref}
        try:
            response = httpx.post(target.url, json=body, timeout=30)
        except httpx.HTTPError as exc:
            raise NotifierError(f"cannot post: {type(exc).__name__}") from exc
        if response.status_code == 429:
            raise RetryLater("rate limited", float(response.headers.get("Retry-After", "1")))
        if response.status_code == 400:
            raise NotifierError(f"rejected: {response.text}", permanent=True)
        if response.status_code >= 300:
            raise NotifierError(f"HTTP {response.status_code}")
        reference = response.json().get("ts") if response.content else None
        return PostResult(response.status_code, reference)
