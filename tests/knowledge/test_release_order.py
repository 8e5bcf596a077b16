"""The freshness warning's newest final upstream release (release_order.newest_final) is the
first one the release listing gives out by the day, read without the listing: upstream releases
dated by the release schedule, undated ones always out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import yaml

from aksnews.commands import run
from aksnews.knowledge.release_order import load_listing, newest_final
from aksnews.store.engine import open_engine
from aksnews.store.handle import Archive

from corpus import corpus_path, corpus_text

SCHEDULE = "kubernetes/schedule/schedule.yaml"
DRAFTS = ("1.26", "1.27")  # minors the schedule dates: their v1.NN.0 are dated by it


def _scheduled(version: str) -> dt.date:
    """The schedule's date of a patch release, read from the document."""
    document = yaml.safe_load(corpus_text(SCHEDULE))
    for minor in document["schedules"]:
        for patch in minor.get("previousPatches", []):
            if patch["release"] == version:
                return dt.date.fromisoformat(str(patch["targetDate"]))
    raise AssertionError(f"{version} is not in the schedule")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    url = f"sqlite:///{tmp_path_factory.mktemp('order') / 'aksnews.db'}"
    db = ["--db", url, "ingest"]
    for minor in DRAFTS:
        notes = str(corpus_path(f"kubernetes/release-notes/release-notes-{minor}.md"))
        assert run([*db, notes, "--source", "kubernetes", "--release", f"v{minor}.0"]) == 0
    assert run([*db, str(corpus_path(SCHEDULE)), "--source", "kubernetes-schedule"]) == 0
    engine = open_engine(url)
    yield Archive(engine)
    engine.dispose()


def test_the_newest_final_release_out_by_the_day(archive: Archive) -> None:
    first, second = _scheduled("1.26.0"), _scheduled("1.27.0")
    assert first < second
    assert newest_final(archive, "kubernetes", second) == ("kubernetes:v1.27.0", second)
    day_before = second - dt.timedelta(days=1)
    assert newest_final(archive, "kubernetes", day_before) == ("kubernetes:v1.26.0", first)
    assert newest_final(archive, "kubernetes", first - dt.timedelta(days=1)) is None


def _first_listed(archive: Archive, source: str, day: dt.date) -> tuple[str, dt.date | None]:
    listed = load_listing(archive, source=source, finals_only=True).releases
    first = next(r for r in listed if r.date is None or r.date <= day)
    return first.key, first.date


def test_on_every_day_around_a_release_it_is_what_the_listing_gives_first(
    archive: Archive,
) -> None:
    days: set[dt.date] = set()
    for source in ("kubernetes", "kubernetes-schedule"):
        for r in load_listing(archive, source=source, finals_only=True).releases:
            if r.date is not None:
                days.update(r.date + dt.timedelta(days=d) for d in (-1, 0, 1))
    assert len(days) > 20
    for source in ("kubernetes", "kubernetes-schedule"):
        listed = load_listing(archive, source=source, finals_only=True).releases
        for day in sorted(days):
            if any(r.date is None or r.date <= day for r in listed):
                assert newest_final(archive, source, day) == _first_listed(archive, source, day)
            else:
                assert newest_final(archive, source, day) is None
