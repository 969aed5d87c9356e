"""Profile and CAF numbers in a real browser: create a profile, link a CAF number with the PIN
from the mailed letter (R6), get a CAF number (R8); 0 axe violations in every state (empty,
with data, with errors), nothing refused by the CSP, no sideways scrolling at 320 px."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from caf.models import CafLink, CafRecord
from caf.services import caf_pin_request
from taxpro import clock
from tests.browser.conftest import (
    assert_accessible,
    enter_authenticator_code,
    sign_in_with_password,
    tab_to,
)
from tests.views.caf_support import (
    latest_pin_letter,
    pin_from_letter,
    practitioner_with_profile,
    practitioner_without_profile,
    their_caf_record,
    wrong_pin,
)

pytestmark = pytest.mark.browser


def _sign_in(page: Page, base_url: str, user, next_url: str = "/pro/profile/") -> None:
    sign_in_with_password(page, base_url, user.email, next_url=next_url)
    enter_authenticator_code(page, user.totp_secret)


def _fits_320_px(page: Page) -> bool:
    page.set_viewport_size({"width": 320, "height": 800})
    fits = page.evaluate("document.documentElement.scrollWidth <= 320")
    page.set_viewport_size({"width": 1280, "height": 900})
    return fits


def test_journey_link_a_caf_number_with_the_pin_from_the_letter(page: Page, live_server) -> None:
    rep = practitioner_with_profile()
    record = their_caf_record(rep)
    _sign_in(page, live_server.url, rep.user)
    expect(page.get_by_role("heading", level=1)).to_have_text("Profile and CAF numbers")
    expect(page.get_by_text("You have not linked a CAF number yet.")).to_be_visible()
    expect(page.locator("#caf-address-change")).to_contain_text("cannot be changed in this portal")
    assert_accessible(page)
    assert _fits_320_px(page)

    page.get_by_role("link", name="Link a CAF number").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Link a CAF number")
    assert_accessible(page)

    # A CAF number in the wrong shape: the error at the top and next to the field.
    page.get_by_label("CAF number").fill("1234-567")
    page.get_by_role("button", name="Mail me a PIN").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    expect(page.locator(".usa-error-message")).to_contain_text("exactly 9 digits")
    assert_accessible(page)

    page.get_by_label("CAF number").fill(record.caf_number_display)
    page.get_by_role("button", name="Mail me a PIN").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Enter the PIN for CAF number {record.caf_number_display}"
    )
    expect(page.get_by_text("We mailed a PIN letter", exact=False)).to_be_visible()
    pin_letter = latest_pin_letter(rep.user)
    pin = pin_from_letter(pin_letter)  # read from the letter, as the practitioner would
    assert pin not in page.content()
    assert_accessible(page)

    page.get_by_label("PIN from the letter").fill(wrong_pin(pin))
    page.get_by_role("button", name="Link this CAF number").click()
    expect(page.get_by_text("That PIN is wrong. You have 4 more attempts.").first).to_be_visible()
    assert_accessible(page)

    page.get_by_label("PIN from the letter").fill(pin)
    page.get_by_role("button", name="Link this CAF number").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Profile and CAF numbers")
    expect(
        page.get_by_text(f"CAF number {record.caf_number_display} is now linked to your account")
    ).to_be_visible()
    expect(page.get_by_role("rowheader", name=record.caf_number_display)).to_be_visible()
    expect(page.get_by_text("Good standing")).to_be_visible()
    assert_accessible(page)
    assert _fits_320_px(page)
    assert CafLink.objects.get(caf_record=record).practitioner == rep.user


def test_pin_waiting_expired_and_locked_pages(page: Page, live_server) -> None:
    rep = practitioner_with_profile()
    record = their_caf_record(rep)
    waiting = caf_pin_request(practitioner=rep.user, caf_number=record.caf_number)
    _sign_in(page, live_server.url, rep.user)
    expect(page.get_by_role("heading", name="Waiting for a PIN")).to_be_visible()
    assert_accessible(page)
    page.get_by_role(
        "link", name=f"Enter the PIN for CAF number {record.caf_number_display}"
    ).click()
    pin = pin_from_letter(waiting)
    for _ in range(5):
        page.get_by_label("PIN from the letter").fill(wrong_pin(pin))
        page.get_by_role("button", name="Link this CAF number").click()
        page.wait_for_load_state()
    expect(page.get_by_text("too many wrong attempts", exact=False)).to_be_visible()
    expect(page.get_by_role("button", name="Mail me a new PIN")).to_be_visible()
    assert_accessible(page)

    second = their_caf_record(rep, line1="99 Second Street", city="Buffalo", zip_code="14201")
    expired = caf_pin_request(
        practitioner=rep.user,
        caf_number=second.caf_number,
        now=clock.now() - dt.timedelta(days=31),
    )
    page.goto(f"{live_server.url}/pro/profile/link/{expired.public_id}/")
    expect(page.get_by_text("This PIN has expired", exact=False)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Mail me a new PIN").click()
    expect(page.get_by_text("We mailed a PIN letter", exact=False)).to_be_visible()
    expect(page.get_by_label("PIN from the letter")).to_be_visible()


def test_journey_get_a_caf_number(page: Page, live_server) -> None:
    rep = practitioner_with_profile(code="c", legal_name="Eli Agent")
    _sign_in(page, live_server.url, rep.user)
    expect(page.get_by_role("rowheader", name="Enrolled Agent (c)")).to_be_visible()
    page.get_by_role("link", name="Get a CAF number").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Get a CAF number")
    expect(page.get_by_text("Eli Agent")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Get my CAF number").click()
    record = CafRecord.objects.get()
    expect(page.get_by_text(f"Your new CAF number is {record.caf_number_display}")).to_be_visible()
    expect(page.get_by_role("rowheader", name=record.caf_number_display)).to_be_visible()
    expect(page.get_by_role("link", name="Get a CAF number")).to_have_count(0)
    assert_accessible(page)
    # Back to the confirmation (no longer offered) says why.
    page.goto(f"{live_server.url}/pro/profile/get-caf-number/")
    expect(page.get_by_text("You already have CAF number", exact=False)).to_be_visible()
    assert_accessible(page)


def test_profile_created_then_designation_errors(page: Page, live_server) -> None:
    rep = practitioner_without_profile()
    _sign_in(page, live_server.url, rep.user)
    expect(page.get_by_role("button", name="Save your profile")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Legal name").fill("Robin Newcomer")
    page.get_by_label("Social Security number or ITIN").fill("000-12-3456")
    page.get_by_label("Street address").fill("10 Main Street")
    page.get_by_label("City").fill("Albany")
    page.get_by_label("State").select_option("NY")
    page.get_by_label("ZIP code").fill("12207")
    page.get_by_role("button", name="Save your profile").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    expect(page.get_by_label("City")).to_have_value("Albany")
    assert_accessible(page)

    page.get_by_label("Social Security number or ITIN").fill("123-45-6789")
    page.get_by_role("button", name="Save your profile").click()
    expect(page.get_by_text("Your profile is saved")).to_be_visible()
    expect(page.get_by_text("You have not added a designation yet.")).to_be_visible()
    assert_accessible(page)

    # R1: a CPA without a license jurisdiction is refused with the reason.
    page.get_by_label("Designation", exact=True).select_option("b")
    page.get_by_label("License or enrollment number").fill("CPA-1")
    page.get_by_role("button", name="Add designation").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    expect(page.locator(".usa-error-message")).to_contain_text("licensing jurisdiction")
    assert_accessible(page)
    page.get_by_label("Licensing jurisdiction (attorneys and CPAs)").select_option("NY")
    page.get_by_role("button", name="Add designation").click()
    expect(page.get_by_text("Certified Public Accountant added to your profile.")).to_be_visible()
    assert_accessible(page)
    assert _fits_320_px(page)


def test_link_with_the_keyboard_alone_and_without_javascript(
    page_without_javascript: Page, live_server
) -> None:
    page = page_without_javascript
    rep = practitioner_with_profile()
    record = their_caf_record(rep)
    _sign_in(page, live_server.url, rep.user)
    tab_to(page, "a[href='/pro/profile/link/']")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Link a CAF number")
    tab_to(page, "#id_caf_number")
    page.keyboard.type(record.caf_number)
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.get_by_label("PIN from the letter")).to_be_visible()
    tab_to(page, "#id_pin")
    page.keyboard.type(pin_from_letter(latest_pin_letter(rep.user)))
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.get_by_role("rowheader", name=record.caf_number_display)).to_be_visible()
    # (axe needs JavaScript; the same pages are checked with it in the tests above.)
