"""One alert message per team and channel per run: twelve critical findings on two channels,
posted to real local Slack and Teams webhooks through the outbox; again nothing; an escalation
one message with that finding; a new team's first run one summary; the cap with its link.
On SQLite and PostgreSQL (the `engine` fixture)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine

from aksnews.config import Settings
from aksnews.model.findings import Finding, Rule, Severity, finding_key
from aksnews.model.inventory import Cluster, Inventory, SecretRef, Team
from aksnews.service import cycle
from aksnews.store.handle import Archive
from aksnews.store.inventory import replace_origin

NOW = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)


def _teams(server: HTTPServer) -> tuple[Team, ...]:
    def hooks(name: str) -> dict[str, Any]:
        return {
            "slack_webhook": SecretRef(literal=server.url_for(f"/{name}/slack")),
            "teams_webhook": SecretRef(literal=server.url_for(f"/{name}/teams")),
        }

    return (Team("payments", **hooks("payments")), Team("platform", **hooks("platform")))


# prod is the payments team's and, as second owner, the platform team's.
CLUSTERS = (Cluster("prod", teams=("payments", "platform")),)


def _finding(n: int, severity: Severity = Severity.CRITICAL) -> Finding:
    subject = f"example.io/v1beta{n} Widget"
    return Finding(
        key=finding_key(Rule.REMOVED_API, "prod", None, subject),
        rule=Rule.REMOVED_API,
        severity=severity,
        cluster="prod",
        team="payments",
        title=f"{subject} is removed in 1.33",
        why=f"used at k8s/widget-{n}.yaml:3",
        action=f"Move k8s/widget-{n}.yaml to example.io/v1.",
        subject=subject,
    )


@pytest.fixture
def hooks(httpserver: HTTPServer, engine: Engine) -> HTTPServer:
    for team in ("payments", "platform"):
        httpserver.expect_request(f"/{team}/slack", method="POST").respond_with_data("ok")
        httpserver.expect_request(f"/{team}/teams", method="POST").respond_with_data("", 202)
    replace_origin(
        engine, "file:inventory.yaml", collected_at=NOW, teams=_teams(httpserver), clusters=CLUSTERS
    )
    return httpserver


def _inventory(server: HTTPServer) -> Inventory:
    return Inventory(teams=_teams(server), clusters=CLUSTERS)


def _run(
    engine: Engine, server: HTTPServer, findings: list[Finding], now: dt.datetime, **kw: Any
) -> dict[str, list[str]]:
    """One run: alert the findings, deliver the outbox; what each webhook received."""
    sent = len(server.log)
    cycle.alert_findings(Archive(engine), _inventory(server), tuple(findings), now, **kw)
    cycle.send(Archive(engine), Settings(), now)
    posts: dict[str, list[str]] = {}
    for request, _ in server.log[sent:]:
        posts.setdefault(request.path, []).append(request.get_data(as_text=True))
    return posts


def _content(body: str) -> str:
    """A posted body without Slack's notification text (which names the first finding)."""
    payload = json.loads(body)
    return json.dumps(payload.get("blocks", payload) if isinstance(payload, dict) else payload)


def _listed(body: str) -> list[str]:
    """The finding subjects a posted body lists."""
    text = _content(body)
    return [f"example.io/v1beta{n} Widget" for n in range(1, 70) if f"v1beta{n} Widget" in text]


def test_twelve_criticals_two_channels_one_message_each(engine: Engine, hooks: HTTPServer) -> None:
    findings = [_finding(n) for n in range(1, 13)]
    first = _run(engine, hooks, findings, NOW)
    paths = ["/payments/slack", "/payments/teams", "/platform/slack", "/platform/teams"]
    # Exactly one post per team and channel (the second owner included) ...
    assert {p: len(b) for p, b in first.items()} == dict.fromkeys(paths, 1)
    # ... each listing every finding once.
    every = sorted(f.subject for f in findings)
    for path in paths:
        (body,) = first[path]
        assert sorted(_listed(body)) == every, path
        for finding in findings:
            assert _content(body).count(finding.title) == 1, (path, finding.title)
    # A new team's first run: where it stands, not twelve separate alerts.
    slack = json.loads(first["/payments/slack"][0])
    assert slack["text"].startswith("CRITICAL: Where payments stands: 12 findings need action")
    assert len(slack["blocks"]) <= 50
    assert "Open findings: 12 critical" in json.dumps(slack)

    # The next run, same findings (reworded): nothing posted.
    reworded = [dataclasses.replace(f, why="other evidence") for f in findings]
    assert _run(engine, hooks, reworded, NOW + dt.timedelta(hours=6)) == {}

    # One finding rises from warning to critical: one message per channel, with that finding.
    riser = _finding(13, Severity.WARNING)
    assert _run(engine, hooks, [*findings, riser], NOW + dt.timedelta(hours=12)) == {}
    risen = dataclasses.replace(riser, severity=Severity.CRITICAL)
    later = _run(engine, hooks, [*findings, risen], NOW + dt.timedelta(days=1))
    assert {p: len(b) for p, b in later.items()} == dict.fromkeys(paths, 1)
    for path in paths:
        assert _listed(later[path][0]) == [risen.subject], path
    assert json.loads(later["/payments/slack"][0])["text"].startswith(
        "CRITICAL: 1 alert for payments"
    )


def test_the_cap_lists_some_and_links_the_rest(engine: Engine, hooks: HTTPServer) -> None:
    findings = [_finding(n) for n in range(1, 13)]
    posts = _run(engine, hooks, findings, NOW, max_alerts_per_run=5, web_url="https://aks.example/")
    for path in ("/payments/slack", "/payments/teams"):
        (body,) = posts[path]
        assert len(_listed(body)) == 5
        assert "7 more" in body and "https://aks.example/findings" in body
    # The rest was linked, so it is not alerted again by the next run.
    assert _run(engine, hooks, findings, NOW + dt.timedelta(hours=6), max_alerts_per_run=5) == {}


def test_past_the_channel_limit_the_message_is_split_into_parts_without_loss(
    engine: Engine, hooks: HTTPServer
) -> None:
    findings = [_finding(n) for n in range(1, 61)]
    posts = _run(engine, hooks, findings, NOW)
    slack = posts["/payments/slack"]
    assert len(slack) == 2  # 60 findings and the summary: past 50 blocks
    assert all(len(json.loads(b)["blocks"]) <= 50 for b in slack)
    assert sorted(s for b in slack for s in _listed(b)) == sorted(f.subject for f in findings)
    (teams,) = posts["/payments/teams"]  # within one 28 KB card
    assert len(teams.encode()) <= 28_000


def test_every_owner_of_the_cluster_is_a_team_of_its_findings() -> None:
    shared = Cluster("prod", teams=("payments", "platform"), namespaces=(("search", "search"),))
    inventory = Inventory(clusters=(shared,), default_team="ops")
    routed = _finding(1)
    assert cycle.finding_teams(inventory, routed) == ("payments", "platform", "search")
    unowned = dataclasses.replace(routed, team=None, cluster="elsewhere")
    assert cycle.finding_teams(inventory, unowned) == ("ops",)
