"""A taxpayer reads their notices and who viewed their information (R29, R33), in every state
(empty, with data, long lists), with 0 axe-core violations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from authorizations.models import Authorization
from authorizations.services import authorization_withdraw, taxpayer_information_open
from taxpayers.services import TransactionLine, account_module_post
from taxpro import clock
from tests.authorizations.conftest import INCOME_2024, approve_and_record, make_rep, submit
from tests.browser.conftest import assert_accessible, sign_in_with_password
from tests.views.taxpayer_support import insert_letters, insert_views, verified_taxpayer

pytestmark = pytest.mark.browser


def test_read_the_notices_and_the_access_log(page: Page, live_server) -> None:
    user, taxpayer = verified_taxpayer()
    account_module_post(
        taxpayer=taxpayer,
        form="1040",
        period="202412",
        transactions=[
            TransactionLine(dt.date(2025, 4, 15), "150", "Tax assessed", Decimal("100.00"))
        ],
    )
    rep = make_rep(code="b")
    # Real time, a little in the past, so that the pages show these as they are now.
    now = clock.now() - dt.timedelta(minutes=5)
    approve_and_record(submit(rep, taxpayer, modules=[INCOME_2024], now=now), now=now)
    taxpayer_information_open(practitioner=rep.user, taxpayer_id=taxpayer.pk)
    row = Authorization.objects.active().get(taxpayer=taxpayer)
    authorization_withdraw(authorization_id=row.pk, practitioner=rep.user)

    sign_in_with_password(page, live_server.url, user.email)
    expect(page.get_by_text("viewed your tax information 1 time")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Notices").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notices")
    expect(page.get_by_text(f"{rep.caf_record.name} withdrew", exact=False)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="A representative withdrew from your authorization").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "A representative withdrew from your authorization"
    )
    assert_accessible(page)

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Who viewed your information"
    ).click()
    table = page.get_by_role("table")
    expect(table.get_by_text(rep.caf_record.name)).to_be_visible()
    expect(table.get_by_text(rep.caf_record.caf_number_display)).to_be_visible()
    expect(table.get_by_text("Income Tax (Form 1040), 2024")).to_be_visible()
    assert_accessible(page)


def test_empty_and_long_lists_are_accessible(page: Page, live_server) -> None:
    user, taxpayer = verified_taxpayer()
    sign_in_with_password(page, live_server.url, user.email)
    assert_accessible(page)  # home with nothing yet
    page.goto(f"{live_server.url}/account/notices/")
    expect(page.get_by_text("You have no notices")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server.url}/account/who-viewed/")
    expect(page.get_by_text("Nobody has viewed your tax information")).to_be_visible()
    assert_accessible(page)

    insert_letters(taxpayer, 45)
    insert_views(taxpayer, 45)
    page.goto(f"{live_server.url}/account/notices/")
    pages = page.get_by_role("navigation", name="Pages of notices")
    expect(pages).to_be_visible()
    assert_accessible(page)
    pages.get_by_role("link", name="Next page").click()
    expect(page.get_by_text("Page 2 of 3")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server.url}/account/who-viewed/?page=3")
    expect(page.get_by_role("navigation", name="Pages of views")).to_be_visible()
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 800})
    for path in ["/account/", "/account/notices/", "/account/who-viewed/"]:
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
