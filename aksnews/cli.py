"""The `aksnews` command line (typer). Commands only call the stages and format results.

Contract: every listing command takes --json and then prints exactly one JSON document on
stdout; errors are one line on stderr and a non-zero exit (--debug shows the traceback);
progress bars appear only on a terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from aksnews import __version__


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--version"]:
        # Answered before the CLI framework is imported: scripts and shell prompts call this.
        print(f"aksnews {__version__}")
        return 0
    from aksnews.commands import run

    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
