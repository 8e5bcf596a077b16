"""The HTTP server under the web archive: uvicorn with httptools' parser, in a real process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import uvicorn
from starlette.types import Receive, Scope, Send

AKSNEWS = str(Path(sys.executable).parent / "aksnews")


async def _app(scope: Scope, receive: Receive, send: Send) -> None:  # pragma: no cover
    raise AssertionError("not served")


def test_uvicorn_picks_the_c_parser_aksnews_depends_on() -> None:
    config = uvicorn.Config(_app, http="auto")  # what `aksnews web` and `serve --web` pass
    config.load()
    assert config.http_protocol_class.__name__ == "HttpToolsProtocol"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


def test_malformed_requests_get_400_and_the_server_answers_on(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "AKSNEWS_DATABASE_URL": f"sqlite:///{tmp_path / 'web.db'}"}
    proc = subprocess.Popen(
        [AKSNEWS, "web", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        for request in (
            b"GARBAGE\r\n\r\n",
            b"GET /api/search?q=x HTTP/1.1\r\nHost: a\r\nContent-Length: nope\r\n\r\n",
            b"GET /healthz HTTP/1.1\r\nHost: a\r\nBad Header Name: 1\r\n\r\n",
            b"GET /\x00 HTTP/1.1\r\nHost: a\r\n\r\n",
        ):
            assert _raw(port, request).startswith(b"HTTP/1.1 400 "), request
        kept = _raw(port, b"GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        assert kept.startswith(b"HTTP/1.1 200 ") and kept.endswith(b'{"status":"ok"}')
        assert proc.poll() is None
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert b"Traceback" not in err, err.decode(errors="replace")
