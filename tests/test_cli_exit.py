"""The console script leaves without the interpreter's teardown (aksnews.cli.entry): what a
command wrote must still be all there, the archive closed as by a normal exit, and the exit
code the command's. Run through the installed `aksnews` script, as users run it."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from aksnews.commands import run

from corpus import corpus_path

REPO = Path(__file__).resolve().parent.parent
SCRIPT = str(Path(sys.executable).with_name("aksnews"))
CHANGELOG = str(corpus_path("aks/CHANGELOG.md"))
INVENTORY = str(REPO / "tests" / "data" / "inventory.yaml")


def aksnews(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SCRIPT, "--db", f"sqlite:///{db}", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=db.parent,
    )


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("exit") / "aksnews.db"
    ingest = aksnews(db, "ingest", CHANGELOG, "--source", "aks")
    assert ingest.returncode == 0, ingest.stderr
    return db


def test_the_installed_script_is_the_fast_exit() -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["aksnews"] == "aksnews.cli:entry"
    assert "entry()" in Path(SCRIPT).read_text()


def test_an_ingest_leaves_the_archive_checkpointed(archive: Path) -> None:
    """The last connection's close folds the WAL into the file and removes it: what the
    ingest reported is in the main file alone, as after a normal exit."""
    assert not archive.with_name(archive.name + "-wal").exists()
    # Read the file without its WAL or shared memory: immutable=1 ignores both.
    conn = sqlite3.connect(f"file:{archive}?immutable=1", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        releases = conn.execute("SELECT count(*) FROM release").fetchone()[0]
    finally:
        conn.close()
    headings = sum(1 for line in Path(CHANGELOG).read_text().splitlines() if line.startswith("## "))
    assert releases >= headings - 10  # nearly every '## ' heading is a release
    again = aksnews(archive, "ingest", CHANGELOG, "--source", "aks")
    assert again.returncode == 0, again.stderr
    assert "unchanged" in again.stdout


def test_long_outputs_arrive_whole(archive: Path, tmp_path: Path) -> None:
    """Hundreds of kilobytes on a pipe and into a file, flushed before the exit."""
    piped = aksnews(archive, "facts", "--json")
    assert piped.returncode == 0, piped.stderr
    assert len(piped.stdout) > 200_000
    facts = json.loads(piped.stdout)  # one whole document
    out = tmp_path / "facts.json"
    with out.open("w") as stdout:  # `aksnews facts --json > facts.json`: a fully buffered stdout
        written = subprocess.run(
            [SCRIPT, "--db", f"sqlite:///{archive}", "facts", "--json"], stdout=stdout, check=False
        )
    assert written.returncode == 0
    assert json.loads(out.read_text()) == facts


def test_errors_and_findings_keep_their_exit_codes(archive: Path) -> None:
    missing = aksnews(archive, "show", "aks:1999-01-01")
    assert missing.returncode == 1
    assert missing.stderr.startswith("aksnews: error:") and missing.stdout == ""
    loaded = aksnews(archive, "inventory", "load", INVENTORY)
    assert loaded.returncode == 0, loaded.stderr
    check = aksnews(archive, "check", "--json")
    assert json.loads(check.stdout)  # the test inventory has findings
    in_process = run(["--db", f"sqlite:///{archive}", "check", "--json"])
    assert in_process in (2, 3)
    assert check.returncode == in_process, check.stderr


def test_a_reader_that_leaves_early_is_not_an_error(archive: Path) -> None:
    """`aksnews search x | head -1`: the closed pipe ends the command quietly with 0, as
    `git log | head` does not fail a script's pipeline."""
    proc = subprocess.Popen(
        [SCRIPT, "--db", f"sqlite:///{archive}", "search", "kubernetes", "--limit", "500"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline()
    proc.stdout.close()
    stderr = proc.stderr.read()
    assert proc.wait(timeout=60) == 0, stderr
    assert stderr == ""
