"""The request wizard in a real browser: keyboard alone, htmx rows, no JavaScript, and 0 axe
violations on every step, with errors shown and on the confirmation page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from authorizations.models import AuthorizationRequest, RequestState
from taxpayers.models import Taxpayer
from tests.authorizations.conftest import Rep, make_rep, make_taxpayer
from tests.browser.conftest import (
    assert_accessible,
    enter_authenticator_code,
    sign_in_with_password,
    tab_to,
)
from tests.factories import enrol_totp
from tests.views.wizard_support import last_year

pytestmark = pytest.mark.browser

STATE_NAMES = {"IL": "Illinois", "NY": "New York"}


def _reflows_at_320px(page: Page) -> None:
    """WCAG 1.4.10: no horizontal scrolling at 320 CSS pixels wide."""
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 1280, "height": 900})


def _sign_in(page: Page, base_url: str) -> Rep:
    rep = make_rep(code="b")
    secret = enrol_totp(rep.user)
    sign_in_with_password(page, base_url, rep.user.email)
    enter_authenticator_code(page, secret)
    return rep


def _press(page: Page, selector: str, key: str = "Enter") -> None:
    tab_to(page, selector, max_presses=80)
    page.keyboard.press(key)


def _type_into(page: Page, selector: str, text: str) -> None:
    tab_to(page, selector, max_presses=80)
    page.keyboard.type(text)


def _continue(page: Page) -> None:
    _press(page, "button[value=continue]")
    page.wait_for_load_state()


def _taxpayer_by_keyboard(page: Page, taxpayer: Taxpayer, *, tin: str) -> None:
    _type_into(page, "#id_name", taxpayer.name)
    _type_into(page, "#id_tin", tin)
    _type_into(page, "#id_line1", taxpayer.address_line1)
    _type_into(page, "#id_city", taxpayer.city)
    _type_into(page, "#id_state", STATE_NAMES[taxpayer.state])  # a select: type-ahead
    _type_into(page, "#id_zip_code", taxpayer.zip_code)


def test_the_whole_wizard_with_the_keyboard_alone(page: Page, live_server) -> None:
    _sign_in(page, live_server.url)
    taxpayer = make_taxpayer()
    page.goto(f"{live_server.url}/pro/requests/new/")
    assert_accessible(page)
    _press(page, "button:has-text('Start a new request')")
    page.wait_for_load_state()

    # 1. Representative: POA (first radio, Space), the linked CAF number is already chosen.
    expect(page.get_by_role("heading", level=1)).to_have_text("You and the kind of request")
    assert_accessible(page)
    _press(page, "#id_kind_0", "Space")
    _continue(page)

    # 2. Taxpayer: first a TIN that cannot be an SSN, to see the error (R13a).
    expect(page.get_by_role("heading", level=1)).to_have_text("The taxpayer")
    assert_accessible(page)
    _taxpayer_by_keyboard(page, taxpayer, tin="666-12-3456")
    _continue(page)
    expect(page.locator(".usa-error-message")).to_contain_text("not a valid SSN or ITIN")
    assert_accessible(page)
    page.keyboard.press("Tab")  # from the focused error summary to its link
    page.keyboard.press("Enter")
    tin = page.locator("#id_tin")
    expect(tin).to_be_focused()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(taxpayer.tin_reveal())
    _continue(page)

    # 3. Matters: Income tax is the first row's matter; type-ahead picks last year.
    expect(page.get_by_role("heading", level=1)).to_have_text("Tax matters and periods")
    assert_accessible(page)
    _type_into(page, "#id_row-0-period_from", str(last_year()))
    _continue(page)

    # 4. Notices: yes.
    expect(page.get_by_role("heading", level=1)).to_have_text("Copies of notices")
    assert_accessible(page)
    _press(page, "#id_receives_notices_0", "Space")
    _continue(page)

    # 5. Check your answers, the declaration, send.
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    expect(page.get_by_text(taxpayer.tin_masked)).to_be_visible()
    assert_accessible(page)
    _reflows_at_320px(page)
    _press(page, "button:has-text('Send the request')")
    page.wait_for_load_state()
    expect(page.locator("[data-error-summary]")).to_contain_text("Confirm the declaration")
    assert_accessible(page)
    _press(page, "#id_declaration", "Space")
    _press(page, "button:has-text('Send the request')")
    page.wait_for_load_state()

    expect(page.get_by_role("heading", level=1)).to_have_text("Request sent")
    expect(page.get_by_text("must sign in and approve it")).to_be_visible()
    assert_accessible(page)
    req = AuthorizationRequest.objects.get()
    assert req.state == RequestState.PENDING
    assert req.taxpayer == taxpayer


def test_matter_rows_are_added_and_removed_in_place_with_htmx(page: Page, live_server) -> None:
    _sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/pro/requests/new/")
    page.get_by_role("button", name="Start a new request").click()
    page.wait_for_load_state()
    step_url = page.url.replace("/representative/", "/matters/")
    page.goto(step_url)
    page.get_by_role("button", name="Add another matter").click()
    second = page.locator("#matter-row-1")
    expect(second).to_be_visible()
    expect(page.locator("#id_row-1-matter")).to_be_focused()
    assert page.url == step_url  # swapped in place, no navigation
    # Changing the matter re-renders that row's periods: Civil Penalty offers quarters (R16).
    page.locator("#id_row-1-matter").select_option("civil_penalty")
    expect(page.locator("#id_row-1-period_from option").nth(1)).to_contain_text("Quarter ending")
    assert_accessible(page)
    _reflows_at_320px(page)
    page.get_by_role("button", name="Remove tax matter 1").click()
    expect(page.locator("#matter-row-1")).to_have_count(0)
    expect(page.locator("#id_row-0-matter")).to_have_value("civil_penalty")
    # An error swapped in by htmx is shown and accessible.
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("[data-error-summary]")).to_contain_text("Select the first period")
    assert page.url == step_url
    assert_accessible(page)
    # The start page lists the unfinished draft; its discard confirmation is accessible too.
    page.goto(f"{live_server.url}/pro/requests/new/")
    expect(page.get_by_role("link", name="Continue", exact=False)).to_have_count(1)
    assert_accessible(page)
    page.get_by_role("link", name="Discard", exact=False).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Discard the draft request?")
    assert_accessible(page)


def test_the_wizard_works_without_javascript(page_without_javascript: Page, live_server) -> None:
    page = page_without_javascript
    _sign_in(page, live_server.url)
    taxpayer = make_taxpayer()
    page.goto(f"{live_server.url}/pro/requests/new/")
    page.get_by_role("button", name="Start a new request").click()
    # USWDS draws its own radios and checkboxes: the label is what a pointer clicks.
    page.locator("label[for=id_kind_1]").click()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Taxpayer's full name").fill(taxpayer.name)
    page.get_by_label("Social Security number or ITIN").fill(taxpayer.tin_reveal())
    page.get_by_label("Street address").fill(taxpayer.address_line1)
    page.get_by_label("City").fill(taxpayer.city)
    page.get_by_label("State").select_option(taxpayer.state)
    page.get_by_label("ZIP code").fill(taxpayer.zip_code)
    page.get_by_role("button", name="Continue").click()
    # Rows without JavaScript: add, change the matter, "Update periods", remove.
    page.get_by_role("button", name="Add another matter").click()
    page.locator("#id_row-1-matter").select_option("civil_penalty")
    page.get_by_role("button", name="Update periods for tax matter 2").click()
    expect(page.locator("#id_row-1-period_from option").nth(1)).to_contain_text("Quarter ending")
    page.get_by_role("button", name="Remove tax matter 2").click()
    expect(page.locator("#matter-row-1")).to_have_count(0)
    page.locator("#id_row-0-period_from").select_option(str(last_year()))
    page.get_by_role("button", name="Continue").click()
    page.locator("label[for=id_receives_notices_1]").click()
    page.get_by_role("button", name="Continue").click()
    page.locator("label[for=id_declaration]").click()
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Request sent")
    # axe needs scripts, so this page's accessibility is checked in the tests above.
    assert AuthorizationRequest.objects.get().kind == "tia"


def test_another_caf_number_is_asked_only_when_chosen(page: Page, live_server) -> None:
    _sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/pro/requests/new/")
    page.get_by_role("button", name="Start a new request").click()
    group = page.locator("#another-caf-number")
    expect(group).to_be_hidden()  # the linked CAF number is chosen by default
    page.locator("label[for=id_caf_choice_1]").click()  # "Another CAF number assigned to me"
    expect(group).to_be_visible()
    assert_accessible(page)
    page.locator("label[for=id_caf_choice_0]").click()  # the linked one again
    expect(group).to_be_hidden()


def test_without_javascript_another_caf_number_is_always_there(
    page_without_javascript: Page, live_server
) -> None:
    page = page_without_javascript
    _sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/pro/requests/new/")
    page.get_by_role("button", name="Start a new request").click()
    expect(page.locator("#another-caf-number")).to_be_visible()
