"""Client information in a real browser: open a client and see only what is in scope (R32), the
view logged (R33); the list empty, long (pagination) and without a linked CAF number (R7);
0 axe violations in every state and no sideways scrolling at 320 px."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from authorizations.models import InformationAccess
from taxpayers.services import TransactionLine, account_module_post
from taxpro import clock
from tests.authorizations.conftest import approve_and_record, make_taxpayer, submit
from tests.browser.conftest import (
    assert_accessible,
    enter_authenticator_code,
    sign_in_with_password,
)
from tests.taxpayers.factories import TaxpayerFactory
from tests.views.pro_support import insert_authorization, practitioner

pytestmark = pytest.mark.browser


def _sign_in(page: Page, base_url: str, rep, next_url: str = "/pro/clients/") -> None:
    sign_in_with_password(page, base_url, rep.user.email, next_url=next_url)
    enter_authenticator_code(page, rep.user.totp_secret)


def _fits_320_px(page: Page) -> bool:
    page.set_viewport_size({"width": 320, "height": 800})
    fits = page.evaluate("document.documentElement.scrollWidth <= 320")
    page.set_viewport_size({"width": 1280, "height": 900})
    return fits


def _post(taxpayer, period: str, amount: str, description: str) -> None:
    account_module_post(
        taxpayer=taxpayer,
        form="1040",
        period=period,
        transactions=[
            TransactionLine(
                posted_on=dt.date(int(period[:4]) + 1, 4, 15),
                code="150",
                description=description,
                amount=Decimal(amount),
            ),
            TransactionLine(
                posted_on=dt.date(int(period[:4]) + 1, 5, 1),
                code="670",
                description=f"Payment ({description})",
                amount=Decimal("-100.00"),
            ),
        ],
    )


def test_journey_open_client_information_and_see_only_what_is_in_scope(
    page: Page, live_server
) -> None:
    rep = practitioner()
    taxpayer = make_taxpayer()
    now = clock.now()
    approve_and_record(submit(rep, taxpayer, modules=[("1040", "202412")], now=now), now=now)
    _post(taxpayer, "202412", "2500.00", "Tax assessed for 2024")
    _post(taxpayer, "202312", "777.77", "Tax assessed for 2023")

    _sign_in(page, live_server.url, rep)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your clients")
    expect(page.get_by_text(taxpayer.tin_masked)).to_be_visible()
    assert taxpayer.tin_reveal() not in page.content()
    assert_accessible(page)

    page.get_by_role("link", name=taxpayer.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{taxpayer.name}: tax information")
    expect(page.get_by_text("This view is recorded.", exact=False)).to_be_visible()
    expect(page.get_by_role("heading", name="Income Tax (Form 1040), 2024")).to_be_visible()
    expect(page.get_by_text("$2,400.00")).to_be_visible()
    expect(page.get_by_role("cell", name="Tax assessed for 2024", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="-$100.00")).to_be_visible()
    content = page.content()
    assert "Tax assessed for 2023" not in content
    assert "$777.77" not in content and "$677.77" not in content
    assert_accessible(page)
    assert _fits_320_px(page)
    assert InformationAccess.objects.filter(taxpayer=taxpayer, period="202412").count() == 1
    assert not InformationAccess.objects.filter(period="202312").exists()


def test_without_a_linked_caf_number_and_empty(page: Page, live_server) -> None:
    rep = practitioner(linked=False)
    _sign_in(page, live_server.url, rep)
    expect(page.get_by_text("first link a CAF number", exact=False)).to_be_visible()
    assert_accessible(page)

    linked = practitioner()
    page.context.clear_cookies()
    _sign_in(page, live_server.url, linked)
    expect(page.get_by_text("You have no clients", exact=False)).to_be_visible()
    assert_accessible(page)


def test_long_list_of_clients_pages(page: Page, live_server) -> None:
    rep = practitioner()
    for n in range(60):
        insert_authorization(rep, TaxpayerFactory(name=f"Client {n:02d}"))
    _sign_in(page, live_server.url, rep)
    expect(page.get_by_text("Showing 1 to 25 of 60 clients.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Page 3").click()
    expect(page.get_by_text("Showing 51 to 60 of 60 clients.")).to_be_visible()
    expect(page.get_by_role("link", name="Client 59")).to_be_visible()
    assert_accessible(page)
    assert _fits_320_px(page)
