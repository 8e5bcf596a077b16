"""Download source documents over HTTP(S), or read them from a file:// mirror.

This is the only stage that talks to the network for sources. It knows nothing about parsing or
the database: it returns the document text with the validators (ETag, Last-Modified) and a
sha256 the store keeps to make the next fetch conditional and to skip unchanged documents.

Retries (tenacity) cover what is worth retrying: connection failures, timeouts, bodies cut
short, 5xx and 429, honouring Retry-After. A host name that does not resolve is not retried
(offline, or a typo): the message says how to use a file:// mirror instead. `timeout` is a
deadline for each whole request (connect, headers, body): a server trickling bytes is cut off
when it passes, by shutting the socket down from a timer. Any other answer fails at once with a
one-line FetchError; a 404 raises NotFound, which callers probing for the next upstream
CHANGELOG treat as normal. A body is never returned as text unless it is non-empty, strictly
UTF-8 and not an HTML page (the usual shape of a login wall or error page served with 200).
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import http
import logging
import math
import os
import socket
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import count

import httpx
import tenacity

from aksnews import __version__
from aksnews.errors import AksnewsError

_log = logging.getLogger(__name__)

_UTF8_BOM = b"\xef\xbb\xbf"
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_HTML_STARTS = (b"<!doctype html", b"<html")
# Enough of the start of a body to see an HTML page's first tag after a BOM and blank lines.
_SNIFF_BYTES = 512


@dataclass(frozen=True, slots=True)
class FetchOptions:
    timeout: float = 30.0  # seconds for each whole request: connect, headers and body
    connect_timeout: float = 10.0
    retries: int = 4  # further attempts after the first one
    backoff_initial: float = 0.5  # first wait; doubles per retry, plus up to this much jitter
    backoff_max: float = 30.0
    max_retry_after: float = 120.0  # a longer Retry-After is cut to this
    max_bytes: int = 20 * 1024 * 1024
    user_agent: str = f"aksnews/{__version__}"

    def __post_init__(self) -> None:
        if self.retries < 0 or self.max_bytes <= 0:
            raise ValueError("retries must be >= 0 and max_bytes > 0")
        if min(self.timeout, self.connect_timeout) <= 0:
            raise ValueError("timeouts must be positive")


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str
    status: int
    not_modified: bool  # True: the caller's copy is current; text and sha256 are None
    text: str | None
    etag: str | None
    last_modified: str | None  # HTTP date, as the server (or the file's mtime) gave it
    sha256: str | None  # of the body bytes as received (after content decoding)
    bytes: int
    fetched_at: datetime  # UTC
    content_type: str | None


class FetchError(AksnewsError):
    """A document could not be fetched. `url` has any query string and credentials removed."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = redact_url(url)
        self.reason = reason
        super().__init__(f"{self.url}: {reason}")


class NotFound(FetchError):
    """The server answered 404 (or the mirror file does not exist)."""


class _Retryable(FetchError):
    """A failure worth another attempt; turned into a plain FetchError when attempts run out."""

    def __init__(self, url: str, reason: str, retry_after: float | None = None) -> None:
        super().__init__(url, reason)
        self.retry_after = retry_after


def redact_url(url: str) -> str:
    """The URL without user:password, query string or fragment, safe for logs and messages."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    query = "[redacted]" if parts.query else ""
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def fetch_document(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    options: FetchOptions = FetchOptions(),
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchResult:
    """Fetch `url` (http, https or file), conditionally when a validator is given.

    With `etag` / `last_modified` from the previous fetch, an unchanged document comes back as
    not_modified=True with text None. A given `client` is used as is (and not closed); the
    timeouts in `options` apply to each request either way.
    """
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme == "file":
        return _read_file(url, last_modified, options)
    if scheme not in ("http", "https"):
        raise FetchError(url, "unsupported URL (expected http://, https:// or file://)")

    headers = {"User-Agent": options.user_agent, "Accept": "text/markdown, text/plain, */*"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    # The deadline (_Deadline) ends each request after options.timeout; the per-read timeouts are
    # a little longer, so a silent server and a trickling one end with the same message.
    timeout = httpx.Timeout(
        options.timeout + 1.0, connect=min(options.connect_timeout, options.timeout)
    )
    attempts = options.retries + 1
    numbers = count(1)

    def attempt(http_client: httpx.Client) -> FetchResult:
        number = next(numbers)
        try:
            return _get(http_client, url, headers, timeout, etag, last_modified, options)
        except FetchError as exc:
            # Only an attempt that is tried again is worth a warning: a final error (a 404, which
            # is how callers probe for the next upstream CHANGELOG, or a host that does not
            # resolve) is reported once, by the caller.
            level = logging.WARNING if isinstance(exc, _Retryable) else logging.DEBUG
            _log.log(level, "GET attempt %d/%d failed: %s", number, attempts, exc)
            raise

    backoff = tenacity.wait_exponential(
        multiplier=options.backoff_initial, max=options.backoff_max
    ) + tenacity.wait_random(0, options.backoff_initial)

    def wait(state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _Retryable) and error.retry_after is not None:
            return min(error.retry_after, options.max_retry_after)
        return backoff(state)

    retrying = tenacity.Retrying(
        sleep=sleep,
        stop=tenacity.stop_after_attempt(attempts),
        wait=wait,
        retry=tenacity.retry_if_exception_type(_Retryable),
        reraise=True,
    )
    try:
        if client is not None:
            return retrying(attempt, client)
        with httpx.Client(follow_redirects=True) as own_client:
            return retrying(attempt, own_client)
    except _Retryable as exc:
        suffix = f" after {attempts} attempts" if attempts > 1 else ""
        raise FetchError(url, exc.reason + suffix) from exc


class _Deadline:
    """Ends a request when `seconds` have passed, whatever the server is doing.

    httpx's timeouts bound each read, so a server sending a byte a second never trips them.
    httpcore's documented `trace` extension hands over the connection's network stream; when
    the timer fires, its socket is shut down, which wakes a read blocked on it.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def trace(self, event: str, info: dict[str, object]) -> None:
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            stream = info.get("return_value")
            get_extra = getattr(stream, "get_extra_info", None)
            sock = get_extra("socket") if get_extra else None
            if isinstance(sock, socket.socket):
                with self._lock:
                    self._socket = sock
                    if self.expired:
                        _shutdown(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            if self._socket is not None:
                _shutdown(self._socket)

    def cancel(self) -> None:
        self._timer.cancel()

    def reason(self) -> str:
        return f"no complete answer within {self.seconds:g} s (fetch_timeout)"


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


def _unresolved_host(exc: BaseException) -> bool:
    """True when a connect error comes from a failed DNS lookup (socket.gaierror)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, socket.gaierror):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _unresolved_message(url: str) -> str:
    host = urllib.parse.urlsplit(url).hostname or url
    return (
        f"could not resolve host {host!r} (offline, or no such host); not retried. To work "
        "offline, point each source's *_url setting at a local mirror with a file:// URL, e.g. "
        "AKSNEWS_AKS_URL=file:///srv/mirror/CHANGELOG.md (README, Settings)"
    )


def _get(
    client: httpx.Client,
    url: str,
    headers: dict[str, str],
    timeout: httpx.Timeout,
    etag: str | None,
    last_modified: str | None,
    options: FetchOptions,
) -> FetchResult:
    """One attempt: raise _Retryable for transient failures, FetchError for final ones."""
    deadline = _Deadline(options.timeout)
    try:
        with client.stream(
            "GET",
            url,
            headers=headers,
            timeout=timeout,
            follow_redirects=True,
            extensions={"trace": deadline.trace},
        ) as response:
            return _handle(response, url, etag, last_modified, options, deadline)
    except httpx.TimeoutException as exc:
        raise _Retryable(url, "timed out") from exc
    except (httpx.UnsupportedProtocol, httpx.TooManyRedirects) as exc:
        raise FetchError(url, _one_line(exc)) from exc
    except httpx.ConnectError as exc:
        if _unresolved_host(exc):
            raise FetchError(url, _unresolved_message(url)) from exc
        raise _Retryable(url, f"connection failed: {_one_line(exc)}") from exc
    except httpx.TransportError as exc:
        if deadline.expired:
            raise _Retryable(url, deadline.reason()) from exc
        raise _Retryable(url, f"connection failed: {_one_line(exc)}") from exc
    except httpx.DecodingError as exc:  # a corrupt compressed body, usually cut short
        raise _Retryable(url, f"cannot decode the body: {_one_line(exc)}") from exc
    except httpx.InvalidURL as exc:
        raise FetchError(url, f"invalid URL: {_one_line(exc)}") from exc
    finally:
        deadline.cancel()


def _handle(
    response: httpx.Response,
    url: str,
    etag: str | None,
    last_modified: str | None,
    options: FetchOptions,
    deadline: _Deadline,
) -> FetchResult:
    status = response.status_code
    # Checked before anything that treats non-2xx as an error: 304 is the cheap, normal case.
    if status == 304:
        return FetchResult(
            url=url,
            status=status,
            not_modified=True,
            text=None,
            etag=response.headers.get("ETag", etag),
            last_modified=response.headers.get("Last-Modified", last_modified),
            sha256=None,
            bytes=0,
            fetched_at=datetime.now(UTC),
            content_type=response.headers.get("Content-Type"),
        )
    if status == 404:
        raise NotFound(url, f"server answered {_status_text(response)}")
    if status == 429 or status >= 500:
        retry_after = _retry_after(response.headers.get("Retry-After"))
        raise _Retryable(url, f"server answered {_status_text(response)}", retry_after)
    if not response.is_success:
        raise FetchError(url, f"server answered {_status_text(response)}")

    content_type = response.headers.get("Content-Type")
    if content_type and content_type.split(";")[0].strip().lower() in _HTML_TYPES:
        raise FetchError(url, "body is an HTML page, not markdown")
    declared = _content_length(response)
    if declared is not None and declared > options.max_bytes:
        raise FetchError(url, f"larger than the {_size(options.max_bytes)} limit")

    body = bytearray()
    try:
        # iter_bytes yields decoded content, so the cap also stops a compressed bomb.
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > options.max_bytes:
                raise FetchError(url, f"larger than the {_size(options.max_bytes)} limit")
            if deadline.expired:
                raise _Retryable(url, deadline.reason())
    except httpx.RemoteProtocolError as exc:
        if deadline.expired:
            raise _Retryable(url, deadline.reason()) from exc
        raise _Retryable(url, _ended_early(response, declared)) from exc
    # h11 already enforces Content-Length; other transports may not.
    if deadline.expired:
        raise _Retryable(url, deadline.reason())
    if declared is not None and response.num_bytes_downloaded < declared:
        raise _Retryable(url, _ended_early(response, declared))

    data = bytes(body)
    return FetchResult(
        url=url,
        status=status,
        not_modified=False,
        text=_decode(url, data),
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
        sha256=hashlib.sha256(data).hexdigest(),
        bytes=len(data),
        fetched_at=datetime.now(UTC),
        content_type=content_type,
    )


def _read_file(url: str, last_modified: str | None, options: FetchOptions) -> FetchResult:
    """Read a file:// mirror with the same checks as a download; its mtime acts as Last-Modified."""
    parts = urllib.parse.urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise FetchError(url, "file:// URLs must name a local file (no host)")
    path = urllib.request.url2pathname(parts.path)
    try:
        with open(path, "rb") as handle:
            stat = os.fstat(handle.fileno())
            mtime = email.utils.formatdate(stat.st_mtime, usegmt=True)
            if last_modified is not None and last_modified == mtime:
                return FetchResult(
                    url=url,
                    status=304,
                    not_modified=True,
                    text=None,
                    etag=None,
                    last_modified=mtime,
                    sha256=None,
                    bytes=0,
                    fetched_at=datetime.now(UTC),
                    content_type=None,
                )
            # One byte over the cap is enough to know the file is too large.
            data = handle.read(options.max_bytes + 1)
    except FileNotFoundError as exc:
        raise NotFound(url, "no such file") from exc
    except OSError as exc:
        raise FetchError(url, f"cannot read file: {exc.strerror or exc}") from exc
    if len(data) > options.max_bytes:
        raise FetchError(url, f"larger than the {_size(options.max_bytes)} limit")
    return FetchResult(
        url=url,
        status=200,
        not_modified=False,
        text=_decode(url, data),
        etag=None,
        last_modified=mtime,
        sha256=hashlib.sha256(data).hexdigest(),
        bytes=len(data),
        fetched_at=datetime.now(UTC),
        content_type=None,
    )


def _decode(url: str, data: bytes) -> str:
    """Strict UTF-8 text of a body that looks like a document, or FetchError."""
    if not data or data.isspace():
        raise FetchError(url, "response body is empty")
    start = data[:_SNIFF_BYTES].removeprefix(_UTF8_BOM).lstrip().lower()
    if start.startswith(_HTML_STARTS):
        raise FetchError(url, "body is an HTML page, not markdown")
    offset = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    try:
        return data[offset:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FetchError(url, f"not valid UTF-8 at byte {offset + exc.start}") from exc


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:  # '-0000' dates parse as naive; HTTP dates are always GMT
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
        return max(seconds, 0.0)
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _content_length(response: httpx.Response) -> int | None:
    try:
        return int(response.headers["Content-Length"])
    except (KeyError, ValueError):
        return None


def _ended_early(response: httpx.Response, declared: int | None) -> str:
    got = response.num_bytes_downloaded
    if declared is None:
        return f"response ended early (got {got} bytes)"
    return f"response ended early (got {got} of {declared} bytes, {declared - got} missing)"


def _status_text(response: httpx.Response) -> str:
    # Some servers send upper-case or empty reason phrases; the standard phrase reads better.
    try:
        phrase = http.HTTPStatus(response.status_code).phrase
    except ValueError:
        phrase = response.reason_phrase
    return f"{response.status_code} {phrase}".rstrip()


def _size(limit: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if limit % scale == 0:
            return f"{limit // scale} {unit}"
    return f"{limit} bytes"


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
