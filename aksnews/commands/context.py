"""State shared by commands: settings and the archive handle, created on first use."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from aksnews.errors import InputError

if TYPE_CHECKING:
    from rich.console import Console

    from aksnews.config import Settings
    from aksnews.store.handle import Archive


@dataclass
class AppState:
    db_url: str | None
    config_file: str | None
    debug: bool
    _settings: Settings | None = field(default=None, repr=False)
    _archive: Archive | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        if self._settings is None:
            from aksnews.config import load_settings

            self._settings = load_settings(
                self.config_file, overrides={"database_url": self.db_url}
            )
        return self._settings

    def archive(self) -> Archive:
        if self._archive is None:
            from aksnews.store.handle import Archive

            self._archive = Archive.open(self.settings().database_url)
            resume_collector()
        return self._archive

    def close(self) -> None:
        """Close the archive's connections: on SQLite the last close checkpoints the WAL into
        the file, so a process that then leaves without the interpreter's teardown (cli.entry)
        leaves the archive as a normal exit would."""
        if self._archive is not None:
            self._archive.dispose()
            self._archive = None


# The cyclic garbage collector during a command's start-up. A read command imports some 300
# modules (typer, SQLAlchemy, ours) whose objects live until the process exits, and the collector
# scanned them again and again: one full collection alone was ~40 ms of `check` or `diff`, about
# a tenth of the command. So it is paused while the command starts; once the archive is open
# (the store and SQLAlchemy imported), what exists is frozen out of its generations (gc.freeze)
# and it collects again, over what the work allocates only.
_collector = {"paused": False, "frozen": False}


@contextlib.contextmanager
def startup_collector() -> Iterator[None]:
    """Run a command with the collector paused until resume_collector(); everything as it was
    afterwards (tests run many commands in one process). A program that disabled the collector
    or froze objects itself keeps its own policy."""
    if not gc.isenabled() or gc.get_freeze_count():
        yield
        return
    gc.disable()
    _collector["paused"] = True
    try:
        yield
    finally:
        if _collector["frozen"]:
            gc.unfreeze()
        gc.enable()
        _collector.update(paused=False, frozen=False)


def resume_collector() -> None:
    """The command's start-up is over (see startup_collector); a no-op when it was not paused."""
    if _collector["paused"]:
        gc.freeze()
        gc.enable()
        _collector.update(paused=False, frozen=True)


def console() -> Console:
    """A rich console; when piped, wide enough that tables are not cut to 80 columns."""
    from rich.console import Console

    # No automatic highlighting: changelog text is shown as written (and it is slow).
    return Console(width=None if sys.stdout.isatty() else 220, highlight=False)


# A piece of text and the rich style it gets on a terminal (None: plain).
Piece = tuple[str, str | None]


def print_styled(lines: Sequence[Sequence[Piece]], *, page: bool = False) -> None:
    """Many lines of styled text, not wrapped (the terminal wraps long lines itself).

    On a terminal rich styles them; piped they are written as they are, because rich's per-line
    work was most of the time of a long listing (`aksnews diff` prints hundreds of notes).
    With `page`, output longer than the screen goes through a pager as git does ($PAGER, else
    less with LESS=FRX: colours kept, quits at once when it fits); never when piped.
    """
    if sys.stdout.isatty():
        from rich.text import Text

        text = Text()
        for i, line in enumerate(lines):
            if i:
                text.append("\n")
            for piece, style in line:
                text.append(piece, style=style)
        out = console()
        if page and len(lines) > out.size.height:
            os.environ.setdefault("LESS", "FRX")
            with out.pager(styles=True):
                out.print(text, soft_wrap=True)
            return
        out.print(text, soft_wrap=True)
    else:
        # Line by line, not joined: a wide diff prints megabytes.
        sys.stdout.writelines("".join(p for p, _ in line) + "\n" for line in lines)


Cell = str | Piece


def print_table(columns: Sequence[str], rows: Iterable[Sequence[Cell]]) -> None:
    """A table of text cells (a cell may carry a style for the terminal).

    On a terminal rich lays it out to the screen's width. Piped, the columns are aligned here:
    rich measures every cell, which took 1.5 s for the 3,500 facts of an archive, and a pipe
    wants one row per line anyway.
    """
    table_rows = [[(c, None) if isinstance(c, str) else c for c in row] for row in rows]
    if sys.stdout.isatty():
        from rich.table import Table
        from rich.text import Text

        table = Table(*columns, box=None)
        for row in table_rows:
            table.add_row(*(Text(text, style=style or "") for text, style in row))
        console().print(table)
        return
    lines = [list(columns)] + [[" ".join(t.split()) for t, _ in row] for row in table_rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(columns) - 1)]
    sys.stdout.write(
        "".join(
            "  ".join(
                [*(c.ljust(w) for c, w in zip(line, widths, strict=False)), line[-1]]
            ).rstrip()
            + "\n"
            for line in lines
        )
    )


def parse_date(value: str | None, option: str) -> dt.date | None:
    """A YYYY-MM-DD option value, or an InputError naming the option."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} wants a date as YYYY-MM-DD, not {value!r}") from None


def today_or(value: str | None) -> dt.date:
    """--today as given, else the real date (the one place commands read the clock)."""
    return parse_date(value, "--today") or dt.date.today()


def print_json(document: object) -> None:
    """The --json contract: exactly one JSON document on stdout."""
    from aksnews.report.records import dumps

    print(dumps(document))


def interactive() -> bool:
    """Progress bars and colour only for a person at a terminal."""
    return sys.stderr.isatty()


T = TypeVar("T")


def progress(items: Sequence[T], description: str) -> Iterator[T]:
    """Iterate with a rich progress bar on a terminal; silently when piped or in CI logs."""
    if not interactive() or len(items) < 2:
        yield from items
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task(description, total=len(items))
        for item in items:
            yield item
            bar.advance(task)
