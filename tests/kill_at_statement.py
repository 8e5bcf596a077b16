"""Run the real aksnews CLI and SIGKILL the process at its Nth SQL statement.

Used by the crash tests as a subprocess: `python kill_at_statement.py PLAN.json`, where the plan
is {"argv": [...], "points": [{"kill_at": N, "db": URL}, ...]}. aksnews is imported once, then
one child process is forked per point; each child counts the statements its engines send (a
SQLAlchemy before_cursor_execute listener) and those it sends to a SQLite file without SQLAlchemy
(a sqlite3 trace callback on aksnews.store.native's connection, one call per statement and per
row of an executemany), and kills itself with SIGKILL at statement N, as a power cut or the OOM
killer would. kill_at 0 never kills and prints the number of statements
instead. The parent prints one JSON line: per point, the child's exit status or signal.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

import aksnews.cli
import aksnews.commands  # noqa: F401  (imported before forking, so each child starts fast)
from aksnews.store import native


def child(argv: list[str], kill_at: int) -> None:
    count = 0

    def before(*_args: Any) -> None:
        nonlocal count
        count += 1
        if count == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    event.listen(Engine, "before_cursor_execute", before)
    configure = native.SqliteFile.configure

    def traced(self: native.SqliteFile, conn: Any) -> None:
        configure(self, conn)
        conn.set_trace_callback(before)

    native.SqliteFile.configure = traced  # type: ignore[method-assign]
    code = aksnews.cli.main(argv)
    if kill_at == 0:
        print(json.dumps({"statements": count}), flush=True)
    os._exit(code)


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        plan = json.load(handle)
    results = []
    for point in plan["points"]:
        argv = ["--db", point["db"], *plan["argv"]]
        pid = os.fork()
        if pid == 0:
            child(argv, point["kill_at"])
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status):
            results.append({"signal": os.WTERMSIG(status)})
        else:
            results.append({"exit": os.WEXITSTATUS(status)})
    print(json.dumps(results), flush=True)


if __name__ == "__main__":
    main()
