"""The public help pages in a real browser: axe-clean, reachable from the footer, and readable
without JavaScript and at 320 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, assert_no_console_problems

pytestmark = pytest.mark.browser

HELP_PAGES = [
    ("/help/abbreviations/", "Approved address abbreviations"),
    ("/help/caf-numbers/", "CAF numbers: help"),
]


@pytest.mark.parametrize(("path", "heading"), HELP_PAGES)
def test_the_help_page_has_no_accessibility_violations(
    page: Page, live_server, path: str, heading: str
) -> None:
    page.goto(f"{live_server.url}{path}")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_accessible(page)


@pytest.mark.parametrize(("path", "heading"), HELP_PAGES)
def test_the_help_page_is_reached_from_the_footer_of_the_front_door(
    page: Page, live_server, path: str, heading: str
) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_role("contentinfo").get_by_role("link", name=heading).click()
    expect(page).to_have_url(f"{live_server.url}{path}")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


def test_the_abbreviation_tables_name_each_cell_for_a_screen_reader(
    page: Page, live_server
) -> None:
    page.goto(f"{live_server.url}/help/abbreviations/")
    table = page.get_by_role("table", name="Street suffixes and their abbreviations")
    # Each row is named by its row header, each column by its column header.
    street = table.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="Street", exact=True)
    )
    expect(street.get_by_role("cell")).to_have_text(["ST", "STR, STRT"])
    expect(table.get_by_role("columnheader")).to_have_text(
        ["Street suffix", "Standard abbreviation", "Also accepted"]
    )
    units = page.get_by_role("table", name="Secondary unit designators and their abbreviations")
    apartment = units.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="Apartment", exact=True)
    )
    expect(apartment.get_by_role("cell").first).to_have_text("APT")


def test_the_jump_links_move_to_each_table_with_the_keyboard(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/help/abbreviations/")
    link = page.get_by_role("link", name="Directions")
    link.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/help/abbreviations/#directions")
    expect(page.get_by_role("heading", name="Directions", exact=True)).to_be_in_viewport()


@pytest.mark.parametrize(
    ("path", "heading", "section"),
    [
        ("/help/abbreviations/", "Approved address abbreviations", "Street suffixes"),
        ("/help/caf-numbers/", "CAF numbers: help", "If you cannot find your CAF number"),
    ],
)
def test_the_help_page_reads_the_same_without_javascript(
    page_without_javascript: Page, live_server, path: str, heading: str, section: str
) -> None:
    page = page_without_javascript
    page.goto(f"{live_server.url}{path}")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("heading", name=section, exact=True)).to_be_visible()
    assert_no_console_problems(page)


@pytest.mark.parametrize(("path", "heading"), HELP_PAGES)
def test_the_help_page_reflows_at_320_pixels_without_sideways_scrolling(
    page: Page, live_server, path: str, heading: str
) -> None:
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"{live_server.url}{path}")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
