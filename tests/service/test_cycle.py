"""The service cycle end to end: run-once against a local HTTP mirror of the corpus and local
Slack and Teams webhooks; the digest command in every format and --send; per-source errors."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from aksnews.commands import run
from aksnews.config import Settings
from aksnews.deliver.outbox import Kind, Status, entries, load_alert_states
from aksnews.inventory.merge import load_inventory
from aksnews.service import cycle
from aksnews.service.scheduler import Service
from aksnews.sources.pipeline import ingest_file
from aksnews.store.engine import open_engine
from aksnews.store.handle import Archive

from conftest import BACKENDS, database
from corpus import corpus_path, ingest_corpus

DATA = Path(__file__).resolve().parent.parent / "data"
DOCS = {
    "/aks/CHANGELOG.md": "aks/CHANGELOG.md",
    "/guide.md": "docs/deprecation-guide.md",
    "/calendar.md": "docs/aks-supported-kubernetes-versions.md",
    "/schedule.yaml": "kubernetes/schedule/schedule.yaml",
    "/k8s/CHANGELOG-1.32.md": "kubernetes/changelog/CHANGELOG-1.32.md",
}


def _load_inventory(url: str) -> None:
    for args in (
        ["inventory", "load", str(DATA / "inventory.yaml")],
        ["inventory", "import-az", str(DATA / "az" / "list.json")],
        # The PodSecurityPolicy manifest is cluster-wide: it belongs to prod-east's team.
        ["inventory", "scan", str(DATA / "manifests"), "--cluster", "prod-east"],
    ):
        assert run(["--db", url, *args]) == 0, args


@pytest.fixture
def mirror(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> HTTPServer:
    """The corpus served over HTTP, and Slack and Teams webhooks of the payments team."""
    for path, rel in DOCS.items():
        httpserver.expect_request(path).respond_with_data(
            corpus_path(rel).read_bytes(), content_type="text/markdown"
        )
    httpserver.expect_request("/hooks/slack", method="POST").respond_with_data("ok")
    httpserver.expect_request("/hooks/teams", method="POST").respond_with_data("", status=202)
    for name, path in (
        ("AKSNEWS_AKS_URL", "/aks/CHANGELOG.md"),
        ("AKSNEWS_DEPRECATION_GUIDE_URL", "/guide.md"),
        ("AKSNEWS_AKS_CALENDAR_URL", "/calendar.md"),
        ("AKSNEWS_KUBERNETES_SCHEDULE_URL", "/schedule.yaml"),
        ("PAYMENTS_SLACK_WEBHOOK", "/hooks/slack"),
        ("PAYMENTS_TEAMS_WEBHOOK", "/hooks/teams"),
    ):
        monkeypatch.setenv(name, httpserver.url_for(path))
    monkeypatch.setenv("AKSNEWS_KUBERNETES_URL", httpserver.url_for("/k8s/CHANGELOG-{minor}.md"))
    monkeypatch.setenv("AKSNEWS_KUBERNETES_MINORS", "1.32-1.32")
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    return httpserver


def _posts(server: HTTPServer, path: str) -> list[str]:
    return [req.get_data(as_text=True) for req, _ in server.log if req.path == path]


def test_run_once_fetches_matches_and_alerts_the_owning_team(
    tmp_path: Path, mirror: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # SQLite only: the PostgreSQL paths of each step are covered by the digest tests below and
    # by tests/deliver/test_outbox.py; this one is about the wiring.
    db_url = f"sqlite:///{tmp_path / 'a.db'}"
    _load_inventory(db_url)
    capsys.readouterr()
    # The platform team's bot token is unset: its alerts fail, so the cycle says so (exit 1).
    assert run(["--db", db_url, "run-once", "--json"]) == 1
    out = capsys.readouterr()
    report = json.loads(out.out)
    assert report["source_errors"] == []
    assert report["counts"]["documents"] == len(DOCS)
    assert report["counts"]["new_releases"] > 0
    slack = _posts(mirror, "/hooks/slack")
    psp = [body for body in slack if "policy/v1beta1 PodSecurityPolicy" in body]
    assert len(psp) == 1 and "prod-east" in psp[0]
    assert json.loads(psp[0])["text"].startswith("CRITICAL")
    assert len(_posts(mirror, "/hooks/teams")) == len(slack)  # both channels of the team
    # Secrets never reach the output.
    assert "/hooks/" not in out.out + out.err
    # ... kept in the outbox as failed rows that name the variable, to resend once it is set.
    engine = open_engine(db_url)
    waiting = [e for e in entries(Archive(engine)) if e.team == "platform"]
    assert waiting and all(e.status is Status.FAILED for e in waiting)
    assert all((e.last_error or "").startswith("SLACK_BOT_TOKEN is not set") for e in waiting)
    assert report["counts"]["failed"] == len(waiting)
    engine.dispose()
    # A second cycle: documents unchanged, no alert repeated.
    sent = len(mirror.log)
    assert run(["--db", db_url, "run-once", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["counts"]["new_releases"] == 0 and again["counts"]["alert_alerts"] == 0
    posts = [r for r, _ in mirror.log[sent:] if r.path.startswith("/hooks/")]
    assert posts == []


def test_poll_collects_per_source_errors(mirror: HTTPServer, tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'a.db'}")
    settings = Settings(
        aks_url=mirror.url_for("/missing/CHANGELOG.md?token=secret"),
        deprecation_guide_url=mirror.url_for("/guide.md"),
        aks_calendar_url=mirror.url_for("/calendar.md"),
        kubernetes_schedule_url=mirror.url_for("/schedule.yaml"),
        kubernetes_url=mirror.url_for("/k8s/CHANGELOG-{minor}.md"),
        kubernetes_minors="1.32-1.32",
        fetch_retries=0,
    )
    report = cycle.poll(Archive(engine), settings, dt.datetime(2025, 10, 27, tzinfo=dt.UTC))
    assert [source for source, _ in report.errors] == ["aks"]
    assert "secret" not in report.errors[0][1] and "/missing" not in report.errors[0][1]
    assert {o.source for o in report.outcomes} == {
        "aks-calendar",
        "kubernetes-schedule",
        "deprecation-guide",
        "kubernetes",
    }
    engine.dispose()


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (
            "POST https://hooks.slack.com/services/T0/B0/XYZ failed",
            "POST https://hooks.slack.com/… failed",
        ),
        ("token xoxb-123-456-abc rejected", "token xox… rejected"),
        ("http://127.0.0.1:9/a?b=c refused", "http://127.0.0.1:9/… refused"),
        ("no URL here", "no URL here"),
    ],
)
def test_redact(raw: str, shown: str) -> None:
    assert cycle.redact(raw) == shown


# Digests ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=BACKENDS)
def archive(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with database(request.param, request, tmp_path_factory.mktemp("digest")) as url:
        engine = open_engine(url)
        ingest_corpus(engine)
        engine.dispose()
        _load_inventory(url)
        yield url


TODAY = "2025-10-14"  # the period [2025-10-07, 2025-10-14) holds the 2025-10-12 release


@pytest.mark.parametrize("fmt", ["md", "html", "slack", "teams"])
def test_digest_preview_in_each_format(
    archive: str, fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--db", archive, "digest", "--team", "payments", "--today", TODAY, "--format", fmt]
    assert run(args) == 0
    shown = capsys.readouterr().out
    out = tmp_path / f"digest.{fmt}"
    assert run([*args, "--write", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == shown
    anchor = "#release-notes-2025-10-12"
    title = "AKS news for payments: 2025-10-07 to 2025-10-13"
    if fmt in ("md", "html"):
        assert title in shown and anchor in shown
        assert ("<html" in shown) == (fmt == "html")
        return
    messages = json.loads(shown)
    assert isinstance(messages, list) and messages
    if fmt == "slack":
        assert messages[0]["text"].startswith(title) and messages[0]["blocks"]
    else:
        assert all(m["type"] == "message" for m in messages)
        card = messages[0]["attachments"][0]
        assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert anchor in shown
    # A preview queues nothing.
    engine = open_engine(archive)
    assert not [e for e in entries(Archive(engine)) if e.kind is Kind.DIGEST]
    engine.dispose()


def test_digest_send_once_per_period_shared_with_the_scheduler(
    tmp_path: Path, mirror: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    engine = open_engine(url)
    ingest_file(Archive(engine), Settings(), corpus_path("aks/CHANGELOG.md"), source="aks")
    _load_inventory(url)
    monday = "2025-10-27"  # payments: Monday 09:00 in Tokyo
    args = ["--db", url, "digest", "--team", "payments", "--today", monday, "--send"]
    assert run(args) == 0
    assert "digest:payments:2025-10-20:2025-10-27" in capsys.readouterr().out
    posted = len(_posts(mirror, "/hooks/slack")) + len(_posts(mirror, "/hooks/teams"))
    assert posted >= 2
    assert run(args) == 0  # the same period again: nothing queued, nothing posted
    # The scheduler's digest job for that Monday, running late, finds the period sent.
    team = load_inventory(Archive(engine)).team("payments")
    assert team is not None
    late = Service(
        Archive(engine), Settings(), clock=lambda: dt.datetime(2025, 10, 27, 9, tzinfo=dt.UTC)
    )
    assert late.queue_due_digest(team) == 0
    assert len(_posts(mirror, "/hooks/slack")) + len(_posts(mirror, "/hooks/teams")) == posted
    keys = {e.key for e in entries(Archive(engine)) if e.kind is Kind.DIGEST}
    assert keys == {"digest:payments:2025-10-20:2025-10-27"}
    engine.dispose()


def test_digest_findings_alerted_in_the_period_are_new(archive: str) -> None:
    engine = open_engine(archive)
    now = dt.datetime(2025, 10, 14, 12, tzinfo=dt.UTC)
    start, end = cycle.period_ending(now, "Asia/Tokyo")
    before = cycle.load_digest_inputs(Archive(engine), "payments", start, end, now)
    assert before.findings and all(c.change == "open" for c in before.findings)
    assert before.team_minors == ("1.29", "1.30")
    assert {r.summary.key for r in before.aks_releases} == {"aks:2025-10-12"}
    # Remember alerts as match_and_alert would, without posting anything (no channels used).
    from aksnews.deliver.alerts import select_alerts

    inventory = load_inventory(Archive(engine))
    findings = tuple(c.finding for c in before.findings)
    # Alerted yesterday, inside the period (which ends before today).
    yesterday = now - dt.timedelta(days=1)
    selection = select_alerts(
        findings, load_alert_states(Archive(engine)), now=yesterday, inventory=inventory
    )
    from aksnews.deliver.alerts import batch_alerts
    from aksnews.deliver.outbox import queue_alert_batches
    from aksnews.notifiers.file import FileNotifier

    batches = batch_alerts(selection, findings, now=yesterday, teams_of=lambda f: ())
    queued = queue_alert_batches(
        Archive(engine),
        batches,
        selection.states,
        lambda batch: [("file", FileNotifier().render_alerts(batch))],
        yesterday,
    )
    assert queued == len(batches) > 0
    after = cycle.load_digest_inputs(Archive(engine), "payments", start, end, now)
    new = {c.finding.key for c in after.findings if c.change == "new"}
    assert new == {a.finding.key for a in selection.alerts} and new
    engine.dispose()
