"""Matching 200 clusters against the full archive (goal: under 1 s), beside a baseline.

The archive is the corpus (AKS CHANGELOG, guide, calendar, upstream notes 1.20 to 1.34) in a
temporary SQLite file; the inventory is the test inventory's clusters and the API uses of the
test manifests, copied to 200 clusters. The baseline is loading the archive view once, which
every `aksnews check` does before matching.

Usage: .venv/bin/python bench/match.py [--clusters N] [--rounds N]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import REPO

from aksnews.inventory.declarative import load_inventory_file
from aksnews.inventory.manifests import scan_paths
from aksnews.knowledge.view import load_archive_view
from aksnews.match.matcher import match
from aksnews.store.engine import open_engine
from aksnews.store.handle import Archive

from corpus import ingest_corpus

NOW = dt.datetime(2025, 10, 27, tzinfo=dt.UTC)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clusters", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aksnews-match-") as tmp:
        engine = open_engine(f"sqlite:///{Path(tmp) / 'archive.db'}")
        ingest_corpus(engine, release_notes=tuple(f"1.{m}" for m in range(20, 35)))
        base = load_inventory_file(REPO / "tests" / "data" / "inventory.yaml", now=NOW)
        scanned = scan_paths(
            [REPO / "tests" / "data" / "manifests"], cluster=base.clusters[0].name, now=NOW
        )
        copies = -(-args.clusters // len(base.clusters))
        clusters = tuple(
            dataclasses.replace(c, name=f"{c.name}-{n}")
            for n in range(copies)
            for c in base.clusters
        )[: args.clusters]
        uses = tuple(
            dataclasses.replace(u, cluster=c.name)
            for c in clusters
            for u in scanned.api_uses
            if c.name.startswith(base.clusters[0].name)
        )
        inventory = dataclasses.replace(base, clusters=clusters, api_uses=uses)
        today = NOW.date()
        loads, matches, found = [], [], 0
        for _ in range(args.rounds):
            start = time.perf_counter()
            view = load_archive_view(Archive(engine), today)
            loads.append(time.perf_counter() - start)
            start = time.perf_counter()
            found = len(match(inventory, view, now=today))
            matches.append(time.perf_counter() - start)
        m, b = statistics.median(matches), statistics.median(loads)
        print(
            f"{'match ' + str(len(clusters)) + ' clusters, ' + str(len(uses)) + ' API uses':<52} "
            f"{m * 1000:9.1f} ms ({found} findings; goal < 1 s) vs loading the archive view "
            f"{b * 1000:.1f} ms (ratio {m / b:.2f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
