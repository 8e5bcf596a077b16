"""`pip install -e .` in pip's default (lenient) editable mode gives a working aksnews.

In that mode aksnews.alembic, aksnews.parsers and friends are mapped by an import hook, not by
links inside aksnews/, so the migrations must be found through the package system. The test
installs a copy of the checkout into a fresh venv (the dependencies come from the test venv's
site-packages through a .pth file, so nothing is downloaded but the build backend pip's build
isolation asks for from the configured index) and runs an ingest into a new database.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from corpus import corpus_path

REPO = Path(__file__).resolve().parent.parent
SOURCES = ("aksnews", "parsers", "notifiers", "templates", "alembic", "pyproject.toml", "README.md")


@pytest.mark.slow
def test_default_editable_install_runs_an_ingest(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    for name in SOURCES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, checkout / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, checkout / name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    pip = [sys.executable, "-m", "pip", "--python", str(python), "--disable-pip-version-check"]
    install = subprocess.run(
        [*pip, "install", "--quiet", "--no-deps", "-e", str(checkout)],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr
    assert not (checkout / "build").exists()  # not the strict mode's link tree

    env = {k: v for k, v in os.environ.items() if not k.startswith("AKSNEWS_")}
    db = f"sqlite:///{tmp_path / 'fresh.db'}"
    guide = str(corpus_path("docs/deprecation-guide.md"))
    proc = subprocess.run(
        [str(venv / "bin" / "aksnews"), "--db", db, "ingest", guide, "-s", "deprecation-guide"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "release sections" in proc.stdout
    # The code that ran is the copy's, through the lenient import hook.
    where = subprocess.run(
        [
            str(python),
            "-c",
            "import aksnews.alembic, aksnews.parsers; print(aksnews.alembic.__file__)",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    ).stdout
    assert where.startswith(str(checkout / "alembic"))
