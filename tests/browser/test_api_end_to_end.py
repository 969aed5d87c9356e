"""Issue 14 end to end, every part real: practice software talks to the live server over HTTP
with a token the practitioner's consent would give; it registers a webhook receiver on loopback
(a threaded http.server in this test) through the API, sends a request with an Idempotency-Key
twice (one request: the second answer is the replay, R47), the taxpayer approves in Chromium
(the power of attorney's step-up satisfied with the password, as a person would), a real Celery
worker on a private Redis records it (R21) and delivers the signed "recorded" event: the
receiver's first answer is a 500, the worker tries again with the same webhook-id, and after
deduplicating by that id the receiver holds the event exactly once, its signature checked by
the standardwebhooks library. Then the software withdraws the authorization (R29) and the
receiver is told "authorization ended" (withdrawn), at an address that answers the software.

Every wait is a bounded poll on the condition itself, never a sleep.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from authorizations.models import AuthorizationRequest, RequestKind, RequestState
from authorizations.webhooks.events import WebhookEventType
from authorizations.webhooks.models import DeliveryState, WebhookDelivery
from tests.api.support import request_body, token_for
from tests.authorizations.fault_support import (
    PrivateRedis,
    Worker,
    broker_for_this_process,
    wait_for,
)
from tests.authorizations.webhook_support import Answer, Receiver, receiver
from tests.browser.conftest import assert_accessible, sign_in_with_password, tab_to
from tests.factories import PASSWORD, enrol_totp
from tests.views.decisions_support import INCOME_2024, make_rep, make_taxpayer

__all__ = ["receiver"]  # the fixture

# Not marked slow: its waits are polls bounded at a minute, with no time bar, like the real
# worker of test_taxpayer_decisions.py, so it runs in make test's parallel pass on the browser
# and live server that pass has started already, instead of starting both for itself alone in
# the serial pass.
pytestmark = pytest.mark.browser


@dataclass
class Reply:
    status: int
    headers: Any
    body: Any


class Software:
    """Practice software: HTTP calls to the live server's API with one bearer token."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base = base_url
        self.token = token

    def call(self, method: str, path: str, body: Any = None, *, key: str = "") -> Reply:
        path = path.removeprefix(settings.PORTAL_URL)  # a payload's address, absolute
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if key:
            headers["Idempotency-Key"] = key
        url = f"{self.base}{path}"  # the live server, on loopback
        request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (loopback)
                return Reply(answer.status, answer.headers, json.loads(answer.read() or b"null"))
        except urllib.error.HTTPError as refused:
            return Reply(refused.code, refused.headers, json.loads(refused.read() or b"null"))


@pytest.fixture
def worker(tmp_path: Path, live_server, monkeypatch) -> Iterator[Worker]:
    """A private Redis and a real prefork worker on the test database, which may send to
    loopback and retries one second after a failure; both stopped after."""
    monkeypatch.setenv("WEBHOOK_LOCAL_ADDRESSES_ALLOWED", "1")
    monkeypatch.setenv("WEBHOOK_RETRY_BASE_SECONDS", "1")
    redis = PrivateRedis(tmp_path)
    redis.start()
    try:
        with broker_for_this_process(redis.url):
            process = Worker(redis_url=redis.url, log=tmp_path / "worker.log")
            process.start()
            try:
                ready = wait_for(lambda: " ready." in process.log_tail(200), 60, 0.2)
                assert ready, "the worker did not start:\n" + process.log_tail()
                yield process
            finally:
                process.stop()
    finally:
        redis.stop()


def _events_of_type(receiver: Receiver, secret: str, event_type: str) -> list[dict[str, Any]]:
    return [e for e in receiver.unique_events(secret).values() if e["type"] == event_type]


def test_issue14_register_by_api_send_twice_approve_in_the_browser_get_signed_events_withdraw(
    page: Page, live_server, receiver: Receiver, worker: Worker
) -> None:
    rep = make_rep(code="b")
    enrol_totp(rep.user)
    taxpayer = make_taxpayer()
    base = live_server.url
    software = Software(base, token_for(rep.user))

    # The software registers its receiver; the answer holds the signing secret.
    registered = software.call(
        "POST",
        "/api/v1/webhooks",
        {
            "url": receiver.url,
            "events": [
                WebhookEventType.REQUEST_RECORDED.value,
                WebhookEventType.AUTHORIZATION_ENDED.value,
            ],
        },
        key="register-receiver",
    )
    assert registered.status == 201, registered.body
    secret = registered.body["secret"]
    receiver.script = [Answer(500, b"not now")]  # the first delivery fails

    # R47: the same Idempotency-Key and body twice: one request, the second answer replayed.
    body = request_body(rep, taxpayer, kind=RequestKind.POA, modules=(INCOME_2024,))
    first = software.call("POST", "/api/v1/requests", body, key="send-carmen-poa")
    again = software.call("POST", "/api/v1/requests", body, key="send-carmen-poa")
    assert first.status == 201, first.body
    assert (again.status, again.body) == (201, first.body)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert AuthorizationRequest.objects.filter(practitioner=rep.user).count() == 1
    req = AuthorizationRequest.objects.get(public_id=first.body["id"])
    assert first.body["status"] == "pending"

    # The taxpayer approves in the browser; a power of attorney asks for the password again.
    sign_in_with_password(page, base, taxpayer.user.email)
    page.goto(f"{base}/account/authorizations/requests/{req.public_id}/")
    tab_to(page, f"a[href='/account/authorizations/requests/{req.public_id}/approve/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/auth/reauthenticate/**")
    tab_to(page, "input[name='password']")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/account/authorizations/requests/{req.public_id}/approve/")
    tab_to(page, "#id_declaration")
    page.keyboard.press("Space")
    tab_to(page, "#id_signature")
    page.keyboard.type(taxpayer.name)
    tab_to(page, "button[type='submit']:has-text('Approve and sign')")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/account/authorizations/requests/{req.public_id}/")
    expect(page.get_by_text("It is being recorded", exact=False).first).to_be_visible()
    assert_accessible(page)

    # R21: the worker records it and delivers the event, the second try after the 500.
    def recorded_and_delivered() -> bool:
        return (
            AuthorizationRequest.objects.get(pk=req.pk).state == RequestState.RECORDED
            and WebhookDelivery.objects.filter(
                event__event_type=WebhookEventType.REQUEST_RECORDED,
                state=DeliveryState.DELIVERED,
            ).exists()
        )

    assert wait_for(recorded_and_delivered, 60, 0.1), worker.log_tail(80)
    # Both tries carried one webhook-id; deduplicated by it, one event, correctly signed (the
    # library's verifier raises on a bad signature).
    tries = [got for got in receiver.received if got.webhook_id == receiver.received[0].webhook_id]
    assert len(tries) == 2
    [recorded] = _events_of_type(receiver, secret, "request.recorded")
    assert recorded["data"]["id"] == str(req.public_id)
    assert recorded["data"]["status"] == "recorded"
    followed = software.call("GET", recorded["data"]["url"])
    assert (followed.status, followed.body["status"]) == (200, "recorded")

    # R29: the software withdraws the authorization; the receiver is told it ended.
    [row] = software.call("GET", "/api/v1/authorizations").body["items"]
    withdrawn = software.call(
        "POST", f"/api/v1/authorizations/{row['id']}/withdraw", key="withdraw-carmen"
    )
    assert withdrawn.status == 200, withdrawn.body
    assert withdrawn.body["end_reason"] == "withdrawn"

    def told_ended() -> bool:
        return bool(_events_of_type(receiver, secret, "authorization.ended"))

    assert wait_for(told_ended, 60, 0.1), worker.log_tail(80)
    [ended] = _events_of_type(receiver, secret, "authorization.ended")
    assert (ended["data"]["id"], ended["data"]["ended_reason"]) == (row["id"], "withdrawn")
    followed = software.call("GET", ended["data"]["url"])
    assert followed.status == 200
    assert (followed.body["end_reason"], followed.body["ends_at"] is not None) == (
        "withdrawn",
        True,
    )
    # Still exactly one event per webhook-id for the recorded request.
    assert len(_events_of_type(receiver, secret, "request.recorded")) == 1
