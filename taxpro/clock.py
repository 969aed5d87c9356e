"""The one place that says what time it is, and what "today" means.

Rules speak of calendar days in Eastern Time (rules.md: "Today" and "the same day" always mean
the calendar day in ET). Everything is stored in UTC; services take ``now=`` so tests control
time without sleeping or patching globals, and fall back to :func:`now` here.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

ET = ZoneInfo("America/New_York")


def now() -> dt.datetime:
    """The current instant, aware, in UTC."""
    return timezone.now()


def to_et(moment: dt.datetime) -> dt.datetime:
    if timezone.is_naive(moment):
        raise ValueError("Naive datetimes are refused: every instant must carry its zone.")
    return moment.astimezone(ET)


def today_et(moment: dt.datetime | None = None) -> dt.date:
    """The calendar day in Eastern Time at ``moment`` (default: now)."""
    return to_et(moment or now()).date()


def start_of_day_et(day: dt.date) -> dt.datetime:
    """Midnight ET that begins ``day``, as an aware datetime."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=ET)
