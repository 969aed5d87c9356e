"""The 429 page (too many attempts): clear words, when to try again, and 0 axe violations.
Served with the portal's CSP from the live server's origin, as the error pages are."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible
from tests.browser.test_error_pages import serve_html


@pytest.mark.browser
def test_the_too_many_attempts_page_says_when_to_try_again(page: Page, live_server) -> None:
    url = f"{live_server.url}/__too_many__"
    html = render_to_string(
        "429.html", {"retry_after_minutes": 60, "kept_input": True, "attempts": True}
    )
    serve_html(page, url, html, 429)
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many attempts")
    expect(page.get_by_text("Try again in 60 minutes.")).to_be_visible()
    expect(page.get_by_text("What you entered was saved")).to_be_visible()
    assert_accessible(page)
