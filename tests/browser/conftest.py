"""Real-browser fixtures: Debian's Chromium, driven by Playwright, against the live server.

``playwright install`` cannot download browsers on these machines (stack.md), so the tests drive
the system Chromium. Every page a test looks at is also checked for Content Security Policy
violations: the CSP refuses inline styles and scripts, and Chromium reports each refusal on the
console, so a template that slips one in fails here instead of silently losing its styling.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright

from tests.factories import PASSWORD, current_totp_code

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MISSING_CHROMIUM = "Chromium is not installed: apt-get install -y chromium"

# Wide enough for the desktop layout; the reflow test narrows it to 320 px itself.
DESKTOP_VIEWPORT = {"width": 1280, "height": 900}


def chromium_path() -> Path:
    return Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    executable = chromium_path()
    if not executable.exists():
        if os.environ.get("CI"):
            # In CI a missing browser means the accessibility checks did not run: fail loudly.
            pytest.fail(f"{MISSING_CHROMIUM} (looked for {executable}; set CHROMIUM_PATH)")
        pytest.skip(MISSING_CHROMIUM)
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(
        executable_path=str(chromium_path()), args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@dataclass
class PageProblems:
    """Console reports that mean a page is broken even if it looks fine."""

    csp_violations: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)

    def record_console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)

    def record_page_error(self, error: Exception) -> None:
        self.script_errors.append(str(error))


def open_page(browser: Browser, **context_options: object) -> tuple[Page, PageProblems]:
    """A page in a fresh browser context (no cookies), watched for CSP and script errors."""
    context = browser.new_context(viewport=DESKTOP_VIEWPORT, **context_options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems = PageProblems()
    page.on("console", problems.record_console)
    page.on("pageerror", problems.record_page_error)
    page.problems = problems  # type: ignore[attr-defined]
    page.javascript_enabled = context_options.get("java_script_enabled", True)  # type: ignore[attr-defined]
    return page, problems


@pytest.fixture
def page(browser: Browser, live_server) -> Iterator[Page]:
    """A fresh browser context (no cookies) per test."""
    page, _ = open_page(browser)
    yield page
    page.context.close()


@pytest.fixture
def page_without_javascript(browser: Browser, live_server) -> Iterator[Page]:
    page, _ = open_page(browser, java_script_enabled=False)
    yield page
    page.context.close()


def assert_no_console_problems(page: Page) -> None:
    problems: PageProblems = page.problems  # type: ignore[attr-defined]
    assert not problems.csp_violations, "CSP refused something:\n" + "\n".join(
        problems.csp_violations
    )
    assert not problems.script_errors, "Script errors:\n" + "\n".join(problems.script_errors)


def assert_accessible(page: Page) -> None:
    """0 axe-core violations on the page as it is now, and nothing refused by the CSP."""
    # axe runs in the page: with JavaScript off it would wait until the test timed out.
    assert getattr(page, "javascript_enabled", True), (
        "axe cannot run with JavaScript off; check the same page in the `page` fixture."
    )
    # Console problems first: injecting axe must not be mistaken for the page's own scripts.
    assert_no_console_problems(page)
    results = Axe().run(page)
    if results.violations_count:
        print(results.generate_report())
    assert results.violations_count == 0, (
        f"{results.violations_count} axe violation(s) on {page.url}:\n"
        + results.generate_snapshot()
    )


def fresh_totp_code(secret: str) -> str:
    """A code with a few seconds left to live: MFA_TOTP_TOLERANCE is 0, so a code made at the
    very end of its 30-second step could expire between typing and the server checking it."""
    period = getattr(settings, "MFA_TOTP_PERIOD", 30)
    remaining = period - time.time() % period
    if remaining < 5:
        time.sleep(remaining + 0.2)
    return current_totp_code(secret)


def sign_in_with_password(page: Page, base_url: str, email: str, *, next_url: str = "") -> None:
    query = f"?next={next_url}" if next_url else ""
    page.goto(f"{base_url}/auth/login/{query}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_load_state()


def enter_authenticator_code(page: Page, secret: str) -> None:
    page.get_by_label("Code").fill(fresh_totp_code(secret))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def tab_to(page: Page, selector: str, *, max_presses: int = 30) -> None:
    """Press Tab until the element matching ``selector`` has focus, as a keyboard user would."""
    target = page.locator(selector)
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{selector} was not reached with {max_presses} presses of Tab")


def skip_the_file(page: Page) -> None:
    """On a clerk's form page, pass the embedded file by the link before it, as a keyboard user
    would, while focus is still above it: the PDF viewer takes Tab presses of its own, as many
    as it likes once it has loaded, so tabbing through it is a race with its loading."""
    link = page.locator("#skip-to-decision")
    if link.count() and link.evaluate(
        "link => { const a = document.activeElement;"
        " return !a || a === document.body"
        " || Boolean(a.compareDocumentPosition(link) & Node.DOCUMENT_POSITION_FOLLOWING); }"
    ):
        tab_to(page, "#skip-to-decision", max_presses=80)
        page.keyboard.press("Enter")
        page.wait_for_function("document.activeElement && document.activeElement.id === 'decision'")


def fits_320_px(page: Page) -> bool:
    """Whether the page reflows at 320 px without sideways scrolling (WCAG 1.4.10); the
    viewport returns to the desktop size afterwards."""
    page.set_viewport_size({"width": 320, "height": 800})
    fits = page.evaluate("document.documentElement.scrollWidth <= 320")
    page.set_viewport_size(DESKTOP_VIEWPORT)
    return fits
