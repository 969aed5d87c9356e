"""Issue 11's journey through the forms channel in a real browser, keyboard only, 0 axe
violations on every page (section H):

- a practitioner uploads a Form 2848 for a business with quarterly 941 periods through the
  wizard and sees it waiting, with its place in line, on "Your forms" (R34, R36, R39b);
- a clerk of the CAF unit (second factor, in the clerks' group) takes it and records it (R34b);
  the worker's drain puts it on the ledger, its representative in good standing (R3a);
- the practitioner finds it among active authorizations, its channel shown, and opens the
  business's information: the 941 quarters the form authorized (R32, R39b);
- a second upload is refused by the pre-check at once, saying why (R39a), nothing queued.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Browser, Page, expect

from authorizations import services
from authorizations.models import Authorization, Channel, FormState, UploadedForm
from taxpro import clock
from tests.authorizations import conftest as authorizations_conftest
from tests.authorizations.forms_support import pdf_bytes
from tests.browser.conftest import (
    assert_accessible,
    enter_authenticator_code,
    open_page,
    sign_in_with_password,
    skip_the_file,
    tab_to,
)
from tests.browser.test_pro_forms import (
    _continue,
    _form_and_taxpayer,
    _matter,
    _press,
    _type_date,
    _type_into,
)
from tests.taxpayers.factories import BusinessTaxpayerFactory
from tests.views.pro_support import post_account_module, practitioner
from tests.views.staff_forms_support import clerk

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("private_media")]

# The forms channel's files in a folder of each test's own (a fixture).
private_media = authorizations_conftest.private_media

EIN = "23-4567001"
BUSINESS = "Evergreen Bakery LLC"


def _follow(page: Page, selector: str) -> None:
    tab_to(page, selector, max_presses=120)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _representative(page: Page, rep, signed: dt.date) -> None:
    """Part II as the practitioner keys it: their own CAF number, so the form is theirs."""
    _type_into(page, "#id_rep-0-name", rep.caf_record.name)
    _type_into(page, "#id_rep-0-caf_number", rep.caf_record.caf_number)
    _type_into(page, "#id_rep-0-address_line1", "200 Market Street")
    _type_into(page, "#id_rep-0-city", "Burlington")
    _type_into(page, "#id_rep-0-state", "Vermont")
    _type_into(page, "#id_rep-0-zip_code", "05401")
    _type_into(page, "#id_rep-0-designation", "Certified")
    _type_into(page, "#id_rep-0-jurisdiction", "Vermont")
    _type_into(page, "#id_rep-0-license_number", "CPA-1")
    _type_date(page, "#id_rep-0-signed_on", signed)


def _upload_through_the_wizard(page: Page, base_url: str, rep, signed: dt.date) -> None:
    page.goto(f"{base_url}/pro/forms/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your forms")
    assert_accessible(page)
    _follow(page, "a:has-text('Upload a form')")
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload a Form 2848 or 8821")
    assert_accessible(page)
    _press(page, "button:has-text('Start a new upload')")
    expect(page.get_by_role("heading", level=1)).to_have_text("Which form are you uploading?")
    assert_accessible(page)
    _form_and_taxpayer(page, ein=EIN, signer_title="Member")
    assert_accessible(page)
    _continue(page, "Representatives or designees (line 2)")
    _representative(page, rep, signed)
    assert_accessible(page)
    _continue(page, "Tax matters and periods (line 3)")
    _matter(page, description="Employment tax", year=signed.year - 1)
    assert_accessible(page)
    _continue(page, "Specific use (line 4)")
    _press(page, "#id_specific_use_0", "ArrowDown")  # No, the second choice
    assert_accessible(page)
    _continue(page, "Acts authorized and not authorized (lines 5a and 5b)")
    assert_accessible(page)
    _continue(page, "Prior authorizations (retention box)")
    _press(page, "#id_retention_box_0", "ArrowDown")  # No, the second choice
    assert_accessible(page)
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
    _press(page, "button:has-text('Upload the form')")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Form 2848 for {BUSINESS}")


def _clerk_records_the_next_form(browser: Browser, base_url: str, form: UploadedForm) -> None:
    page, _ = open_page(browser)
    try:
        user = clerk()
        sign_in_with_password(page, base_url, user.email, next_url="/staff/forms/")
        enter_authenticator_code(page, user.totp_secret)  # type: ignore[attr-defined]
        expect(page.get_by_role("heading", level=1)).to_have_text("Uploaded forms queue")
        expect(page.locator(".staff-counts")).to_contain_text("Waiting1")
        assert_accessible(page)
        _press(page, "button:has-text('Take the next form')")
        page.wait_for_url(f"**/staff/forms/{form.public_id}/")
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Form 2848 for {BUSINESS}")
        assert_accessible(page)
        boxes = page.locator("input[name='checked']")
        for index in range(boxes.count()):
            skip_the_file(page)
            _press(page, f"#id_checked_{index}", "Space")
            expect(boxes.nth(index)).to_be_checked()
        skip_the_file(page)
        _press(page, "button:has-text('Record the form')")
        expect(
            page.get_by_text(f"Form 2848 for {BUSINESS} is being recorded on the CAF.")
        ).to_be_visible()
        assert_accessible(page)
    finally:
        page.context.close()


def test_issue_11_journey_upload_record_and_see_the_business_information(
    page: Page, browser: Browser, live_server
) -> None:
    rep = practitioner()
    signed = clock.today_et() - dt.timedelta(days=3)
    year = signed.year - 1
    business = BusinessTaxpayerFactory(name=BUSINESS, tin=EIN.replace("-", ""))
    post_account_module(business, "941", f"{year}03", [("150", "Return filed, Q1", "4200.00")])
    post_account_module(business, "941", f"{year}12", [("150", "Return filed, Q4", "3900.00")])
    # A quarter of another year, not on the form: never shown (R32).
    post_account_module(business, "941", f"{year - 1}12", [("150", "Earlier filing", "777.00")])

    # The practitioner uploads the form (R34) and sees it waiting with its place (R39b).
    sign_in_with_password(page, live_server.url, rep.user.email)
    enter_authenticator_code(page, rep.user.totp_secret)  # type: ignore[attr-defined]
    _upload_through_the_wizard(page, live_server.url, rep, signed)
    form = UploadedForm.objects.get()
    assert form.state == FormState.WAITING
    expect(page.get_by_text("It is number 1 in line.")).to_be_visible()
    assert_accessible(page)
    _follow(page, "a[href='/pro/forms/']")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your forms")
    expect(page.get_by_text("Waiting: number 1 in line")).to_be_visible()
    expect(page.get_by_text(form.receipt_number)).to_be_visible()
    assert_accessible(page)

    # The CAF unit takes it and records it (R34b); the worker's drain puts it on the ledger.
    _clerk_records_the_next_form(browser, live_server.url, form)
    form.refresh_from_db()
    assert form.state == FormState.RECORDING
    assert services.ledger_drain() == 1  # what the worker (or the beat's sweep) does
    form.refresh_from_db()
    assert form.state == FormState.RECORDED
    assert set(
        Authorization.objects.filter(uploaded_form=form).values_list("matter", "period")
    ) == {("941", f"{year}{m}") for m in ("03", "06", "09", "12")}

    # The practitioner sees it among active authorizations, the channel shown.
    page.goto(f"{live_server.url}/pro/")
    _follow(page, "main a[href='/pro/authorizations/']")
    expect(page.get_by_role("heading", level=1)).to_have_text("Active authorizations")
    expect(page.get_by_role("cell", name="Form 2848", exact=True).first).to_be_visible()
    assert Authorization.objects.filter(channel=Channel.FORM).count() == 4
    assert business.tin_reveal() not in page.content()
    assert_accessible(page)

    # The business's information: the 941 quarters authorized, and nothing else (R32).
    _follow(page, "#authorization-list tbody tr:first-child th[scope='row'] a")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{BUSINESS}: tax information")
    expect(
        page.get_by_role(
            "heading",
            name=f"Form 941 Employer's Quarterly Federal Tax, Quarter ending March {year} (Q1)",
        )
    ).to_be_visible()
    expect(
        page.get_by_role(
            "heading",
            name=f"Form 941 Employer's Quarterly Federal Tax, Quarter ending December {year} (Q4)",
        )
    ).to_be_visible()
    expect(page.get_by_text("Balance due: $4,200.00")).to_be_visible()
    assert "Earlier filing" not in page.content()
    assert_accessible(page)

    # A second upload: the pre-check refuses it at once, at the step with the problem (R39a).
    page.goto(f"{live_server.url}/pro/forms/new/")
    _press(page, "button:has-text('Start a new upload')")
    _form_and_taxpayer(page, ein=EIN, signer_title="Member")
    _continue(page, "Representatives or designees (line 2)")
    _representative(page, rep, signed)
    _continue(page, "Tax matters and periods (line 3)")
    _matter(page, description="All years", year=year)
    _press(page, "button[value=continue]")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(page.locator("#id_matter-0-description_error")).to_contain_text("general reference")
    expect(page.locator("#id_matter-0-form_code")).to_have_value("941")
    assert_accessible(page)
    assert UploadedForm.objects.count() == 1
