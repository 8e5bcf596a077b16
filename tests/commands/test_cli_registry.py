"""A command line builds only the command it runs (aksnews.commands.COMMANDS): the table names
every top-level command of the full application, each entry builds that one command, and what
a single-command application parses and prints is what the full one does."""

from __future__ import annotations

import pytest
import typer

from aksnews.commands import COMMANDS, _command_word, build_app


def _names(app: typer.Typer) -> list[str]:
    return sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def test_the_table_names_every_command_of_the_full_application() -> None:
    assert _names(build_app()) == sorted(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_entry_builds_that_command_alone(command: str) -> None:
    assert _names(build_app(command)) == [command]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_single_command_has_the_parameters_of_the_full_one(command: str) -> None:
    def params(app: typer.Typer) -> list[tuple[str, ...]]:
        group = typer.main.get_command(app)
        sub = group.commands[command]  # type: ignore[attr-defined]
        found = [tuple(getattr(p, "opts", ())) for p in sub.params]
        for name, leaf in sorted(getattr(sub, "commands", {}).items()):
            found += [(name, *getattr(p, "opts", ())) for p in leaf.params]
        return found

    assert params(build_app(command)) == params(build_app())


@pytest.mark.parametrize(
    ("args", "word"),
    [
        (["search", "cilium"], "search"),
        (["--db", "sqlite:///x.db", "--debug", "show", "aks:1"], "show"),
        (["--db=sqlite:///x.db", "--config", "a.toml", "outbox", "resend", "3"], "outbox"),
        # Anything else gets the full application: its help, its unknown-command message.
        (["--help"], None),
        ([], None),
        (["serach", "cilium"], None),
        # --config's value is not taken for a command.
        (["--config", "search", "--help"], None),
    ],
)
def test_the_command_word_skips_the_global_options(args: list[str], word: str | None) -> None:
    assert _command_word(args) == word


def test_an_unknown_command_gets_the_full_applications_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from aksnews.commands import run

    assert run(["serach", "cilium"]) == 1
    err = capsys.readouterr().err
    assert "No such command 'serach'" in err
    assert "search" in err  # the suggestion comes from the full command list
