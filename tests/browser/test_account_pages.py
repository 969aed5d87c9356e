"""Creating an account, confirming the email address, resetting a password and signing out,
each page checked with axe-core on the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, sign_in_with_password
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a-long-and-unusual-passphrase"


def link_in_last_email(mailoutbox, path: str) -> str:
    match = re.search(rf"https?://\S+{re.escape(path)}\S+", mailoutbox[-1].body)
    assert match is not None, mailoutbox[-1].body
    return match.group(0)


def test_a_tax_professional_creates_an_account_and_confirms_their_email(
    page: Page, live_server, mailoutbox
) -> None:
    page.goto(f"{live_server.url}/pro/signup/")
    # USWDS draws its own radio button over the real input, so people (and tests) click the label.
    page.get_by_text("I am a tax professional").click()
    expect(page.get_by_label("I am a tax professional")).to_be_checked()
    page.get_by_label("Email").fill("new.cpa@example.test")
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password (again)").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert_accessible(page)

    page.goto(link_in_last_email(mailoutbox, "/auth/confirm-email/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email address")
    expect(page.get_by_text("new.cpa@example.test")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/auth/login/"))
    assert_accessible(page)


def test_an_expired_confirmation_link_says_what_to_do(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/auth/confirm-email/not-a-real-key/")
    expect(page.get_by_text("This link has expired or is not valid.")).to_be_visible()
    assert_accessible(page)


def test_a_password_reset_goes_from_request_to_new_password(
    page: Page, live_server, mailoutbox
) -> None:
    taxpayer = UserFactory()
    page.goto(f"{live_server.url}/auth/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    assert_accessible(page)
    page.get_by_label("Email").fill(taxpayer.email)
    page.get_by_role("button", name="Send me the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert_accessible(page)

    page.goto(link_in_last_email(mailoutbox, "/auth/password/reset/key/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    assert_accessible(page)
    # Two different passwords: the error summary and the field's own error, still axe-clean.
    page.get_by_label("New Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New Password (again)").fill(NEW_PASSWORD + "x")
    page.get_by_role("button", name="Save new password").click()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("New Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New Password (again)").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save new password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your password has changed")
    assert_accessible(page)


def test_a_used_or_broken_password_reset_link_says_what_to_do(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/auth/password/reset/key/1-set-password/")
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    assert_accessible(page)


def test_a_wrong_password_is_reported_in_the_error_summary(page: Page, live_server) -> None:
    taxpayer = UserFactory()
    page.goto(f"{live_server.url}/auth/login/")
    page.get_by_label("Email").fill(taxpayer.email)
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("not correct")
    assert_accessible(page)


def test_the_sign_out_page_asks_before_signing_out(page: Page, live_server) -> None:
    taxpayer = UserFactory()
    sign_in_with_password(page, live_server.url, taxpayer.email)
    page.goto(f"{live_server.url}/auth/logout/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign out")
    assert_accessible(page)
    page.get_by_role("main").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()


@pytest.mark.parametrize("path", ["/auth/email/", "/auth/password/change/"])
def test_the_account_settings_pages_have_no_accessibility_violations(
    page: Page, live_server, path: str
) -> None:
    taxpayer = UserFactory()
    sign_in_with_password(page, live_server.url, taxpayer.email)
    page.goto(f"{live_server.url}{path}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
    # Sent empty: the error summary and each field's error.
    page.locator("form.usa-form").last.locator("button[type=submit]").last.click()
    page.wait_for_load_state()
    assert_accessible(page)
