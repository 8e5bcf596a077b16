"""The `aksnews` command line (typer). Commands only call the stages and format results.

Contract: every listing command takes --json and then prints exactly one JSON document on
stdout; errors are one line on stderr and a non-zero exit (--debug shows the traceback);
progress bars appear only on a terminal.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn

from aksnews import __version__


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--version"]:
        # Answered before the CLI framework is imported: scripts and shell prompts call this.
        print(f"aksnews {__version__}")
        return 0
    from aksnews.commands import run

    return run(args)


def entry() -> NoReturn:
    """The console script: main(), then leave without the interpreter's teardown.

    Tearing down the ~300 modules a command imports (SQLAlchemy, typer, rich, ours) took about
    80 ms of every command, a fifth of what a user waits for `aksnews search`. By then the
    command has returned, its archive is closed (AppState.close) and its files are closed; the
    exit handlers still run (logging, temporary directories) and the standard streams are
    flushed here, so nothing written is lost. A thread still running gets the normal exit,
    which waits for it.
    """
    code = main()
    if threading.active_count() > 1:
        sys.exit(code)
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        pass  # the reader left (`aksnews search x | head`): as run() treats it
    except OSError as exc:
        print(f"aksnews: error: writing the output: {exc}", file=sys.stderr)
        code = code or 1
    with contextlib.suppress(OSError):  # nowhere left to say it
        sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
