"""Secrets out of every log line and stored error text: webhook paths, tokens, passwords.

Webhook URLs carry their secret in the path (Slack's /services/T../B../..., a Teams
Workflows URL in its sig= query), bot tokens start with xox?-, and any URL may hold
user:password@. Two nets catch them: patterns for the shapes above, and the exact values the
sender resolved this run (`remember`), with the pieces of a URL a library may log on its own
(its path, its user info). RedactingFilter applies both to every record reaching the handlers
of the aksnews command line, third-party loggers (slack_sdk, httpx, httpcore, urllib3)
included, whatever the level; bodies that slack_sdk dumps at DEBUG are cut to their size.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import quote, unquote, urlsplit

MASK = "…"
_MIN_SECRET = 6  # shorter values ('a', '/') would blank out ordinary text

# scheme://user:password@ in any URL (database URLs included).
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@'\"<>]*@")
# The path and query of an http(s) or file URL (what `redact_urls` removes).
_URL_PATH = re.compile(r"\b((?:https?|file)://[^/\s?#'\"<>]*)[^\s'\"<>)]*", re.IGNORECASE)
_PATTERNS = (
    (re.compile(r"\bxox[a-z]?-[A-Za-z0-9-]+"), "xox" + MASK),
    (re.compile(r"\bxapp-[A-Za-z0-9-]+"), "xapp-" + MASK),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), r"\1 " + MASK),
    (re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)[^'\"\n,}]+"), r"\1" + MASK),
    # A Slack webhook path, with or without its host (urllib3 logs the request line).
    (re.compile(r"(/services/)[^\s'\"<>)]+"), r"\1" + MASK),
    # Signed query parameters (Teams Workflows' sig=, SAS tokens).
    (re.compile(r"(?i)([?&](?:sig|sv|sp|code|token|key|signature)=)[^&\s'\"<>)]+"), r"\1" + MASK),
)
# What slack_sdk logs at DEBUG: "json_body: {...}, headers: {...}", "body: ...".
_SDK_BODY = re.compile(r"\b(json_body|body_params|body): (.*?)(?=, headers: |, files: |$)", re.S)

_remembered: dict[str, str] = {}  # secret -> what shows instead
_lock = threading.Lock()


def remember(secret: str | None) -> None:
    """Redact `secret` (a resolved webhook URL or token) from everything from now on, and for
    a URL also its path and query and its user info, which libraries log on their own. A URL
    is still shown by its scheme and host, so a log line says where a request went."""
    if not secret:
        return
    masks = {secret: MASK}
    if "://" in secret:
        parts = urlsplit(secret)
        host = parts.netloc.rsplit("@", 1)[-1]
        masks[secret] = f"{parts.scheme}://{host}/{MASK}"
        rest = parts.path + (f"?{parts.query}" if parts.query else "")
        if rest.strip("/"):
            masks[rest] = f"/{MASK}"
        if "@" in parts.netloc:
            masks[parts.netloc.rsplit("@", 1)[0]] = MASK
        if parts.password:
            masks[parts.password] = MASK
    for value, mask in list(masks.items()):
        masks.setdefault(quote(value, safe="/:?&=@"), mask)
        masks.setdefault(unquote(value), mask)
    with _lock:
        _remembered.update({v: m for v, m in masks.items() if len(v) >= _MIN_SECRET})


def forget_all() -> None:
    """Drop what `remember` collected (for tests that run several commands in one process)."""
    with _lock:
        _remembered.clear()


def redact(text: str) -> str:
    """`text` without remembered secrets, user:password@, tokens, Authorization values,
    Slack webhook paths and signed query parameters. Other URLs stay readable."""
    with _lock:
        secrets = sorted(_remembered.items(), key=lambda item: len(item[0]), reverse=True)
    for secret, mask in secrets:
        if secret in text:
            text = text.replace(secret, mask)
    text = _USERINFO.sub(r"\1" + MASK + "@", text)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_urls(text: str) -> str:
    """`redact(text)` with the path and query of every http(s) and file URL removed too, for
    error texts of peers whose URL is a secret as a whole."""
    return _URL_PATH.sub(r"\1/" + MASK, redact(text))


def body_size(text: str) -> str:
    return f"<{len(text.encode('utf-8', 'replace'))} bytes>"


class RedactingFilter(logging.Filter):
    """Rewrites each record it sees into its redacted text (message, traceback, stack)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        if record.name.startswith("slack_sdk"):
            message = _SDK_BODY.sub(lambda m: f"{m[1]}: {body_size(m[2])}", message)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Put a RedactingFilter on every handler of `logger` (the root logger by default), once.
    A filter on a handler sees the records of every logger that propagates to it."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
