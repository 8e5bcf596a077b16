"""The notifier interface: render (pure) and post (I/O) kept apart, and the registry.

(Being completed: splitting to a channel's limits lives here, shared by every notifier.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from aksnews.errors import AksnewsError
from aksnews.messages import Alert, Digest


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


class NotifierError(AksnewsError):
    """A post failed. `permanent` errors (400, invalid token) are not retried."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class PostResult:
    status: int
    reference: str | None = None  # e.g. Slack message ts, for threading the rest


class Notifier(Protocol):
    name: ClassVar[str]

    def render_digest(self, digest: Digest) -> tuple[Message, ...]: ...

    def render_alert(self, alert: Alert) -> tuple[Message, ...]: ...

    def post(
        self, message: Message, target: Target, *, thread_ref: str | None = None
    ) -> PostResult: ...
