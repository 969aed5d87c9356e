"""The webhook pages (issue 14) in a real browser, keyboard only: add an endpoint (errors
first), copy the secret shown once, the endpoint with its delivery log, rotate, turn off,
delete; 0 axe violations in each state, nothing refused by the CSP, no sideways scrolling at
320 px; and adding an endpoint with JavaScript off."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from authorizations.webhooks.events import WebhookEventType
from authorizations.webhooks.models import (
    DeliveryState,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from taxpro import clock
from tests.browser.conftest import (
    assert_accessible,
    enter_authenticator_code,
    fits_320_px,
    sign_in_with_password,
    tab_to,
)
from tests.factories import enrol_totp
from tests.views.decisions_support import make_rep

pytestmark = pytest.mark.browser


def _signed_in_practitioner(page: Page, base_url: str, next_url: str = "/pro/webhooks/"):
    rep = make_rep(code="b")
    secret = enrol_totp(rep.user)
    sign_in_with_password(page, base_url, rep.user.email, next_url=next_url)
    enter_authenticator_code(page, secret)
    return rep


def _a_failed_delivery(endpoint: WebhookEndpoint) -> None:
    now = clock.now()
    event = WebhookEvent.objects.create(
        practitioner=endpoint.practitioner,
        event_type=WebhookEventType.REQUEST_RECORDED,
        occurred_at=now,
        payload={},
    )
    delivery = WebhookDelivery.objects.create(
        event=event,
        endpoint=endpoint,
        state=DeliveryState.FAILED,
        attempts=1,
        retry_until=now,
        created_at=now,
    )
    WebhookAttempt.objects.create(
        delivery=delivery,
        attempted_at=now,
        status_code=500,
        succeeded=False,
        error="The endpoint answered 500.",
        response_excerpt="upstream down",
        duration_ms=15,
    )


def test_journey_add_an_endpoint_by_keyboard_and_manage_it(page: Page, live_server) -> None:
    base = live_server.url
    rep = _signed_in_practitioner(page, base)
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhooks for your practice software")
    expect(page.get_by_text("You have no endpoints yet.")).to_be_visible()
    assert_accessible(page)
    assert fits_320_px(page)

    tab_to(page, "a[href='/pro/webhooks/new/']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add an endpoint")
    assert_accessible(page)

    # Sent with a plain-http address and no event: both told, at the top and at each field.
    page.get_by_label("Endpoint address").fill("http://hooks.example.com/taxpro")
    page.get_by_label("Description (optional)").fill("Desk software")
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Choose at least one event to be sent.")
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_label("Description (optional)")).to_have_value("Desk software")
    assert_accessible(page)
    assert not WebhookEndpoint.objects.exists()

    page.get_by_label("Endpoint address").fill("https://hooks.example.com/taxpro")
    tab_to(page, "#id_events_0")
    page.keyboard.press("Space")
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Copy your secret now")
    secret = page.get_by_label(re.compile("Signing secret")).input_value()
    assert secret.startswith("whsec_")
    assert_accessible(page)

    endpoint = WebhookEndpoint.objects.get(practitioner=rep.user)
    _a_failed_delivery(endpoint)
    tab_to(page, f"a[href='/pro/webhooks/{endpoint.public_id}/']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Delivery log")).to_be_visible()
    expect(page.get_by_text("upstream down")).to_be_visible()
    assert_accessible(page)
    assert fits_320_px(page)

    # Send again, by keyboard.
    tab_to(page, "button:has-text('Send again')")
    page.keyboard.press("Enter")
    expect(page.get_by_text("will be sent again")).to_be_visible()
    assert_accessible(page)

    for path, heading in (
        ("rotate", "Rotate the secret?"),
        ("status", "Turn deliveries off?"),
        ("events", "Change the events sent"),
        ("delete", "Delete this endpoint?"),
    ):
        page.goto(f"{base}/pro/webhooks/{endpoint.public_id}/{path}/")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page)

    page.get_by_role("button", name="Yes, delete this endpoint").click()
    expect(page.get_by_text("You have no endpoints yet.")).to_be_visible()
    assert_accessible(page)


def test_an_endpoint_is_added_with_javascript_off(
    page_without_javascript: Page, live_server
) -> None:
    page = page_without_javascript
    rep = _signed_in_practitioner(page, live_server.url, next_url="/pro/webhooks/new/")
    page.get_by_label("Endpoint address").fill("https://hooks.example.com/taxpro")
    page.locator("label[for=id_events_0]").click()
    page.get_by_role("button", name="Add the endpoint").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Copy your secret now")
    assert WebhookEndpoint.objects.filter(practitioner=rep.user).count() == 1
