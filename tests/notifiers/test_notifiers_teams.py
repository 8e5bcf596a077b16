"""Teams: the Workflows envelope, Markdown neutralised in changelog text, 28 KB splitting, and
posting to a local server standing in for a Workflows webhook. The file notifier and the
registry are checked here too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from aksnews.errors import ConfigError
from aksnews.model.findings import Severity
from aksnews.notifiers.base import Failure, Message, NotifierError, Target, parse_retry_after
from aksnews.notifiers.file import FileNotifier
from aksnews.notifiers.registry import NOTIFIERS, describe, get_notifier
from aksnews.notifiers.teams import MAX_MESSAGE_BYTES, TeamsNotifier, encode, escape, link

from fault_server import Fault, client_timeout, fault_seen, fault_server, free_port
from notifier_cases import (
    HOSTILE,
    ITEM_ID,
    LONG_ENTRY,
    OUR_URL,
    alert,
    batch,
    digest,
    item,
    numbered_digest,
)

teams = TeamsNotifier(timeout=2)


def card(message: Message) -> dict[str, Any]:
    body = message.body
    assert isinstance(body, dict)
    assert body["type"] == "message"
    (attachment,) = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["contentUrl"] is None
    content: dict[str, Any] = attachment["content"]
    assert content["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert (content["type"], content["version"]) == ("AdaptiveCard", "1.4")
    assert len(encode(body)) < MAX_MESSAGE_BYTES
    for element in content["body"]:
        if element["type"] == "TextBlock":
            assert element["wrap"] is True
    return content


def texts(messages: tuple[Message, ...]) -> list[str]:
    return [e["text"] for m in messages for e in card(m)["body"] if e["type"] == "TextBlock"]


def test_short_digest_is_one_card() -> None:
    d = digest(("AKS releases", [item(1, label="GA", detail="Upgrade by July")]))
    (message,) = teams.render_digest(d)
    body = card(message)["body"]
    assert [e["text"] for e in body] == [
        escape(d.title),
        "1 item: AKS releases \\(1\\)",
        "AKS releases",
        f"**GA** item-0001 [source]({OUR_URL}#item-1)\n\nUpgrade by July",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[x](http://evil.example)", "\\[x\\]\\(http://evil.example\\)"),
        ("**bold** _it_ `code` ~x~", "\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\~x\\~"),
        ("<b>html</b> & \\", "\\<b\\>html\\</b\\> & \\\\"),
        ("- item\n1. first\n# head", "\\- item\n1\\. first\n\\# head"),
        ("v1.29.4 - fixed", "v1.29.4 - fixed"),
    ],
)
def test_escape_neutralises_markdown(text: str, expected: str) -> None:
    assert escape(text) == expected


def test_links_only_from_our_data() -> None:
    assert link("https://x.test/a (b)", "src [1]") == "[src \\[1\\]](https://x.test/a%20%28b%29)"
    assert link("javascript:alert(1)", "s") == ""
    # The finding's links: javascript:alert(1) first would be skipped, our own URL kept.
    hostile_first = alert(links=("javascript:alert(1)", OUR_URL))
    (message,) = teams.render_alerts(batch(hostile_first))
    (line,) = [t for t in texts((message,)) if "CRITICAL" in t]
    assert line.endswith(f" · [source]({OUR_URL})")
    assert "javascript" not in json.dumps(message.body)


def test_hostile_text_is_escaped_everywhere() -> None:
    d = digest(("Upstream " + HOSTILE, [item(1, HOSTILE, label="**x**", detail=HOSTILE)]))
    messages = teams.render_digest(d) + teams.render_alerts(batch(alert()))
    joined = "\n".join(texts(messages))
    assert "PodSecurityPolicy is removed in 1.25 Fix" in joined  # the alert is there
    for text in texts(messages):
        # Only our own markup: the changelog's link, bold and HTML stay text.
        assert "[x](" not in text and "**bold**" not in text and "<b>" not in text


def test_huge_digest_splits_under_28kb_without_losing_items() -> None:
    d = numbered_digest(300, per_section=70, text=LONG_ENTRY[:1500])
    messages = teams.render_digest(d)
    assert len(messages) > 10
    sizes = [len(encode(m.body)) for m in messages]
    assert max(sizes) < MAX_MESSAGE_BYTES
    assert sizes[1] > MAX_MESSAGE_BYTES * 0.9  # packed, not one item per message
    first = texts(messages[:1])
    assert not any(ITEM_ID.search(t) for t in first) and "300 items" in first[1]
    found = [int(n) for t in texts(messages) for n in ITEM_ID.findall(t)]
    assert sorted(found) == list(range(300))
    assert texts(messages[1:2])[0].endswith(f"\\({1}/{len(messages) - 1}\\)")


def test_long_entry_is_cut_and_keeps_its_link() -> None:
    d = digest(("AKS releases", [item(7, LONG_ENTRY * 3)]))
    (message,) = teams.render_digest(d)
    text = card(message)["body"][3]["text"]
    assert text.endswith(f"… [source]({OUR_URL}#item-7)")
    assert len(json.dumps(text, ensure_ascii=False).encode()) <= 6000


def test_alert_card_marks_escalations_and_critical() -> None:
    warning = alert(key="fedcba9876543210", severity=Severity.WARNING, title="Quota is low")
    (message,) = teams.render_alerts(batch(alert(escalated=True), warning))
    body = card(message)["body"]
    assert body[0]["text"] == "2 alerts for payments" and body[0]["color"] == "Attention"
    first, second = [e["text"] for e in body if e.get("separator")]
    assert first.startswith("**CRITICAL** (escalated) policy/v1beta1 PodSecurityPolicy")
    assert "on **prod-east** · deadline 2024-07-01 · **Do:** Migrate" in first
    assert second.startswith("**WARNING** Quota is low")  # new: not marked
    (only_warning,) = teams.render_alerts(batch(warning))
    assert card(only_warning)["body"][0]["color"] == "Warning"


def test_huge_alert_batch_splits_under_28kb_listing_every_finding_once() -> None:
    alerts = [alert(key=f"{n:016x}", title=f"finding-{n:03d} " + LONG_ENTRY) for n in range(60)]
    messages = teams.render_alerts(batch(*alerts))
    assert len(messages) > 1
    assert max(len(encode(m.body)) for m in messages) < MAX_MESSAGE_BYTES
    found = [t.split("finding-")[1][:3] for t in texts(messages) if "finding-" in t]
    assert found == [f"{n:03d}" for n in range(60)]


# -- posting ----------------------------------------------------------------------------

PATH = "/workflows/123/triggers/manual/paths/invoke"


def hook(httpserver: HTTPServer) -> Target:
    return Target(url=httpserver.url_for(PATH) + "?sig=secret")


@pytest.mark.parametrize("status", [202, 200])
def test_post_sends_the_envelope(httpserver: HTTPServer, status: int) -> None:
    httpserver.expect_request(PATH, method="POST", query_string="sig=secret").respond_with_data(
        "", status=status
    )
    messages = teams.render_digest(numbered_digest(40))
    assert [teams.post(m, hook(httpserver)).status for m in messages] == [status] * len(messages)
    sent = [json.loads(r.get_data()) for r, _ in httpserver.log]
    assert sent == [m.body for m in messages]
    assert httpserver.log[0][0].headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("header", ["7", "Wed, 21 Oct 2026 07:28:00 GMT"])
def test_429_is_rate_limited_with_either_retry_after(httpserver: HTTPServer, header: str) -> None:
    httpserver.expect_request(PATH).respond_with_data(
        "", status=429, headers={"Retry-After": header}
    )
    (message,) = teams.render_alerts(batch())
    with pytest.raises(NotifierError) as caught:
        teams.post(message, hook(httpserver))
    assert caught.value.failure is Failure.RATE_LIMITED
    assert caught.value.retry_after == parse_retry_after(header) is not None
    assert len(httpserver.log) == 1


@pytest.mark.parametrize(
    ("status", "failure"),
    [
        (500, Failure.NOT_SENT),
        (503, Failure.NOT_SENT),
        (408, Failure.NOT_SENT),
        (502, Failure.MAY_HAVE_ARRIVED),
        (504, Failure.MAY_HAVE_ARRIVED),
        (400, Failure.REJECTED),
        (401, Failure.REJECTED),
        (403, Failure.REJECTED),
        (404, Failure.REJECTED),
        (302, Failure.REJECTED),
    ],
)
def test_answers_are_classified_after_one_attempt(
    httpserver: HTTPServer, status: int, failure: Failure
) -> None:
    httpserver.expect_request(PATH).respond_with_data("bad", status=status)
    (message,) = teams.render_alerts(batch())
    with pytest.raises(NotifierError, match=f"HTTP {status}") as caught:
        teams.post(message, hook(httpserver))
    assert caught.value.failure is failure
    assert "sig=" not in str(caught.value)
    assert len(httpserver.log) == 1


@pytest.mark.parametrize("fault", [Fault.HANG, Fault.RESET, Fault.BROKEN], ids=lambda f: f.value)
def test_written_then_lost_may_have_arrived(fault: Fault) -> None:
    (message,) = teams.render_alerts(batch())
    with fault_server() as server:
        server.script(PATH, fault)
        with pytest.raises(NotifierError) as caught:
            TeamsNotifier(timeout=client_timeout(fault)).post(
                message, Target(url=server.url(PATH) + "?sig=s")
            )
        assert caught.value.failure is Failure.MAY_HAVE_ARRIVED
        assert fault_seen(caught.value) is fault
        assert len(server.wait_for_posts(1)) == 1


def test_refused_and_tls_failures_were_not_sent() -> None:
    (message,) = teams.render_alerts(batch())
    with pytest.raises(NotifierError) as refused:
        teams.post(message, Target(url=f"http://127.0.0.1:{free_port()}{PATH}"))
    assert refused.value.failure is Failure.NOT_SENT
    with fault_server() as server:  # TLS to a plain HTTP server: the handshake fails
        with pytest.raises(NotifierError) as tls:
            teams.post(message, Target(url=f"https://127.0.0.1:{server.port}{PATH}"))
        assert tls.value.failure is Failure.NOT_SENT
        assert server.posts == []


def test_no_url_is_permanent() -> None:
    (message,) = teams.render_alerts(batch())
    with pytest.raises(NotifierError) as caught:
        teams.post(message, Target(token="x"))
    assert caught.value.permanent


# -- file notifier and registry ---------------------------------------------------------


def test_file_notifier_writes_json_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "dry-run.jsonl"
    notifier = FileNotifier()
    (d,) = notifier.render_digest(digest(("AKS releases", [item(1, HOSTILE)])))
    (a,) = notifier.render_alerts(batch())
    (slack_message,) = get_notifier("slack").render_alerts(batch())
    for message in (d, a, slack_message):
        notifier.post(message, Target(url=str(out)))
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["body"].get("kind") for line in lines] == ["digest", "alerts", None]
    assert lines[0]["body"]["sections"][0]["items"][0]["text"] == f"item-0001 {HOSTILE}"
    assert lines[1]["body"]["title"] == "1 alert for payments"
    assert lines[1]["body"]["alerts"][0]["finding"]["key"] == alert().finding.key
    assert lines[2]["body"] == slack_message.body
    notifier.post(a, Target(url="-"))
    alerts = json.loads(capsys.readouterr().out)["body"]["alerts"]
    assert alerts[0]["finding"]["severity"] == "critical"
    with pytest.raises(NotifierError):
        notifier.post(a, Target(url=str(tmp_path / "missing" / "x.jsonl")))


def test_registry_lists_every_notifier() -> None:
    assert describe() == [
        (
            "slack",
            "Slack Block Kit, by incoming webhook or bot token + channel (threads a long digest).",
        ),
        (
            "teams",
            "Microsoft Teams Adaptive Cards (1.4) to a Workflows webhook; long digests split.",
        ),
        ("file", "JSON lines to a file, or to stdout with '-': what would be sent, for dry runs."),
    ]
    for name, cls in NOTIFIERS.items():
        assert cls.name == name
        assert get_notifier(name).name == name
    with pytest.raises(ConfigError, match="unknown notifier 'email'"):
        get_notifier("email")
