"""Issue 10, item 15: a user sees where they are signed in and signs out everywhere else, in a
real browser, with and without JavaScript; the page has no accessibility violations."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import assert_accessible, open_page, sign_in_with_password
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


@contextmanager
def signed_in_elsewhere(page: Page, browser: Browser, base_url: str) -> Iterator[Page]:
    """The same taxpayer signed in in a second browser, then in ``page``."""
    taxpayer = UserFactory()
    elsewhere, _ = open_page(browser)
    try:
        sign_in_with_password(elsewhere, base_url, taxpayer.email)
        sign_in_with_password(page, base_url, taxpayer.email)
        yield elsewhere
    finally:
        elsewhere.context.close()


def assert_signed_out(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/auth/sessions/")
    expect(page).to_have_url(re.compile(r"/auth/login/"))


def test_a_user_sees_their_sessions_and_signs_out_everywhere_else(
    page: Page, browser: Browser, live_server
) -> None:
    with signed_in_elsewhere(page, browser, live_server.url) as elsewhere:
        page.goto(f"{live_server.url}/auth/2fa/")
        page.get_by_role("link", name="See where you are signed in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Where you are signed in")
        expect(page.locator("tbody tr")).to_have_count(2)
        expect(page.locator("tbody .usa-tag")).to_have_count(1)
        assert_accessible(page)

        page.get_by_role("button", name="Sign out everywhere else").click()
        expect(page.get_by_text("You are signed out everywhere else.")).to_be_visible()
        expect(page.locator("tbody tr")).to_have_count(1)
        expect(page.get_by_text("You are signed in only in this browser.")).to_be_visible()
        assert_accessible(page)

        assert_signed_out(elsewhere, live_server.url)


def test_signing_out_everywhere_else_works_without_javascript(
    page_without_javascript: Page, browser: Browser, live_server
) -> None:
    page = page_without_javascript
    with signed_in_elsewhere(page, browser, live_server.url) as elsewhere:
        page.goto(f"{live_server.url}/auth/sessions/")
        page.get_by_role("button", name="Sign out everywhere else").click()
        expect(page.locator("tbody tr")).to_have_count(1)
        assert_signed_out(elsewhere, live_server.url)
