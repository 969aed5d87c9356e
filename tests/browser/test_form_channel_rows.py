"""Form-channel authorizations in a real browser, with the keyboard alone and 0 axe violations:

- the practitioner, holding a Form 2848 the CAF unit recorded for a business, finds it among
  active authorizations (filtered by channel) and opens the business's information: its 941
  quarter and 1120 fiscal year in scope and nothing else (R7, R32), the view logged (R33);
- the clients list with individuals and businesses, filtered, and a filter in error;
- a taxpayer sees an authorization recorded from the Form 8821 they signed and revokes it like
  one approved online (R39b, R30).

The rows are made by the factories as the CAF unit records them (a recorded uploaded form, no
online request): the clerk's own pages have their browser tests in test_staff_forms.py.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from authorizations.models import Authorization, Channel, EndReason, InformationAccess
from tests.browser.conftest import (
    assert_accessible,
    enter_authenticator_code,
    fits_320_px,
    fresh_totp_code,
    sign_in_with_password,
    tab_to,
)
from tests.factories import PASSWORD
from tests.personas import taxpayer_with_account
from tests.taxpayers.factories import BusinessTaxpayerFactory, TaxpayerFactory
from tests.views.pro_support import insert_authorization, post_account_module, practitioner

pytestmark = pytest.mark.browser


def _follow(page: Page, selector: str) -> None:
    """Tab to a link and press Enter, as a keyboard user does; wait for the new page."""
    tab_to(page, selector, max_presses=80)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _sign_in_with_the_keyboard(page: Page, base_url: str, rep) -> None:
    page.goto(f"{base_url}/auth/login/")
    tab_to(page, "#id_login")
    page.keyboard.type(rep.user.email)
    tab_to(page, "#id_password")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, "#id_code")
    page.keyboard.type(fresh_totp_code(rep.user.totp_secret))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base_url}/pro/")


def test_journey_a_recorded_form_for_a_business_to_its_information_by_keyboard(
    page: Page, live_server
) -> None:
    rep = practitioner()
    business = BusinessTaxpayerFactory(name="Harbor Works Inc")
    insert_authorization(rep, business, matter="941", period="202503", channel=Channel.FORM)
    insert_authorization(
        rep, business, kind="tia", matter="1120", period="202506", channel=Channel.FORM
    )
    insert_authorization(rep, TaxpayerFactory(name="Olive Online"))
    post_account_module(
        business, "941", "202503", [("150", "Return filed, first quarter", "4200.00")]
    )
    post_account_module(
        business, "941", "202506", [("150", "Return filed, second quarter", "3900.00")]
    )
    post_account_module(business, "1120", "202506", [("150", "Corporate return filed", "12500.00")])

    _sign_in_with_the_keyboard(page, live_server.url, rep)
    expect(page.get_by_text("3 active authorizations on", exact=False)).to_be_visible()
    assert_accessible(page)

    _follow(page, "main a[href='/pro/authorizations/']")
    expect(page.get_by_role("heading", level=1)).to_have_text("Active authorizations")
    expect(page.get_by_role("cell", name="Form 2848", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="Form 8821", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="Online", exact=True)).to_be_visible()
    assert_accessible(page)

    # Only the rows that came on forms: choose the channel with the keyboard and apply.
    tab_to(page, "#id_channel")
    page.keyboard.type("Form")
    expect(page.locator("#id_channel")).to_have_value("form")
    tab_to(page, "#authorization-filters-apply")
    page.keyboard.press("Enter")
    expect(
        page.get_by_text("Showing 1 to 2 of 2 active authorizations that match the filters.")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Olive Online")).to_have_count(0)
    expect(page.get_by_role("rowheader", name="Harbor Works Inc").first).to_contain_text("EIN")
    assert business.tin_reveal() not in page.content()
    assert_accessible(page)
    assert fits_320_px(page)

    _follow(page, "#authorization-list tbody tr:first-child th[scope='row'] a")
    expect(page.get_by_role("heading", level=1)).to_have_text("Harbor Works Inc: tax information")
    expect(page.get_by_text("This view is recorded.", exact=False)).to_be_visible()
    expect(
        page.get_by_role(
            "heading",
            name="Form 941 Employer's Quarterly Federal Tax, Quarter ending March 2025 (Q1)",
        )
    ).to_be_visible()
    expect(
        page.get_by_role(
            "heading", name="Form 1120 Corporation Income Tax, Fiscal year ending June 2025"
        )
    ).to_be_visible()
    expect(page.get_by_text("Balance due: $4,200.00")).to_be_visible()
    # R32: the quarter the forms did not authorize is not shown.
    content = page.content()
    assert "Return filed, second quarter" not in content and "$3,900.00" not in content
    assert "Quarter ending June 2025 (Q2)" not in content
    assert_accessible(page)
    assert fits_320_px(page)
    assert set(
        InformationAccess.objects.filter(taxpayer=business).values_list("form", "period")
    ) == {("941", "202503"), ("1120", "202506")}


def test_the_clients_list_with_businesses_filtered_and_a_filter_in_error(
    page: Page, live_server
) -> None:
    rep = practitioner()
    business = BusinessTaxpayerFactory(name="Harbor Works Inc")
    insert_authorization(rep, business, matter="941", period="202503", channel=Channel.FORM)
    for n in range(3):
        insert_authorization(rep, TaxpayerFactory(name=f"Person {n}"))
    sign_in_with_password(page, live_server.url, rep.user.email, next_url="/pro/clients/")
    enter_authenticator_code(page, rep.user.totp_secret)
    expect(page.get_by_text("Showing 1 to 4 of 4 clients.")).to_be_visible()
    expect(page.get_by_role("cell", name="Business", exact=True)).to_have_count(1)
    expect(page.get_by_role("cell", name="Individual", exact=True)).to_have_count(3)
    expect(page.get_by_text(f"EIN {business.tin_masked}")).to_be_visible()
    assert_accessible(page)
    assert fits_320_px(page)

    tab_to(page, "#id_holder")
    page.keyboard.type("Bus")
    expect(page.locator("#id_holder")).to_have_value("business")
    tab_to(page, "#client-filters-apply")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Showing 1 to 1 of 1 client that match the filters.")).to_be_visible()
    expect(page.get_by_role("link", name="Person 0")).to_have_count(0)
    assert "holder=business" in page.url
    assert_accessible(page)

    page.goto(f"{live_server.url}/pro/clients/?holder=bogus")
    expect(page.get_by_text("There is a problem")).to_be_visible()
    expect(page.locator("#id_holder_error")).to_contain_text(
        "Choose individuals or businesses from the list."
    )
    expect(page.get_by_text("Showing 1 to 4 of 4 clients.")).to_be_visible()
    assert_accessible(page)


def test_a_taxpayer_revokes_an_authorization_recorded_from_a_form_by_keyboard(
    page: Page, live_server
) -> None:
    rep = practitioner()
    taxpayer = taxpayer_with_account()
    row = insert_authorization(rep, taxpayer, kind="tia", channel=Channel.FORM)
    base = live_server.url

    sign_in_with_password(page, base, taxpayer.user.email)
    page.goto(f"{base}/account/authorizations/")
    expect(page.get_by_role("cell", name="Signed on Form 8821", exact=True)).to_be_visible()
    assert_accessible(page)
    assert fits_320_px(page)

    _follow(page, f"a[href='/account/authorizations/{row.public_id}/revoke/']")
    expect(page.get_by_text("Signed on Form 8821", exact=True)).to_be_visible()
    assert_accessible(page)
    tab_to(page, "button:has-text('Revoke this authorization')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("We will send them a notice", exact=False)).to_be_visible()
    expect(page.get_by_text("No one has your permission at the moment.")).to_be_visible()
    assert_accessible(page)
    row = Authorization.objects.get(pk=row.pk)
    assert row.end_reason == EndReason.REVOKED
