"""Each kind's home page with real requests and authorizations on it: still 0 axe violations."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from authorizations.models import RequestState
from authorizations.web.pro.wizard import services as wizard_services
from taxpro import clock
from tests.authorizations.conftest import approve_and_record, make_rep, make_taxpayer, submit
from tests.browser.conftest import (
    assert_accessible,
    enter_authenticator_code,
    sign_in_with_password,
)
from tests.factories import enrol_totp
from tests.views.pro_support import insert_request

pytestmark = pytest.mark.browser


def test_homes_with_requests_and_authorizations_are_accessible(page: Page, live_server) -> None:
    rep = make_rep(code="b")
    secret = enrol_totp(rep.user)
    taxpayers = [make_taxpayer() for _ in range(3)]
    # Fixed times inside service hours, so recording never waits for an opening (R42).
    for taxpayer in taxpayers:
        submit(rep, taxpayer)
    approve_and_record(submit(rep, taxpayers[0], kind="tia"))

    sign_in_with_password(page, live_server.url, rep.user.email)
    enter_authenticator_code(page, secret)
    expect(page).to_have_url(f"{live_server.url}/pro/")
    expect(page.get_by_text(rep.caf_record.caf_number_display, exact=False)).to_be_visible()
    expect(page.get_by_text("1 active authorization", exact=False)).to_be_visible()
    assert_accessible(page)


def test_the_practitioner_home_puts_what_needs_attention_first_accessibly(
    page: Page, live_server
) -> None:

    rep = make_rep(code="b")
    secret = enrol_totp(rep.user)
    draft = wizard_services.draft_create(practitioner=rep.user)
    insert_request(rep, make_taxpayer(), submitted_at=clock.now() - dt.timedelta(days=18))
    insert_request(rep, make_taxpayer(), state=RequestState.RECORDED)

    sign_in_with_password(page, live_server.url, rep.user.email)
    enter_authenticator_code(page, secret)
    expect(page.get_by_role("heading", name="Needs your attention")).to_be_visible()
    expect(page.get_by_role("heading", name="Requests you have not sent yet")).to_be_visible()
    expect(
        page.get_by_role("heading", name="Waiting for the taxpayer and expiring soon")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Recorded in the last 7 days")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Continue the request").first.click()
    expect(page).to_have_url(
        f"{live_server.url}/pro/requests/new/{draft.public_id}/representative/"
    )
