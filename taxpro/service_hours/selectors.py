"""Is the portal open: R40-R41 asked of the database, every time (never read from a flag)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from taxpro.models import MaintenanceWindow
from taxpro.service_hours.hours import Window, is_service_open, next_opening

WINDOWS_HORIZON = dt.timedelta(days=60)


def maintenance_windows_around(moment: dt.datetime) -> list[Window]:
    """Windows that matter for ``moment``: those not yet over, within the coming weeks."""
    horizon = moment + WINDOWS_HORIZON
    return [
        Window(w.starts_at, w.ends_at)
        for w in MaintenanceWindow.objects.filter(ends_at__gt=moment, starts_at__lt=horizon)
    ]


def maintenance_windows_sql(moment: dt.datetime) -> tuple[str, list[dt.datetime]]:
    """The windows of :func:`maintenance_windows_around` as a scalar subquery (an array of
    [starts_at, ends_at] pairs) and its parameters, for a caller that reads them in a statement
    it sends anyway: the same rows, asked of the database on every call (R41), one round trip
    fewer. :func:`windows_from_rows` reads the value back."""
    table = MaintenanceWindow._meta.db_table
    sql = (
        f'SELECT ARRAY(SELECT ARRAY[starts_at, ends_at] FROM "{table}" '  # noqa: S608 (table name)
        "WHERE ends_at > %s AND starts_at < %s ORDER BY starts_at)"
    )
    return sql, [moment, moment + WINDOWS_HORIZON]


def windows_from_rows(rows: list[list[dt.datetime]] | None) -> list[Window]:
    return [Window(starts_at, ends_at) for starts_at, ends_at in rows or ()]


def portal_is_open_given(moment: dt.datetime, windows: list[Window]) -> bool:
    """:func:`portal_is_open` with the windows the caller read just now in its own statement."""
    return is_service_open(moment, windows, weekly_hours=_weekly_hours_apply())


def _weekly_hours_apply() -> bool:
    return settings.SERVICE_HOURS == "weekly"


def portal_is_open(moment: dt.datetime) -> bool:
    """R41: evaluated from the time and the scheduled windows, every time it is asked."""
    return is_service_open(
        moment, maintenance_windows_around(moment), weekly_hours=_weekly_hours_apply()
    )


def portal_next_opening(moment: dt.datetime) -> dt.datetime:
    return next_opening(
        moment, maintenance_windows_around(moment), weekly_hours=_weekly_hours_apply()
    )


def portal_closure_reason(moment: dt.datetime) -> str:
    """The sentence the closed page gives: maintenance, or the hours. A window's own reason is
    staff's note (the admin and the audit trail show it) and never reaches practitioners word
    for word: staff write it for each other."""
    if MaintenanceWindow.objects.filter(starts_at__lte=moment, ends_at__gt=moment).exists():
        return "It is closed for scheduled maintenance."
    return "It is outside the hours of service."
