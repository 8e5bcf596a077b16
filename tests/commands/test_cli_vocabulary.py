"""One vocabulary across commands: formats, --json, rules, minors known to the archive, exit
codes for misuse, and ambiguous release names listed instead of guessed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from aksnews.commands import run
from aksnews.store.engine import open_engine

from corpus import corpus_path, corpus_text, ingest_corpus

DATA = Path(__file__).resolve().parent.parent / "data"
TODAY = "2025-10-27"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('vocabulary') / 'v.db'}"
    engine = open_engine(url)
    ingest_corpus(engine, release_notes=("1.32",))
    engine.dispose()
    for args in (
        ["inventory", "load", str(DATA / "inventory.yaml")],
        ["inventory", "scan", str(DATA / "manifests"), "--cluster", "legacy-west"],
    ):
        assert run(["--db", url, *args]) == 0
    yield url


def _run(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = run(["--db", url, *args])
    out, err = capsys.readouterr()
    return code, out, err


def _newest_announced_minor() -> str:
    """The newest minor the AKS CHANGELOG announces ('AKS Version [1.34 Preview] is being
    rolled out')."""
    import re

    text = corpus_text("aks/CHANGELOG.md")
    minors = set(re.findall(r"AKS Version \[?(1\.\d+)", text))
    return max(minors, key=lambda m: int(m.split(".")[1]))


def test_usage_errors_exit_1_not_the_findings_code(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # `check -o` without a value was exit 2 ("findings") before.
    code, out, err = _run(capsys, db, "check", "-o")
    assert code == 1 and out == "" and "see `aksnews check --help`" in err
    code, _, err = _run(capsys, db, "check", "--fail-on", "sometimes")
    assert code == 1 and len(err.splitlines()) == 1


def test_check_json_and_rule_selection(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, db, "check", "--today", TODAY, "--json")
    every = json.loads(out)
    rules = {f["rule"] for f in every}
    assert {"removed-api", "update-available"} <= rules
    assert code == 3
    api_only = ["--rules", "removed-api,deprecated-api"]
    code, out, _ = _run(capsys, db, "check", "--today", TODAY, *api_only, "-o", "json")
    chosen = json.loads(out)
    assert {f["rule"] for f in chosen} <= {"removed-api", "deprecated-api"}
    assert len(chosen) == sum(f["rule"] in {"removed-api", "deprecated-api"} for f in every)
    # Without the API rules only update and support findings are left: never the removed code.
    skip = ["--skip-rules", "removed-api,deprecated-api", "--fail-on", "warning"]
    code, out, _ = _run(capsys, db, "check", "--today", TODAY, *skip, "--json")
    assert code in (0, 2) and {f["rule"] for f in json.loads(out)} == rules - {
        "removed-api",
        "deprecated-api",
    }
    code, _, err = _run(capsys, db, "check", "--rules", "removed-apis")
    assert code == 1 and "unknown rule 'removed-apis'" in err and "removed-api" in err
    assert _run(capsys, db, "check", "--json", "-o", "sarif")[0] == 1


def test_plan_takes_md_and_refuses_an_unknown_minor(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["plan", "--cluster", "legacy-west", "--today", TODAY]
    code, out, _ = _run(capsys, db, *args, "--to", "1.26", "-f", "md")
    assert code == 0 and out.startswith("#")
    assert _run(capsys, db, *args, "--to", "1.26", "-o", "markdown")[1] == out
    code, out, _ = _run(capsys, db, *args, "--to", "1.26", "--json")
    assert code == 0 and json.loads(out)["to"] == "1.26"
    newest = _newest_announced_minor()
    code, out, err = _run(capsys, db, *args, "--to", "1.40")
    assert code == 1 and out == ""
    assert f"1.40 is not a known minor; the newest is {newest}" in err
    for command in (
        ["check", "--target", "1.40"],
        ["diff", "1.30", "1.40"],
        ["apis", "--removed-in", "1.40"],
    ):
        code, out, err = _run(capsys, db, *command)
        assert code == 1 and out == "" and "1.40 is not a known minor" in err, command


def test_a_bare_minor_lists_the_releases_it_could_mean(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, db, "show", "1.32")
    assert code == 1 and out == ""
    assert "'1.32' is ambiguous" in err
    assert "deprecation-guide:v1.32" in err and "kubernetes:v1.32.0" in err
    code, out, _ = _run(capsys, db, "show", "deprecation-guide:v1.32", "--json")
    assert code == 0 and json.loads(out)["id"] == "deprecation-guide:v1.32"


def test_digest_formats(db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    base = ["digest", "--team", "payments", "--today", TODAY]
    code, md, _ = _run(capsys, db, *base, "-o", "md")
    assert code == 0 and md == _run(capsys, db, *base, "--format", "markdown")[1]
    code, out, _ = _run(capsys, db, *base, "--json")
    assert code == 0 and json.loads(out)["kind"] == "digest"
    target = tmp_path / "digest.md"
    assert _run(capsys, db, *base, "--write", str(target))[0] == 0
    assert target.read_text() == md


def test_help_shows_flags_as_flags(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["releases", "--help"])
    out = capsys.readouterr().out
    assert code == 0 and "--json" in out and "<bool>" not in out
    assert str(corpus_path("docs/deprecation-guide.md"))  # the corpus is reachable
