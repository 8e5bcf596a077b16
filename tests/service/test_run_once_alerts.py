"""run-once with twelve critical findings on two channels, end to end: the corpus fetched from a
local mirror, the inventory matched for real (eleven removed APIs in use and an end of support
22 days away on a cluster two teams own), alerts queued and posted to local Slack and Teams
webhooks. One message per team and channel listing every finding once; the next run posts
nothing; when the end of support comes within a week, one message with that finding only."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from aksnews.config import load_settings
from aksnews.model.inventory import (
    ApiUse,
    Cluster,
    Evidence,
    NodePool,
    SecretRef,
    Team,
    UpgradeChannel,
)
from aksnews.service import cycle
from aksnews.store.engine import open_engine
from aksnews.store.handle import Archive
from aksnews.store.inventory import replace_origin

from corpus import corpus_path

DOCS = {
    "/aks/CHANGELOG.md": "aks/CHANGELOG.md",
    "/guide.md": "docs/deprecation-guide.md",
    "/calendar.md": "docs/aks-supported-kubernetes-versions.md",
    "/schedule.yaml": "kubernetes/schedule/schedule.yaml",
    "/k8s/CHANGELOG-1.32.md": "kubernetes/changelog/CHANGELOG-1.32.md",
}
# Removed before 1.31 according to the deprecation guide; each used by one manifest.
REMOVED = (
    ("batch/v1beta1", "CronJob"),
    ("discovery.k8s.io/v1beta1", "EndpointSlice"),
    ("events.k8s.io/v1beta1", "Event"),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler"),
    ("policy/v1beta1", "PodDisruptionBudget"),
    ("policy/v1beta1", "PodSecurityPolicy"),
    ("extensions/v1beta1", "Ingress"),
    ("networking.k8s.io/v1beta1", "Ingress"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole"),
    ("scheduling.k8s.io/v1beta1", "PriorityClass"),
    ("storage.k8s.io/v1beta1", "CSIDriver"),
)
SHOP = Cluster(
    "shop",
    teams=("payments", "platform"),  # platform is the second owner
    region="eastus",
    kubernetes_version="1.31.8",  # standard support ends 2025-11-01
    upgrade_channel=UpgradeChannel.PATCH,
    node_pools=(NodePool("system", os_sku="Ubuntu", orchestrator_version="1.31.8"),),
)
FIRST = dt.datetime(2025, 10, 10, 6, 0, tzinfo=dt.UTC)
CHANNELS = ("/payments/slack", "/payments/teams", "/platform/slack", "/platform/teams")


@pytest.fixture
def mirror(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> HTTPServer:
    for path, rel in DOCS.items():
        httpserver.expect_request(path).respond_with_data(
            corpus_path(rel).read_bytes(), content_type="text/markdown"
        )
    for team in ("payments", "platform"):
        httpserver.expect_request(f"/{team}/slack", method="POST").respond_with_data("ok")
        httpserver.expect_request(f"/{team}/teams", method="POST").respond_with_data("", 202)
    for name, path in (
        ("AKSNEWS_AKS_URL", "/aks/CHANGELOG.md"),
        ("AKSNEWS_DEPRECATION_GUIDE_URL", "/guide.md"),
        ("AKSNEWS_AKS_CALENDAR_URL", "/calendar.md"),
        ("AKSNEWS_KUBERNETES_SCHEDULE_URL", "/schedule.yaml"),
    ):
        monkeypatch.setenv(name, httpserver.url_for(path))
    monkeypatch.setenv("AKSNEWS_KUBERNETES_URL", httpserver.url_for("/k8s/CHANGELOG-{minor}.md"))
    monkeypatch.setenv("AKSNEWS_KUBERNETES_MINORS", "1.32-1.32")
    return httpserver


def _teams(server: HTTPServer) -> tuple[Team, ...]:
    return tuple(
        Team(
            name,
            slack_webhook=SecretRef(literal=server.url_for(f"/{name}/slack")),
            teams_webhook=SecretRef(literal=server.url_for(f"/{name}/teams")),
        )
        for name in ("payments", "platform")
    )


def _posts(server: HTTPServer, since: int) -> dict[str, list[str]]:
    posts: dict[str, list[str]] = {}
    for request, _ in server.log[since:]:
        if request.method == "POST":
            posts.setdefault(request.path, []).append(request.get_data(as_text=True))
    return posts


def _content(body: str) -> str:
    """A posted body without Slack's notification text (which names the first finding)."""
    payload = json.loads(body)
    return json.dumps(payload.get("blocks", payload))


def test_run_once_twelve_criticals_two_channels(tmp_path: Path, mirror: HTTPServer) -> None:
    url = f"sqlite:///{tmp_path}/run-once.db"
    engine = open_engine(url)
    uses = tuple(
        ApiUse("shop", api, kind, Evidence.MANIFEST, f"k8s/{kind.lower()}-{n}.yaml:1")
        for n, (api, kind) in enumerate(REMOVED)
    )
    replace_origin(
        engine,
        "file:inventory.yaml",
        collected_at=FIRST,
        teams=_teams(mirror),
        clusters=(SHOP,),
        api_uses=uses,
    )
    settings = load_settings(None, overrides={"database_url": url})

    def run(now: dt.datetime) -> tuple[cycle.CycleReport, dict[str, list[str]]]:
        since = len(mirror.log)
        return cycle.run_once(Archive(engine), settings, now), _posts(mirror, since)

    report, first = run(FIRST)
    assert report.poll.errors == ()
    assert report.alerts.alerts == 12  # 11 removed APIs in use and the end of support
    # Exactly one message per team and channel, the second owner included ...
    assert {p: len(b) for p, b in first.items()} == dict.fromkeys(CHANNELS, 1)
    for path in CHANNELS:
        (body,) = first[path]
        text = _content(body)
        # ... listing every finding once.
        for api, kind in REMOVED:
            assert text.count(f"{api} {kind} is removed") == 1, (path, api, kind)
        assert text.count("Kubernetes 1.31 on shop") == 1, path
    slack = json.loads(first["/payments/slack"][0])
    assert slack["text"].startswith("CRITICAL: Where payments stands: 12 findings need action")
    assert len(slack["blocks"]) <= 50
    assert len(first["/payments/teams"][0].encode()) <= 28 * 1024

    # Six hours later, nothing changed: nothing posted.
    report, again = run(FIRST + dt.timedelta(hours=6))
    assert report.alerts.alerts == 0 and again == {}

    # 2025-10-26: the end of support is six days away: escalated, one message with it only.
    report, later = run(dt.datetime(2025, 10, 26, 6, 0, tzinfo=dt.UTC))
    assert report.alerts.alerts == 1
    assert {p: len(b) for p, b in later.items()} == dict.fromkeys(CHANNELS, 1)
    for path in CHANNELS:
        text = _content(later[path][0])
        assert "Kubernetes 1.31 on shop" in text and "escalated" in text, path
        assert not any(f"{api} {kind} is removed" in text for api, kind in REMOVED), path
    engine.dispose()
