"""R40, R44: staff schedule, move and cancel maintenance windows through services that audit every
change; the admin goes through them too. A window that has begun is history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from taxpro.models import AuditEvent, MaintenanceWindow
from taxpro.service_hours.selectors import portal_is_open
from taxpro.service_hours.services import (
    MaintenanceWindowRefused,
    maintenance_window_cancel,
    maintenance_window_move,
    maintenance_window_schedule,
)
from tests.factories import PractitionerFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 17, 0, tzinfo=dt.UTC)  # a Tuesday, noon in ET
HOUR = dt.timedelta(hours=1)


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


def test_r40_a_scheduled_window_closes_the_portal_and_is_audited(staff_user) -> None:
    window = maintenance_window_schedule(
        starts_at=NOW + HOUR, ends_at=NOW + 3 * HOUR, reason=" Upgrade ", actor=staff_user, now=NOW
    )
    assert window.reason == "Upgrade"
    assert portal_is_open(NOW) and not portal_is_open(NOW + 2 * HOUR)
    assert portal_is_open(NOW + 3 * HOUR)
    (event,) = _events("service.maintenance.scheduled")
    assert event.actor == staff_user and event.object_id == str(window.pk)
    assert event.after["reason"] == "Upgrade"


def test_r40_only_staff_schedule_and_a_window_must_end_after_it_starts(staff_user) -> None:
    with pytest.raises(MaintenanceWindowRefused):
        maintenance_window_schedule(
            starts_at=NOW + HOUR, ends_at=NOW + 2 * HOUR, actor=PractitionerFactory(), now=NOW
        )
    with pytest.raises(MaintenanceWindowRefused, match="end after it starts"):
        maintenance_window_schedule(
            starts_at=NOW + 2 * HOUR, ends_at=NOW + HOUR, actor=staff_user, now=NOW
        )
    assert not MaintenanceWindow.objects.exists() and not AuditEvent.objects.exists()


def test_r44_moving_a_window_keeps_before_and_after_and_an_ended_one_stays(staff_user) -> None:
    window = maintenance_window_schedule(
        starts_at=NOW + HOUR, ends_at=NOW + 2 * HOUR, actor=staff_user, now=NOW
    )
    moved = maintenance_window_move(
        window=window, starts_at=NOW + 5 * HOUR, ends_at=NOW + 6 * HOUR, actor=staff_user, now=NOW
    )
    assert (moved.starts_at, moved.ends_at) == (NOW + 5 * HOUR, NOW + 6 * HOUR)
    (event,) = _events("service.maintenance.moved")
    assert event.before["starts_at"] == (NOW + HOUR).isoformat()
    assert event.after["starts_at"] == (NOW + 5 * HOUR).isoformat()
    later = NOW + 7 * HOUR
    with pytest.raises(MaintenanceWindowRefused, match="over"):
        maintenance_window_move(
            window=moved,
            starts_at=later + HOUR,
            ends_at=later + 2 * HOUR,
            actor=staff_user,
            now=later,
        )
    moved.refresh_from_db()
    assert moved.starts_at == NOW + 5 * HOUR


def test_r47_cancelling_a_future_window_twice_has_one_effect_and_a_begun_one_stays(
    staff_user,
) -> None:
    future = maintenance_window_schedule(
        starts_at=NOW + HOUR, ends_at=NOW + 2 * HOUR, actor=staff_user, now=NOW
    )
    maintenance_window_cancel(window=future, actor=staff_user, now=NOW)
    maintenance_window_cancel(window=future, actor=staff_user, now=NOW)
    assert not MaintenanceWindow.objects.filter(pk=future.pk).exists()
    assert len(_events("service.maintenance.cancelled")) == 1

    begun = maintenance_window_schedule(
        starts_at=NOW - HOUR, ends_at=NOW + HOUR, actor=staff_user, now=NOW - 2 * HOUR
    )
    with pytest.raises(MaintenanceWindowRefused, match="has begun"):
        maintenance_window_cancel(window=begun, actor=staff_user, now=NOW)
    assert MaintenanceWindow.objects.filter(pk=begun.pk).exists()


def test_r44_the_admin_schedules_through_the_service_and_says_a_bad_end_in_words(
    client, staff_user
) -> None:
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    add = reverse("admin:taxpro_maintenancewindow_add")
    starts = dt.datetime(2030, 6, 4, 14, 0)
    form = {
        "starts_at_0": starts.strftime("%Y-%m-%d"),
        "starts_at_1": starts.strftime("%H:%M:%S"),
        "ends_at_0": starts.strftime("%Y-%m-%d"),
        "ends_at_1": "13:00:00",
        "reason": "Upgrade",
    }
    refused = client.post(add, form)
    assert refused.status_code == 200
    assert "The maintenance must end after it starts." in refused.content.decode()
    assert not MaintenanceWindow.objects.exists()

    response = client.post(add, {**form, "ends_at_1": "16:00:00"})
    assert response.status_code == 302
    window = MaintenanceWindow.objects.get()
    (event,) = _events("service.maintenance.scheduled")
    assert event.object_id == str(window.pk) and event.actor == staff_user


def test_a_window_is_named_in_eastern_time_as_its_admin_form_is_filled(staff_user) -> None:
    window = maintenance_window_schedule(
        starts_at=NOW + HOUR, ends_at=NOW + 3 * HOUR, reason="", actor=staff_user, now=NOW
    )
    # 18:00 and 20:00 UTC on December 1 are 13:00 and 15:00 Eastern (standard time).
    assert str(window) == "Maintenance 2026-12-01 13:00 to 2026-12-01 15:00 Eastern Time"
