"""Reads of the authorizations app that span relations or apply who may see what."""

from __future__ import annotations

import datetime as dt

from authorizations.models import MaintenanceWindow
from authorizations.service_hours import Window, is_service_open, next_opening


def maintenance_windows_around(moment: dt.datetime) -> list[Window]:
    """Windows that matter for ``moment``: those not yet over, within the coming weeks."""
    horizon = moment + dt.timedelta(days=60)
    return [
        Window(w.starts_at, w.ends_at)
        for w in MaintenanceWindow.objects.filter(ends_at__gt=moment, starts_at__lt=horizon)
    ]


def portal_is_open(moment: dt.datetime) -> bool:
    """R41: evaluated from the time and the scheduled windows, every time it is asked."""
    return is_service_open(moment, maintenance_windows_around(moment))


def portal_next_opening(moment: dt.datetime) -> dt.datetime:
    return next_opening(moment, maintenance_windows_around(moment))
