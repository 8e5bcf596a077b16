"""A webhook stand-in that misbehaves the way real networks do, on a real socket in a thread.

Every POST is read in full and recorded (path and body) BEFORE it is answered, so `posts`
counts what reached the peer whatever came next. Each path answers with the next scripted
behaviour, then 'ok': an Answer (status, body, headers), RESET (a TCP reset after reading the
request), HANG (no answer until well past any client timeout), BROKEN (a response cut short),
HOLD (no answer until the test calls release(), then 'ok': a delivery kept in flight).
free_port() gives a port nobody listens on, for refused connections.

Timing without flakes on a loaded machine: a HANG never answers until the test is over, so a
client's short timeout (HANG_TIMEOUT) always fires, however slow the machine; the other faults
answer at once and get a generous timeout (ANSWER_TIMEOUT), so that a slow server thread cannot
turn a reset into a timeout. Tests assert which fault the client met (fault_seen, from the
exception's causes), never how long it took, and wait for a POST to be recorded (wait_for_posts)
instead of assuming the server thread has run.
"""

from __future__ import annotations

import http.client
import socket
import struct
import threading
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: str = "ok"
    headers: dict[str, str] = field(default_factory=dict)


class Fault(Enum):
    RESET = "reset"
    HANG = "hang"
    BROKEN = "broken"
    HOLD = "hold"


Behaviour = Answer | Fault
OK = Answer()
HANG_SECONDS = 60.0  # far past the clients' timeouts in the tests; released at teardown
HANG_TIMEOUT = 0.3  # a client's timeout against a HANG: it fires whatever the load
ANSWER_TIMEOUT = 30.0  # a client's timeout against a fault answered at once: only a bound
WAIT_BOUND = 30.0  # how long wait_for_posts waits at most before the test fails


def client_timeout(fault: Fault) -> float:
    return HANG_TIMEOUT if fault is Fault.HANG else ANSWER_TIMEOUT


def fault_seen(exc: BaseException) -> Fault | None:
    """The fault a client's exception shows in its chain of causes: a timeout (HANG), a reset
    (RESET) or an answer cut short (BROKEN); None for anything else."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, TimeoutError):
            return Fault.HANG
        if isinstance(seen, ConnectionResetError):
            return Fault.RESET
        if isinstance(seen, http.client.IncompleteRead | httpx.RemoteProtocolError):
            return Fault.BROKEN
        seen = seen.__cause__ or seen.__context__
    return None


def free_port() -> int:
    """A local port with nothing listening on it (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            self.server.posts.append((self.path.split("?")[0], body))
            self.server.headers_seen.append(dict(self.headers))
            self.server.arrived.notify_all()
            queue = self.server.scripts[self.path.split("?")[0]]
            behaviour = queue.popleft() if queue else OK
        if behaviour is Fault.RESET:
            # SO_LINGER 0: close() sends RST instead of FIN, as a crashing proxy does.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if behaviour is Fault.HANG:
            self.server.release.wait(HANG_SECONDS)
            self.close_connection = True
            return
        if behaviour is Fault.HOLD:
            self.server.release.wait(HANG_SECONDS)
            behaviour = OK
        if behaviour is Fault.BROKEN:
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nok")
            self.wfile.flush()
            self.close_connection = True
            return
        assert isinstance(behaviour, Answer)
        data = behaviour.body.encode()
        self.send_response(behaviour.status)
        for name, value in behaviour.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.posts: list[tuple[str, bytes]] = []
        self.headers_seen: list[dict[str, str]] = []
        self.scripts: defaultdict[str, deque[Behaviour]] = defaultdict(deque)
        self.release = threading.Event()
        self.arrived = threading.Condition(self.lock)

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a reset or hung-up client is the point of these tests


class FaultServer:
    def __init__(self, server: _Server) -> None:
        self._server = server
        self.port = int(server.server_address[1])

    def url(self, path: str, userinfo: str = "") -> str:
        return f"http://{userinfo + '@' if userinfo else ''}127.0.0.1:{self.port}{path}"

    def script(self, path: str, *behaviours: Behaviour) -> None:
        with self._server.lock:
            self._server.scripts[path].extend(behaviours)

    @property
    def posts(self) -> list[tuple[str, bytes]]:
        with self._server.lock:
            return list(self._server.posts)

    def release(self) -> None:
        """Let every held (and hung) request go on."""
        self._server.release.set()

    def wait_for_posts(self, count: int) -> list[tuple[str, bytes]]:
        """The POSTs once `count` of them are recorded: a client may give up (a timeout) before
        the server thread has read what the client wrote."""
        with self._server.arrived:
            self._server.arrived.wait_for(lambda: len(self._server.posts) >= count, WAIT_BOUND)
            return list(self._server.posts)

    @property
    def headers(self) -> list[dict[str, str]]:
        with self._server.lock:
            return list(self._server.headers_seen)

    def count(self, marker: str, path: str | None = None) -> int:
        """How many POSTs (to `path`, or to any) carried `marker` in their body."""
        needle = marker.encode()
        return sum(1 for p, body in self.posts if needle in body and path in (None, p))


@contextmanager
def fault_server() -> Iterator[FaultServer]:
    server = _Server()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield FaultServer(server)
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
