"""When the next planned maintenance window of a cluster opens (az aks maintenanceconfiguration).

Pure. AKS states a window in a fixed UTC offset (`utcOffset`, '+05:30'), not a time zone: it
does not move with daylight saving time, while the team it concerns reads its clock in a zone
that does. So a window is computed as an instant, and only the deadline shown to a team is
converted to the team's zone: a window on Saturday 23:30 UTC is a Saturday deadline for London
in winter and a Sunday one in summer.

Windows a cluster uses (AKS docs, "Use planned maintenance"): the Kubernetes upgrade channel
waits for aksManagedAutoUpgradeSchedule, the node OS channel for
aksManagedNodeOSUpgradeSchedule; without a dedicated one, the `default` configuration's
timeInWeek is honoured as before those existed.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aksnews.model.inventory import Cluster, NodeOSChannel, UpgradeChannel
from aksnews.model.upgrade import MaintenanceWindow, WindowName, WindowRule

_OFFSET = re.compile(r"^([+-])(\d{1,2}):?(\d{2})$")
_DAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_WEEK_INDEX = {"first": 0, "second": 1, "third": 2, "fourth": 3, "last": -1}
_HORIZON_DAYS = 400  # a monthly window every 12 months still falls inside


@dataclass(frozen=True, slots=True)
class NextWindow:
    """The next opening of a window: the instant, and the same in the team's zone."""

    window: MaintenanceWindow
    start: dt.datetime  # aware, in UTC
    local: dt.datetime  # aware, in the team's time zone

    @property
    def date(self) -> dt.date:
        """The deadline a team reads: the day the window opens on its own clock."""
        return self.local.date()

    def describe(self) -> str:
        zone = self.local.tzname() or "UTC"
        return (
            f"{self.window.name.value} opens {self.local:%a %Y-%m-%d %H:%M} {zone} "
            f"({self.start:%Y-%m-%d %H:%M} UTC)"
        )


def parse_offset(text: str) -> dt.timezone:
    m = _OFFSET.match(text.strip())
    if not m:
        raise ValueError(f"not a UTC offset like +05:30: {text!r}")
    sign = -1 if m.group(1) == "-" else 1
    return dt.timezone(sign * dt.timedelta(hours=int(m.group(2)), minutes=int(m.group(3))))


def _months_between(a: dt.date, b: dt.date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def _nth_weekday(day: dt.date, weekday: int, index: int) -> bool:
    if day.weekday() != weekday:
        return False
    if index >= 0:
        return (day.day - 1) // 7 == index
    return day.month != (day + dt.timedelta(days=7)).month  # the last one of its month


def _starts_on(rule: WindowRule, day: dt.date, anchor: dt.date | None) -> bool:
    """Whether a window of `rule` opens on `day` (a date in the window's own offset)."""
    interval = max(rule.interval, 1)
    weekday = _DAYS.get((rule.day_of_week or "").lower())
    if rule.kind == "daily":
        return anchor is None or (day - anchor).days % interval == 0
    if rule.kind == "weekly":
        if weekday is None or day.weekday() != weekday:
            return False
        return anchor is None or ((day - anchor).days // 7) % interval == 0
    if rule.kind in ("absoluteMonthly", "relativeMonthly"):
        if anchor is not None and _months_between(anchor, day) % interval != 0:
            return False
        if rule.kind == "absoluteMonthly":
            last = calendar.monthrange(day.year, day.month)[1]
            return day.day == min(rule.day_of_month or 1, last)
        index = _WEEK_INDEX.get((rule.week_index or "").lower())
        return weekday is not None and index is not None and _nth_weekday(day, weekday, index)
    return False


def _blocked(start: dt.datetime, spans: Sequence[tuple[str, str]], tz: dt.tzinfo) -> bool:
    for low, high in spans:
        try:
            if "T" in low or "T" in high:
                a = dt.datetime.fromisoformat(low.replace("Z", "+00:00"))
                b = dt.datetime.fromisoformat(high.replace("Z", "+00:00"))
                a, b = (x if x.tzinfo else x.replace(tzinfo=dt.UTC) for x in (a, b))
                if a <= start <= b:
                    return True
            elif (
                dt.date.fromisoformat(low)
                <= start.astimezone(tz).date()
                <= dt.date.fromisoformat(high)
            ):
                return True
        except ValueError:
            continue
    return False


def _candidates(window: MaintenanceWindow, day: dt.date) -> Iterable[tuple[dt.datetime, int]]:
    """(start, hours) of the windows opening on `day`, in the window's offset."""
    offset = parse_offset(window.utc_offset)
    anchor = dt.date.fromisoformat(window.start_date) if window.start_date else None
    hour, minute = (int(x) for x in window.start_time.split(":")[:2])
    for rule in window.rules:
        if rule.kind == "timeInWeek":
            # The default configuration: whole hour slots, in UTC.
            weekday = _DAYS.get((rule.day_of_week or "").lower())
            if weekday == day.weekday():
                for slot in rule.hours:
                    yield dt.datetime.combine(day, dt.time(slot), dt.UTC), 1
        elif (anchor is None or day >= anchor) and _starts_on(rule, day, anchor):
            start = dt.datetime.combine(day, dt.time(hour, minute), offset)
            yield start, window.duration_hours


def next_opening(
    window: MaintenanceWindow, after: dt.datetime, zone: str = "UTC"
) -> NextWindow | None:
    """The first opening whose window has not closed by `after`; None within ~13 months.

    A window already open at `after` counts (it opens 'now'); one inside notAllowedDates or
    notAllowedTime is skipped. An interval of weeks without a startDate cannot be phased: every
    week is taken, the earliest the window can open.
    """
    try:
        tz = zoneinfo.ZoneInfo(zone)
        offset = parse_offset(window.utc_offset)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return None
    first = after.astimezone(offset).date() - dt.timedelta(days=1)
    for n in range(_HORIZON_DAYS):
        day = first + dt.timedelta(days=n)
        for start, hours in sorted(_candidates(window, day)):
            if start + dt.timedelta(hours=hours) <= after:
                continue
            if _blocked(start, window.not_allowed, offset):
                continue
            return NextWindow(window, start.astimezone(dt.UTC), start.astimezone(tz))
    return None


def windows_of(
    cluster: str, windows: Sequence[MaintenanceWindow]
) -> dict[WindowName, MaintenanceWindow]:
    return {w.name: w for w in windows if w.cluster == cluster}


def auto_upgrade_window(
    cluster: Cluster, windows: Sequence[MaintenanceWindow], after: dt.datetime, zone: str
) -> NextWindow | None:
    """When the Kubernetes upgrade channel will next act; None without channel or window."""
    if cluster.upgrade_channel is UpgradeChannel.NONE:
        return None
    mine = windows_of(cluster.name, windows)
    window = mine.get(WindowName.AUTO_UPGRADE) or mine.get(WindowName.DEFAULT)
    return next_opening(window, after, zone) if window else None


def node_recreation_window(
    cluster: Cluster, windows: Sequence[MaintenanceWindow], after: dt.datetime, zone: str
) -> NextWindow | None:
    """The next window in which AKS will surge and drain nodes by itself: a Kubernetes
    upgrade, or a node image upgrade of the NodeImage OS channel, whichever comes first."""
    found = [auto_upgrade_window(cluster, windows, after, zone)]
    if cluster.node_os_channel is NodeOSChannel.NODE_IMAGE:
        mine = windows_of(cluster.name, windows)
        window = mine.get(WindowName.NODE_OS) or mine.get(WindowName.DEFAULT)
        found.append(next_opening(window, after, zone) if window else None)
    present = [w for w in found if w is not None]
    return min(present, key=lambda w: w.start) if present else None
