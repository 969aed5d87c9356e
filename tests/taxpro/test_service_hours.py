"""R40, R41: the service hours, checked minute by minute against an independent oracle.

The oracle does not use zoneinfo: it applies the US daylight-saving rule (since 2007: from the
second Sunday of March at 2:00 to the first Sunday of November at 2:00, local time) by hand and
works in UTC, so a mistake in how the portal reads the wall clock cannot hide in both.
"""

from __future__ import annotations

import datetime as dt
import functools

import pytest

from taxpro.clock import ET
from taxpro.service_hours.hours import (
    Window,
    is_service_open,
    is_within_weekly_hours,
    next_opening,
)

UTC = dt.UTC
MINUTE = dt.timedelta(minutes=1)


def _nth_sunday(year: int, month: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    first_sunday = first + dt.timedelta(days=(6 - first.weekday()) % 7)
    return first_sunday + dt.timedelta(weeks=n - 1)


EDT = dt.timedelta(hours=-4)
EST = dt.timedelta(hours=-5)


# Once a year, not once a minute: the 2.6 million minutes below ask for the same five years'
# changes, and working them out anew each time was nine tenths of that test's time.
@functools.cache
def oracle_daylight_saving_utc(year: int) -> tuple[dt.datetime, dt.datetime]:
    """When daylight saving time starts and ends in ``year``, as UTC instants."""
    # 2:00 EST = 7:00 UTC (spring forward); 2:00 EDT = 6:00 UTC (fall back).
    dst_starts = dt.datetime.combine(_nth_sunday(year, 3, 2), dt.time(7), tzinfo=UTC)
    dst_ends = dt.datetime.combine(_nth_sunday(year, 11, 1), dt.time(6), tzinfo=UTC)
    return dst_starts, dst_ends


def oracle_utc_offset(instant_utc: dt.datetime) -> dt.timedelta:
    """Eastern Time's offset from UTC at a UTC instant, from the statute, not the tz database."""
    dst_starts, dst_ends = oracle_daylight_saving_utc(instant_utc.year)
    return EDT if dst_starts <= instant_utc < dst_ends else EST


def oracle_is_open(instant_utc: dt.datetime) -> bool:
    wall = (instant_utc + oracle_utc_offset(instant_utc)).replace(tzinfo=None)
    minutes_into_week = wall.weekday() * 1440 + wall.hour * 60 + wall.minute
    monday_6 = 6 * 60
    saturday_21 = 5 * 1440 + 21 * 60
    sunday_10 = 6 * 1440 + 10 * 60
    return monday_6 <= minutes_into_week < saturday_21 or minutes_into_week >= sunday_10


def test_r41_open_or_shut_matches_the_oracle_for_every_minute_of_2026_to_2030() -> None:
    moment = dt.datetime(2026, 1, 1, tzinfo=UTC)
    end = dt.datetime(2031, 1, 1, tzinfo=UTC)
    checked = mismatches = 0
    first_mismatch = None
    while moment < end:
        if is_within_weekly_hours(moment) != oracle_is_open(moment):
            mismatches += 1
            first_mismatch = first_mismatch or moment
        checked += 1
        moment += MINUTE
    assert checked == 2_629_440
    assert mismatches == 0, f"{mismatches} minutes disagree, first at {first_mismatch} UTC"


def _saturday_night_closures(year: int) -> dict[dt.date, float]:
    """Length in hours of each Saturday-night closure, keyed by its Sunday (ET)."""
    lengths = {}
    day = dt.date(year, 1, 1)
    while day.year == year:
        if day.weekday() == 6:
            closes = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(21), tzinfo=ET)
            opens = next_opening(closes)
            assert not is_service_open(closes)
            assert is_service_open(closes - MINUTE)
            lengths[day] = (opens - closes.astimezone(UTC)).total_seconds() / 3600
        day += dt.timedelta(days=1)
    return lengths


@pytest.mark.parametrize("year", [2026, 2027, 2028, 2029, 2030])
def test_r41_saturday_night_closure_is_13_hours_12_on_spring_forward_14_on_fall_back(
    year: int,
) -> None:
    lengths = _saturday_night_closures(year)
    spring, fall = _nth_sunday(year, 3, 2), _nth_sunday(year, 11, 1)
    assert lengths.pop(spring) == 12
    assert lengths.pop(fall) == 14
    assert set(lengths.values()) == {13}


def test_r40_a_normal_week_has_149_open_hours() -> None:
    start = dt.datetime(2026, 6, 8, tzinfo=ET)  # a Monday, no clock change that week
    minutes = sum(is_service_open(start + i * MINUTE) for i in range(7 * 24 * 60))
    assert minutes == 149 * 60


@pytest.mark.parametrize(
    ("wall", "is_open"),
    [
        ("2026-11-23 05:59", False),  # Monday before 6:00
        ("2026-11-23 06:00", True),
        ("2026-11-28 20:59", True),  # Saturday
        ("2026-11-28 21:00", False),
        ("2026-11-29 09:59", False),  # Sunday
        ("2026-11-29 10:00", True),
        ("2026-11-29 23:59", True),
        ("2026-11-30 00:00", False),  # midnight Sunday -> Monday
    ],
)
def test_r40_the_edges_of_the_weekly_hours(wall: str, is_open: bool) -> None:
    moment = dt.datetime.fromisoformat(wall).replace(tzinfo=ET)
    assert is_service_open(moment) is is_open


def test_r40_a_maintenance_window_closes_the_portal_for_its_span() -> None:
    starts = dt.datetime(2026, 11, 24, 12, 0, tzinfo=ET)
    window = Window(starts, starts + dt.timedelta(hours=2))
    assert is_service_open(starts - MINUTE, [window])
    assert not is_service_open(starts, [window])
    assert not is_service_open(window.ends_at - MINUTE, [window])
    assert is_service_open(window.ends_at, [window])
    assert next_opening(starts, [window]) == window.ends_at


def test_r42_next_opening_skips_a_window_that_ends_inside_the_weekly_closure() -> None:
    saturday_evening = dt.datetime(2026, 11, 28, 19, 0, tzinfo=ET)
    window = Window(saturday_evening, dt.datetime(2026, 11, 29, 3, 0, tzinfo=ET))
    assert next_opening(saturday_evening, [window]) == dt.datetime(2026, 11, 29, 10, tzinfo=ET)


def test_r42_next_opening_skips_a_window_that_covers_the_weekly_opening() -> None:
    sunday_early = dt.datetime(2026, 11, 29, 8, 0, tzinfo=ET)
    window = Window(sunday_early, dt.datetime(2026, 11, 29, 14, 0, tzinfo=ET))
    assert next_opening(sunday_early, [window]) == window.ends_at


def test_r41_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="Naive"):
        is_service_open(dt.datetime(2026, 11, 24, 12, 0))
