"""Under CI a test whose tool is missing fails instead of skipping (tests/conftest.py).

The Adaptive Card, Chromium and Playwright tests skip on a developer's machine without their
tool; in CI that would silently stop testing what they name. Each is run here in a pytest
subprocess with CI set and the tool made unavailable: Chromium taken off PATH, the playwright
package blocked from import, the npm renderer left out of a copy of tests/. Every one of them
must fail, with its skip reason in the failure, and none may skip or pass.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from corpus import corpus_path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
# Runs pytest with the playwright package unimportable, as on a machine without it.
WITHOUT_PLAYWRIGHT = (
    "import sys\n"
    "sys.modules['playwright'] = None\n"
    "sys.modules['playwright.sync_api'] = None\n"
    "import pytest\n"
    "sys.exit(pytest.main(sys.argv[1:]))\n"
)
CARD = "notifiers/test_notifiers_card.py::test_alert_batch_card_parses_and_renders"
BROWSER = "web/test_web_browser.py"
DIGEST = "deliver/test_digest.py::test_html_golden_renders_in_chromium"


def _run_under_ci(tests: Path, node_ids: list[str], cwd: Path, *, playwright: bool) -> str:
    """pytest on `node_ids` under `tests` with CI set and no chromium on PATH. `cwd` is outside
    the checkout: Python puts it first on sys.path, and the checkout's aksnews/ folder is not the
    installed package."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AKSNEWS_")}
    env["CI"] = "true"
    env["PATH"] = str(Path(sys.executable).parent)  # the venv's tools, no /usr/bin/chromium
    env["AKSNEWS_CORPUS"] = str(corpus_path("aks/CHANGELOG.md").parents[1])
    assert shutil.which("chromium", path=env["PATH"]) is None
    command = [sys.executable, "-c", WITHOUT_PLAYWRIGHT] if not playwright else [sys.executable]
    if playwright:
        command += ["-m", "pytest"]
    done = subprocess.run(
        [
            *command,
            "-rA",
            "-p",
            "no:cacheprovider",
            "--continue-on-collection-errors",
            *(str(tests / n) for n in node_ids),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )
    return done.stdout + done.stderr


def _not_passing(output: str) -> int:
    """Tests that failed or errored (a skip at setup turned into a failure is an error), from
    pytest's last line; asserts that none passed or skipped."""
    last = output.strip().splitlines()[-1]
    summary = {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", last)}
    assert not {"passed", "skipped", "xfailed"} & summary.keys(), output
    return summary.get("failed", 0) + summary.get("error", 0) + summary.get("errors", 0)


def test_missing_tools_fail_under_ci(tmp_path: Path) -> None:
    """Nothing installed: no chromium, no playwright, no npm renderer (a copy of tests/
    without tests/js/node_modules)."""
    copy = tmp_path / "checkout"
    shutil.copytree(TESTS, copy / "tests", ignore=shutil.ignore_patterns("node_modules"))
    shutil.copy(REPO / "pyproject.toml", copy / "pyproject.toml")
    output = _run_under_ci(copy / "tests", [CARD, BROWSER, DIGEST], copy, playwright=False)
    assert _not_passing(output) == 3, output
    assert output.count("skipped under CI") >= 3, output
    assert "tests/js/node_modules missing" in output  # the card test's own reason
    assert "the playwright package is not installed" in output
    assert "chromium not installed" in output  # the digest's Chromium test


def test_missing_chromium_fails_under_ci(tmp_path: Path) -> None:
    """Everything but chromium: the card and browser tests fail on their Chromium check."""
    browser = f"{BROWSER}::test_search_filter_release_and_permalink"
    output = _run_under_ci(TESTS, [CARD, browser], tmp_path, playwright=True)
    assert _not_passing(output) == 2, output
    assert output.count("chromium is not on PATH") >= 2, output
