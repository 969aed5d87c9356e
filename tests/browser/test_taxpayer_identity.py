"""A taxpayer connects their online account to their tax records with the code mailed to them
(R13), with the keyboard alone, and every state of the pages passes axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from taxpayers.models import Letter, LetterKind, Taxpayer
from tests.browser.conftest import assert_accessible, sign_in_with_password, tab_to
from tests.factories import UserFactory
from tests.taxpayers.factories import TaxpayerFactory
from tests.views.taxpayer_support import code_in

pytestmark = pytest.mark.browser


def type_answers(page: Page, taxpayer: Taxpayer, *, year: str) -> None:
    """Fill the questions as a keyboard user: Tab to the first field, then type and Tab on."""
    born = taxpayer.date_of_birth
    assert born is not None
    tab_to(page, "#id_name")
    answers = [
        taxpayer.name,
        taxpayer.tin_reveal(),
        str(born.month),
        str(born.day),
        year,
        taxpayer.address_line1,
        taxpayer.address_line2,
        taxpayer.city,
    ]
    for answer in answers:
        page.keyboard.type(answer)
        page.keyboard.press("Tab")
    # The state is a <select>: typing its name picks it, as in any browser.
    expect(page.locator("#id_state")).to_be_focused()
    page.keyboard.type("Illinois")
    expect(page.locator("#id_state")).to_have_value("IL")
    page.keyboard.press("Tab")
    page.keyboard.type(taxpayer.zip_code)
    page.keyboard.press("Enter")
    page.wait_for_load_state()


def test_r13_link_the_account_with_the_mailed_code(page: Page, live_server) -> None:
    taxpayer = TaxpayerFactory(state="IL", city="Springfield")
    user = UserFactory()
    sign_in_with_password(page, live_server.url, user.email)
    expect(page.get_by_text("not connected to your tax records yet")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Confirm who you are").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm who you are")
    assert_accessible(page)

    # A wrong year: one neutral message, the rest of the answers kept.
    born = taxpayer.date_of_birth
    assert born is not None
    type_answers(page, taxpayer, year=str(born.year - 1))
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.locator(".error-summary").get_by_text("does not match our records")).to_be_visible()
    expect(page.locator("#id_city")).to_have_value(taxpayer.city)
    # R46: the TIN never comes back in the page, not even after an error; the hint says so.
    expect(page.locator("#id_tin")).to_have_value("")
    expect(page.locator("#id_tin_helptext")).to_have_text(
        "For your security, the number you typed is not shown again. Type it again."
    )
    assert not Letter.objects.exists()
    assert_accessible(page)

    # Bad format: a field error next to the field and in the summary.
    page.locator("#id_tin").fill(taxpayer.tin_reveal())
    page.locator("#id_dob_year").fill("19\uff180")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    expect(page.locator("#id_dob_year_error")).to_contain_text("digits 0 to 9")
    assert_accessible(page)

    page.locator("#id_tin").fill(taxpayer.tin_reveal())
    page.locator("#id_dob_year").fill(str(born.year))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    expect(page).to_have_url(f"{live_server.url}/account/verify/code/")
    expect(page.get_by_text("A letter is on its way")).to_be_visible()
    assert_accessible(page)

    # The test reads the letter from the outbox, as the taxpayer would open their mail.
    code = code_in(Letter.objects.get(kind=LetterKind.VERIFICATION_CODE))
    assert code not in page.content()

    # Home, while the letter is on its way, points to the code page.
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Your online account"
    ).click()
    expect(page.get_by_text("A letter with your code is on its way")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Enter the code from your letter").click()
    expect(page).to_have_url(f"{live_server.url}/account/verify/code/")

    tab_to(page, "#id_code")
    page.keyboard.type("00000000" if code != "00000000" else "11111111")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator("#id_code_error")).to_contain_text("That code is wrong")
    assert_accessible(page)

    tab_to(page, "#id_code")
    page.keyboard.press("Control+A")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page).to_have_url(f"{live_server.url}/account/")
    expect(page.get_by_text("now connected to your tax records")).to_be_visible()
    expect(page.get_by_role("heading", name="Requests waiting for you")).to_be_visible()
    assert Taxpayer.objects.get(pk=taxpayer.pk).user_id == user.pk
    assert_accessible(page)


def test_verify_pages_reflow_at_320_px(page: Page, live_server) -> None:
    user = UserFactory()
    sign_in_with_password(page, live_server.url, user.email)
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"{live_server.url}/account/verify/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320
    # The date of birth's boxes keep clear of the next group's heading.
    year_box = page.locator("#id_dob_year").bounding_box()
    next_legend = page.get_by_text("Your address on file").bounding_box()
    assert year_box is not None and next_legend is not None
    assert next_legend["y"] - (year_box["y"] + year_box["height"]) >= 24
