"""aksnews benchmarks: every figure a ratio against a baseline measured alternately in this run.

Usage: .venv/bin/python bench/run.py [--rounds N]   (make bench)
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from common import (
    BIN,
    REPO,
    STACK_IMPORTS,
    alternate,
    compile_package,
    cpu_timed,
    p95,
    report,
    timed,
)

from corpus import corpus_path

AKSNEWS = str(BIN / "aksnews")
PYTHON = str(BIN / "python")
# F, the floor of the start-up targets: a process importing typer and SQLAlchemy, which every
# archive command needs.
FLOOR = [PYTHON, "-c", "import typer, sqlalchemy"]


def floor() -> float:
    return timed(FLOOR)[0]


def _env(db: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AKSNEWS_")}
    env["AKSNEWS_DATABASE_URL"] = f"sqlite:///{db}"
    env.update(extra)
    return env


@contextmanager
def serve_with_etag(path: Path) -> Iterator[str]:
    body = path.read_bytes()
    etag = '"bench-1"'

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/CHANGELOG.md"
    finally:
        server.shutdown()


def bench_ingest(rounds: int, work: Path) -> None:
    changelog = str(corpus_path("aks/CHANGELOG.md"))
    bare = [
        PYTHON,
        "-c",
        "import markdown_it; markdown_it.MarkdownIt('commonmark').enable('table')"
        f".parse(open({changelog!r}, encoding='utf-8').read())",
    ]
    rss: list[int] = []
    counter = iter(range(10_000))

    def fresh_db(migrated: bool) -> Path:
        db = work / f"cold-{next(counter)}.db"
        if migrated:
            shutil.copy(work / "empty.db", db)
        return db

    timed([AKSNEWS, "db", "upgrade"], env=_env(work / "empty.db"))

    def cold(migrated: bool) -> float:
        elapsed, peak = timed(
            [AKSNEWS, "ingest", changelog, "--source", "aks"], env=_env(fresh_db(migrated))
        )
        rss.append(peak)
        return elapsed

    def baseline() -> float:
        return timed(bare)[0]

    s, b, r = alternate(lambda: cold(False), baseline, rounds)
    report("cold ingest CHANGELOG.md into a new SQLite file", s, b, r, "<= 1.5 x bare parse")
    s, b, r = alternate(lambda: cold(True), baseline, rounds)
    report("cold ingest CHANGELOG.md into a migrated file", s, b, r, "<= 1.3 x bare parse")
    for migrated, label in ((False, "new"), (True, "migrated")):
        s, b, r = alternate(
            lambda migrated=migrated: cpu_timed(
                [AKSNEWS, "ingest", changelog, "--source", "aks"], env=_env(fresh_db(migrated))
            ),
            lambda: cpu_timed(bare),
            rounds,
        )
        report(f"  the same into a {label} file, CPU time", s, b, r, "report")
    print(f"{'peak RSS of the cold ingest':<52} {max(rss) / 1024:9.1f} MB  (target <= 150 MB)")

    db = work / "warm.db"
    timed([AKSNEWS, "ingest", changelog, "--source", "aks"], env=_env(db))
    reingest = [AKSNEWS, "ingest", changelog, "--source", "aks"]
    s, b, r = alternate(lambda: timed(reingest, env=_env(db))[0], floor, rounds)
    report("re-ingest of unchanged CHANGELOG.md", s, b, r, "<= 1.2 x F")

    with serve_with_etag(corpus_path("aks/CHANGELOG.md")) as url:
        fetch_db = work / "fetch.db"
        env = _env(fetch_db, AKSNEWS_AKS_URL=url)
        fetch = [AKSNEWS, "fetch", "--source", "aks"]
        timed(fetch, env=env)
        with_httpx = [PYTHON, "-c", f"{FLOOR[2]}, httpx; httpx.Client()"]
        s, b, r = alternate(lambda: timed(fetch, env=env)[0], lambda: timed(with_httpx)[0], rounds)
        report("fetch answered 304", s, b, r, "<= 1.2 x F with httpx's client")

    version = [AKSNEWS, "--version"]
    s, b, r = alternate(lambda: timed(version)[0], lambda: timed([PYTHON, "-c", "pass"])[0], rounds)
    report("CLI start-up: aksnews --version", s, b, r, "<= 4 x python -c pass")


def stack_floor() -> float:
    """A process that only imports what any archive command must (see common.STACK_IMPORTS)."""
    return timed([PYTHON, "-c", STACK_IMPORTS])[0]


UPSTREAM_CHANGELOGS = [
    "kubernetes/changelog/CHANGELOG-1.22.md",
    "kubernetes/changelog/CHANGELOG-1.32.md",
]
DRAFT_MINORS = range(14, 35)


def bench_upstream(rounds: int, work: Path) -> None:
    """All corpus upstream files: one `aksnews ingest` process for the two CHANGELOGs and one
    for the 21 release-notes drafts (each named by its --release), against two processes each
    running a bare MarkdownIt().parse of the same bytes."""
    changelogs = [str(corpus_path(p)) for p in UPSTREAM_CHANGELOGS]
    drafts = [
        str(corpus_path(f"kubernetes/release-notes/release-notes-1.{m}.md")) for m in DRAFT_MINORS
    ]
    releases = [arg for m in DRAFT_MINORS for arg in ("--release", f"v1.{m}.0")]
    counter = iter(range(10_000))
    rss: list[int] = []

    def ingest_all() -> float:
        db = work / f"up-{next(counter)}.db"
        shutil.copy(work / "empty.db", db)
        env = _env(db)
        total, peak = timed([AKSNEWS, "ingest", *changelogs, "--source", "kubernetes"], env=env)
        rss.append(peak)
        elapsed, peak = timed(
            [AKSNEWS, "ingest", *drafts, "--source", "kubernetes", *releases], env=env
        )
        rss.append(peak)
        return total + elapsed

    def bare(paths: list[str], prefix: str = "") -> list[str]:
        reads = " + ".join(f"open({p!r}, encoding='utf-8').read()" for p in paths)
        code = f"import markdown_it; markdown_it.MarkdownIt().parse({reads})"
        return [PYTHON, "-c", prefix + code]

    def baseline() -> float:
        return timed(bare(changelogs))[0] + timed(bare(drafts))[0]

    def stack_baseline() -> float:
        prefix = f"{STACK_IMPORTS}; "
        return timed(bare(changelogs, prefix))[0] + timed(bare(drafts, prefix))[0]

    s, b, r = alternate(ingest_all, baseline, rounds)
    report("cold ingest of all upstream corpus files (2 processes)", s, b, r, "<= 0.7")
    s, b, r = alternate(ingest_all, stack_baseline, rounds)
    report("  the same vs stack imports + the bare parse", s, b, r, "report")
    print(f"{'peak RSS of an upstream ingest':<52} {max(rss) / 1024:9.1f} MB  (target <= 300 MB)")

    db = work / f"up-{next(counter) - 1}.db"
    env = _env(db)
    s, b, r = alternate(
        lambda: timed([AKSNEWS, "diff", "1.22", "1.32"], env=env)[0],
        lambda: timed([AKSNEWS, "--version"])[0],
        rounds,
    )
    report("aksnews diff 1.22 1.32", s, b, r, "<= 1.5 x aksnews --version")
    s, b, r = alternate(
        lambda: timed([AKSNEWS, "diff", "1.22", "1.32"], env=env)[0], stack_floor, rounds
    )
    report("  the same vs a process importing the stack", s, b, r, "report")


def corpus_archive(work: Path) -> Path:
    """The archive of the whole corpus (AKS CHANGELOG, upstream CHANGELOGs and every draft),
    built once per run."""
    db = work / "corpus.db"
    if db.exists():
        return db
    env = _env(db)
    timed([AKSNEWS, "ingest", str(corpus_path("aks/CHANGELOG.md")), "--source", "aks"], env=env)
    changelogs = [str(corpus_path(p)) for p in UPSTREAM_CHANGELOGS]
    timed([AKSNEWS, "ingest", *changelogs, "--source", "kubernetes"], env=env)
    drafts = [
        str(corpus_path(f"kubernetes/release-notes/release-notes-1.{m}.md")) for m in DRAFT_MINORS
    ]
    releases = [arg for m in DRAFT_MINORS for arg in ("--release", f"v1.{m}.0")]
    timed([AKSNEWS, "ingest", *drafts, "--source", "kubernetes", *releases], env=env)
    return db


def bench_reads(rounds: int, work: Path) -> None:
    """Every read command against F, over an archive of the AKS CHANGELOG and the upstream
    corpus with the test inventory loaded; exit codes 2 and 3 (findings) count as success."""
    env = _env(corpus_archive(work))
    inventory = str(REPO / "tests" / "data" / "inventory.yaml")
    timed([AKSNEWS, "inventory", "load", inventory], env=env, codes=(0, 2, 3))
    commands = [
        ["search", "cilium"],
        ["show", "aks:2025-10-12"],
        ["releases", "--limit", "1"],
        ["facts", "--type", "retirement"],
        ["calendar"],
        ["apis"],
        ["diff", "1.22", "1.32"],
        ["check"],
        ["outbox"],
    ]
    for argv in commands:
        s, b, r = alternate(
            lambda argv=argv: timed([AKSNEWS, *argv], env=env, codes=(0, 2, 3))[0],
            floor,
            rounds,
        )
        report(f"aksnews {' '.join(argv)}", s, b, r, "<= 1.3 x F")
    # Memory flat in the width of the range: one minor against twenty.
    narrow = max(timed([AKSNEWS, "diff", "1.30", "1.31"], env=env)[1] for _ in range(3))
    wide = max(timed([AKSNEWS, "diff", "1.14", "1.34"], env=env)[1] for _ in range(3))
    print(
        f"{'peak RSS of diff 1.14 1.34 vs diff 1.30 1.31':<52} {wide / 1024:9.1f} MB vs "
        f"{narrow / 1024:6.1f} MB  ratio {wide / narrow:5.2f}  (target flat, about 1)"
    )


def corpus_archive_10x(work: Path) -> Path:
    """The whole corpus plus nine synthetic copies of every upstream draft: each draft's text
    with its minor renamed (1.29 -> 1.129, 1.229, ...), as later minors repeat many notes."""
    db = work / "corpus10x.db"
    if db.exists():
        return db
    shutil.copy(corpus_archive(work), db)
    synthetic = work / "synthetic"
    synthetic.mkdir(exist_ok=True)
    for copy in range(1, 10):
        paths, releases = [], []
        for m in DRAFT_MINORS:
            source = corpus_path(f"kubernetes/release-notes/release-notes-1.{m}.md")
            minor = 100 * copy + m
            body = source.read_text(encoding="utf-8").replace(f"1.{m}", f"1.{minor}")
            path = synthetic / f"release-notes-1.{minor}.md"
            path.write_text(body, encoding="utf-8")
            paths.append(str(path))
            releases += ["--release", f"v1.{minor}.0"]
        timed([AKSNEWS, "ingest", *paths, "--source", "kubernetes", *releases], env=_env(db))
    return db


def _search_p95(url: str, rounds: int) -> tuple[list[float], list[float], int]:
    """p95 of 100 real queries (in-process, warm) and the one-row listing's p95, per round
    (each query alternates with the listing), and the number of entries."""
    import time

    from sqlalchemy import text

    from aksnews.store.engine import open_engine
    from aksnews.store.queries import get_release, list_releases
    from aksnews.store.search import SearchQuery, search

    engine = open_engine(url)
    queries = _real_queries(engine, list_releases, get_release)
    for q in queries[:10]:  # warm the page cache and statement cache
        search(engine, SearchQuery(text=q))
    found, listing = [], []
    for _ in range(rounds):
        samples = []
        baseline = []
        for q in queries:
            start = time.perf_counter()
            search(engine, SearchQuery(text=q))
            samples.append(time.perf_counter() - start)
            start = time.perf_counter()
            list_releases(engine, source="aks", limit=1)
            baseline.append(time.perf_counter() - start)
        found.append(p95(samples))
        listing.append(p95(baseline))
    with engine.connect() as conn:
        entries = int(conn.execute(text("SELECT count(*) FROM entry")).scalar_one())
    engine.dispose()
    return found, listing, entries


def _print_search(label: str, url: str, rounds: int, target: str) -> None:
    import statistics

    found, listing, entries = _search_p95(url, rounds)
    print(
        f"{'search, 100 real queries, ' + label + ': p95':<52} "
        f"{statistics.median(found) * 1000:9.2f} ms  (median of {rounds} rounds, "
        f"{min(found) * 1000:.2f} to {max(found) * 1000:.2f}; {entries} entries; one-row "
        f"listing p95 {statistics.median(listing) * 1000:.2f} ms; target {target})",
        flush=True,
    )


def bench_search(work: Path, postgres: bool, rounds: int) -> None:
    for label, db, target in (
        ("whole corpus", corpus_archive(work), "p95 <= 5 ms"),
        ("10x archive", corpus_archive_10x(work), "p95 <= 15 ms"),
    ):
        _print_search(label + ", SQLite", f"sqlite:///{db}", rounds, target)
    if postgres:
        import pg

        with pg.private_server() as server, pg.database(server) as url:
            env = _env(work, AKSNEWS_DATABASE_URL=url)
            aks = str(corpus_path("aks/CHANGELOG.md"))
            timed([AKSNEWS, "ingest", aks, "--source", "aks"], env=env)
            changelogs = [str(corpus_path(p)) for p in UPSTREAM_CHANGELOGS]
            timed([AKSNEWS, "ingest", *changelogs, "--source", "kubernetes"], env=env)
            drafts = [
                str(corpus_path(f"kubernetes/release-notes/release-notes-1.{m}.md"))
                for m in DRAFT_MINORS
            ]
            releases = [arg for m in DRAFT_MINORS for arg in ("--release", f"v1.{m}.0")]
            timed([AKSNEWS, "ingest", *drafts, "--source", "kubernetes", *releases], env=env)
            _print_search("whole corpus, PostgreSQL", url, rounds, "report")


def _real_queries(engine, list_releases, get_release) -> list[str]:  # type: ignore[no-untyped-def]
    """100 queries made of words that occur in the archive: component names and frequent terms."""
    import collections
    import re

    words: collections.Counter[str] = collections.Counter()
    for summary in list_releases(engine, source="aks", limit=60):
        for entry in get_release(engine, summary.key).entries:
            words.update(w.lower() for w in re.findall(r"[A-Za-z][A-Za-z-]{4,}", entry.text))
    common = [w for w, _ in words.most_common(160)][10:]
    singles = common[:60]
    pairs = [f"{a} {b}" for a, b in zip(common[60:100], common[100:140], strict=True)]
    return (singles + pairs)[:100]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", choices=("ingest", "upstream", "reads", "search"))
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL search")
    args = parser.parse_args()
    compile_package()
    with tempfile.TemporaryDirectory(prefix="aksnews-bench-") as tmp:
        work = Path(tmp)
        parts = {
            "ingest": lambda: bench_ingest(args.rounds, work),
            "upstream": lambda: bench_upstream(args.rounds, work),
            "reads": lambda: bench_reads(args.rounds, work),
            "search": lambda: bench_search(work, not args.no_postgres, args.rounds),
        }
        if args.only == "search":
            timed(
                [AKSNEWS, "ingest", str(corpus_path("aks/CHANGELOG.md")), "--source", "aks"],
                env=_env(work / "warm.db"),
            )
        for name, part in parts.items():
            if args.only in (None, name):
                part()
    return 0


if __name__ == "__main__":
    sys.exit(main())
