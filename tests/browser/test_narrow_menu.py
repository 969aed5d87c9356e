"""The main menu on a 320 px screen (issue 13): with scripts, a Menu button that opens and closes
it, by mouse or keyboard, and the page does not reflow sideways; without scripts, the plain list
in two columns. Accessible both ways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    assert_accessible,
    assert_no_console_problems,
    enter_authenticator_code,
    sign_in_with_password,
    tab_to,
)
from tests.views.pro_support import practitioner

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 800}


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_menu_folds_behind_a_button_on_a_narrow_screen(page: Page, live_server) -> None:
    rep = practitioner()
    page.set_viewport_size(NARROW)
    sign_in_with_password(page, live_server.url, rep.user.email)
    enter_authenticator_code(page, rep.user.totp_secret)
    menu = page.get_by_role("button", name="Menu")
    requests_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Requests")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(requests_link).to_be_hidden()
    _no_sideways_scroll(page)
    assert_accessible(page)

    # Keyboard: Tab to the button, Enter opens, Escape closes and keeps focus on the button.
    tab_to(page, ".site-nav__toggle")
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(requests_link).to_be_visible()
    assert_accessible(page)
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()

    menu.click()
    requests_link.click()
    expect(page).to_have_url(f"{live_server.url}/pro/requests/")
    assert_no_console_problems(page)


def test_on_a_wide_screen_the_menu_is_a_plain_list(page: Page, live_server) -> None:
    rep = practitioner()
    sign_in_with_password(page, live_server.url, rep.user.email)
    enter_authenticator_code(page, rep.user.totp_secret)
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Requests")).to_be_visible()


def test_without_scripts_the_narrow_menu_is_the_whole_list(
    page_without_javascript: Page, live_server
) -> None:
    page = page_without_javascript
    page.set_viewport_size(NARROW)
    page.goto(f"{live_server.url}/auth/login/")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()
    expect(nav.get_by_role("link", name="Create an account")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    _no_sideways_scroll(page)
