"""The worker's safety nets, for both channels (R21, R27, R42): whatever the broker lost or a
worker dropped mid-task, approvals and forms decided to be recorded, is recorded here."""

from __future__ import annotations

import datetime as dt

from authorizations.services.forms import forms_drain
from authorizations.services.recording import approvals_drain
from taxpro import clock
from taxpro.models import ServiceEvent, ServiceEventKind
from taxpro.service_hours import services as service_hours


def ledger_drain(*, now: dt.datetime | None = None) -> int:
    """Record every approval still waiting (oldest signature first, R42), then every form the
    CAF unit decided to record. Returns how many; R27 makes the order of the two irrelevant."""
    now = now or clock.now()
    return approvals_drain(now=now) + forms_drain(now=now)


def service_transitions_record(*, now: dt.datetime | None = None) -> ServiceEvent:
    """R42: record the opening or closing the service is in (once, whatever the beats), and on
    an opening record every approval and form that waited while it was shut."""
    now = now or clock.now()
    event = service_hours.service_transitions_record(now=now)
    if event.kind == ServiceEventKind.OPENED:
        service_hours.service_event_drained_add(event=event, drained=ledger_drain(now=now))
    return event
