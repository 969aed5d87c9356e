"""The error and closed pages: they render in the worst conditions and pass axe-core.

The 500 page is rendered with an empty context and no request, exactly as Django's handler does;
the browser then sees it served from the live server's origin with the real CSP, so its styles
load (and any inline style would be refused) as in production.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.csp import CSP, build_policy
from playwright.sync_api import Page, Route, expect

from taxpro.clock import ET
from tests.browser.conftest import assert_accessible


def serve_html(page: Page, url: str, html: str, status: int) -> None:
    """Answer ``url`` with ``html`` and the portal's CSP, as if the live server had sent it."""
    headers = {
        "Content-Type": "text/html; charset=utf-8",
        str(CSP.HEADER_ENFORCE): build_policy(settings.SECURE_CSP, None),
    }

    def fulfil(route: Route) -> None:
        route.fulfill(status=status, headers=headers, body=html)

    page.route(url, fulfil)


def test_the_server_error_page_renders_with_an_empty_context_and_no_request() -> None:
    html = render_to_string("500.html")
    assert "Sorry, there is a problem with the service" in html
    assert "<script" not in html


@pytest.mark.browser
@pytest.mark.parametrize(
    ("template", "status", "heading"),
    [
        ("500.html", 500, "Sorry, there is a problem with the service"),
        # The database does not answer (taxpro/outage.py).
        ("503_database.html", 503, "Sorry, the service is unavailable right now"),
    ],
)
def test_the_server_error_pages_have_no_accessibility_violations(
    page: Page, live_server, template: str, status: int, heading: str
) -> None:
    url = f"{live_server.url}/__server_error__"
    serve_html(page, url, render_to_string(template), status)
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_accessible(page)


@pytest.mark.browser
def test_the_closed_page_says_when_the_portal_opens_again_in_eastern_time(
    page: Page, live_server
) -> None:
    next_opening = dt.datetime(2026, 11, 30, 6, 0, tzinfo=ET).astimezone(dt.UTC)
    html = render_to_string(
        "503.html",
        {"next_opening": next_opening, "reason": "The portal is closed for maintenance."},
    )
    url = f"{live_server.url}/__closed__"
    serve_html(page, url, html, 503)
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Tax Pro Portal is closed")
    expect(page.get_by_text("The portal is closed for maintenance.")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(
        "Monday, November 30, 2026 at 6 a.m. Eastern Time"
    )
    assert_accessible(page)


@pytest.mark.browser
def test_a_form_sent_without_its_security_token_gets_a_plain_explanation(
    page: Page, live_server
) -> None:
    page.goto(f"{live_server.url}/auth/login/")
    page.context.clear_cookies()
    page.get_by_label("Email").fill("someone@example.test")
    page.get_by_label("Password", exact=True).fill("whatever-it-is")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your form could not be sent")
    assert_accessible(page)


@pytest.mark.browser
def test_the_bad_request_page_has_no_accessibility_violations(page: Page, live_server) -> None:
    html = render_to_string("400.html")
    url = f"{live_server.url}/__bad_request__"
    serve_html(page, url, html, 400)
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sorry, we could not handle that request"
    )
    assert_accessible(page)


@pytest.mark.browser
def test_the_too_many_requests_page_says_when_to_try_again(page: Page, live_server) -> None:
    retry_at = dt.datetime(2026, 11, 30, 15, 5, tzinfo=ET).astimezone(dt.UTC)
    html = render_to_string("429.html", {"retry_after_minutes": 4, "retry_at": retry_at})
    url = f"{live_server.url}/__too_many__"
    serve_html(page, url, html, 429)
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many requests")
    expect(page.get_by_role("main")).to_contain_text("try again in 4 minutes, from 3:05 p.m.")
    assert_accessible(page)


@pytest.mark.browser
def test_the_too_many_requests_page_without_a_time_still_says_what_to_do(
    page: Page, live_server
) -> None:
    url = f"{live_server.url}/__too_many_plain__"
    serve_html(page, url, render_to_string("429.html"), 429)
    page.goto(url)
    expect(page.get_by_role("main")).to_contain_text("Wait a few minutes, then try again.")
    assert_accessible(page)
