"""When the practitioner portal is open (R40, R41): a pure function of the time and the windows.

The weekly hours are stated in Eastern wall-clock time, so daylight saving is handled by
converting to ET and reading the wall clock: the Saturday-night closure (Sat 21:00 to Sun 10:00)
is then 13 hours in a normal week, 12 on the spring-forward Sunday and 14 on the fall-back one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from taxpro.clock import ET, to_et

HOURS_SUMMARY = (
    "Monday 6:00 a.m. to Saturday 9:00 p.m., and Sunday 10:00 a.m. to midnight, Eastern Time"
)

MONDAY, SATURDAY, SUNDAY = 0, 5, 6
MONDAY_OPENS = dt.time(6, 0)
SATURDAY_CLOSES = dt.time(21, 0)
SUNDAY_OPENS = dt.time(10, 0)


class Window(NamedTuple):
    """A scheduled maintenance window: closed from ``starts_at`` (inclusive) to ``ends_at``."""

    starts_at: dt.datetime
    ends_at: dt.datetime


def is_within_weekly_hours(at: dt.datetime) -> bool:
    local = to_et(at)
    weekday, wall = local.weekday(), local.time()
    if weekday == MONDAY:
        return wall >= MONDAY_OPENS
    if weekday == SATURDAY:
        return wall < SATURDAY_CLOSES
    if weekday == SUNDAY:
        return wall >= SUNDAY_OPENS
    return True


def in_window(at: dt.datetime, windows: Iterable[Window]) -> bool:
    return any(w.starts_at <= at < w.ends_at for w in windows)


def is_service_open(
    at: dt.datetime, windows: Sequence[Window] = (), *, weekly_hours: bool = True
) -> bool:
    """R41: open or shut is computed from ``at`` on every request, never read from a flag.

    ``weekly_hours=False`` drops the R40 week and keeps only the maintenance windows: the test
    suite runs that way (settings.SERVICE_HOURS = "always") so that a test run at 3 a.m. on a
    Sunday behaves like one at noon on a Tuesday. Tests of the hours themselves pass True.
    """
    return (not weekly_hours or is_within_weekly_hours(at)) and not in_window(at, windows)


def _weekly_openings_after(at: dt.datetime, days: int = 8) -> list[dt.datetime]:
    local_day = to_et(at).date()
    openings = []
    for offset in range(days + 1):
        day = local_day + dt.timedelta(days=offset)
        if day.weekday() == MONDAY:
            openings.append(dt.datetime.combine(day, MONDAY_OPENS, tzinfo=ET))
        elif day.weekday() == SUNDAY:
            openings.append(dt.datetime.combine(day, SUNDAY_OPENS, tzinfo=ET))
    # Compare and return in UTC: Python compares and subtracts two datetimes that share a
    # tzinfo by their wall clocks, which is wrong across a daylight-saving change.
    return [o.astimezone(dt.UTC) for o in openings if o.astimezone(dt.UTC) > at]


def next_opening(
    at: dt.datetime, windows: Sequence[Window] = (), *, weekly_hours: bool = True
) -> dt.datetime:
    """The first instant at or after ``at`` when the portal is open, in UTC."""
    at = to_et(at).astimezone(dt.UTC)
    if is_service_open(at, windows, weekly_hours=weekly_hours):
        return at
    moment = at
    # Each pass moves past one closure; windows can chain, so bound the passes.
    for _ in range(len(windows) + 16):
        weekly = _weekly_openings_after(moment) if weekly_hours else []
        candidates = weekly + [w.ends_at for w in windows if w.ends_at > moment]
        for candidate in sorted(candidates):
            if is_service_open(candidate, windows, weekly_hours=weekly_hours):
                return candidate
        moment = max(candidates)
    raise ValueError("No opening found: the maintenance windows cover too long a span.")
