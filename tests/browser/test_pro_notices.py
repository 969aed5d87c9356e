"""Your notices in a real browser: empty and with notices, accessible; e-mail turned off with the
keyboard alone (issue 13)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from taxpro import clock
from tests.authorizations.conftest import approve_and_record, make_taxpayer, submit
from tests.browser.conftest import (
    assert_accessible,
    enter_authenticator_code,
    sign_in_with_password,
    tab_to,
)
from tests.views.pro_support import practitioner

pytestmark = pytest.mark.browser


def test_notices_are_listed_and_e_mail_is_turned_off_with_the_keyboard(
    page: Page, live_server
) -> None:
    rep = practitioner()
    sign_in_with_password(page, live_server.url, rep.user.email, next_url="/pro/notices/")
    enter_authenticator_code(page, rep.user.totp_secret)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your notices")
    expect(page.get_by_text("You have no notices yet.")).to_be_visible()
    assert_accessible(page)

    approve_and_record(submit(rep, make_taxpayer(), now=clock.now()), now=clock.now())
    page.reload()
    expect(page.get_by_role("heading", name="A request was recorded")).to_be_visible()
    assert_accessible(page)

    checkbox = page.get_by_label("E-mail me when a request is recorded or is about to expire")
    expect(checkbox).to_be_checked()
    tab_to(page, "#id_email")
    page.keyboard.press("Space")
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.get_by_text("Notices will no longer be e-mailed to you.")).to_be_visible()
    expect(checkbox).not_to_be_checked()
    assert_accessible(page)
