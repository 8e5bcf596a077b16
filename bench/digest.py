"""Digests for 100 teams over the full archive: build and render the four formats.

Target: <= 20 ms per team per format on average (building the digest from its inputs, then
rendering Markdown, HTML, Slack and Teams), printed beside one archive query (the releases of
the period) as the baseline. Loading each team's inputs from the store is reported apart.

Usage: .venv/bin/python bench/digest.py [--teams N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import REPO

from aksnews.config import Settings
from aksnews.deliver.digest import build_digest, render_html, render_markdown
from aksnews.model.inventory import Cluster, Team
from aksnews.notifiers.slack import SlackNotifier
from aksnews.notifiers.teams import TeamsNotifier
from aksnews.service.cycle import load_digest_inputs
from aksnews.sources.pipeline import ingest_file
from aksnews.store.engine import open_engine
from aksnews.store.handle import Archive
from aksnews.store.inventory import replace_origin
from aksnews.store.queries import list_releases

from corpus import corpus_path

NOW = dt.datetime(2025, 10, 13, 9, tzinfo=dt.UTC)
START, END = dt.date(2025, 9, 1), dt.date(2025, 10, 13)  # six weeks: a busy digest


def main() -> int:
    assert REPO.is_dir()  # common puts tests/ (the corpus helper) on sys.path
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--teams", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aksnews-digest-") as tmp:
        engine = open_engine(f"sqlite:///{Path(tmp) / 'archive.db'}")
        settings = Settings()
        ingest_file(Archive(engine), settings, corpus_path("aks/CHANGELOG.md"), source="aks")
        ingest_file(
            Archive(engine),
            settings,
            corpus_path("docs/aks-supported-kubernetes-versions.md"),
            source="aks-calendar",
        )
        for minor in (31, 32):
            ingest_file(
                Archive(engine),
                settings,
                corpus_path(f"kubernetes/release-notes/release-notes-1.{minor}.md"),
                source="kubernetes",
                release=f"v1.{minor}.0",
            )
        teams = [Team(name=f"team-{n:03d}", timezone="Europe/Berlin") for n in range(args.teams)]
        clusters = [
            Cluster(
                name=f"cluster-{n:03d}", teams=(t.name,), kubernetes_version=f"1.3{1 + n % 2}.4"
            )
            for n, t in enumerate(teams)
        ]
        replace_origin(engine, "bench", collected_at=NOW, teams=teams, clusters=clusters)

        loads, builds = [], []
        renders: dict[str, list[float]] = {"md": [], "html": [], "slack": [], "teams": []}
        slack, teams_card = SlackNotifier(), TeamsNotifier()
        renderers = {
            "md": render_markdown,
            "html": render_html,
            "slack": slack.render_digest,
            "teams": teams_card.render_digest,
        }
        baseline = []
        for team in teams:
            start = time.perf_counter()
            list_releases(engine, source="aks", since=START)
            baseline.append(time.perf_counter() - start)
            start = time.perf_counter()
            inputs = load_digest_inputs(Archive(engine), team.name, START, END, NOW)
            loads.append(time.perf_counter() - start)
            start = time.perf_counter()
            digest = build_digest(team.name, inputs, period_start=START, period_end=END, now=NOW)
            builds.append(time.perf_counter() - start)
            for name, render in renderers.items():
                start = time.perf_counter()
                render(digest)  # type: ignore[operator]
                renders[name].append(time.perf_counter() - start)
        build = statistics.mean(builds)
        per_format = {k: statistics.mean(v) + build / 4 for k, v in renders.items()}
        overall = statistics.mean(per_format.values())
        query = statistics.median(baseline)
        print(
            f"{'digest build + render, per team per format':<52} {overall * 1000:9.2f} ms "
            f"(target <= 20 ms) vs one archive query {query * 1000:.2f} ms "
            f"(ratio {overall / query:.1f})"
        )
        for name, value in per_format.items():
            print(f"  {name:<6} {value * 1000:7.2f} ms")
        print(f"  loading one team's inputs from the store: {statistics.mean(loads) * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
