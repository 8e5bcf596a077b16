"""What `check` and the digest read (aksnews.store.facts, status, inventory_view) is plain SQL:
on a SQLite file Python's sqlite3 driver runs it, elsewhere SQLAlchemy's text(). Neither does
any type conversion of its own, so a date or a time read back as text on one and as a value
on the other would show as a difference here: a real CHANGELOG, an upstream CHANGELOG, the
test inventory and a fetch failure are written to a SQLite file opened natively, to a SQLite
file and to PostgreSQL through SQLAlchemy, and every read is compared across them and with
what the documents say.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from aksnews.config import Settings
from aksnews.inventory.declarative import load_inventory_file
from aksnews.sources.pipeline import ingest_file
from aksnews.store.engine import open_engine
from aksnews.store.handle import Archive
from aksnews.store.search import SearchQuery

from conftest import BACKENDS, database
from corpus import corpus_path

AKS = "aks/CHANGELOG-2024-03-22.md"
UPSTREAM = "kubernetes/changelog/CHANGELOG-1.22.md"
INVENTORY = Path(__file__).parent.parent / "data" / "inventory.yaml"
FETCHED = dt.datetime(2024, 3, 24, 23, 59, 59, tzinfo=dt.UTC)
LOADED = dt.datetime(2024, 3, 25, 8, 30, 15, 123456, tzinfo=dt.UTC)
FAILED = dt.datetime(2024, 3, 25, 9, 0, tzinfo=dt.UTC)


def _fill(archive: Archive, directory: Path) -> Archive:
    for name, source in ((AKS, "aks"), (UPSTREAM, "kubernetes")):
        copy = directory / Path(name).name
        copy.write_bytes(corpus_path(name).read_bytes())
        os.utime(copy, (FETCHED.timestamp(), FETCHED.timestamp()))  # the fetch time ingested
        ingest_file(archive, Settings(), copy, source=source)
    inventory = load_inventory_file(INVENTORY, now=LOADED)
    archive.replace_origin(
        "file:inventory.yaml",
        collected_at=LOADED,
        teams=inventory.teams,
        clusters=inventory.clusters,
        api_uses=inventory.api_uses,
        default_team=inventory.default_team,
    )
    archive.record_failure("aks", "https://example.invalid/CHANGELOG.md", FAILED, "HTTP 503")
    return archive


@pytest.fixture(scope="module")
def native(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    directory = tmp_path_factory.mktemp("native")
    archive = Archive.open(f"sqlite:///{directory / 'native.db'}")
    assert archive.sqlite_file() is not None and archive._engine_ is None  # noqa: SLF001
    yield _fill(archive, directory)
    archive.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def through_sqlalchemy(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Archive]:
    directory = tmp_path_factory.mktemp(request.param)
    with database(request.param, request, directory) as url:
        engine = open_engine(url)
        yield _fill(Archive(engine), directory)
        engine.dispose()


def _reads(archive: Archive) -> dict[str, object]:
    return {
        "facts": archive.list_facts(),
        "aks retirements": archive.list_facts(fact_type="retirement", source="aks"),
        "since": archive.list_facts(source="aks", since=dt.date(2024, 1, 1)),
        "withdrawn too": archive.list_facts(include_withdrawn=True),
        "urls": archive.release_urls(),
        "aks versions": sorted(archive.release_versions("aks")),
        "upstream versions": sorted(archive.release_versions("kubernetes")),
        "minors": sorted(archive.upstream_minor_versions()),
        "statuses": archive.source_statuses(["aks", "kubernetes", "aks-calendar"]),
        "statuses then": archive.source_statuses(["aks"], as_of=dt.date(2023, 12, 31)),
        "inventory": archive.inventory_statements(),
    }


def test_every_backend_reads_the_same_values(native: Archive, through_sqlalchemy: Archive) -> None:
    ours, theirs = _reads(native), _reads(through_sqlalchemy)
    assert ours.keys() == theirs.keys()
    for name in ours:
        assert ours[name] == theirs[name], name


def test_the_reads_say_what_the_documents_say(native: Archive) -> None:
    text = corpus_path(AKS).read_text(encoding="utf-8")
    # Two headings of 2021 write the day with one digit ("2021-12-9").
    headings = [
        dt.date(int(y), int(m), int(d))
        for y, m, d in re.findall(r"^## Release (\d{4})-(\d{1,2})-(\d{1,2})\b", text, re.M)
    ]
    versions = native.release_versions("aks")
    assert len(versions) == len(headings) == 206
    assert {date for _, _, date in versions} == set(headings)
    # The minor's first release, and the pre-releases numbered .0 the pattern also matches.
    upstream_text = corpus_path(UPSTREAM).read_text(encoding="utf-8")
    firsts = set(re.findall(r"^# (v1\.22\.0(?:-[a-z]+\.0)?)\s*$", upstream_text, re.M))
    assert set(native.upstream_minor_versions()) == firsts
    assert firsts == {"v1.22.0", "v1.22.0-rc.0", "v1.22.0-beta.0"}
    urls = native.release_urls()
    assert urls[f"aks:{headings[0]}"].endswith(f"#release-{headings[0]}")

    facts = native.list_facts(source="aks")
    dates = [f.release_date for f in facts]
    assert dates == sorted(dates, reverse=True)  # newest release first (all AKS ones dated)
    since = dt.date(2024, 1, 1)
    assert native.list_facts(source="aks", since=since) == [
        f for f in facts if f.release_date is not None and f.release_date >= since
    ]
    upstream = native.list_facts(source="kubernetes")
    assert upstream and all(f.release_key.startswith("kubernetes:") for f in upstream)

    (aks, kubernetes, calendar) = native.source_statuses(["aks", "kubernetes", "aks-calendar"])
    assert aks.newest_release == f"aks:{headings[0]}"
    assert aks.newest_release_date == headings[0]
    assert (aks.failed_at, aks.last_error, aks.urls) == (FAILED, "HTTP 503", 2)
    assert aks.last_fetch == aks.last_change == FETCHED
    upstream_releases = re.findall(r"^# (v1\.22\.\S+)\s*$", upstream_text, re.M)
    assert kubernetes.releases == len(upstream_releases) == 20
    assert {v for _, v, _ in native.release_versions("kubernetes")} == set(upstream_releases)
    assert (calendar.releases, calendar.last_fetch) == (0, None)
    (then,) = native.source_statuses(["aks"], as_of=dt.date(2023, 12, 31))
    assert then.newest_release_date is not None
    assert then.newest_release_date <= dt.date(2023, 12, 31) < aks.newest_release_date

    inventory = native.inventory_statements()
    loaded = load_inventory_file(INVENTORY, now=LOADED)
    assert {c.name for c in inventory.clusters} == {c.name for c in loaded.clusters}
    assert {t.name for t in inventory.teams} == {t.name for t in loaded.teams}
    assert len(inventory.api_uses) == len(loaded.api_uses)


SEARCHES = [
    SearchQuery("node image"),
    SearchQuery("cilium", limit=3, offset=2),
    SearchQuery("deprecated", source="aks", since=dt.date(2023, 6, 1)),
    SearchQuery("kubelet", source="kubernetes", kind="bug"),
    SearchQuery('"azure linux"', until=dt.date(2023, 12, 31), limit=50),
]


def test_a_search_of_the_file_finds_what_the_engine_finds(native: Archive) -> None:
    """`aksnews search` on a SQLite file runs on the sqlite3 connection (search_file); the
    engine's search (the web's tests, the benchmarks) runs the same SQL through SQLAlchemy's
    pool: the same hits, ranks and totals."""
    engine = open_engine(f"sqlite:///{native.sqlite_file()}", migrate=False)
    try:
        through_engine = Archive(engine)
        for query in SEARCHES:
            found = native.search(query)
            assert found.hits, query
            assert found == through_engine.search(query), query
    finally:
        engine.dispose()
