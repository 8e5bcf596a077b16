"""The cyclic collector during a command (aksnews.commands.context.startup_collector): paused
while the command starts, its start-up frozen once the archive is open, everything as it was
afterwards, so that tests and programs running many commands in one process keep their own
collector."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from aksnews.commands import run
from aksnews.commands.context import AppState, resume_collector, startup_collector


@pytest.fixture(autouse=True)
def _collector_as_found() -> Iterator[None]:
    assert gc.isenabled() and gc.get_freeze_count() == 0
    yield
    gc.enable()
    gc.unfreeze()


def test_paused_until_the_archive_opens_then_frozen_start_up(tmp_path: Path) -> None:
    state = AppState(db_url=f"sqlite:///{tmp_path / 'a.db'}", config_file=None, debug=False)
    with startup_collector():
        assert not gc.isenabled()
        state.archive()
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0  # the objects of the start-up
        state.close()
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_a_command_that_never_opens_the_archive_gets_the_collector_back() -> None:
    with startup_collector():
        assert not gc.isenabled()
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_resuming_twice_or_outside_a_command_changes_nothing() -> None:
    resume_collector()
    assert gc.isenabled() and gc.get_freeze_count() == 0
    with startup_collector():
        resume_collector()
        frozen = gc.get_freeze_count()
        resume_collector()
        assert gc.get_freeze_count() == frozen
    assert gc.get_freeze_count() == 0


def test_a_program_that_manages_the_collector_keeps_its_policy() -> None:
    gc.disable()
    with startup_collector():
        resume_collector()
        assert not gc.isenabled()
    assert not gc.isenabled()
    gc.enable()
    gc.freeze()
    kept = gc.get_freeze_count()
    with startup_collector():
        assert gc.isenabled()
        resume_collector()
    assert gc.get_freeze_count() == kept


def test_commands_leave_the_collector_as_they_found_it(tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'a.db'}"]
    assert run([*db, "releases", "--limit", "1"]) == 0  # opens the archive
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert run([*db, "show", "aks:2099-01-01"]) == 1  # fails after opening it
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert run([*db, "releases", "--bogus"]) == 1  # a usage error before anything opens
    assert gc.isenabled() and gc.get_freeze_count() == 0
