"""An approval being recorded updates itself on the taxpayer's page (issue 13): htmx asks again
until the request is in effect, then stops; without JavaScript, a link reloads the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from authorizations import services
from tests.browser.conftest import assert_accessible, sign_in_with_password
from tests.views.decisions_support import approve_now, make_rep, make_taxpayer, submit_now

pytestmark = pytest.mark.browser


def _approved_not_recorded():
    rep = make_rep(code="b")
    taxpayer = make_taxpayer()
    req = submit_now(rep, taxpayer)
    approve_now(req)  # no worker here: it stays "being recorded" until the test records it
    return rep, taxpayer, req


def test_being_recorded_refreshes_itself_until_in_effect(page: Page, live_server) -> None:
    rep, taxpayer, req = _approved_not_recorded()
    sign_in_with_password(page, live_server.url, taxpayer.user.email)
    page.goto(f"{live_server.url}/account/authorizations/")
    expect(page.get_by_role("heading", name="Approved, being recorded")).to_be_visible()
    assert_accessible(page)
    page.evaluate("document.body.dataset.sameDocument = 'yes'")

    services.request_record(request_id=req.pk)  # what the worker does

    active = page.get_by_role("heading", name="Who has your permission now").locator("..")
    expect(active.get_by_role("rowheader", name=rep.caf_record.name)).to_be_visible(timeout=30_000)
    expect(page.get_by_role("heading", name="Approved, being recorded")).to_have_count(0)
    # The same document, swapped in place; and nothing is asked any more.
    assert page.evaluate("document.body.dataset.sameDocument === 'yes'")
    expect(page.locator("#decisions-live")).not_to_have_attribute("hx-trigger", "every 2s")
    assert_accessible(page)


def test_without_javascript_a_link_reloads_the_page(
    page_without_javascript: Page, live_server
) -> None:
    page = page_without_javascript
    _rep, taxpayer, req = _approved_not_recorded()
    sign_in_with_password(page, live_server.url, taxpayer.user.email)
    page.goto(f"{live_server.url}/account/authorizations/")
    services.request_record(request_id=req.pk)
    page.get_by_role("link", name="Refresh the page").click()
    expect(page.get_by_role("heading", name="Approved, being recorded")).to_have_count(0)
