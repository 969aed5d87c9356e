"""R42: record each opening and closing once, and drain approvals on opening."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from authorizations.models import ServiceEvent, ServiceEventKind
from authorizations.selectors import maintenance_windows_around
from authorizations.service_hours import Window, is_service_open
from authorizations.services.recording import approvals_drain
from taxpro import clock
from taxpro.clock import ET

_BOUNDARY_TIMES = (dt.time(0, 0), dt.time(6, 0), dt.time(10, 0), dt.time(21, 0))
_LOOKBACK_DAYS = 8
_JUST_BEFORE = dt.timedelta(microseconds=1)


def last_transition(now: dt.datetime, windows: list[Window]) -> dt.datetime:
    """The latest instant <= ``now`` at which open/shut last changed to its state at ``now``."""
    state = is_service_open(now, windows)
    today = clock.today_et(now)
    candidates = [
        dt.datetime.combine(today - dt.timedelta(days=back), at, tzinfo=ET).astimezone(dt.UTC)
        for back in range(_LOOKBACK_DAYS + 1)
        for at in _BOUNDARY_TIMES
    ]
    candidates += [edge for w in windows for edge in (w.starts_at, w.ends_at)]
    for candidate in sorted((c for c in candidates if c <= now), reverse=True):
        if (
            is_service_open(candidate, windows) == state
            and is_service_open(candidate - _JUST_BEFORE, windows) != state
        ):
            return candidate
    return now


def service_transitions_record(*, now: dt.datetime | None = None) -> ServiceEvent:
    """Record the opening or closing that put the service in its present state.

    Two beats, or a beat run twice, find the same boundary and so the same row.
    """
    now = now or clock.now()
    # Windows that ended in the look-back period matter too.
    windows = maintenance_windows_around(now - dt.timedelta(days=_LOOKBACK_DAYS))
    kind = ServiceEventKind.OPENED if is_service_open(now, windows) else ServiceEventKind.CLOSED
    at = last_transition(now, windows)
    try:
        with transaction.atomic():
            event, _created = ServiceEvent.objects.get_or_create(
                kind=kind, at=at, defaults={"recorded_at": now}
            )
    except IntegrityError:
        event = ServiceEvent.objects.get(kind=kind, at=at)
    if kind == ServiceEventKind.OPENED:
        drained = approvals_drain(now=now)
        if drained:
            ServiceEvent.objects.filter(pk=event.pk).update(drained=event.drained + drained)
    return event
