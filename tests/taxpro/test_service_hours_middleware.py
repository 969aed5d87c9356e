"""R40-R42 at the edge: outside the hours every /pro/ page is the closed page; nobody else is."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from taxpro import clock
from taxpro.clock import ET
from taxpro.models import MaintenanceWindow
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# 3 a.m. on a Sunday in ET: shut by the weekly hours (R40); it opens at 10 a.m.
SUNDAY_3AM = dt.datetime(2026, 11, 29, 3, 0, tzinfo=ET)


@pytest.fixture
def maintenance_now() -> MaintenanceWindow:
    now = clock.now()
    return MaintenanceWindow.objects.create(
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=2),
        reason="The portal is closed for scheduled maintenance.",
    )


def test_r42_pro_pages_answer_503_with_retry_after_during_maintenance(
    client: Client, practitioner_user, maintenance_now
) -> None:
    client.force_login(practitioner_user)
    response = client.get("/pro/")
    assert response.status_code == 503
    retry_after = int(response["Retry-After"])
    assert 2 * 3600 - 120 <= retry_after <= 2 * 3600
    body = response.content.decode()
    assert "is closed" in body
    assert "scheduled maintenance" in body
    opening = maintenance_now.ends_at.astimezone(ET)
    assert opening.strftime("%B") in body and "Eastern Time" in body


def test_r42_a_post_to_pro_while_closed_is_answered_closed_not_acted_on(
    client: Client, practitioner_user, maintenance_now
) -> None:
    client.force_login(practitioner_user)
    response = client.post("/pro/", {"anything": "x"})
    assert response.status_code == 503


def test_r42_anonymous_visitors_to_pro_also_see_the_closed_page(
    client: Client, maintenance_now
) -> None:
    assert client.get("/pro/").status_code == 503


def test_r42_taxpayers_and_staff_are_not_closed_out(
    client: Client, staff_user, maintenance_now
) -> None:
    client.force_login(UserFactory())
    assert client.get("/account/").status_code == 200
    client.force_login(staff_user)
    assert client.get("/admin/").status_code == 200


def test_r42_htmx_requests_are_told_to_reload_onto_the_closed_page(
    client: Client, practitioner_user, maintenance_now
) -> None:
    client.force_login(practitioner_user)
    response = client.get("/pro/", HTTP_HX_REQUEST="true")
    assert response.status_code == 503
    assert response["HX-Refresh"] == "true"


def test_r41_the_portal_opens_again_when_the_window_ends(
    client: Client, practitioner_user, maintenance_now
) -> None:
    client.force_login(practitioner_user)
    assert client.get("/pro/").status_code == 503
    MaintenanceWindow.objects.filter(pk=maintenance_now.pk).update(
        ends_at=clock.now() - dt.timedelta(seconds=1)
    )
    # No flag was flipped: the next request computes open from the time and the windows.
    assert client.get("/pro/").status_code == 200


def test_r40_at_a_closed_hour_of_the_week_pro_is_closed_until_sunday_10am(
    client: Client, practitioner_user, weekly_service_hours, monkeypatch
) -> None:
    # The one test that moves the clock: the weekly hours close /pro/ with no window at all.
    monkeypatch.setattr(clock, "now", lambda: SUNDAY_3AM.astimezone(dt.UTC))
    client.force_login(practitioner_user)
    response = client.get("/pro/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(7 * 3600)
    body = response.content.decode()
    assert "Sunday, November 29, 2026 at 10 a.m. Eastern Time" in body
    assert "outside the hours of service" in body


def test_a_windows_staff_note_is_never_shown_word_for_word_on_the_closed_page(
    client: Client, practitioner_user
) -> None:
    now = clock.now()
    MaintenanceWindow.objects.create(
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=1),
        reason="DB failover, ask Sam; ticket OPS-4411",
    )
    client.force_login(practitioner_user)
    body = client.get("/pro/").content.decode()
    assert "closed for scheduled maintenance" in body
    assert "OPS-4411" not in body and "Sam" not in body
