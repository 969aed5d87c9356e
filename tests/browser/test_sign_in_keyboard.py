"""Signing in with the keyboard alone: type the e-mail address, Tab, type the password, Enter.
The "Forgot your password?" link must not sit between the two inputs (issue 13)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser


def test_a_taxpayer_signs_in_with_the_keyboard_alone(page: Page, live_server) -> None:
    taxpayer = UserFactory()
    page.goto(f"{live_server.url}/auth/login/")
    assert_accessible(page)
    page.get_by_label("Email").focus()
    page.keyboard.type(taxpayer.email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page).to_have_url(f"{live_server.url}/account/")


def test_the_password_reset_link_follows_the_sign_in_button(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/auth/login/")
    order = page.evaluate(
        """() => Array.from(
              document.querySelectorAll('main input:not([type=hidden]), main button, main a')
            ).map(e => e.getAttribute('name') || e.textContent.trim())"""
    )
    assert order.index("password") < order.index("Sign in") < order.index("Forgot your password?")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert "/auth/password/reset/" in page.url
