"""`aksnews serve --web`: the scheduler and the web archive in one process, stopped by SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from corpus import corpus_path

AKSNEWS = str(Path(sys.executable).parent / "aksnews")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_with_web_answers_and_stops_cleanly(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "AKSNEWS_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        # Every source from the local corpus: no network, and the poll finishes quickly.
        "AKSNEWS_AKS_URL": corpus_path("aks/CHANGELOG-2024-03-22.md").as_uri(),
        "AKSNEWS_AKS_CALENDAR_URL": corpus_path(
            "docs/aks-supported-kubernetes-versions.md"
        ).as_uri(),
        "AKSNEWS_DEPRECATION_GUIDE_URL": corpus_path("docs/deprecation-guide.md").as_uri(),
        "AKSNEWS_KUBERNETES_SCHEDULE_URL": corpus_path(
            "kubernetes/schedule/schedule.yaml"
        ).as_uri(),
        "AKSNEWS_KUBERNETES_URL": (tmp_path / "CHANGELOG-{minor}.md").as_uri(),
        "AKSNEWS_FETCH_RETRIES": "0",
    }
    proc = subprocess.Popen(
        [AKSNEWS, "serve", "--web", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert status == 200, proc.stderr.read().decode() if proc.poll() is not None else status
        # The poll stores what it fetched; the web archive shows it.
        deadline = time.monotonic() + 30
        releases: list[object] = []
        while time.monotonic() < deadline and not releases:
            releases = httpx.get(f"http://127.0.0.1:{port}/api/releases", timeout=5).json()
            time.sleep(0.2)
        assert releases
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    assert code == 0
