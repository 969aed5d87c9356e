"""The practitioner's Requests in a real browser: filters with htmx and without JavaScript,
pagination, the detail and cancel pages; 0 axe violations in every state (R19, R20)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from authorizations.models import RequestState
from taxpro import clock
from tests.authorizations.conftest import make_taxpayer, submit
from tests.browser.conftest import (
    assert_accessible,
    enter_authenticator_code,
    sign_in_with_password,
)
from tests.views.pro_support import insert_request, insert_requests, named_taxpayer, practitioner

pytestmark = pytest.mark.browser


def _sign_in(page: Page, base_url: str, rep) -> None:
    sign_in_with_password(page, base_url, rep.user.email, next_url="/pro/requests/")
    enter_authenticator_code(page, rep.user.totp_secret)


def _mark_page(page: Page) -> None:
    """A flag that survives an htmx swap but not a full page load."""
    page.evaluate("document.body.dataset.sameDocument = 'yes'")


def _same_document(page: Page) -> bool:
    return page.evaluate("document.body.dataset.sameDocument === 'yes'")


def test_requests_pages_are_accessible_in_every_state(page: Page, live_server) -> None:
    rep = practitioner()
    _sign_in(page, live_server.url, rep)
    url = f"{live_server.url}/pro/requests/"
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Requests")
    expect(page.get_by_text("You have not sent any requests yet.")).to_be_visible()
    assert_accessible(page)

    # A long list: every status, pagination.
    insert_requests(rep, 55)
    for state in (RequestState.RECORDED, RequestState.REJECTED, RequestState.EXPIRED):
        insert_request(rep, make_taxpayer(), state=state)
    pending = submit(rep, named_taxpayer("Zoe Pending"), now=clock.now())
    page.goto(url)
    expect(page.get_by_text("Showing 1 to 25 of 59 requests")).to_be_visible()
    expect(page.get_by_role("navigation", name="Pages of requests")).to_be_visible()
    assert_accessible(page)

    # A filter error: the message beside the field and in the summary, still accessible.
    page.goto(f"{url}?from=2025-13-45&status=nope")
    expect(page.get_by_text("There is a problem")).to_be_visible()
    expect(page).to_have_title("Error: Requests - Tax Pro Portal")
    assert_accessible(page)

    # The detail, the cancel confirmation, and the cancelled request.
    page.goto(url)
    page.get_by_role("link", name="Zoe Pending").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("request to Zoe Pending")
    assert_accessible(page)
    page.get_by_role("link", name="Cancel this request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel your request to Zoe Pending?")
    assert_accessible(page)
    page.get_by_role("button", name="Yes, cancel this request").click()
    expect(page.get_by_text("You cancelled your request to Zoe Pending.")).to_be_visible()
    pending.refresh_from_db()
    assert pending.state == RequestState.CANCELLED
    assert_accessible(page)


def test_the_filters_update_the_list_in_place_with_htmx(page: Page, live_server) -> None:
    rep = practitioner()
    now = clock.now()
    insert_request(rep, named_taxpayer("Alice Filter"), submitted_at=now)
    insert_request(
        rep,
        named_taxpayer("Bob Filter"),
        state=RequestState.RECORDED,
        submitted_at=now - dt.timedelta(days=3),
    )
    insert_requests(rep, 30)
    _sign_in(page, live_server.url, rep)
    page.goto(f"{live_server.url}/pro/requests/")
    _mark_page(page)

    page.get_by_label("Taxpayer name contains").fill("alice")
    page.get_by_role("button", name="Show requests").click()
    expect(page.get_by_text("Showing 1 to 1 of 1 request that match the filters.")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/pro/requests/?status=&name=alice&from=&to=")
    expect(page.get_by_role("link", name="Alice Filter")).to_be_visible()
    expect(page.get_by_role("link", name="Bob Filter")).to_have_count(0)
    assert _same_document(page), "the filter reloaded the page instead of swapping the list"

    # A bad date: the message comes back beside the field, in place.
    page.get_by_label("Taxpayer name contains").fill("")
    page.get_by_label("Submitted from").fill("31/31/2026")
    page.get_by_role("button", name="Show requests").click()
    expect(page.locator("#id_from_error")).to_contain_text("Enter a real date.")
    assert _same_document(page)
    assert_accessible(page)

    # Pagination swaps in place too and keeps the filters.
    page.get_by_label("Submitted from").fill("")
    page.get_by_label("Status").select_option("pending")
    page.get_by_role("button", name="Show requests").click()
    expect(page.get_by_text("Showing 1 to 25 of 31 requests")).to_be_visible()
    page.get_by_role("link", name="Next page").click()
    expect(page.get_by_text("Showing 26 to 31 of 31 requests")).to_be_visible()
    assert "status=pending" in page.url and "page=2" in page.url
    assert _same_document(page)
    assert_accessible(page)


def test_the_filters_work_without_javascript(page_without_javascript: Page, live_server) -> None:
    page = page_without_javascript
    rep = practitioner()
    insert_request(rep, named_taxpayer("Alice Nojs"))
    insert_request(rep, named_taxpayer("Bob Nojs"), state=RequestState.EXPIRED)
    _sign_in(page, live_server.url, rep)
    page.goto(f"{live_server.url}/pro/requests/")
    page.get_by_label("Status").select_option("expired")
    page.get_by_role("button", name="Show requests").click()
    page.wait_for_load_state()
    assert "status=expired" in page.url
    expect(page.get_by_role("link", name="Bob Nojs")).to_be_visible()
    expect(page.get_by_role("link", name="Alice Nojs")).to_have_count(0)
