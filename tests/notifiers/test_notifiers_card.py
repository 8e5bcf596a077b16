"""Teams cards checked by the real renderer: the npm package adaptivecards (3.x) parses and
renders each generated card in headless Chromium, with markdown-it processing TextBlocks.

Needs `npm ci --prefix tests/js` and the Debian package chromium (.ci/run installs both).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from aksnews.notifiers.base import Message
from aksnews.notifiers.teams import TeamsNotifier

from notifier_cases import HOSTILE, LONG_ENTRY, OUR_URL, alert, digest, item

JS = Path(__file__).parent.parent / "js"
# Found on PATH (/usr/bin/chromium on Debian), so that a run without it on PATH skips here and
# fails under CI (tests/test_ci_skips.py shows it).
CHROMIUM = Path(shutil.which("chromium") or "/nonexistent/chromium")
OUTPUT = Path(__file__).parents[2] / "test-output"
RESULT = re.compile(r'<pre id="result"[^>]*>(.*?)</pre>', re.S)

pytestmark = [
    pytest.mark.skipif(
        not (JS / "node_modules" / "adaptivecards").is_dir(),
        reason="tests/js/node_modules missing: run `npm ci --prefix tests/js`",
    ),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="chromium is not on PATH: apt-get install chromium"
    ),
]


def chromium(profile: Path, *args: str) -> str:
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--allow-file-access-from-files",
        f"--user-data-dir={profile}",
        "--window-size=800,1200",
        *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    return done.stdout


def render(message: Message, tmp_path: Path, screenshot: Path | None = None) -> dict[str, Any]:
    """Parse and render the card of one message; the page's result marker as a dict."""
    assert isinstance(message.body, dict)
    content = message.body["attachments"][0]["content"]
    card_js = tmp_path / "card.js"
    card_js.write_text(f"window.CARD = {json.dumps(content)};\n", encoding="utf-8")
    page = f"{(JS / 'render_card.html').as_uri()}?card={card_js}"
    dom = chromium(tmp_path / "profile", "--virtual-time-budget=5000", "--dump-dom", page)
    if screenshot is not None:
        chromium(tmp_path / "profile", f"--screenshot={screenshot}", page)
    found = RESULT.search(dom)
    assert found, dom[-2000:]
    result: dict[str, Any] = json.loads(
        found.group(1)
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
    )
    return result


def test_digest_card_parses_and_renders(tmp_path: Path) -> None:
    d = digest(
        ("AKS releases " + HOSTILE, [item(1, HOSTILE, label="GA", detail=HOSTILE), item(2)]),
        ("Upstream", [item(3, LONG_ENTRY, label="deprecation")]),
    )
    (message,) = TeamsNotifier().render_digest(d)
    OUTPUT.mkdir(exist_ok=True)
    shot = OUTPUT / "teams-card.png"
    result = render(message, tmp_path, shot)
    assert result["errors"] == [] and result["warnings"] == []
    assert result["rendered"]
    # Only our links became links; the changelog's Markdown and HTML show as text.
    assert result["links"] == [f"{OUR_URL}#item-{n}" for n in (1, 2, 3)]
    assert "[x](http://evil.example) **bold** _it_ <b>html</b>" in result["text"]
    assert shot.stat().st_size > 10_000


@pytest.mark.parametrize("team", ["payments", "docs", "search", "retail"])
def test_golden_digest_cards_parse_and_render(team: str, tmp_path: Path) -> None:
    """The golden Teams digests of tests/deliver/test_digest.py, through the real renderer."""
    golden = Path(__file__).parent.parent / "golden" / f"digest-{team}.teams.json"
    (body,) = json.loads(golden.read_text(encoding="utf-8"))
    result = render(Message(body), tmp_path)
    assert result["errors"] == [] and result["warnings"] == []
    assert result["rendered"]
    assert "Action needed" in result["text"]


def test_alert_batch_card_parses_and_renders(tmp_path: Path) -> None:
    import datetime as dt

    from aksnews.model.messages import AlertBatch

    one = alert()
    escalated = alert(escalated=True, key="fedcba9876543210")
    batch = AlertBatch(
        team=one.team,
        alerts=(one, escalated),
        generated_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
        first_run=True,
        standing=(("critical", 2),),
        more=3,
        more_url=OUR_URL,
    )
    (message,) = TeamsNotifier().render_alerts(batch)
    result = render(message, tmp_path)
    assert result["errors"] == [] and result["warnings"] == []
    assert result["rendered"]
    assert "Open findings: 2 critical" in result["text"]
    assert OUR_URL in result["links"]
    # The changelog's mention, link and HTML in a finding show as text, never as markup.
    assert "<@U123>" in result["text"] and "[x](http://evil.example)" in result["text"]
    assert "<b>html</b>" in result["text"] and "http://evil.example" not in result["links"]
    assert "CRITICAL (escalated) policy/v1beta1" in result["text"]
