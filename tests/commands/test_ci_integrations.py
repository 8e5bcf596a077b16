"""The pre-commit hook and the GitHub Action, run the way their hosts run them.

pre-commit runs a hook's `entry` with its `args` and the staged files that match `files`
appended; the Action's scan step is a bash script fed by INPUT_* variables that writes its
outputs to $GITHUB_OUTPUT. Both are run here as real processes against an archive holding the
corpus deprecation guide.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from aksnews.commands import run

from corpus import corpus_path

REPO = Path(__file__).resolve().parent.parent.parent
SCAN = Path(__file__).resolve().parent.parent / "data" / "scan"
BIN = str(Path(sys.executable).parent)

CLEAN = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ok\n"
# The guide: autoscaling/v2beta2 HorizontalPodAutoscaler is no longer served as of v1.26.
DEPRECATED = (
    "apiVersion: autoscaling/v2beta2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: h\n"
)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('ci') / 'guide.db'}"
    guide = str(corpus_path("docs/deprecation-guide.md"))
    assert run(["--db", url, "ingest", guide, "--source", "deprecation-guide"]) == 0
    variables = {k: v for k, v in os.environ.items() if not k.startswith("AKSNEWS_")}
    variables["PATH"] = BIN + os.pathsep + variables.get("PATH", "")
    variables["AKSNEWS_DATABASE_URL"] = url
    yield variables


def _staged(tmp_path: Path, **files: str) -> list[str]:
    for name, text in files.items():
        (tmp_path / name.replace("__", ".")).write_text(text)
    return sorted(str(p) for p in tmp_path.iterdir())


def test_pre_commit_hook_entry_on_staged_files(tmp_path: Path, env: dict[str, str]) -> None:
    [hook] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "aksnews-scan" and hook["pass_filenames"] is True

    def commit(files: list[str]) -> int:
        matched = [f for f in files if re.search(hook["files"], f)]
        command = [*shlex.split(hook["entry"]), *hook.get("args", []), "--target", "1.25"]
        proc = subprocess.run(
            [*command, *matched], env=env, capture_output=True, text=True, check=False
        )
        return proc.returncode

    clean = tmp_path / "clean"
    clean.mkdir()
    files = _staged(clean, deploy__yaml=CLEAN, notes__md="apiVersion: x/v1beta1\nkind: Ingress\n")
    assert commit(files) == 0  # the markdown file is not a manifest the hook is given
    deprecated = tmp_path / "deprecated"
    deprecated.mkdir()
    assert commit(_staged(deprecated, deploy__yaml=CLEAN, hpa__yml=DEPRECATED)) == 2
    assert commit([str(SCAN / "app" / "workloads.yaml"), str(SCAN / "app" / "jobs.yaml")]) == 3


def test_action_scan_step_writes_outputs_and_sarif(tmp_path: Path, env: dict[str, str]) -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = {s.get("id") or s.get("name"): s for s in action["runs"]["steps"]}
    script = steps["scan"]["run"]

    def step(**inputs: str) -> tuple[dict[str, str], subprocess.CompletedProcess[str]]:
        outputs = tmp_path / "github-output"
        outputs.write_text("")
        variables = {
            **env,
            "GITHUB_OUTPUT": str(outputs),
            "RUNNER_TEMP": str(tmp_path),
            "INPUT_OUTPUT": "wide",
            "INPUT_TARGET": "",
            "INPUT_SARIF": "false",
            "INPUT_IGNORE_DEPRECATIONS": "false",
            **{f"INPUT_{k.upper()}": v for k, v in inputs.items()},
        }
        proc = subprocess.run(
            ["bash", "-e", "-c", script], env=variables, capture_output=True, text=True
        )
        pairs = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
        return pairs, proc

    app = str(SCAN / "app")
    outputs, proc = step(paths=f"{app} {SCAN / 'capacity.yaml'}", target="1.22", sarif="true")
    assert proc.returncode == 0, proc.stderr  # the step records the code; a later step fails
    assert outputs["exit-code"] == "3"
    assert "legacy-cart" in proc.stdout and "at Kubernetes 1.22" in proc.stderr
    results = json.loads(Path(outputs["sarif-file"]).read_text())["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"removed-api", "deprecated-api"}

    outputs, _ = step(paths=str(SCAN / "app" / "jobs.yaml"), target="1.22")
    assert outputs["exit-code"] == "2" and "sarif-file" not in outputs
    outputs, _ = step(
        paths=str(SCAN / "app" / "jobs.yaml"), target="1.22", ignore_deprecations="true"
    )
    assert outputs["exit-code"] == "0"
    inputs = set(action["inputs"])
    assert {"paths", "target", "output", "sarif"} <= inputs
