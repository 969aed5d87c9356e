"""Floods (issue 10): starting and sending requests faster than a person could is answered
with a clear 429 page and a Retry-After header, per practitioner and per practitioner and
taxpayer; nothing is created by a throttled request, and the refusal is audited."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from authorizations.models import AuthorizationRequest, RequestDraft
from taxpro.models import AuditEvent
from tests.page_text import rule_ids_read
from tests.views.wizard_support import (
    complete_questions,
    make_taxpayer,
    new_draft,
    representative,
    signed_in,
    submit_url,
)

pytestmark = pytest.mark.django_db
START = reverse("authorizations_pro:wizard_start")


@pytest.fixture
def limits(settings):
    def set_limits(**rates: str) -> None:
        settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, **rates}

    return set_limits


def assert_429_page(response, *, at_most: int) -> None:
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 1 <= wait <= at_most
    html = response.content.decode()
    assert "<h1>Too many requests</h1>" in html
    assert "try again in" in html and "Eastern Time" in html
    assert rule_ids_read(html) == []  # no rule ids in what users read


def _ready_draft(client: Client, rep, taxpayer) -> RequestDraft:
    draft = new_draft(rep)
    # An untouched draft is reused by "Start": give each one its answers before the next.
    complete_questions(client, draft, rep, taxpayer)
    return draft


def test_starting_new_requests_too_fast_is_answered_429_and_creates_nothing(
    client: Client, limits
) -> None:
    limits(request_start="2/m/user")
    rep = representative()
    signed_in(client, rep)
    taxpayer = make_taxpayer()
    for _ in range(2):
        assert client.post(START).status_code == 302
        complete_questions(
            client, RequestDraft.objects.filter(owner=rep.user).first(), rep, taxpayer
        )
    drafts = RequestDraft.objects.count()
    response = client.post(START)
    assert_429_page(response, at_most=60)
    assert RequestDraft.objects.count() == drafts
    # Looking at the page is not starting a request: it still opens.
    assert client.get(START).status_code == 200
    # Another practitioner is not slowed by this one.
    other = Client()
    signed_in(other, representative())
    assert other.post(START).status_code == 302


def test_sending_to_one_taxpayer_too_often_is_answered_429(client: Client, limits) -> None:
    limits(request_submit_taxpayer="1/h/key")
    rep = representative()
    signed_in(client, rep)
    first, second = make_taxpayer(), make_taxpayer()
    sent = client.post(submit_url(_ready_draft(client, rep, first)), {"declaration": "on"})
    assert sent.status_code == 302
    again = _ready_draft(client, rep, first)
    assert_429_page(client.post(submit_url(again), {"declaration": "on"}), at_most=3600)
    again.refresh_from_db()
    assert again.submitted_request is None  # kept as a draft, nothing sent
    assert AuthorizationRequest.objects.filter(taxpayer=first).count() == 1
    # The same practitioner may still send to another taxpayer.
    other = client.post(submit_url(_ready_draft(client, rep, second)), {"declaration": "on"})
    assert other.status_code == 302
    assert AuthorizationRequest.objects.filter(taxpayer=second).count() == 1


def test_sending_too_many_requests_is_answered_429_per_practitioner(client: Client, limits) -> None:
    limits(request_submit="1/m/user")
    rep = representative()
    signed_in(client, rep)
    first = _ready_draft(client, rep, make_taxpayer())
    assert client.post(submit_url(first), {"declaration": "on"}).status_code == 302
    # The same draft sent again is told it was already sent, not throttled (R47).
    assert client.post(submit_url(first), {"declaration": "on"}).status_code == 302
    second = _ready_draft(client, rep, make_taxpayer())
    assert_429_page(client.post(submit_url(second), {"declaration": "on"}), at_most=60)
    assert AuthorizationRequest.objects.count() == 1


def test_a_throttled_client_leaves_one_audit_event_per_blocked_window(
    client: Client, limits
) -> None:
    limits(request_start="1/h/user")
    rep = representative()
    signed_in(client, rep)
    assert client.post(START).status_code == 302
    for _ in range(5):
        assert client.post(START).status_code == 429
    event = AuditEvent.objects.get(action="throttled")
    assert event.actor == rep.user
    assert event.object_type == "taxpro.user" and event.object_id == str(rep.user.pk)
    assert event.after["limit"] == "request_start"
    assert 1 <= event.after["retry_after_seconds"] <= 3600
