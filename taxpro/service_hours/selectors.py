"""Is the portal open: R40-R41 asked of the database, every time (never read from a flag)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from taxpro.models import MaintenanceWindow
from taxpro.service_hours.hours import Window, is_service_open, next_opening


def maintenance_windows_around(moment: dt.datetime) -> list[Window]:
    """Windows that matter for ``moment``: those not yet over, within the coming weeks."""
    horizon = moment + dt.timedelta(days=60)
    return [
        Window(w.starts_at, w.ends_at)
        for w in MaintenanceWindow.objects.filter(ends_at__gt=moment, starts_at__lt=horizon)
    ]


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
