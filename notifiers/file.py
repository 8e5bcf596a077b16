"""Dry runs: messages written as JSON lines to a file or to stdout instead of a channel."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any, ClassVar

from aksnews.model.messages import AlertBatch, Digest
from aksnews.notifiers.base import Failure, Message, NotifierError, PostResult, Target


def _plain(value: Any) -> Any:
    """Dates and enums as their JSON text."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


class FileNotifier:
    """JSON lines to a file, or to stdout with '-': what would be sent, for dry runs.

    It renders digests and alerts as their plain structure, and post() takes any notifier's
    messages, so a dry run can also write the Slack or Teams payloads it would post.
    """

    name: ClassVar[str] = "file"

    def render_digest(self, digest: Digest) -> tuple[Message, ...]:
        body = {"kind": "digest", "key": digest.period_key, "title": digest.title, **asdict(digest)}
        return (Message(json.loads(json.dumps(body, default=_plain))),)

    def render_alerts(self, batch: AlertBatch) -> tuple[Message, ...]:
        body = {"kind": "alerts", "title": batch.title, **asdict(batch)}
        return (Message(json.loads(json.dumps(body, default=_plain))),)

    def post(
        self, message: Message, target: Target, *, thread_ref: str | None = None
    ) -> PostResult:
        line = json.dumps(
            {"thread": message.thread, "thread_ref": thread_ref, "body": message.body},
            ensure_ascii=False,
            default=_plain,
        )
        path = target.url or "-"
        if path == "-":
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
            return PostResult(0)
        try:
            with Path(path).open("a", encoding="utf-8") as out:
                out.write(line + "\n")
        except OSError as exc:
            raise NotifierError(f"file {path}: {exc.strerror or exc}", Failure.REJECTED) from exc
        return PostResult(0)
