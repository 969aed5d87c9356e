"""The forms channel's practitioner side in a real browser (section H): a 2848 for a business
with quarterly 941 periods uploaded with the keyboard, seen waiting with its place in line; a
second upload refused by the pre-check says why at once, before any file (R39a). 0 axe
violations on each page, with errors shown. The file is chosen with Playwright's file chooser:
a browser's own file dialog is outside the page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from authorizations.models import FormState, UploadedForm
from taxpro import clock
from tests.authorizations import conftest as authorizations_conftest
from tests.authorizations.conftest import make_rep
from tests.authorizations.forms_support import pdf_bytes
from tests.browser.conftest import (
    assert_accessible,
    enter_authenticator_code,
    sign_in_with_password,
    tab_to,
)
from tests.factories import enrol_totp

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("private_media")]

# The forms channel's files in a folder of each test's own (a fixture).
private_media = authorizations_conftest.private_media


def _type_into(page: Page, selector: str, text: str) -> None:
    tab_to(page, selector, max_presses=120)
    page.keyboard.type(text)


def _press(page: Page, selector: str, key: str = "Enter") -> None:
    tab_to(page, selector, max_presses=120)
    page.keyboard.press(key)


def _type_date(page: Page, selector: str, day: dt.date) -> None:
    """A date box as a keyboard user fills it: month, day and year (Chromium, en-US)."""
    _type_into(page, selector, f"{day:%m%d%Y}")


def _address(page: Page, prefix: str, line1: str) -> None:
    _type_into(page, f"#id_{prefix}-address_line1", line1)
    _type_into(page, f"#id_{prefix}-city", "Burlington")
    _type_into(page, f"#id_{prefix}-state", "Vermont")  # a select: type-ahead
    _type_into(page, f"#id_{prefix}-zip_code", "05401")


def _fill_2848_for_a_business(page: Page, *, description: str, ein: str) -> None:
    signed = clock.today_et() - dt.timedelta(days=3)
    page.locator("h1").focus()
    _press(page, "#id_form_type_0", "Space")  # Form 2848
    tab_to(page, "#id_taxpayer_kind_0", max_presses=120)
    page.keyboard.press("ArrowDown")  # Business, the second choice
    _type_into(page, "#id_tin", ein)
    _type_into(page, "#id_taxpayer_name", "Evergreen Bakery LLC")
    _type_into(page, "#id_signer_title", "Member")
    _address(page, "taxpayer", "500 Main Street")
    _type_into(page, "#id_rep_name", "Casey Morgan")
    _type_into(page, "#id_rep_caf_number", "0300-12345")
    _address(page, "rep", "200 Market Street")
    _type_into(page, "#id_rep_designation", "Certified")
    _type_into(page, "#id_rep_jurisdiction", "Pennsylvania")
    _type_into(page, "#id_rep_license_number", "CPA-1")
    _type_date(page, "#id_rep_signed_on", signed)
    _type_into(page, "#id_matter0-form_code", "941")
    _type_into(page, "#id_matter0-description", description)
    _type_into(page, "#id_matter0-period_kind", "Quarters")
    _type_into(page, "#id_matter0-first_year", str(signed.year - 1))
    _press(page, "#id_signature_kind_0", "Space")  # ink
    _type_date(page, "#id_taxpayer_signed_on", signed)


def _attach(page: Page, marker: str) -> None:
    page.locator("#id_file").focus()
    page.locator("#id_file").set_input_files(
        files=[
            {"name": "form.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(marker=marker)}
        ]
    )


def test_a_2848_for_a_business_with_quarterly_941_periods_by_keyboard(
    page: Page, live_server
) -> None:
    rep = make_rep(code="b")
    secret = enrol_totp(rep.user)
    sign_in_with_password(page, live_server.url, rep.user.email)
    enter_authenticator_code(page, secret)

    page.goto(f"{live_server.url}/pro/forms/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your forms")
    assert_accessible(page)
    _press(page, "a:has-text('Upload a form')")
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload a Form 2848 or 8821")
    assert_accessible(page)

    _fill_2848_for_a_business(page, description="Employment tax", ein="23-4567001")
    _press(page, "button:has-text('Continue')")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers and attach the form"
    )
    expect(page.get_by_text("Evergreen Bakery LLC (**-***7001)")).to_be_visible()
    assert_accessible(page)
    _attach(page, "first")
    _press(page, "button:has-text('Upload the form')")

    expect(page.get_by_role("heading", level=1)).to_have_text("Form 2848 for Evergreen Bakery LLC")
    form = UploadedForm.objects.get()
    year = clock.today_et().year - 1
    assert form.state == FormState.WAITING
    assert form.data["matters"][0]["periods"] == [f"{year}{m}" for m in ("03", "06", "09", "12")]
    expect(page.get_by_text("It is number 1 in line.")).to_be_visible()
    expect(page.get_by_text(form.receipt_number)).to_be_visible()
    assert_accessible(page)

    page.goto(f"{live_server.url}/pro/forms/")
    expect(page.get_by_role("row").nth(1)).to_contain_text("Waiting: number 1 in line")
    assert_accessible(page)

    # A second form with a general reference: refused at once, saying why (R39a).
    page.goto(f"{live_server.url}/pro/forms/new/")
    _fill_2848_for_a_business(page, description="All years", ein="23-4567002")
    _press(page, "button:has-text('Continue')")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(page.locator("#id_matter0-first_year_error")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error:"))
    assert UploadedForm.objects.count() == 1
    # What was typed is still there; the TIN is not shown, only named by its last four.
    expect(page.locator("#id_taxpayer_name")).to_have_value("Evergreen Bakery LLC")
    expect(page.locator("#id_tin")).to_have_value("")
    expect(page.get_by_text("ending 7002")).to_be_visible()
    assert_accessible(page)
