"""Software that acts for a practitioner (issue 14) in a real browser, with the keyboard alone:
registering it, its consent page, taking access back; axe finds nothing on each state."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import urllib.parse
import urllib.request

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import (
    assert_accessible,
    enter_authenticator_code,
    sign_in_with_password,
    tab_to,
)
from tests.factories import PASSWORD
from tests.views.pro_support import practitioner

pytestmark = pytest.mark.browser

CALLBACK = "https://software.example/callback"


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_a_practitioner_registers_allows_and_revokes_software_with_the_keyboard(
    page: Page, live_server
) -> None:
    rep = practitioner()
    sign_in_with_password(page, live_server.url, rep.user.email, next_url="/pro/profile/software/")
    enter_authenticator_code(page, rep.user.totp_secret)
    expect(page.get_by_role("heading", level=1)).to_have_text("Software that acts for you")
    expect(page.get_by_text("No software acts for you.")).to_be_visible()
    assert_accessible(page)

    # An address that is not https: the error is told at the field, what was typed kept.
    tab_to(page, "#id_name")
    page.keyboard.type("Ledger Desk")
    tab_to(page, "#id_redirect_uri")
    page.keyboard.type("http://software.example/callback")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.locator("#id_name")).to_have_value("Ledger Desk")
    assert_accessible(page)

    page.locator("#id_redirect_uri").fill("")
    tab_to(page, "#id_redirect_uri")
    page.keyboard.type(CALLBACK)
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.get_by_text("Ledger Desk is registered.")).to_be_visible()
    client_id = page.locator("td[data-label='Client id'] code").inner_text()
    assert_accessible(page)

    # The software sends the practitioner to the consent page.
    verifier, challenge = _pkce()
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": CALLBACK,
            "scope": "requests:read requests:write",
            "state": "s1",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    page.goto(f"{live_server.url}/oauth/authorize/?{query}")
    # Letting software act in one's name waits for a step-up, then comes back to the consent.
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    tab_to(page, "#id_password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Allow Ledger Desk to act for you?")
    assert_accessible(page)
    tab_to(page, "main button[name=allow]")
    # The answer sends the browser back to the software, which is not running here. The POST
    # goes to the portal as the browser sent it; the portal's redirect is kept for the test and
    # the browser shown a page in the software's place, so no failing navigation to a host that
    # does not exist is left racing the next page.goto.
    locations: list[str] = []

    def software_receives(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        answer = route.fetch(max_redirects=0)
        locations.append(answer.headers["location"])
        route.fulfill(status=200, content_type="text/plain", body="Ledger Desk has the answer.")

    page.route(lambda url: "/oauth/authorize/" in url, software_receives)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Ledger Desk has the answer.")).to_be_visible()
    page.unroute_all()
    (location,) = locations
    assert location.startswith(f"{CALLBACK}?")
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["code"][0]

    # The software exchanges the code (with its verifier) for tokens.
    body = urllib.parse.urlencode(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "client_id": client_id,
            "code_verifier": verifier,
        }
    ).encode()
    with urllib.request.urlopen(f"{live_server.url}/oauth/token/", data=body) as answer:  # noqa: S310
        assert json.load(answer)["token_type"] == "Bearer"

    page.goto(f"{live_server.url}/pro/profile/software/")
    expect(page.get_by_text("1 active token")).to_be_visible()
    tab_to(page, "main form button:has-text('Revoke')")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.get_by_text("Ledger Desk can no longer act for you.")).to_be_visible()
    expect(page.get_by_text("1 active token")).not_to_be_visible()
    assert_accessible(page)
