"""Setting up and managing the second factor (authenticator app, recovery codes, security keys),
each page checked with axe-core on the way."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    assert_accessible,
    enter_authenticator_code,
    fresh_totp_code,
    sign_in_with_password,
)
from tests.factories import PASSWORD, PractitionerFactory, enrol_totp

pytestmark = pytest.mark.browser


def confirm_password_if_asked(page: Page) -> None:
    """allauth asks for the password again before changes to how someone signs in."""
    if page.get_by_role("heading", name="Confirm it is you").count():
        assert_accessible(page)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()


@pytest.fixture
def signed_in_practitioner(page: Page, live_server):
    """A practitioner with an authenticator app, signed in with password and code."""
    practitioner = PractitionerFactory()
    practitioner.totp_secret = enrol_totp(practitioner)
    sign_in_with_password(page, live_server.url, practitioner.email)
    enter_authenticator_code(page, practitioner.totp_secret)
    expect(page).to_have_url(f"{live_server.url}/pro/")
    return practitioner


def test_a_practitioner_turns_on_an_authenticator_app_and_sees_recovery_codes(
    page: Page, live_server
) -> None:
    practitioner = PractitionerFactory()
    sign_in_with_password(page, live_server.url, practitioner.email)
    page.goto(f"{live_server.url}/auth/2fa/totp/activate/")
    confirm_password_if_asked(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up an authenticator app")

    # A wrong code first: the error summary on the set-up page.
    page.get_by_label("Authenticator code").fill("000000")
    page.get_by_role("button", name="Turn on authenticator app").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    assert_accessible(page)

    # The same secret stays on the page while the form is corrected.
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(fresh_totp_code(secret))
    page.get_by_role("button", name="Turn on authenticator app").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    expect(page.locator(".recovery-codes li")).not_to_have_count(0)
    assert_accessible(page)

    page.get_by_role("link", name="Back to sign-in security").click()
    expect(page.get_by_text("Your authenticator app is set up.")).to_be_visible()
    assert_accessible(page)


def test_the_sign_in_security_pages_have_no_accessibility_violations(
    page: Page, live_server, signed_in_practitioner
) -> None:
    page.get_by_role("link", name="Sign-in security").click()
    expect(page).to_have_url(re.compile(r"/auth/2fa/$"))
    assert_accessible(page)

    page.get_by_role("link", name="Make new recovery codes").click()
    confirm_password_if_asked(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Make new recovery codes")
    assert_accessible(page)
    page.get_by_role("button", name="Make new codes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    assert_accessible(page)

    page.goto(f"{live_server.url}/auth/2fa/totp/deactivate/")
    confirm_password_if_asked(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove authenticator app")
    assert_accessible(page)

    page.goto(f"{live_server.url}/auth/2fa/webauthn/add/")
    confirm_password_if_asked(page)
    assert_accessible(page)


def test_confirming_it_is_you_with_a_recovery_code_instead_of_a_password(
    page: Page, live_server, signed_in_practitioner
) -> None:
    # A recovery code, because the app's current code was just used to sign in (no replays).
    recovery_code = RecoveryCodes.activate(signed_in_practitioner).get_unused_codes()[0]
    page.goto(f"{live_server.url}/auth/2fa/reauthenticate/?next=/auth/2fa/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    assert_accessible(page)
    page.get_by_label("Code").fill(recovery_code)
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/auth/2fa/$"))


def test_a_wrong_code_at_sign_in_is_reported_in_the_error_summary(page: Page, live_server) -> None:
    practitioner = PractitionerFactory()
    secret = enrol_totp(practitioner)
    sign_in_with_password(page, live_server.url, practitioner.email)
    wrong = f"{(int(fresh_totp_code(secret)) + 1) % 1_000_000:06d}"
    page.get_by_label("Code").fill(wrong)
    page.get_by_role("button", name="Continue").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(page.get_by_label("Code")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
