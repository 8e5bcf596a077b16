"""Hand-built digests and alerts for the notifier tests, and the Slack limits checker.

The digest builder is tested on its own; here the values are built by hand so each rendering
limit can be hit on purpose.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from aksnews.model.findings import Finding, Rule, Severity
from aksnews.model.messages import Alert, AlertBatch, Digest, DigestItem, DigestSection

OUR_URL = "https://github.com/Azure/AKS/releases/tag/2024-06-09"
# Changelog text that tries to ping, mention, inject links and format.
HOSTILE = (
    "Fix <!channel> ping, <@U123> mention & <http://evil.example|click here> "
    "[x](http://evil.example) **bold** _it_ <b>html</b>"
)
LONG_ENTRY = ("Long entry " + "word " * 998 + HOSTILE)[:5000]
ITEM_ID = re.compile(r"item-(\d{4})\b")
GENERATED = dt.datetime(2024, 6, 10, 9, 0, tzinfo=dt.UTC)


def item(n: int, text: str = "", **kw: Any) -> DigestItem:
    """An item tagged item-NNNN, so a test can count which items reached the messages."""
    kw.setdefault("url", f"{OUR_URL}#item-{n}")
    return DigestItem(text=f"item-{n:04d} {text}".rstrip(), **kw)


def digest(*sections: tuple[str, list[DigestItem]], team: str = "payments") -> Digest:
    return Digest(
        team=team,
        period_start=dt.date(2024, 6, 3),
        period_end=dt.date(2024, 6, 10),
        generated_at=GENERATED,
        sections=tuple(
            DigestSection(key=title.lower().replace(" ", "-"), title=title, items=tuple(items))
            for title, items in sections
        ),
    )


def numbered_digest(count: int, per_section: int = 25, text: str = "") -> Digest:
    sections = []
    for start in range(0, count, per_section):
        items = [item(n, text, label="GA") for n in range(start, min(count, start + per_section))]
        sections.append((f"Section {start // per_section + 1}", items))
    return digest(*sections)


def alert(escalated: bool = False, **changes: Any) -> Alert:
    fields: dict[str, Any] = {
        "key": "0123456789abcdef",
        "rule": Rule.REMOVED_API,
        "severity": Severity.CRITICAL,
        "cluster": "prod-east",
        "team": "payments",
        "title": "policy/v1beta1 PodSecurityPolicy is removed in 1.25 " + HOSTILE,
        "why": "Used by k8s/psp.yaml & removed upstream " + HOSTILE,
        "action": "Migrate to Pod Security Admission <@U123>",
        "subject": "policy/v1beta1 PodSecurityPolicy",
        "locations": ("k8s/psp.yaml:1 (manifest)", "<!here> weird/path.yaml:3"),
        "deadline": dt.date(2024, 7, 1),
        "links": (
            OUR_URL,
            "javascript:alert(1)",
            "https://github.com/kubernetes/kubernetes/pull/1",
        ),
    }
    fields.update(changes)
    return Alert(team="payments", finding=Finding(**fields), escalated=escalated)


def batch(*alerts: Alert, team: str = "payments", **changes: Any) -> AlertBatch:
    """The run's alert message of one team, as production renders it (one alert by default)."""
    return AlertBatch(team=team, alerts=alerts or (alert(),), generated_at=GENERATED, **changes)


def slack_texts(body: Mapping[str, Any]) -> list[str]:
    """Every mrkdwn/plain text of a Slack message, top-level text first."""
    texts = [body["text"]]
    for block in body["blocks"]:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts.extend(e["text"] for e in block.get("elements", ()) if "text" in e)
        texts.extend(f["text"] for f in block.get("fields", ()))
    return texts


def assert_slack_limits(body: Mapping[str, Any]) -> None:
    """The documented limits of chat.postMessage and Block Kit
    (https://api.slack.com/reference/block-kit/blocks)."""
    assert set(body) <= {"text", "blocks"}
    assert isinstance(body["text"], str) and 0 < len(body["text"]) <= 4000
    blocks = body["blocks"]
    assert 0 < len(blocks) <= 50
    for block in blocks:
        assert len(block.get("block_id", "")) <= 255
        kind = block["type"]
        if kind == "header":
            assert block["text"]["type"] == "plain_text"
            assert 0 < len(block["text"]["text"]) <= 150
        elif kind == "section":
            assert block["text"]["type"] in {"mrkdwn", "plain_text"}
            assert 0 < len(block["text"]["text"]) <= 3000
            assert len(block.get("fields", ())) <= 10
            assert all(len(f["text"]) <= 2000 for f in block.get("fields", ()))
        elif kind == "context":
            assert 0 < len(block["elements"]) <= 10
            assert all(0 < len(e["text"]) <= 3000 for e in block["elements"])
        else:
            assert kind == "divider", kind
