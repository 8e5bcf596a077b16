"""Run the real `aksnews` command line and SIGKILL this very process at point N.

    python kill_at.py N TRACE_FILE -- aksnews arguments...

A point is any SQL statement about to run or just run (SQLAlchemy's before/after
cursor-execute and commit events on every Engine; for a SQLite file written without SQLAlchemy,
aksnews.store.native, a sqlite3 trace callback: each statement and each executemany row about to
run, COMMIT among them), and any socket send about to start or just
finished, or answer bytes just received (socket.socket.sendall/send/recv
wrapped). Points are numbered from 1 in the order they happen; N = 0 never kills and writes
the labels of every point to TRACE_FILE, so a test can choose where to kill. Nothing in aksnews
knows about this: it is patched in from outside, before the command line starts.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

KILL_AT = int(sys.argv[1])
TRACE = Path(sys.argv[2])
ARGS = sys.argv[4:] if sys.argv[3] == "--" else sys.argv[3:]
seen: list[str] = []


def point(label: str) -> None:
    seen.append(label)
    if len(seen) == KILL_AT:
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)


def _sql(label: str) -> Any:
    def listener(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        point(f"{label} {statement.split(None, 1)[0].upper()} {statement[:60]!r}")

    return listener


event.listen(Engine, "before_cursor_execute", _sql("sql-before"))
event.listen(Engine, "after_cursor_execute", _sql("sql-after"))
event.listen(Engine, "commit", lambda conn: point("commit"))


def _native_trace(statement: str) -> None:
    point(f"sql-before {statement.split(None, 1)[0].upper()} {statement[:60]!r}")


def _traced_connection() -> None:
    from aksnews.store import native

    configure = native.SqliteFile.configure

    def traced(self: native.SqliteFile, conn: Any) -> None:
        configure(self, conn)
        conn.set_trace_callback(_native_trace)

    native.SqliteFile.configure = traced  # type: ignore[method-assign]


_traced_connection()

_sendall = socket.socket.sendall
_send = socket.socket.send
_recv = socket.socket.recv


def sendall(self: socket.socket, data: Any, *args: Any) -> None:
    point(f"send-before {len(data)}")
    _sendall(self, data, *args)
    point("send-after")


def send(self: socket.socket, data: Any, *args: Any) -> int:
    point(f"send-before {len(data)}")
    sent = _send(self, data, *args)
    point("send-after")
    return sent


def recv(self: socket.socket, size: int, *args: Any) -> bytes:
    got = _recv(self, size, *args)
    point(f"recv {len(got)}")
    return got


socket.socket.sendall = sendall  # type: ignore[method-assign]
socket.socket.send = send  # type: ignore[method-assign]
socket.socket.recv = recv  # type: ignore[method-assign]


@atexit.register
def _trace() -> None:
    if KILL_AT == 0:
        TRACE.write_text("\n".join(seen) + "\n", encoding="utf-8")


from aksnews.cli import main  # noqa: E402 - after the patches, as a real run would start

sys.exit(main(ARGS))
