"""fetch_document against real local servers serving the real AKS CHANGELOG.

pytest-httpserver plays raw.githubusercontent.com; answers no HTTP library will produce (a body
cut short, a server that never answers) come from a small TCP server in this file. Retries call
an injected sleep that records the delays instead of waiting.
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import os
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from aksnews.sources.fetch import FetchError, FetchOptions, NotFound, fetch_document, redact_url

from corpus import corpus_path

CURRENT = "aks/CHANGELOG.md"
OLDER = "aks/CHANGELOG-2025-09-29.md"
PATH = "/Azure/AKS/master/CHANGELOG.md"
MARKDOWN = "text/plain; charset=utf-8"  # what raw.githubusercontent.com sends for .md files


class Sleeps(list[float]):
    """Stands in for time.sleep: records each delay and returns at once."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def corpus_bytes(rel: str) -> bytes:
    return corpus_path(rel).read_bytes()


def own_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    # httpx and the test server log too (with full URLs): only this module's lines are ours.
    return [record for record in caplog.records if record.name == "aksnews.sources.fetch"]


def fetch_error(url: str, sleeps: Sleeps, options: FetchOptions | None = None) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetch_document(url, options=options or FetchOptions(), sleep=sleeps)
    return info.value


# --- success and conditional requests --------------------------------------------------------


def test_downloads_the_changelog(httpserver: HTTPServer, sleeps: Sleeps) -> None:
    data = corpus_bytes(CURRENT)
    stamp = "Wed, 01 Oct 2025 08:00:00 GMT"
    httpserver.expect_request(PATH).respond_with_data(
        data, content_type=MARKDOWN, headers={"ETag": '"v1"', "Last-Modified": stamp}
    )
    before = datetime.now(UTC)

    result = fetch_document(httpserver.url_for(PATH), sleep=sleeps)

    assert result.status == 200
    assert result.not_modified is False
    assert result.text == corpus_path(CURRENT).read_text(encoding="utf-8")
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.bytes == len(data)
    assert (result.etag, result.last_modified) == ('"v1"', stamp)
    assert result.content_type == MARKDOWN
    assert result.fetched_at.tzinfo is not None
    assert before <= result.fetched_at <= datetime.now(UTC)
    request, _ = httpserver.log[0]
    assert request.headers["User-Agent"].startswith("aksnews/")
    assert "If-None-Match" not in request.headers
    assert sleeps == []


@pytest.mark.parametrize("validator", ["etag", "last_modified"])
def test_unchanged_document_is_not_modified(
    httpserver: HTTPServer, sleeps: Sleeps, validator: str
) -> None:
    data = corpus_bytes(CURRENT)
    etag, stamp = '"v1"', "Wed, 01 Oct 2025 08:00:00 GMT"

    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == etag or (
            request.headers.get("If-Modified-Since") == stamp
        ):
            return Response(status=304, headers={"ETag": etag})
        return Response(data, content_type=MARKDOWN, headers={"ETag": etag, "Last-Modified": stamp})

    httpserver.expect_request(PATH).respond_with_handler(handler)
    url = httpserver.url_for(PATH)
    first = fetch_document(url, sleep=sleeps)

    if validator == "etag":
        again = fetch_document(url, etag=first.etag, sleep=sleeps)
    else:
        again = fetch_document(url, last_modified=first.last_modified, sleep=sleeps)

    assert again.not_modified is True
    assert (again.status, again.text, again.sha256, again.bytes) == (304, None, None, 0)
    assert again.etag == etag
    header = {"etag": "If-None-Match", "last_modified": "If-Modified-Since"}[validator]
    assert [r.headers.get(header) for r, _ in httpserver.log] == [None, getattr(first, validator)]


def test_changed_etag_brings_the_new_text(httpserver: HTTPServer, sleeps: Sleeps) -> None:
    served = [(corpus_bytes(OLDER), '"older"')]  # the server answers with the last version

    def handler(request: Request) -> Response:
        body, etag = served[-1]
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, content_type=MARKDOWN, headers={"ETag": etag})

    httpserver.expect_request(PATH).respond_with_handler(handler)
    url = httpserver.url_for(PATH)
    first = fetch_document(url, sleep=sleeps)
    served.append((corpus_bytes(CURRENT), '"current"'))

    second = fetch_document(url, etag=first.etag, sleep=sleeps)

    assert first.text == corpus_path(OLDER).read_text(encoding="utf-8")
    assert second.not_modified is False
    assert second.text == corpus_path(CURRENT).read_text(encoding="utf-8")
    assert second.etag == '"current"'
    assert second.sha256 != first.sha256


def test_byte_order_mark_is_dropped(httpserver: HTTPServer, sleeps: Sleeps) -> None:
    body = b"\xef\xbb\xbf" + corpus_bytes(CURRENT)
    httpserver.expect_request(PATH).respond_with_data(body, content_type=MARKDOWN)

    result = fetch_document(httpserver.url_for(PATH), sleep=sleeps)

    assert result.text == corpus_path(CURRENT).read_text(encoding="utf-8")
    assert result.sha256 == hashlib.sha256(body).hexdigest()  # the bytes as served


def test_uses_a_given_client_and_leaves_it_open(httpserver: HTTPServer, sleeps: Sleeps) -> None:
    httpserver.expect_request(PATH).respond_with_data(corpus_bytes(CURRENT), content_type=MARKDOWN)
    with httpx.Client() as client:
        result = fetch_document(httpserver.url_for(PATH), client=client, sleep=sleeps)
        assert not client.is_closed
    assert result.text == corpus_path(CURRENT).read_text(encoding="utf-8")


def test_redirect_is_followed(httpserver: HTTPServer, sleeps: Sleeps) -> None:
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": httpserver.url_for(PATH)}
    )
    httpserver.expect_request(PATH).respond_with_data(corpus_bytes(CURRENT), content_type=MARKDOWN)

    result = fetch_document(httpserver.url_for("/old"), sleep=sleeps)

    assert result.sha256 == hashlib.sha256(corpus_bytes(CURRENT)).hexdigest()


# --- retries ---------------------------------------------------------------------------------


def test_server_error_is_retried(
    httpserver: HTTPServer, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_oneshot_request(PATH).respond_with_data("boom", status=500)
    httpserver.expect_request(PATH).respond_with_data(corpus_bytes(CURRENT), content_type=MARKDOWN)
    caplog.set_level(logging.DEBUG, logger="aksnews.sources.fetch")

    result = fetch_document(httpserver.url_for(PATH), sleep=sleeps)

    assert result.text == corpus_path(CURRENT).read_text(encoding="utf-8")
    assert len(httpserver.log) == 2
    options = FetchOptions()
    assert len(sleeps) == 1
    assert options.backoff_initial <= sleeps[0] <= 2 * options.backoff_initial
    (record,) = own_records(caplog)
    assert record.levelname == "WARNING"
    assert "attempt 1/5 failed" in record.getMessage()
    assert "500 Internal Server Error" in record.getMessage()


def test_429_waits_as_long_as_retry_after_says(httpserver: HTTPServer, sleeps: Sleeps) -> None:
    httpserver.expect_oneshot_request(PATH).respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"}
    )
    httpserver.expect_request(PATH).respond_with_data(corpus_bytes(CURRENT), content_type=MARKDOWN)

    result = fetch_document(httpserver.url_for(PATH), sleep=sleeps)

    assert result.status == 200
    assert len(sleeps) == 1
    assert sleeps[0] == pytest.approx(1.0)
    assert len(httpserver.log) == 2


@pytest.mark.parametrize(
    ("retry_after", "max_retry_after", "low", "high"),
    [
        (timedelta(seconds=30), 120.0, 25.0, 30.0),  # an HTTP date, 30 s ahead
        ("3600", 5.0, 5.0, 5.0),  # capped
        ("soon", 120.0, 0.5, 1.0),  # unreadable: plain backoff
    ],
)
def test_retry_after_forms(
    httpserver: HTTPServer,
    sleeps: Sleeps,
    retry_after: timedelta | str,
    max_retry_after: float,
    low: float,
    high: float,
) -> None:
    if isinstance(retry_after, timedelta):
        when = (datetime.now(UTC) + retry_after).timestamp()
        retry_after = email.utils.formatdate(when, usegmt=True)
    httpserver.expect_oneshot_request(PATH).respond_with_data(
        "", status=503, headers={"Retry-After": retry_after}
    )
    httpserver.expect_request(PATH).respond_with_data(corpus_bytes(CURRENT), content_type=MARKDOWN)

    fetch_document(
        httpserver.url_for(PATH),
        options=FetchOptions(max_retry_after=max_retry_after),
        sleep=sleeps,
    )

    assert len(sleeps) == 1
    assert low <= sleeps[0] <= high


def test_gives_up_after_the_last_retry(httpserver: HTTPServer, sleeps: Sleeps) -> None:
    httpserver.expect_request(PATH).respond_with_data("down", status=503)
    url = httpserver.url_for(PATH)

    error = fetch_error(url, sleeps, options=FetchOptions(retries=2))

    assert str(error) == f"{url}: server answered 503 Service Unavailable after 3 attempts"
    assert not isinstance(error, NotFound)
    assert len(httpserver.log) == 3
    # Exponential: 0.5 s then 1 s, each plus up to 0.5 s of jitter.
    assert 0.5 <= sleeps[0] <= 1.0 <= sleeps[1] <= 1.5


@pytest.mark.parametrize(
    ("status", "error_type", "reason"),
    [
        (404, NotFound, "server answered 404 Not Found"),
        (400, FetchError, "server answered 400 Bad Request"),
        (403, FetchError, "server answered 403 Forbidden"),
    ],
)
def test_client_errors_are_not_retried(
    httpserver: HTTPServer,
    sleeps: Sleeps,
    status: int,
    error_type: type[FetchError],
    reason: str,
) -> None:
    httpserver.expect_request(PATH).respond_with_data("no", status=status)
    url = httpserver.url_for(PATH)

    error = fetch_error(url, sleeps)

    assert type(error) is error_type
    assert str(error) == f"{url}: {reason}"
    assert error.url == url
    assert len(httpserver.log) == 1
    assert sleeps == []


# --- bodies that are not a document ----------------------------------------------------------

NOT_UTF8 = b"# Changelog\n\nCaf\xe9 release\n"  # Latin-1, as a misconfigured mirror would send
NOT_UTF8_AT = NOT_UTF8.index(0xE9)


def _chunks() -> Iterator[bytes]:
    # A generator body: the server sends no Content-Length, so only the stream counter sees it.
    for _ in range(8):
        yield b"# Release 2025-10-01\n" * 32


BODY_CASES = [
    pytest.param(
        Response(b"<!DOCTYPE html>\n<html><body>Sign in</body></html>", content_type="text/html"),
        FetchOptions(),
        "body is an HTML page, not markdown",
        id="html-content-type",
    ),
    pytest.param(
        Response(b"\n  <HTML><body>Error</body></HTML>", content_type=MARKDOWN),
        FetchOptions(),
        "body is an HTML page, not markdown",
        id="html-sniffed",
    ),
    pytest.param(
        Response(b"", content_type=MARKDOWN),
        FetchOptions(),
        "response body is empty",
        id="empty",
    ),
    pytest.param(
        Response(b"\n \n", content_type=MARKDOWN),
        FetchOptions(),
        "response body is empty",
        id="blank",
    ),
    pytest.param(
        Response(NOT_UTF8, content_type=MARKDOWN),
        FetchOptions(),
        f"not valid UTF-8 at byte {NOT_UTF8_AT}",
        id="latin-1",
    ),
    pytest.param(
        Response(b"x" * 4096, content_type=MARKDOWN),
        FetchOptions(max_bytes=1024),
        "larger than the 1 KB limit",
        id="content-length-over-limit",
    ),
    pytest.param(
        Response(_chunks(), content_type=MARKDOWN),
        FetchOptions(max_bytes=1000),
        "larger than the 1000 bytes limit",
        id="stream-over-limit",
    ),
]


@pytest.mark.parametrize(("response", "options", "reason"), BODY_CASES)
def test_body_is_rejected(
    httpserver: HTTPServer,
    sleeps: Sleeps,
    response: Response,
    options: FetchOptions,
    reason: str,
) -> None:
    httpserver.expect_request(PATH).respond_with_response(response)
    url = httpserver.url_for(PATH)

    error = fetch_error(url, sleeps, options=options)

    assert str(error) == f"{url}: {reason}"
    assert len(httpserver.log) == 1  # a bad body is not worth another try
    assert sleeps == []


def test_size_limit_is_exact_for_the_changelog(httpserver: HTTPServer, sleeps: Sleeps) -> None:
    data = corpus_bytes(CURRENT)
    httpserver.expect_request(PATH).respond_with_data(data, content_type=MARKDOWN)
    url = httpserver.url_for(PATH)

    fits = fetch_document(url, options=FetchOptions(max_bytes=len(data)), sleep=sleeps)
    error = fetch_error(url, sleeps, options=FetchOptions(max_bytes=len(data) - 1))

    assert fits.bytes == len(data)
    assert "larger than the" in str(error)


# --- failures below HTTP ---------------------------------------------------------------------


@contextmanager
def raw_server(answer: Callable[[socket.socket, int], None]) -> Iterator[tuple[str, list[int]]]:
    """A TCP server that reads a request and calls answer(sock, connection_number)."""
    connections: list[int] = []

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            sock: socket.socket = self.request
            received = b""
            while b"\r\n\r\n" not in received:
                chunk = sock.recv(4096)
                if not chunk:
                    return
                received += chunk
            connections.append(len(connections) + 1)
            answer(sock, connections[-1])

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{PATH}", connections
    finally:
        server.shutdown()
        server.server_close()


def _head(length: int) -> bytes:
    return (
        f"HTTP/1.1 200 OK\r\nContent-Type: {MARKDOWN}\r\nContent-Length: {length}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()


def test_truncated_body_is_retried_then_fails(sleeps: Sleeps) -> None:
    part = corpus_bytes(CURRENT)[:10]

    def answer(sock: socket.socket, _: int) -> None:
        sock.sendall(_head(1000) + part)  # then the handler returns and the socket closes

    with raw_server(answer) as (url, connections):
        error = fetch_error(url, sleeps, options=FetchOptions(retries=2))

    assert str(error) == (
        f"{url}: response ended early (got 10 of 1000 bytes, 990 missing) after 3 attempts"
    )
    assert len(connections) == 3
    assert len(sleeps) == 2


def test_truncated_body_then_complete_one(sleeps: Sleeps) -> None:
    data = corpus_bytes(CURRENT)

    def answer(sock: socket.socket, number: int) -> None:
        sock.sendall(_head(len(data)) + (data[: len(data) // 2] if number == 1 else data))

    with raw_server(answer) as (url, connections):
        result = fetch_document(url, sleep=sleeps)

    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert len(connections) == 2
    assert len(sleeps) == 1


def test_timeout_is_retried_then_fails(sleeps: Sleeps) -> None:
    """The client gives up on a server that never answers: each connection is closed by the
    client while the server is still silent (the server would wait 30 s)."""
    hung_up: list[int] = []

    def answer(sock: socket.socket, number: int) -> None:
        sock.settimeout(30)
        try:
            if sock.recv(1) == b"":  # the client closed its end: it stopped waiting
                hung_up.append(number)
        except TimeoutError:
            pass

    options = FetchOptions(timeout=0.2, connect_timeout=0.2, retries=1)
    with raw_server(answer) as (url, connections):
        error = fetch_error(url, sleeps, options=options)
        count = len(connections)
        deadline = time.monotonic() + 30
        while len(hung_up) < count and time.monotonic() < deadline:
            time.sleep(0.01)  # the server thread sees the close a moment after the client

    assert str(error) == f"{url}: no complete answer within 0.2 s (fetch_timeout) after 2 attempts"
    assert count == 2
    assert hung_up == [1, 2]
    assert len(sleeps) == 1


def test_connection_refused_is_retried(sleeps: Sleeps) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago, with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}{PATH}"

    error = fetch_error(url, sleeps, options=FetchOptions(retries=1))

    assert str(error).startswith(f"{url}: connection failed: ")
    assert str(error).endswith(" after 2 attempts")
    assert len(sleeps) == 1


def _trickle(sock: socket.socket, data: bytes, stop: threading.Event) -> None:
    """Send `data` one byte at a time, a byte every 50 ms, until done or told to stop."""
    for byte in data:
        if stop.wait(0.05):
            return
        try:
            sock.sendall(bytes([byte]))
        except OSError:  # the client gave up and shut the connection
            return


@pytest.mark.parametrize("where", ["body", "headers"])
def test_fetch_timeout_is_a_deadline_for_the_whole_request(sleeps: Sleeps, where: str) -> None:
    """Each byte comes well within any read timeout; the whole answer would take ~60 s (400
    bytes of body, or the status line and headers, at 20 a second). The deadline ends it."""
    body = corpus_bytes(CURRENT)[:400]
    stop = threading.Event()

    def answer(sock: socket.socket, _: int) -> None:
        if where == "body":
            sock.sendall(_head(len(body)))
            _trickle(sock, body, stop)
        else:
            _trickle(sock, _head(len(body)) * 4, stop)

    options = FetchOptions(timeout=0.5, retries=1)
    try:
        with raw_server(answer) as (url, connections):
            error = fetch_error(url, sleeps, options=options)
            count = len(connections)
    finally:
        stop.set()
    assert str(error) == f"{url}: no complete answer within 0.5 s (fetch_timeout) after 2 attempts"
    assert count == 2


def test_an_unresolvable_host_is_not_retried_and_the_message_says_what_to_do(
    sleeps: Sleeps,
) -> None:
    url = "https://changelog.aksnews.invalid/CHANGELOG.md"  # .invalid never resolves (RFC 2606)
    error = fetch_error(url, sleeps, options=FetchOptions(retries=4))
    message = str(error)
    assert "could not resolve host 'changelog.aksnews.invalid'" in message
    assert "not retried" in message and "file://" in message
    assert "after" not in message  # one attempt
    assert sleeps == []


# --- file:// mirror --------------------------------------------------------------------------


def test_reads_a_file_mirror(sleeps: Sleeps) -> None:
    path = corpus_path(CURRENT)
    url = path.as_uri()

    result = fetch_document(url, sleep=sleeps)
    again = fetch_document(url, last_modified=result.last_modified, sleep=sleeps)

    assert result.text == path.read_text(encoding="utf-8")
    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert result.bytes == path.stat().st_size
    assert result.etag is None
    assert result.last_modified == email.utils.formatdate(path.stat().st_mtime, usegmt=True)
    assert again.not_modified is True
    assert again.text is None


def test_file_mirror_changed_since(tmp_path: Path, sleeps: Sleeps) -> None:
    path = tmp_path / "CHANGELOG.md"
    path.write_bytes(corpus_bytes(OLDER))
    os.utime(path, (1_700_000_000, 1_700_000_000))
    first = fetch_document(path.as_uri(), sleep=sleeps)
    path.write_bytes(corpus_bytes(CURRENT))
    os.utime(path, (1_700_000_100, 1_700_000_100))

    second = fetch_document(path.as_uri(), last_modified=first.last_modified, sleep=sleeps)

    assert second.not_modified is False
    assert second.text == corpus_path(CURRENT).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("content", "options", "error_type", "reason"),
    [
        (None, FetchOptions(), NotFound, "no such file"),
        (
            b"<!doctype html><html></html>",
            FetchOptions(),
            FetchError,
            "body is an HTML page, not markdown",
        ),
        (b"", FetchOptions(), FetchError, "response body is empty"),
        (b"#" * 2048, FetchOptions(max_bytes=2047), FetchError, "larger than the 2047 bytes limit"),
        (NOT_UTF8, FetchOptions(), FetchError, f"not valid UTF-8 at byte {NOT_UTF8_AT}"),
    ],
)
def test_file_mirror_is_checked_like_a_download(
    tmp_path: Path,
    sleeps: Sleeps,
    content: bytes | None,
    options: FetchOptions,
    error_type: type[FetchError],
    reason: str,
) -> None:
    path = tmp_path / "CHANGELOG.md"
    if content is not None:
        path.write_bytes(content)

    error = fetch_error(path.as_uri(), sleeps, options=options)

    assert type(error) is error_type
    assert str(error) == f"{path.as_uri()}: {reason}"


# --- URLs ------------------------------------------------------------------------------------


def test_secrets_in_urls_stay_out_of_messages_and_logs(
    httpserver: HTTPServer, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request(PATH).respond_with_data("down", status=502)
    caplog.set_level(logging.DEBUG, logger="aksnews.sources.fetch")
    url = httpserver.url_for(PATH) + "?token=s3cr3t"

    error = fetch_error(url, sleeps, options=FetchOptions(retries=1))

    messages = [record.getMessage() for record in own_records(caplog)]
    assert len(messages) == 2  # one line per failed attempt
    assert not [text for text in [str(error), *messages] if "s3cr3t" in text]
    assert error.url == httpserver.url_for(PATH) + "?[redacted]"


@pytest.mark.parametrize(
    ("url", "redacted"),
    [
        ("https://raw.githubusercontent.com/Azure/AKS/master/CHANGELOG.md", None),
        ("https://user:pat@example.com/a.md?sig=x#top", "https://example.com/a.md?[redacted]"),
        ("file:///srv/mirror/CHANGELOG.md", None),
    ],
)
def test_redact_url(url: str, redacted: str | None) -> None:
    assert redact_url(url) == (redacted or url)


@pytest.mark.parametrize(
    "bad", [{"retries": -1}, {"max_bytes": 0}, {"timeout": 0.0}, {"connect_timeout": -1.0}]
)
def test_options_are_checked(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        FetchOptions(**bad)


def test_unsupported_scheme(sleeps: Sleeps) -> None:
    error = fetch_error("ftp://example.com/CHANGELOG.md", sleeps)

    assert "unsupported URL" in str(error)
