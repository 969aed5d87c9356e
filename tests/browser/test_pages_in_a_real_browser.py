"""Each kind of user signs in through the real pages, and the pages pass axe-core with 0 violations.

These run Chromium against the live server with the production settings (DEBUG off, strict CSP),
so the 404 page is the real template and any inline style or script shows up as a CSP refusal.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    assert_accessible,
    assert_no_console_problems,
    enter_authenticator_code,
    fresh_totp_code,
    sign_in_with_password,
    tab_to,
)
from tests.factories import PASSWORD, PractitionerFactory, StaffFactory, UserFactory, enrol_totp

pytestmark = pytest.mark.browser


def test_the_sign_in_page_has_no_accessibility_violations(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/auth/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert_accessible(page)


def test_a_taxpayer_signs_in_and_lands_on_their_online_account(page: Page, live_server) -> None:
    taxpayer = UserFactory()
    sign_in_with_password(page, live_server.url, taxpayer.email)
    expect(page).to_have_url(f"{live_server.url}/account/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your online account")
    # A signed-up user not yet connected to a taxpayer record is told so plainly.
    expect(page.get_by_text("not connected to your tax records yet")).to_be_visible()
    assert_accessible(page)


def test_a_practitioner_enters_an_authenticator_code_and_lands_on_their_tax_pro_account(
    page: Page, live_server
) -> None:
    practitioner = PractitionerFactory()
    secret = enrol_totp(practitioner)
    sign_in_with_password(page, live_server.url, practitioner.email)
    expect(page).to_have_url(f"{live_server.url}/auth/2fa/authenticate/")
    assert_accessible(page)
    enter_authenticator_code(page, secret)
    expect(page).to_have_url(f"{live_server.url}/pro/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your Tax Pro Account")
    expect(page.get_by_text("You have not linked a CAF number yet.")).to_be_visible()
    assert_accessible(page)


def test_staff_enter_an_authenticator_code_and_reach_the_admin(page: Page, live_server) -> None:
    clerk = StaffFactory()
    secret = enrol_totp(clerk)
    page.goto(f"{live_server.url}/admin/")
    # The admin sends staff through the portal's own sign-in (and so through its second factor).
    expect(page).to_have_url(re.compile(r"/auth/login/"))
    assert_accessible(page)
    page.get_by_label("Email").fill(clerk.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/auth/2fa/authenticate/")
    assert_accessible(page)
    enter_authenticator_code(page, secret)
    expect(page).to_have_url(f"{live_server.url}/admin/")
    # Django's admin is not ours to make axe-clean; reaching it is what this test proves.
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()


def test_sign_up_sent_empty_shows_an_error_summary_with_no_accessibility_violations(
    page: Page, live_server
) -> None:
    page.goto(f"{live_server.url}/auth/signup/")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_load_state()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary.get_by_role("link", name="Choose who this account is for.")).to_have_attribute(
        "href", "#id_kind_0"
    )
    # The summary takes focus so the problems are heard first; each field repeats its error.
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator("#id_email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_email_error")).to_be_visible()
    assert_accessible(page)


def test_the_error_summary_links_move_to_the_field(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/auth/signup/")
    page.get_by_role("button", name="Create account").click()
    page.locator("[data-error-summary] a[href='#id_email']").first.click()
    expect(page.locator("#id_email")).to_be_focused()


def test_the_page_not_found_page_has_no_accessibility_violations(page: Page, live_server) -> None:
    response = page.goto(f"{live_server.url}/no/such/page/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert_accessible(page)


def test_the_accessibility_guide_has_no_accessibility_violations(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/accessibility/")
    expect(page.get_by_role("heading", name="Reporting a problem")).to_be_visible()
    assert_accessible(page)


def test_the_front_door_has_no_accessibility_violations(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Tax professionals")).to_be_visible()
    expect(page.get_by_role("heading", name="Taxpayers")).to_be_visible()
    assert_accessible(page)


def test_the_front_door_reflows_at_320_pixels_without_sideways_scrolling(
    page: Page, live_server
) -> None:
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"{live_server.url}/")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 320


@pytest.mark.parametrize(
    "path", ["/auth/login/", "/auth/signup/", "/auth/password/reset/", "/accessibility/", "/nope/"]
)
def test_public_pages_reflow_at_320_pixels_without_sideways_scrolling(
    page: Page, live_server, path: str
) -> None:
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"{live_server.url}{path}")
    if page.locator("form.usa-form").count():
        # With every error showing, the widest state of a form.
        page.locator("form.usa-form button[type=submit]").first.click()
        page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_signed_in_pages_reflow_at_320_pixels_without_sideways_scrolling(
    page: Page, live_server
) -> None:
    # A long e-mail address in the header is the likeliest thing to push the page wide.
    taxpayer = UserFactory(email="a.rather.long.name.for.an.email.address@example.test")
    page.set_viewport_size({"width": 320, "height": 800})
    sign_in_with_password(page, live_server.url, taxpayer.email)
    expect(page).to_have_url(f"{live_server.url}/account/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_the_skip_link_is_the_first_tab_stop_and_moves_to_the_main_content(
    page: Page, live_server
) -> None:
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main-content$"))
    expect(page.locator("#main-content")).to_be_focused()


def test_a_taxpayer_on_the_practitioner_side_is_told_why_in_plain_words(
    page: Page, live_server
) -> None:
    taxpayer = UserFactory()
    sign_in_with_password(page, live_server.url, taxpayer.email)
    response = page.goto(f"{live_server.url}/pro/")
    assert response is not None and response.status == 403
    expect(
        page.get_by_text(
            "This part of Tax Pro Portal is for tax professionals. "
            "You are signed in with a taxpayer account."
        )
    ).to_be_visible()
    assert_accessible(page)


def test_a_practitioner_without_a_second_factor_sets_up_an_authenticator_app(
    page: Page, live_server
) -> None:
    practitioner = PractitionerFactory()
    sign_in_with_password(page, live_server.url, practitioner.email)
    # Any data page sends them to sign-in security first.
    page.goto(f"{live_server.url}/pro/")
    expect(page).to_have_url(f"{live_server.url}/auth/2fa/")
    assert_accessible(page)
    page.get_by_role("link", name="Set up an authenticator app").click()
    # allauth asks for the password again before a second factor is added.
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    assert_accessible(page)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up an authenticator app")
    qr_code = page.get_by_role("img", name=re.compile("QR code"))
    expect(qr_code).to_be_visible()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", qr_code.element_handle()), (
        "The QR code did not load (is data: allowed in img-src?)"
    )
    assert_accessible(page)


def test_signing_out_works_from_the_header(page: Page, live_server) -> None:
    taxpayer = UserFactory()
    sign_in_with_password(page, live_server.url, taxpayer.email)
    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    expect(page.get_by_role("banner").get_by_role("button", name="Sign out")).to_have_count(0)
    assert_no_console_problems(page)


def test_a_taxpayer_signs_in_with_javascript_turned_off(
    page_without_javascript: Page, live_server
) -> None:
    taxpayer = UserFactory()
    sign_in_with_password(page_without_javascript, live_server.url, taxpayer.email)
    expect(page_without_javascript).to_have_url(f"{live_server.url}/account/")
    expect(page_without_javascript.get_by_role("heading", level=1)).to_have_text(
        "Your online account"
    )


def test_a_practitioner_signs_in_with_the_keyboard_alone(page: Page, live_server) -> None:
    practitioner = PractitionerFactory()
    secret = enrol_totp(practitioner)
    page.goto(f"{live_server.url}/auth/login/")
    tab_to(page, "#id_login")
    page.keyboard.type(practitioner.email)
    tab_to(page, "#id_password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/auth/2fa/authenticate/")
    tab_to(page, "#id_code")
    page.keyboard.type(fresh_totp_code(secret))
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/pro/")
    # And out again: the header's sign-out button is reachable and works from the keyboard.
    tab_to(page, ".site-header__button")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/")


def test_a_practitioner_signs_in_with_javascript_turned_off(
    page_without_javascript: Page, live_server
) -> None:
    practitioner = PractitionerFactory()
    secret = enrol_totp(practitioner)
    page = page_without_javascript
    sign_in_with_password(page, live_server.url, practitioner.email)
    expect(page).to_have_url(f"{live_server.url}/auth/2fa/authenticate/")
    # The security-key option needs JavaScript, so it is not offered.
    expect(page.get_by_role("button", name="Use a security key")).to_be_hidden()
    enter_authenticator_code(page, secret)
    expect(page).to_have_url(f"{live_server.url}/pro/")
