"""Active authorizations in a real browser: the journey from request to withdrawal (R21, R7,
R29), the long list, a filter error, the page without a linked CAF number; 0 axe violations in
every state, and no sideways scrolling at 320 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from authorizations.models import Authorization, EndReason
from taxpayers.models import Letter, LetterKind
from taxpro import clock
from tests.authorizations.conftest import approve_and_record, submit
from tests.browser.conftest import (
    assert_accessible,
    enter_authenticator_code,
    sign_in_with_password,
)
from tests.views.pro_support import insert_authorizations, named_taxpayer, practitioner

pytestmark = pytest.mark.browser


def _sign_in(page: Page, base_url: str, rep, next_url: str = "/pro/authorizations/") -> None:
    sign_in_with_password(page, base_url, rep.user.email, next_url=next_url)
    enter_authenticator_code(page, rep.user.totp_secret)


def _fits_320_px(page: Page) -> bool:
    page.set_viewport_size({"width": 320, "height": 800})
    fits = page.evaluate("document.documentElement.scrollWidth <= 320")
    page.set_viewport_size({"width": 1280, "height": 900})
    return fits


def test_journey_request_approved_then_withdrawn(page: Page, live_server) -> None:
    rep = practitioner()
    taxpayer = named_taxpayer("Jordan Journey")
    # The request goes through the services at the real time, as the pages will see it (R21).
    req = approve_and_record(submit(rep, taxpayer, now=clock.now()), now=clock.now())
    row = Authorization.objects.get(request=req)

    _sign_in(page, live_server.url, rep)
    page.goto(f"{live_server.url}/pro/authorizations/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Active authorizations")
    expect(page.get_by_role("link", name="Jordan Journey")).to_be_visible()
    expect(page.get_by_text("Showing 1 to 1 of 1 active authorization.")).to_be_visible()
    assert_accessible(page)
    assert _fits_320_px(page)

    page.locator(f"label[for='withdraw-{row.public_id}']").click()
    expect(
        page.get_by_label("Withdraw: Jordan Journey, Income Tax (Form 1040), 2024")
    ).to_be_checked()
    page.get_by_role("button", name="Withdraw selected").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw from 1 authorization?")
    expect(page.get_by_text("This authorization ends as soon as you confirm.")).to_be_visible()
    expect(page.get_by_role("rowheader", name="Jordan Journey")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Yes, withdraw it").click()
    expect(page.get_by_text("You withdrew 1 authorization.")).to_be_visible()
    expect(page.get_by_role("link", name="Jordan Journey")).to_have_count(0)
    expect(page.get_by_text("There are no active authorizations")).to_be_visible()
    assert_accessible(page)
    row.refresh_from_db()
    assert row.end_reason == EndReason.WITHDRAWN
    assert Letter.objects.filter(taxpayer=taxpayer, kind=LetterKind.WITHDRAWAL_NOTICE).count() == 1

    # Back to the old confirmation page: it says the row already ended and offers nothing.
    page.go_back()
    expect(page.get_by_text("There is nothing to confirm.", exact=False)).to_be_visible()
    expect(page.get_by_role("button", name="Yes, withdraw it")).to_have_count(0)
    assert Letter.objects.filter(taxpayer=taxpayer, kind=LetterKind.WITHDRAWAL_NOTICE).count() == 1


def test_long_list_filter_error_and_htmx(page: Page, live_server) -> None:
    rep = practitioner()
    insert_authorizations(rep, 60)
    _sign_in(page, live_server.url, rep)
    url = f"{live_server.url}/pro/authorizations/"
    page.goto(url)
    expect(page.get_by_text("Showing 1 to 25 of 60 active authorizations.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Pages of active authorizations")).to_be_visible()
    assert_accessible(page)
    assert _fits_320_px(page)

    # Filter with htmx: the list changes in place, the address follows.
    page.evaluate("document.body.dataset.sameDocument = 'yes'")
    page.get_by_label("Kind").select_option("tia")
    page.get_by_role("button", name="Show authorizations").click()
    expect(page.get_by_text("Showing 1 to 25 of 30 active authorizations")).to_be_visible()
    assert "kind=tia" in page.url
    assert page.evaluate("document.body.dataset.sameDocument === 'yes'")

    # A filter error: beside the field and in the summary, and still accessible.
    page.goto(f"{url}?kind=bogus&name={'x' * 200}")
    expect(page.get_by_text("There is a problem")).to_be_visible()
    expect(page.locator("#id_kind_error")).to_contain_text("Choose a kind from the list.")
    assert_accessible(page)


def test_without_a_linked_caf_number_the_page_explains(page: Page, live_server) -> None:
    rep = practitioner(linked=False)
    _sign_in(page, live_server.url, rep)
    page.goto(f"{live_server.url}/pro/authorizations/")
    expect(page.get_by_role("link", name="Link a CAF number")).to_be_visible()
    assert_accessible(page)
