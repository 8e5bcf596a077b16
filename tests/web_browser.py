"""What the browser tests of the web archive share: the app served by uvicorn on a free loopback
port, and Debian's headless Chromium driven by the Playwright package (executable_path: the
Playwright browser download is never used)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

# Found on PATH (/usr/bin/chromium on Debian), so that a run without it on PATH skips here and
# fails under CI (tests/test_ci_skips.py shows it).
CHROMIUM = Path(shutil.which("chromium") or "/nonexistent/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUTPUT = Path(__file__).parents[1] / "test-output"
TIMEOUT_MS = 10_000

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="chromium is not on PATH (apt-get install chromium)",
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def served(app: Any) -> Iterator[str]:
    """The app served by uvicorn in a thread on 127.0.0.1; its base URL until the block ends."""
    import uvicorn

    config = uvicorn.Config(
        app, host="127.0.0.1", port=free_port(), log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium(playwright_sync: Any) -> Iterator[Any]:
    with playwright_sync.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: Any, name: str) -> Path:
    """The first viewport of the page as test-output/web-NAME.png."""
    OUTPUT.mkdir(exist_ok=True)
    path = OUTPUT / f"web-{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
