"""A minimal notifier for outbox tests: posts the message body as JSON, once, through the
same classified HTTP attempt as the real webhook notifiers (aksnews.notifiers.http).

2xx is success (the response's "ts" becomes the reference, as Slack's chat.postMessage
returns it); every other status is classified as notifiers.http.status_failure says (400
rejected, 429 rate limited with its Retry-After, 5xx not sent, 502/504 may have arrived).
Also run as a subprocess by the crash tests.
"""

from __future__ import annotations

import json
from typing import ClassVar

from aksnews.model.messages import AlertBatch, Digest
from aksnews.notifiers.base import Message, PostResult, Target
from aksnews.notifiers.http import post_once, status_error, status_failure


class HttpNotifier:
    name: ClassVar[str] = "hook"

    def __init__(self, timeout: float = 30) -> None:
        self.timeout = timeout

    def render_digest(self, digest: Digest) -> tuple[Message, ...]:
        return (Message({"text": digest.title}),)

    def render_alerts(self, batch: AlertBatch) -> tuple[Message, ...]:
        titles = [a.finding.title for a in batch.alerts]
        return (Message({"text": batch.title, "team": batch.team, "findings": titles}),)

    def post(
        self, message: Message, target: Target, *, thread_ref: str | None = None
    ) -> PostResult:
        assert target.url is not None
        body = json.dumps({"body": message.body, "thread_ts": thread_ref}).encode()
        response = post_once("hook", target.url, body, timeout=self.timeout)
        failure = status_failure(response.status_code)
        if failure is not None:
            raise status_error("hook", response, failure)
        reference = response.json().get("ts") if response.content else None
        return PostResult(response.status_code, reference)
