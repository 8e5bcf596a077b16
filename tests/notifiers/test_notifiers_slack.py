"""Slack: Block Kit rendering within the documented limits, escaping of changelog text, and
posting to a local server standing in for an incoming webhook and for the Web API."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from aksnews.model.findings import Severity
from aksnews.notifiers.base import Failure, Message, NotifierError, RetryAfter, Target
from aksnews.notifiers.slack import SlackNotifier, escape, link

from fault_server import Fault, client_timeout, fault_seen, fault_server, free_port
from notifier_cases import (
    HOSTILE,
    ITEM_ID,
    LONG_ENTRY,
    OUR_URL,
    alert,
    assert_slack_limits,
    batch,
    digest,
    item,
    numbered_digest,
    slack_texts,
)

OUR_LINK = re.compile(r"<(https://[^|<>\s]+)\|[^<>|]+>")


@pytest.fixture
def slack() -> SlackNotifier:
    return SlackNotifier(timeout=2)


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any time.sleep (slack-sdk's retry handlers call it) fails the test at once: a check that
    nothing waits out a Retry-After, without timing anything."""

    def refuse(seconds: float) -> None:
        raise AssertionError(f"slept {seconds} s")

    monkeypatch.setattr(time, "sleep", refuse)


def all_texts(messages: tuple[Message, ...]) -> list[str]:
    return [t for m in messages for t in slack_texts(m.body)]  # type: ignore[arg-type]


def items_in(messages: tuple[Message, ...]) -> list[int]:
    return [int(n) for t in all_texts(messages) for n in ITEM_ID.findall(t)]


# -- rendering --------------------------------------------------------------------------


def test_short_digest_is_one_message_with_summary_first(slack: SlackNotifier) -> None:
    d = digest(("AKS releases", [item(1, label="GA"), item(2, detail="Upgrade by July")]))
    (message,) = slack.render_digest(d)
    body = message.body
    assert isinstance(body, dict)
    assert_slack_limits(body)
    assert body["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": d.title},
    }
    assert body["blocks"][1]["text"]["text"] == "2 items: AKS releases (2)"
    assert body["blocks"][3]["text"]["text"] == f"*GA* item-0001 <{OUR_URL}#item-1|source>"
    assert body["blocks"][4]["text"]["text"].endswith("\nUpgrade by July")
    assert not message.thread


def test_empty_digest_says_so_in_one_line(slack: SlackNotifier) -> None:
    (message,) = slack.render_digest(digest())
    assert isinstance(message.body, dict)
    assert_slack_limits(message.body)
    assert [b["type"] for b in message.body["blocks"]] == ["header", "section"]
    assert message.body["blocks"][1]["text"]["text"] == "Nothing new this period."


def test_changelog_text_cannot_ping_mention_or_link(slack: SlackNotifier) -> None:
    d = digest(("Upstream", [item(1, HOSTILE, label="<!here>", detail=HOSTILE)]))
    messages = slack.render_digest(d) + slack.render_alerts(batch())
    for text in all_texts(messages):
        # Every '<' left is one of our own links; the hostile ones are inert entities.
        assert re.sub(OUR_LINK, "", text).count("<") == 0, text
        assert "&lt;!channel&gt;" in text or "channel" not in text
    joined = "\n".join(all_texts(messages))
    assert "&lt;@U123&gt;" in joined
    assert "&lt;http://evil.example|click here&gt;" in joined
    assert " &amp; " in joined
    assert "<!" not in joined and "<@" not in joined and "<http://evil" not in joined
    links = {m.group(1) for t in all_texts(messages) for m in OUR_LINK.finditer(t)}
    assert links == {f"{OUR_URL}#item-1", OUR_URL}  # the alert's first link: its source
    # A javascript: link of a finding is never a link, even when it comes first.
    (first_bad,) = slack.render_alerts(batch(alert(links=("javascript:alert(1)", OUR_URL))))
    assert "javascript" not in json.dumps(first_bad.body)
    assert any(t.endswith(f" · <{OUR_URL}|source>") for t in all_texts((first_bad,)))


@pytest.mark.parametrize(
    ("url", "label", "expected"),
    [
        ("https://x.test/a", "a|b<c>", "<https://x.test/a|a b&lt;c&gt;>"),
        ("https://x.test/a|b>c", "s", "<https://x.test/a%7Cb%3Ec|s>"),
        ("javascript:alert(1)", "s", ""),
        (None, "s", ""),
    ],
)
def test_links_are_ours_and_labels_escaped(url: str | None, label: str, expected: str) -> None:
    assert link(url, label) == expected


def test_escape_never_leaves_a_raw_angle_or_ampersand() -> None:
    assert escape("a&b<c>&amp;") == "a&amp;b&lt;c&gt;&amp;amp;"


def test_sixty_items_split_into_thread_messages_without_loss(slack: SlackNotifier) -> None:
    d = numbered_digest(60)
    messages = slack.render_digest(d)
    assert len(messages) >= 3  # the summary, then at least two of sections
    for message in messages:
        assert isinstance(message.body, dict)
        assert_slack_limits(message.body)
    first, *rest = messages
    assert not first.thread and all(m.thread for m in rest)
    assert items_in((first,)) == []  # the first message is only the summary
    assert "60 items" in first.body["blocks"][1]["text"]["text"]  # type: ignore[index]
    assert sorted(items_in(messages)) == list(range(60))  # each item once, none lost
    # A section carried over to the next message repeats its heading.
    headings = [b["text"]["text"] for m in rest for b in m.body["blocks"][:1]]  # type: ignore[index]
    assert headings[0] == "*Section 1*"
    assert any(h.endswith("(continued)*") for h in headings[1:])


def test_long_entry_is_cut_with_ellipsis_and_keeps_its_link(slack: SlackNotifier) -> None:
    assert len(LONG_ENTRY) == 5000
    d = digest(("AKS releases", [item(7, LONG_ENTRY, label="Preview", detail="x" * 900)]))
    (message,) = slack.render_digest(d)
    assert isinstance(message.body, dict)
    assert_slack_limits(message.body)
    text = message.body["blocks"][3]["text"]["text"]
    assert len(text) == 3000
    body, _, detail = text.partition("\n")
    assert body.endswith(f"… <{OUR_URL}#item-7|source>")
    assert body.startswith("*Preview* item-0007 Long entry word")
    assert len(detail) <= 500 and detail.endswith("…")


def test_long_team_name_and_title_stay_within_header_and_text_limits(
    slack: SlackNotifier,
) -> None:
    d = digest(("AKS releases", [item(1)]), team="t" * 400)
    huge = batch(alert(title="T" * 5000), team="t" * 400)
    messages = slack.render_digest(d) + slack.render_alerts(huge)
    for message in messages:
        assert isinstance(message.body, dict)
        assert_slack_limits(message.body)
        header = message.body["blocks"][0]["text"]["text"]
        assert len(header) == 150 and header.endswith("…")
    (line,) = [t for t in all_texts(messages[-1:]) if t.startswith("*CRITICAL*")]
    title = line.partition("\n")[0]
    assert title.endswith("T…") and len(title) <= 2 * 150 + len("*CRITICAL* ")


def test_huge_sections_and_items_in_one_digest(slack: SlackNotifier) -> None:
    sections = [
        (f"Section {s} " + "<!channel>" * 400, [item(s * 100 + n, LONG_ENTRY) for n in range(30)])
        for s in range(4)
    ]
    messages = slack.render_digest(digest(*sections))
    for message in messages:
        assert isinstance(message.body, dict)
        assert_slack_limits(message.body)
    assert sorted(items_in(messages)) == sorted(s * 100 + n for s in range(4) for n in range(30))


def test_alerts_of_a_run_are_one_message_and_mark_escalations(slack: SlackNotifier) -> None:
    warning = alert(key="fedcba9876543210", severity=Severity.WARNING, title="Quota is low")
    huge = alert(escalated=True, action="w" * 6000)
    (message,) = slack.render_alerts(batch(huge, warning))
    assert isinstance(message.body, dict)
    assert_slack_limits(message.body)
    types = [b["type"] for b in message.body["blocks"]]
    assert types == ["header", "context", "section", "section"]
    assert message.body["text"].startswith(
        "CRITICAL: 2 alerts for payments: policy/v1beta1 PodSecurityPolicy"
    )
    first, second = (b["text"]["text"] for b in message.body["blocks"][2:])
    assert first.startswith("*CRITICAL* (escalated) policy/v1beta1 PodSecurityPolicy")
    assert "on *prod-east* · deadline 2024-07-01 · *Do:* www" in first and "…" in first
    assert second.startswith("*WARNING* Quota is low")  # new: not marked


def test_sixty_alerts_split_into_thread_parts_listing_each_once(slack: SlackNotifier) -> None:
    alerts = [alert(key=f"{n:016x}", title=f"finding-{n:03d}") for n in range(60)]
    messages = slack.render_alerts(batch(*alerts))
    assert len(messages) == 2 and messages[1].thread and not messages[0].thread
    for message in messages:
        assert isinstance(message.body, dict)
        assert_slack_limits(message.body)
    lines = [
        b["text"]["text"] for m in messages for b in m.body["blocks"] if b["type"] == "section"
    ]  # type: ignore[index]
    found = re.findall(r"finding-(\d{3})", "\n".join(lines))
    assert found == [f"{n:03d}" for n in range(60)]


# -- posting: incoming webhook ----------------------------------------------------------


def hook(httpserver: HTTPServer) -> Target:
    return Target(url=httpserver.url_for("/services/T0/B0/secret"))


def posted(httpserver: HTTPServer) -> list[dict[str, Any]]:
    return [json.loads(request.get_data()) for request, _ in httpserver.log]


def test_webhook_posts_the_payload(slack: SlackNotifier, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/services/T0/B0/secret", method="POST").respond_with_data("ok")
    messages = slack.render_digest(numbered_digest(60))
    results = [slack.post(m, hook(httpserver)) for m in messages]
    assert [r.status for r in results] == [200] * len(messages)
    assert posted(httpserver) == [dict(m.body) for m in messages]  # type: ignore[call-overload]
    assert httpserver.log[0][0].headers["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    ("status", "body", "failure"),
    [
        (429, "rate_limited", Failure.RATE_LIMITED),
        (200, "ratelimited", Failure.RATE_LIMITED),
        (500, "rollup_error", Failure.NOT_SENT),
        (503, "", Failure.NOT_SENT),
        (502, "", Failure.MAY_HAVE_ARRIVED),
        (504, "", Failure.MAY_HAVE_ARRIVED),
        (400, "invalid_payload", Failure.REJECTED),
        (403, "action_prohibited", Failure.REJECTED),
        (404, "channel_not_found", Failure.REJECTED),
        (410, "channel_is_archived", Failure.REJECTED),
        # A 200 whose body is not 'ok' is a refusal, not a success.
        (200, "invalid_payload", Failure.REJECTED),
        (200, "no_text", Failure.REJECTED),
        (200, "", Failure.REJECTED),
    ],
)
def test_webhook_answers_are_classified_after_one_attempt(
    slack: SlackNotifier, httpserver: HTTPServer, status: int, body: str, failure: Failure
) -> None:
    httpserver.expect_request("/services/T0/B0/secret").respond_with_data(
        body, status=status, headers={"Retry-After": "0"}
    )
    (message,) = slack.render_alerts(batch())
    with pytest.raises(NotifierError) as caught:
        slack.post(message, hook(httpserver))
    assert caught.value.failure is failure
    assert f"HTTP {status}" in str(caught.value) and "secret" not in str(caught.value)
    assert len(httpserver.log) == 1  # no library retry, whatever the answer


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("30", RetryAfter(seconds=30)),
        (
            "Wed, 21 Oct 2026 07:28:00 GMT",
            RetryAfter(at=dt.datetime(2026, 10, 21, 7, 28, tzinfo=dt.UTC)),
        ),
    ],
)
@pytest.mark.usefixtures("no_sleep")
def test_webhook_rate_limit_carries_retry_after_in_both_forms(
    httpserver: HTTPServer, header: str, expected: RetryAfter
) -> None:
    httpserver.expect_request("/services/T0/B0/secret").respond_with_data(
        "rate_limited", status=429, headers={"Retry-After": header}
    )
    (message,) = SlackNotifier().render_alerts(batch())
    with pytest.raises(NotifierError) as caught:
        SlackNotifier().post(message, hook(httpserver))
    assert caught.value.failure is Failure.RATE_LIMITED
    assert caught.value.retry_after == expected
    assert len(httpserver.log) == 1


@pytest.mark.parametrize("fault", [Fault.HANG, Fault.RESET, Fault.BROKEN], ids=lambda f: f.value)
def test_webhook_written_then_lost_may_have_arrived(fault: Fault) -> None:
    slack = SlackNotifier(timeout=client_timeout(fault))
    (message,) = slack.render_alerts(batch())
    with fault_server() as server:
        server.script("/services/T0/B0/secret", fault)
        with pytest.raises(NotifierError) as caught:
            slack.post(message, Target(url=server.url("/services/T0/B0/secret")))
        assert caught.value.failure is Failure.MAY_HAVE_ARRIVED
        assert fault_seen(caught.value) is fault  # the client met this fault, not another
        assert len(server.wait_for_posts(1)) == 1


def test_unreachable_webhook_was_not_sent(slack: SlackNotifier) -> None:
    (message,) = slack.render_alerts(batch())
    with pytest.raises(NotifierError) as caught:
        SlackNotifier(timeout=1).post(message, Target(url=f"http://127.0.0.1:{free_port()}/x"))
    assert caught.value.failure is Failure.NOT_SENT


def test_target_without_destination_is_permanent(slack: SlackNotifier) -> None:
    (message,) = slack.render_alerts(batch())
    with pytest.raises(NotifierError) as caught:
        slack.post(message, Target(token="xoxb-1"))
    assert caught.value.permanent


# -- posting: bot token, chat.postMessage -----------------------------------------------


@pytest.fixture
def api(httpserver: HTTPServer) -> Iterator[list[dict[str, Any]]]:
    """chat.postMessage answering ok with a new ts each time; yields the calls received."""
    calls: list[dict[str, Any]] = []

    def answer(request: Request) -> Response:
        calls.append({"auth": request.headers.get("Authorization"), **request.get_json()})
        ts = f"1718000000.{len(calls):06d}"
        return Response(
            json.dumps({"ok": True, "channel": "C1", "ts": ts}),
            200,
            content_type="application/json",
        )

    httpserver.expect_request("/api/chat.postMessage", method="POST").respond_with_handler(answer)
    yield calls


def bot(httpserver: HTTPServer, **kw: Any) -> SlackNotifier:
    return SlackNotifier(api_url=httpserver.url_for("/api/"), timeout=2, **kw)


TOKEN_TARGET = Target(token="xoxb-test", channel="#payments-platform")


def test_bot_token_threads_the_rest_under_the_summary(
    httpserver: HTTPServer, api: list[dict[str, Any]]
) -> None:
    slack = bot(httpserver)
    messages = slack.render_digest(numbered_digest(60))
    first = slack.post(messages[0], TOKEN_TARGET)
    assert first.reference == "1718000000.000001"
    for message in messages[1:]:
        slack.post(message, TOKEN_TARGET, thread_ref=first.reference)
    assert len(api) == len(messages)
    assert all(c["auth"] == "Bearer xoxb-test" for c in api)
    assert all(c["channel"] == "#payments-platform" for c in api)
    assert "thread_ts" not in api[0]
    assert [c["thread_ts"] for c in api[1:]] == [first.reference] * (len(messages) - 1)
    assert [{"text": c["text"], "blocks": c["blocks"]} for c in api] == [m.body for m in messages]


@pytest.mark.parametrize(
    ("error", "status", "failure"),
    [
        ("channel_not_found", 200, Failure.REJECTED),
        ("invalid_auth", 200, Failure.REJECTED),
        ("invalid_blocks", 200, Failure.REJECTED),
        ("no_text", 200, Failure.REJECTED),
        ("internal_error", 200, Failure.MAY_HAVE_ARRIVED),
        ("fatal_error", 200, Failure.MAY_HAVE_ARRIVED),
        ("service_unavailable", 200, Failure.NOT_SENT),
        ("ratelimited", 429, Failure.RATE_LIMITED),
        ("ratelimited", 200, Failure.RATE_LIMITED),
    ],
)
def test_bot_token_errors(
    httpserver: HTTPServer, error: str, status: int, failure: Failure
) -> None:
    httpserver.expect_request("/api/chat.postMessage").respond_with_json(
        {"ok": False, "error": error}, status=status, headers={"Retry-After": "0"}
    )
    slack = bot(httpserver)
    (message,) = slack.render_alerts(batch())
    with pytest.raises(NotifierError, match=error) as caught:
        slack.post(message, TOKEN_TARGET)
    assert caught.value.failure is failure
    assert len(httpserver.log) == 1  # slack-sdk's retry handlers are off


def test_bot_token_server_error_is_one_attempt(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/chat.postMessage").respond_with_data("upstream", status=500)
    (message,) = bot(httpserver).render_alerts(batch())
    with pytest.raises(NotifierError) as caught:
        bot(httpserver).post(message, TOKEN_TARGET)
    assert caught.value.failure is Failure.NOT_SENT
    assert len(httpserver.log) == 1


@pytest.mark.usefixtures("no_sleep")
def test_bot_token_rate_limit_does_not_sleep(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/chat.postMessage").respond_with_json(
        {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "30"}
    )
    (message,) = bot(httpserver).render_alerts(batch())
    with pytest.raises(NotifierError) as caught:
        bot(httpserver).post(message, TOKEN_TARGET)
    assert caught.value.retry_after == RetryAfter(seconds=30)
    assert len(httpserver.log) == 1


def test_bot_token_refused_connection_was_not_sent() -> None:
    slack = SlackNotifier(api_url=f"http://127.0.0.1:{free_port()}/api/", timeout=2)
    (message,) = slack.render_alerts(batch())
    with pytest.raises(NotifierError) as caught:
        slack.post(message, TOKEN_TARGET)
    assert caught.value.failure is Failure.NOT_SENT


@pytest.mark.parametrize("fault", [Fault.HANG, Fault.RESET, Fault.BROKEN], ids=lambda f: f.value)
def test_bot_token_written_then_lost_may_have_arrived(fault: Fault) -> None:
    with fault_server() as server:
        server.script("/api/chat.postMessage", fault)
        slack = SlackNotifier(api_url=server.url("/api/"), timeout=client_timeout(fault))
        (message,) = slack.render_alerts(batch())
        with pytest.raises(NotifierError) as caught:
            slack.post(message, TOKEN_TARGET)
        assert caught.value.failure is Failure.MAY_HAVE_ARRIVED
        assert fault_seen(caught.value) is fault
        assert len(server.wait_for_posts(1)) == 1
