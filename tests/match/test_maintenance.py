"""The next opening of AKS maintenance windows, and the deadline a team reads from it.

AKS states windows in a fixed UTC offset; teams read deadlines in their own zone. The DST
cases use the real 2026 switches: Europe/London moves to BST on Sunday 29 March at 01:00 UTC
and back on Sunday 25 October.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from aksnews.inventory.az_capacity import read_az_file
from aksnews.match.maintenance import next_opening
from aksnews.model.upgrade import MaintenanceWindow, WindowName, WindowRule

DATA = Path(__file__).parent.parent / "data" / "blockers"
NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def _windows() -> dict[WindowName, MaintenanceWindow]:
    _, shop = read_az_file(DATA / "maintenance.json", now=NOW)
    return {w.name: w for w in shop.upgrade.windows}


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("after", "start_utc", "london_day"),
    [
        # Saturday 23:30 UTC is still Saturday in London in winter (GMT)...
        ("2026-03-22T04:00", "2026-03-28T23:30", "2026-03-28"),
        # ...and Sunday 00:30 once BST has begun: the deadline moves to the next day.
        ("2026-03-29T04:00", "2026-04-04T23:30", "2026-04-05"),
        # A window already open (four hours from 23:30) counts: it opened 'now'.
        ("2026-04-05T01:00", "2026-04-04T23:30", "2026-04-05"),
        ("2026-04-05T03:30", "2026-04-11T23:30", "2026-04-12"),
        # Back to GMT after 25 October.
        ("2026-10-26T00:00", "2026-10-31T23:30", "2026-10-31"),
        # notAllowedDates 2026-12-19..2027-01-03 skip three Saturdays.
        ("2026-12-15T00:00", "2027-01-09T23:30", "2027-01-09"),
    ],
)
def test_weekly_window_and_the_london_deadline(after: str, start_utc: str, london_day: str) -> None:
    window = _windows()[WindowName.AUTO_UPGRADE]
    found = next_opening(window, at(after), "Europe/London")
    assert found is not None
    assert found.start == at(start_utc)
    assert found.date == dt.date.fromisoformat(london_day)


def test_fixed_offset_windows_do_not_follow_dst() -> None:
    # Last Sunday of the month, 02:00 at +01:00: always 01:00 UTC, which is 01:00 in London in
    # winter and 02:00 in summer; March's falls on the very minute BST begins.
    window = _windows()[WindowName.NODE_OS]
    march = next_opening(window, at("2026-03-01T00:00"), "Europe/London")
    february = next_opening(window, at("2026-02-01T00:00"), "Europe/London")
    assert march is not None and february is not None
    assert march.start == at("2026-03-29T01:00") and february.start == at("2026-02-22T01:00")
    assert (march.local.hour, march.local.tzname()) == (2, "BST")
    assert (february.local.hour, february.local.tzname()) == (1, "GMT")
    assert "Sun 2026-03-29 02:00 BST (2026-03-29 01:00 UTC)" in march.describe()


def test_default_time_in_week_slots_and_not_allowed_time() -> None:
    window = _windows()[WindowName.DEFAULT]
    assert next_opening(window, at("2026-03-02T00:00")) is not None
    first = next_opening(window, at("2026-03-02T00:00"))
    assert first is not None and first.start == at("2026-03-07T01:00")  # Saturday, slot 1
    second = next_opening(window, at("2026-03-07T02:00"))
    assert second is not None and second.start == at("2026-03-07T02:00")  # slot 2
    # notAllowedTime 2026-12-24..27 takes Saturday 26 December.
    christmas = next_opening(window, at("2026-12-20T00:00"))
    assert christmas is not None and christmas.start == at("2027-01-02T01:00")


def test_relative_monthly_every_two_months_from_the_start_date() -> None:
    _, arm = read_az_file(DATA / "maintenance.arm.json", now=NOW)
    (window,) = arm.upgrade.windows
    # First Tuesday every 2 months from February 2026, 22:00 at +05:30 (16:30 UTC).
    # The February window (3 Feb 16:30 UTC, eight hours) has closed by 5 February.
    found = next_opening(window, at("2026-02-05T00:00"), "Asia/Kolkata")
    assert found is not None and found.start == at("2026-04-07T16:30")
    assert found.date == dt.date(2026, 4, 7)


def test_absolute_monthly_on_a_day_a_month_lacks_and_daily_intervals() -> None:
    monthly = MaintenanceWindow(
        cluster="c",
        name=WindowName.AUTO_UPGRADE,
        rules=(WindowRule(kind="absoluteMonthly", day_of_month=31),),
        start_time="03:00",
    )
    found = next_opening(monthly, at("2026-02-01T00:00"))
    assert found is not None and found.start == at("2026-02-28T03:00")  # the last day instead
    daily = MaintenanceWindow(
        cluster="c",
        name=WindowName.NODE_OS,
        rules=(WindowRule(kind="daily", interval=3),),
        start_date="2026-03-01",
        start_time="04:00",
    )
    found = next_opening(daily, at("2026-03-02T00:00"))
    assert found is not None and found.start == at("2026-03-04T04:00")


def test_unreadable_offset_gives_no_window() -> None:
    window = MaintenanceWindow(
        cluster="c",
        name=WindowName.AUTO_UPGRADE,
        rules=(WindowRule(kind="daily"),),
        utc_offset="CET",
    )
    assert next_opening(window, NOW) is None
