"""Every write of the hours of service: maintenance windows (R40) scheduled, moved and cancelled
by staff, audited (R44); and each opening and closing recorded once (R42).

Draining approvals on opening is the ledger's business: :mod:`authorizations.services` calls
:func:`service_transitions_record` and then drains, and notes the count here.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F

from taxpro import clock
from taxpro.audit import audit_record
from taxpro.clock import ET
from taxpro.errors import DomainError
from taxpro.models import MaintenanceWindow, ServiceEvent, ServiceEventKind, User, UserKind
from taxpro.service_hours.hours import Window, is_service_open
from taxpro.service_hours.selectors import maintenance_windows_around

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
    return event


def service_event_drained_add(*, event: ServiceEvent, drained: int) -> None:
    """Count approvals recorded because the service opened (R42), on the opening's row."""
    if drained:
        ServiceEvent.objects.filter(pk=event.pk).update(drained=F("drained") + drained)


# --- Maintenance windows (R40): staff only, audited ------------------------------------------


class MaintenanceWindowRefused(DomainError):
    """A maintenance window that cannot be scheduled, moved or cancelled as asked."""


def _require_staff(actor: User) -> None:
    if getattr(actor, "kind", None) != UserKind.STAFF:
        raise MaintenanceWindowRefused("Only staff can schedule maintenance.")


def _window_check(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    if ends_at <= starts_at:
        raise MaintenanceWindowRefused("The maintenance must end after it starts.", field="ends_at")


def _window_state(window: MaintenanceWindow) -> dict[str, str]:
    return {
        "starts_at": window.starts_at.isoformat(),
        "ends_at": window.ends_at.isoformat(),
        "reason": window.reason,
    }


@transaction.atomic
def maintenance_window_schedule(
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    reason: str = "",
    actor: User,
    now: dt.datetime | None = None,
) -> MaintenanceWindow:
    """R40: close the practitioner portal from ``starts_at`` to ``ends_at``."""
    _require_staff(actor)
    _window_check(starts_at, ends_at)
    window = MaintenanceWindow.objects.create(
        starts_at=starts_at, ends_at=ends_at, reason=reason.strip()
    )
    audit_record(
        action="service.maintenance.scheduled",
        obj=window,
        actor=actor,
        after=_window_state(window),
        now=now,
    )
    return window


@transaction.atomic
def maintenance_window_move(
    *,
    window: MaintenanceWindow,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    reason: str | None = None,
    actor: User,
    now: dt.datetime | None = None,
) -> MaintenanceWindow:
    """Move a window (or change its reason). A window that has ended is history: never moved."""
    now = now or clock.now()
    _require_staff(actor)
    _window_check(starts_at, ends_at)
    locked = MaintenanceWindow.objects.select_for_update().get(pk=window.pk)
    if locked.ends_at <= now:
        raise MaintenanceWindowRefused("This maintenance is over; it stays as it happened.")
    before = _window_state(locked)
    locked.starts_at, locked.ends_at = starts_at, ends_at
    if reason is not None:
        locked.reason = reason.strip()
    locked.save(update_fields=["starts_at", "ends_at", "reason"])
    audit_record(
        action="service.maintenance.moved",
        obj=locked,
        actor=actor,
        before=before,
        after=_window_state(locked),
        now=now,
    )
    return locked


@transaction.atomic
def maintenance_window_cancel(
    *, window: MaintenanceWindow, actor: User, now: dt.datetime | None = None
) -> None:
    """Cancel a window that has not begun. One that has begun is history and stays."""
    now = now or clock.now()
    _require_staff(actor)
    locked = MaintenanceWindow.objects.select_for_update().filter(pk=window.pk).first()
    if locked is None:
        return  # cancelled already (R47: a replayed cancel changes nothing)
    if locked.starts_at <= now:
        raise MaintenanceWindowRefused(
            "This maintenance has begun; it stays as the record of what happened."
        )
    audit_record(
        action="service.maintenance.cancelled",
        obj=locked,
        actor=actor,
        before=_window_state(locked),
        now=now,
    )
    locked.delete()
