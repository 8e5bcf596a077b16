"""The CLI contract, checked on every command typer knows (its own command tree, walked here).

For every command: --help exits 0 and shows no flag as if it took a value ('<bool>'); an unknown
option is a usage error: exit 1 and one line on stderr with a hint. Every command that prints
data (all but the long-running servers and `db upgrade`) takes --json and -o/--output, and with
either prints exactly one JSON document on stdout; a bad -o is a usage error too.

Commands are discovered, not listed: a new command is checked as soon as it is registered. One
that needs arguments gets them from ARGUMENTS (by command, else by parameter name); a new
required parameter without a value here fails with a message saying what to add.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from aksnews.commands import build_app, run
from aksnews.config import setting_names
from aksnews.store.engine import open_engine

from corpus import corpus_path, ingest_corpus

DATA = Path(__file__).resolve().parent.parent / "data"
TODAY = "2025-10-27"

# Commands that print no data: servers that run until stopped, and schema maintenance.
NO_DATA = {"serve", "web", "db upgrade"}
# Commands not run here (only --help and usage errors): servers, and a live cluster's API.
NOT_RUN = NO_DATA | {"inventory cluster"}
# The test inventory's teams name env: secrets that are not set here, so the cycle's deliveries
# fail: it prints its report, then exits 1 (an error, not findings).
FAILS_AFTER_REPORTING = {"run-once"}
# Needs a failed or uncertain outbox row: tests/commands/test_outbox_cli.py runs it with one.
NOT_RUN |= {"outbox resend"}


def _values(folder: Path) -> dict[str, list[str]]:
    """Arguments for required parameters, by 'command path' and by parameter name."""
    return {
        "ingest": [str(corpus_path("docs/deprecation-guide.md")), "-s", "deprecation-guide"],
        "inventory load": [str(DATA / "inventory.yaml")],
        "inventory import-az": [str(DATA / "az" / "list.json")],
        "inventory scan": [str(DATA / "manifests"), "--cluster", "legacy-west"],
        "inventory helm-secrets": [str(_helm_dump(folder)), "--cluster", "prod-east"],
        "show": ["aks:2025-10-12"],
        "search": ["cgroup"],
        "diff": ["1.31", "1.32"],
        "plan": ["--cluster", "legacy-west", "--to", "1.33", "--today", TODAY],
        "digest": ["--team", "payments", "--today", TODAY],
        "scan": [str(DATA / "manifests"), "--target", "1.25"],
        # by parameter name, for commands added later
        "=cluster": ["--cluster", "prod-east"],
        "=team": ["--team", "payments"],
        "=paths": [str(DATA / "manifests")],
        "=path": [str(DATA / "inventory.yaml")],
    }


def _helm_dump(folder: Path) -> Path:
    release = {
        "name": "web",
        "namespace": "shop",
        "version": 1,
        "info": {"status": "deployed"},
        "manifest": "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata:\n  name: w\n",
    }
    packed = base64.b64encode(gzip.compress(json.dumps(release).encode()))
    secret = {
        "kind": "Secret",
        "type": "helm.sh/release.v1",
        "metadata": {"name": "sh.helm.release.v1.web.v1", "namespace": "shop"},
        "data": {"release": base64.b64encode(packed).decode()},
    }
    path = folder / "helm.json"
    path.write_text(json.dumps({"kind": "List", "items": [secret]}))
    return path


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command of typer's click tree, groups included, with its path of names."""
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from walk(sub, (*path, name))


TREE = list(walk(typer.main.get_command(build_app())))
LEAVES = [(" ".join(p), c) for p, c in TREE if p and not hasattr(c, "commands")]
GROUPS = [(" ".join(p), c) for p, c in TREE if hasattr(c, "commands")]


def _opts(command: Any) -> set[str]:
    return {o for p in command.params for o in getattr(p, "opts", [])}


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("contract")
    url = f"sqlite:///{folder / 'contract.db'}"
    engine = open_engine(url)
    ingest_corpus(engine)
    engine.dispose()
    for args in (
        ["inventory", "load", str(DATA / "inventory.yaml")],
        ["inventory", "scan", str(DATA / "manifests"), "--cluster", "legacy-west"],
    ):
        assert run(["--db", url, *args]) == 0
    yield url, folder


@pytest.fixture
def mirrors(monkeypatch: pytest.MonkeyPatch, archive: tuple[str, Path]) -> None:
    """fetch and run-once read file:// mirrors of the corpus, never the network."""
    for name in setting_names():
        monkeypatch.delenv(f"AKSNEWS_{name.upper()}", raising=False)
    monkeypatch.delenv("AKSNEWS_CONFIG", raising=False)
    monkeypatch.setenv("AKSNEWS_AKS_URL", corpus_path("aks/CHANGELOG.md").as_uri())
    guide = corpus_path("docs/deprecation-guide.md").as_uri()
    monkeypatch.setenv("AKSNEWS_DEPRECATION_GUIDE_URL", guide)
    calendar = corpus_path("docs/aks-supported-kubernetes-versions.md").as_uri()
    monkeypatch.setenv("AKSNEWS_AKS_CALENDAR_URL", calendar)
    schedule = corpus_path("kubernetes/schedule/schedule.yaml").as_uri()
    monkeypatch.setenv("AKSNEWS_KUBERNETES_SCHEDULE_URL", schedule)
    changelogs = corpus_path("kubernetes/changelog/CHANGELOG-1.32.md").parent.as_uri()
    monkeypatch.setenv("AKSNEWS_KUBERNETES_URL", changelogs + "/CHANGELOG-{minor}.md")
    monkeypatch.setenv("AKSNEWS_KUBERNETES_MINORS", "1.32")


def test_the_tree_is_walked() -> None:
    names = {name for name, _ in LEAVES}
    assert {"check", "scan", "inventory scan", "db upgrade", "search"} <= names


@pytest.mark.parametrize(("name", "command"), LEAVES + GROUPS, ids=[n for n, _ in LEAVES + GROUPS])
def test_help_and_usage_errors(name: str, command: Any, capsys: pytest.CaptureFixture[str]) -> None:
    path = name.split()
    code, out, err = _run(capsys, *path, "--help")
    assert code == 0 and "Usage:" in out
    assert "<bool>" not in out, f"{name} --help shows a flag as taking a value"
    code, out, err = _run(capsys, *path, "--no-such-option")
    assert code == 1, f"{name}: a usage error exits {code}"
    assert out == "" and len(err.strip().splitlines()) == 1
    assert "--help" in err
    if hasattr(command, "commands"):
        code, _, err = _run(capsys, *path, "no-such-command")
        assert code == 1 and len(err.strip().splitlines()) == 1


def _arguments(name: str, command: Any, values: dict[str, list[str]]) -> list[str]:
    if name in values:
        return values[name]
    args: list[str] = []
    for param in command.params:
        if getattr(param, "required", False):
            key = f"={param.name}"
            assert key in values, (
                f"{name}: required parameter {param.name!r} has no example value; add "
                f"{name!r} or {key!r} to _values() in tests/commands/test_cli_contract.py"
            )
            args += values[key]
    return args


# A group that runs without a subcommand (`aksnews outbox`) prints data of its own.
LISTING_GROUPS = [(n, c) for n, c in GROUPS if getattr(c, "invoke_without_command", False)]
DATA_COMMANDS = [(n, c) for n, c in LEAVES + LISTING_GROUPS if n not in NO_DATA]


@pytest.mark.parametrize(("name", "command"), DATA_COMMANDS, ids=[n for n, _ in DATA_COMMANDS])
def test_data_commands_print_one_json_document(
    name: str,
    command: Any,
    archive: tuple[str, Path],
    mirrors: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    opts = _opts(command)
    assert "--json" in opts and {"-o", "--output"} <= opts, f"{name}: no --json and -o/--output"
    if name in NOT_RUN:
        return
    url, folder = archive
    args = ["--db", url, *name.split(), *_arguments(name, command, _values(folder))]
    for form in (["--json"], ["-o", "json"]):
        code, out, err = _run(capsys, *args, *form)
        assert code in (0, 2, 3) or name in FAILS_AFTER_REPORTING, f"{name} {form}: {code}: {err}"
        json.loads(out)  # exactly one document: trailing text would not parse
    code, out, err = _run(capsys, *args, "-o", "no-such-format")
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1, err
    assert "--output" in err
