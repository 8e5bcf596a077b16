"""Ingesting a revision that adds one release, against re-ingesting an unchanged one.

The common case of a poll: AKS published one release at the top of its CHANGELOG. The subject
is `aksnews ingest CHANGELOG.md` into an archive holding the same document without its newest
release (so every release below moves down and the new one is parsed); the baseline is the same
command into an archive that already mirrors CHANGELOG.md. Both are whole processes, measured
alternately in this run; the database copy each round is not timed.

Usage: .venv/bin/python bench/ingest_revision.py [--rounds N]   (make bench)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import tempfile
from pathlib import Path

from common import BIN, alternate, compile_package, report, timed

from corpus import corpus_path

AKSNEWS = str(BIN / "aksnews")


def _env(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AKSNEWS_")}
    env["AKSNEWS_DATABASE_URL"] = f"sqlite:///{db}"
    return env


def without_newest_release(text: str) -> str:
    parts = re.split(r"(?m)^(?=## )", text)
    first = next(i for i, part in enumerate(parts) if part.startswith("## Release"))
    return "".join(parts[:first] + parts[first + 1 :])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=9)
    rounds = parser.parse_args().rounds
    compile_package()
    current = corpus_path("aks/CHANGELOG.md")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        older = work / "older" / "CHANGELOG.md"
        older.parent.mkdir()
        older.write_text(without_newest_release(current.read_text("utf-8")), encoding="utf-8")
        document = work / "CHANGELOG.md"
        shutil.copy(current, document)
        base, mirrored = work / "base.db", work / "mirrored.db"
        timed([AKSNEWS, "ingest", str(older)], env=_env(base))
        timed([AKSNEWS, "ingest", str(document)], env=_env(mirrored))
        counter = iter(range(10_000))
        ingest = [AKSNEWS, "ingest", str(document)]

        def one_release_added() -> float:
            db = work / f"round-{next(counter)}.db"
            shutil.copy(base, db)
            for suffix in ("-wal", "-shm"):
                if Path(f"{base}{suffix}").exists():
                    shutil.copy(f"{base}{suffix}", f"{db}{suffix}")
            return timed(ingest, env=_env(db))[0]

        def unchanged() -> float:
            return timed(ingest, env=_env(mirrored))[0]

        # The unchanged re-ingest imports neither the parser nor the writer; this baseline
        # is the same process with both imported first, to show the cost of the work itself.
        preloaded = [
            str(BIN / "python"),
            "-c",
            "import sys, aksnews.store.archive, aksnews.parsers.aks_changelog; "
            "from aksnews.cli import main; sys.exit(main(sys.argv[1:]))",
            "ingest",
            str(document),
        ]

        def unchanged_with_writer_imported() -> float:
            return timed(preloaded, env=_env(mirrored))[0]

        s, b, r = alternate(one_release_added, unchanged, rounds)
        report("ingest of a revision adding one release", s, b, r, "<= 1.3 x unchanged re-ingest")
        s, b, r = alternate(one_release_added, unchanged_with_writer_imported, rounds)
        report("  the same vs unchanged, parser and writer imported", s, b, r, "report")


if __name__ == "__main__":
    main()
