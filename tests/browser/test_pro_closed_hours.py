"""R40-R42 in a real browser: the closed page at a closed time, and nothing typed is lost."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from authorizations.models import RequestDraft
from taxpro import clock
from taxpro.clock import ET
from taxpro.models import MaintenanceWindow
from tests.authorizations.conftest import make_rep, make_taxpayer
from tests.browser.conftest import (
    assert_accessible,
    enter_authenticator_code,
    sign_in_with_password,
)
from tests.factories import enrol_totp

pytestmark = pytest.mark.browser

# 3 a.m. on a Sunday in ET: shut by the weekly hours (R40) until 10 a.m.
SUNDAY_3AM = dt.datetime(2026, 11, 29, 3, 0, tzinfo=ET)


def _signed_in_practitioner(page: Page, base_url: str):
    rep = make_rep(code="b")
    secret = enrol_totp(rep.user)
    sign_in_with_password(page, base_url, rep.user.email)
    enter_authenticator_code(page, secret)
    return rep


def test_r42_at_a_closed_hour_of_the_week_the_practitioner_gets_the_closed_page(
    page: Page, live_server, weekly_service_hours, monkeypatch
) -> None:
    # The live server runs in this process: moving the portal's clock moves it for the server.
    # (Before signing in, so that the session's own clock agrees.)
    monkeypatch.setattr(clock, "now", lambda: SUNDAY_3AM.astimezone(dt.UTC))
    _signed_in_practitioner(page, live_server.url)
    response = page.goto(f"{live_server.url}/pro/requests/")
    assert response is not None and response.status == 503
    assert response.headers["retry-after"] == str(7 * 3600)
    expect(page.get_by_role("heading", level=1)).to_have_text("Tax Pro Portal is closed")
    expect(page.get_by_text("Sunday, November 29, 2026 at 10 a.m. Eastern Time")).to_be_visible()
    assert_accessible(page)
    # Taxpayers and staff are not closed out (R42): the front door and sign-in still answer.
    assert page.goto(f"{live_server.url}/accessibility/").status == 200


def test_r42_a_step_sent_during_maintenance_is_kept_in_the_draft(page: Page, live_server) -> None:
    rep = _signed_in_practitioner(page, live_server.url)
    taxpayer = make_taxpayer()
    page.goto(f"{live_server.url}/pro/requests/new/")
    page.get_by_role("button", name="Start a new request").click()
    page.locator("label[for=id_kind_1]").click()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Taxpayer's full name").fill(taxpayer.name)
    page.get_by_label("Street address").fill(taxpayer.address_line1)

    # Staff close the portal for maintenance while the practitioner is typing.
    now = clock.now()
    window = MaintenanceWindow.objects.create(
        starts_at=now - dt.timedelta(minutes=1),
        ends_at=now + dt.timedelta(hours=1),
        reason="The portal is closed for scheduled maintenance.",
    )
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Continue").click()
    assert answer.value.status == 503
    expect(page.get_by_text("saved in your draft request")).to_be_visible()
    assert_accessible(page)

    # The window ends; the practitioner continues from Home and finds what they typed.
    MaintenanceWindow.objects.filter(pk=window.pk).update(ends_at=clock.now())
    page.goto(f"{live_server.url}/pro/")
    page.get_by_role("link", name="Continue the request").first.click()
    draft = RequestDraft.objects.get(owner=rep.user)
    assert draft.submitted_request is None
    page.goto(f"{live_server.url}/pro/requests/new/{draft.public_id}/taxpayer/")
    expect(page.get_by_label("Taxpayer's full name")).to_have_value(taxpayer.name)
    expect(page.get_by_label("Street address")).to_have_value(taxpayer.address_line1)
