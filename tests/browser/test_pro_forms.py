"""The forms channel's upload wizard in a real browser (section H), keyboard only: a Form 2848
for a business with quarterly 941 periods, step by step (htmx adding and removing a line 3
row), its file attached, its answers checked, reaching the receipt with its place in line
(R34, R39b); a second upload refused by the pre-check at the step where the problem is, saying
why at once (R39a), keeping what was typed but not the TIN (R42, R46). 0 axe violations on
each page, with errors shown. The file is chosen with Playwright's file chooser: a browser's
own file dialog is outside the page."""

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


def _continue(page: Page, heading: str) -> None:
    _press(page, "button[value=continue]")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


def _type_date(page: Page, selector: str, day: dt.date) -> None:
    """A date box as a keyboard user fills it: month, day and year (Chromium, en-US)."""
    _type_into(page, selector, f"{day:%m%d%Y}")


def _address(page: Page, prefix: str, line1: str) -> None:
    _type_into(page, f"#id_{prefix}address_line1", line1)
    _type_into(page, f"#id_{prefix}city", "Burlington")
    _type_into(page, f"#id_{prefix}state", "Vermont")  # a select: type-ahead
    _type_into(page, f"#id_{prefix}zip_code", "05401")


def _reflows_at_320px(page: Page) -> None:
    """WCAG 1.4.10: no horizontal scrolling at 320 CSS pixels wide, ten steps and all."""
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 1280, "height": 900})


def _start(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/pro/forms/new/")
    _press(page, "button:has-text('Start a new upload')")
    expect(page.get_by_role("heading", level=1)).to_have_text("Which form are you uploading?")


def _form_and_taxpayer(page: Page, *, ein: str, signer_title: str) -> None:
    _press(page, "#id_form_type_0", "Space")  # Form 2848
    _continue(page, "The taxpayer (line 1)")
    tab_to(page, "#id_taxpayer_kind_0", max_presses=120)
    page.keyboard.press("ArrowDown")  # Business, the second choice
    _type_into(page, "#id_tin", ein)
    _type_into(page, "#id_name", "Evergreen Bakery LLC")
    if signer_title:
        _type_into(page, "#id_signer_title", signer_title)
    _address(page, "", "500 Main Street")


def _representative(page: Page, signed: dt.date) -> None:
    _type_into(page, "#id_rep-0-name", "Casey Morgan")
    _type_into(page, "#id_rep-0-caf_number", "0300-12345")
    _address(page, "rep-0-", "200 Market Street")
    _type_into(page, "#id_rep-0-designation", "Certified")
    _type_into(page, "#id_rep-0-jurisdiction", "Pennsylvania")
    _type_into(page, "#id_rep-0-license_number", "CPA-1")
    _type_date(page, "#id_rep-0-signed_on", signed)


def _matter(page: Page, *, description: str, year: int) -> None:
    _type_into(page, "#id_matter-0-form_code", "941")
    _type_into(page, "#id_matter-0-description", description)
    _type_into(page, "#id_matter-0-period_kind", "Quarters")
    _type_into(page, "#id_matter-0-first_year", str(year))


def test_a_2848_for_a_business_with_quarterly_941_periods_by_keyboard(
    page: Page, live_server
) -> None:
    rep = make_rep(code="b")
    secret = enrol_totp(rep.user)
    sign_in_with_password(page, live_server.url, rep.user.email)
    enter_authenticator_code(page, secret)
    signed = clock.today_et() - dt.timedelta(days=3)

    page.goto(f"{live_server.url}/pro/forms/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your forms")
    assert_accessible(page)
    _press(page, "a:has-text('Upload a form')")
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload a Form 2848 or 8821")
    assert_accessible(page)
    _press(page, "button:has-text('Start a new upload')")
    expect(page.get_by_role("heading", level=1)).to_have_text("Which form are you uploading?")
    assert_accessible(page)

    _form_and_taxpayer(page, ein="23-4567001", signer_title="Member")
    assert_accessible(page)
    _reflows_at_320px(page)
    _continue(page, "Representatives or designees (line 2)")
    _representative(page, signed)
    assert_accessible(page)
    _continue(page, "Tax matters and periods (line 3)")
    _matter(page, description="Employment tax", year=signed.year - 1)
    # "Add another row" and "Remove", with htmx swapping the rows: what was typed stays.
    _press(page, "#add-row")
    expect(page.locator("#row-1")).to_be_visible()
    expect(page.locator("#id_matter-0-form_code")).to_have_value("941")
    assert_accessible(page)
    _press(page, "button[value=remove-1]")
    expect(page.locator("#row-1")).to_have_count(0)
    expect(page.locator("#id_matter-0-description")).to_have_value("Employment tax")
    _continue(page, "Specific use (line 4)")
    _press(page, "#id_specific_use_0", "ArrowDown")  # No, the second choice
    _continue(page, "Acts authorized and not authorized (lines 5a and 5b)")
    assert_accessible(page)
    _press(page, "#id_added_0", "Space")
    _continue(page, "Prior authorizations (retention box)")
    _press(page, "#id_retention_box_0", "ArrowDown")  # No, the second choice
    _continue(page, "The taxpayer's signature")
    _press(page, "#id_signature_kind_0", "Space")  # ink
    _type_date(page, "#id_taxpayer_signed_on", signed)
    assert_accessible(page)
    _continue(page, "Attach the signed form")
    assert_accessible(page)
    page.locator("#id_file").focus()
    page.locator("#id_file").set_input_files(
        files=[{"name": "form.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}]
    )
    _continue(page, "Check your answers")
    expect(page.get_by_text("**-***7001")).to_be_visible()
    assert_accessible(page)
    _reflows_at_320px(page)
    _press(page, "button:has-text('Upload the form')")

    expect(page.get_by_role("heading", level=1)).to_have_text("Form 2848 for Evergreen Bakery LLC")
    form = UploadedForm.objects.get()
    year = signed.year - 1
    assert form.state == FormState.WAITING
    assert form.data["matters"][0]["periods"] == [f"{year}{m}" for m in ("03", "06", "09", "12")]
    assert form.data["acts"]["added"] == ["isp"]
    expect(page.get_by_text("It is number 1 in line.")).to_be_visible()
    expect(page.get_by_text(form.receipt_number)).to_be_visible()
    assert_accessible(page)

    # A second form: the pre-check speaks at the step where each problem is, at once (R39a).
    _start(page, live_server.url)
    _form_and_taxpayer(page, ein="23-4567002", signer_title="")
    _press(page, "button[value=continue]")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter the title of the person who signed for the business")
    expect(page).to_have_title(re.compile(r"^Error:"))
    # What was typed is still there; the TIN is not shown, only named by its last four.
    expect(page.locator("#id_name")).to_have_value("Evergreen Bakery LLC")
    expect(page.locator("#id_tin")).to_have_value("")
    expect(page.get_by_text("ending 7002")).to_be_visible()
    assert_accessible(page)
    _type_into(page, "#id_signer_title", "Member")
    _continue(page, "Representatives or designees (line 2)")
    _representative(page, signed)
    _continue(page, "Tax matters and periods (line 3)")
    _matter(page, description="All years", year=signed.year - 1)
    _press(page, "button[value=continue]")
    expect(summary).to_be_focused()
    expect(page.locator("#id_matter-0-description_error")).to_contain_text("general reference")
    expect(page.locator("#id_matter-0-form_code")).to_have_value("941")
    assert_accessible(page)
    assert UploadedForm.objects.count() == 1


def test_an_8821_with_two_designees_and_two_rows_works_without_javascript(
    page_without_javascript: Page, live_server
) -> None:
    """Every step is a plain form: "Add another" and "Remove" post and come back (style.md)."""
    page = page_without_javascript
    rep = make_rep(code="b")
    secret = enrol_totp(rep.user)
    sign_in_with_password(page, live_server.url, rep.user.email)
    enter_authenticator_code(page, secret)
    signed = clock.today_et() - dt.timedelta(days=10)
    page.goto(f"{live_server.url}/pro/forms/new/")
    page.get_by_role("button", name="Start a new upload").click()
    # USWDS draws its own radios and checkboxes: the label is what a pointer clicks.
    page.locator("label[for=id_form_type_1]").click()  # Form 8821
    page.get_by_role("button", name="Continue").click()
    page.locator("label[for=id_taxpayer_kind_0]").click()  # a person
    page.locator("#id_tin").fill("287-65-4321")
    page.locator("#id_name").fill("Robin Newcomer")
    page.locator("#id_address_line1").fill("10 Main Street")
    page.locator("#id_city").fill("Albany")
    page.locator("#id_state").select_option("NY")
    page.locator("#id_zip_code").fill("12207")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#id_rep-0-designation")).to_have_count(0)  # no Part II on an 8821
    for index, name in enumerate(["Casey Morgan", "Jordan Lee"]):
        if index:
            page.get_by_role("button", name="Add another designee").click()
        page.locator(f"#id_rep-{index}-name").fill(name)
        page.locator(f"#id_rep-{index}-address_line1").fill("200 Market Street")
        page.locator(f"#id_rep-{index}-city").fill("Albany")
        page.locator(f"#id_rep-{index}-state").select_option("NY")
        page.locator(f"#id_rep-{index}-zip_code").fill("12207")
    page.get_by_role("button", name="Continue").click()
    for index, code in enumerate(["1040", "941", "940"]):
        if index:
            page.get_by_role("button", name="Add another row").click()
        page.locator(f"#id_matter-{index}-form_code").fill(code)
        page.locator(f"#id_matter-{index}-first_year").fill(str(signed.year - 1))
    page.get_by_role("button", name="Remove row 3").click()
    expect(page.locator("#row-2")).to_have_count(0)
    page.locator("#id_matter-1-period_kind").select_option("quarterly")
    page.get_by_role("button", name="Continue").click()
    page.locator("label[for=id_specific_use_1]").click()
    page.get_by_role("button", name="Continue").click()
    # No acts on an 8821: the retention box comes next.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Prior authorizations (retention box)"
    )
    page.locator("label[for=id_retention_box_1]").click()
    page.get_by_role("button", name="Continue").click()
    page.locator("label[for=id_signature_kind_0]").click()
    page.locator("#id_taxpayer_signed_on").fill(signed.isoformat())
    page.get_by_role("button", name="Continue").click()
    page.locator("#id_file").set_input_files(
        files=[{"name": "form.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}]
    )
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("***-**-4321")).to_be_visible()
    page.get_by_role("button", name="Upload the form").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Form 8821 for Robin Newcomer")
    data = UploadedForm.objects.get().data
    assert [r["name"] for r in data["representatives"]] == ["Casey Morgan", "Jordan Lee"]
    assert [m["form_code"] for m in data["matters"]] == ["1040", "941"]
    assert len(data["matters"][1]["periods"]) == 4
