"""/api/v1/webhooks, /api/v1/authorizations/{id} and /api/v1/forms/{id} (issue 14): software
registers and manages the practitioner's webhook endpoints with the services the pages use
(R44: each change audited; R45: only their own; R47: a doubled POST has one effect), and every
address a webhook payload names answers the practitioner it was sent to."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client
from standardwebhooks.webhooks import Webhook

from authorizations import services
from authorizations.models import (
    ApiIdempotencyKey,
    Authorization,
    FormState,
    RejectionReason,
)
from authorizations.services import forms
from authorizations.services import webhooks as hooks
from authorizations.webhooks.events import WebhookEventType as E
from authorizations.webhooks.models import WebhookEndpoint, WebhookEvent
from authorizations.webhooks.signing import secret_open
from taxpro.models import AuditEvent
from tests.api.support import call, token_for
from tests.authorizations.conftest import (
    DAY,
    TUESDAY_NOON,
    approve_and_record,
    make_rep,
    make_taxpayer,
    private_media,
    submit,
)
from tests.authorizations.factories import BusinessTaxpayerFactory, UploadedFormFactory
from tests.authorizations.forms_support import form_data, form_rep, form_taxpayer, upload
from tests.factories import enrol_totp
from tests.personas import staff_clerk

__all__ = ["private_media"]  # the fixture

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks"
RECEIVER = "https://127.0.0.1:8443/hooks"


@pytest.fixture
def cpa(settings):
    settings.WEBHOOK_LOCAL_ADDRESSES_ALLOWED = True
    rep = make_rep(code="b")
    enrol_totp(rep.user)
    return rep


def _register(client: Client, token: str, *, key: str = "", **body) -> object:
    sent = {"url": RECEIVER, "events": ["request.recorded"], **body}
    return call(client, "post", URL, token=token, body=sent, key=key)


# --- Registration and its secret -------------------------------------------------------------


def test_r44_r47_register_answers_the_secret_and_a_replay_makes_nothing_twice(
    client: Client, cpa
) -> None:
    token = token_for(cpa.user)
    first = _register(client, token, key="add-1", description="Practice Suite")
    assert first.status_code == 201, first.content
    body = first.json()
    assert first["Location"] == body["api_url"] == f"{URL}/{body['id']}"
    assert (body["url"], body["events"], body["enabled"]) == (
        RECEIVER,
        ["request.recorded"],
        True,
    )
    endpoint = WebhookEndpoint.objects.get(practitioner=cpa.user)
    assert body["secret"].startswith("whsec_")
    assert body["secret"] == secret_open(endpoint.secret_ciphertext)
    # The secret signs what a Standard Webhooks verifier accepts.
    signed = Webhook(body["secret"]).sign("msg_1", endpoint.created_at, '{"a": 1}')
    assert signed.startswith("v1,")
    again = _register(client, token, key="add-1", description="Practice Suite")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == body
    assert WebhookEndpoint.objects.filter(practitioner=cpa.user).count() == 1
    # The idempotency table never holds the signing secret in clear.
    stored = ApiIdempotencyKey.objects.get(owner=cpa.user, key="add-1")
    assert body["secret"] not in json.dumps(stored.body)
    created = AuditEvent.objects.filter(action="webhook_endpoint.created", actor=cpa.user)
    assert created.count() == 1


def test_r47_the_same_address_with_a_new_key_is_a_409_naming_the_endpoint(
    client: Client, cpa
) -> None:
    token = token_for(cpa.user)
    first = _register(client, token).json()
    again = _register(client, token)
    assert again.status_code == 409
    assert again["Content-Type"] == "application/problem+json"
    assert again.json()["existing"] == first["api_url"] == again["Location"]
    assert "secret" not in again.json()
    assert WebhookEndpoint.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "http://hooks.example.com/x"}, "url"),
        ({"url": "https://10.1.2.3/x"}, "url"),
        ({"events": []}, "events"),
        ({"events": ["request.recorded", "everything"]}, "events"),
    ],
)
def test_a_refused_registration_names_its_field_and_makes_nothing(
    client: Client, cpa, settings, body: dict, field: str
) -> None:
    settings.WEBHOOK_LOCAL_ADDRESSES_ALLOWED = field != "url"
    response = _register(client, token_for(cpa.user), **body)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert not WebhookEndpoint.objects.exists()


def test_list_disable_enable_rotate_and_delete_through_the_api(client: Client, cpa) -> None:
    token = token_for(cpa.user)
    made = _register(client, token).json()
    other = make_rep(code="b")
    hooks.webhook_endpoint_create(
        practitioner=other.user, url="https://127.0.0.1:9/theirs", events=E.values
    )
    listed = call(client, "get", URL, token=token).json()["items"]
    assert [item["id"] for item in listed] == [made["id"]]  # R45: only their own
    assert "secret" not in listed[0] or listed[0]["secret"] is None

    one = f"{URL}/{made['id']}"
    assert call(client, "get", one, token=token).json()["url"] == RECEIVER
    off = call(client, "post", f"{one}/disable", token=token)
    assert (off.status_code, off.json()["enabled"]) == (200, False)
    on = call(client, "post", f"{one}/enable", token=token)
    assert (on.status_code, on.json()["enabled"]) == (200, True)

    rotated = call(client, "post", f"{one}/rotate", token=token, key="rotate-1")
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert new_secret != made["secret"]
    replay = call(client, "post", f"{one}/rotate", token=token, key="rotate-1")
    assert replay.json()["secret"] == new_secret  # R47: rotated once
    endpoint = WebhookEndpoint.objects.get(public_id=made["id"])
    assert secret_open(endpoint.secret_ciphertext) == new_secret
    assert secret_open(endpoint.previous_secret_ciphertext) == made["secret"]

    gone = client.delete(one, headers={"Authorization": f"Bearer {token}"})
    assert gone.status_code == 204
    assert call(client, "get", one, token=token).status_code == 404
    actions = set(
        AuditEvent.objects.filter(actor=cpa.user, action__startswith="webhook_endpoint.")
        .values_list("action", flat=True)
        .distinct()
    )
    assert actions == {
        "webhook_endpoint.created",
        "webhook_endpoint.disabled",
        "webhook_endpoint.enabled",
        "webhook_endpoint.secret_rotated",
        "webhook_endpoint.deleted",
    }


# --- The addresses payloads name --------------------------------------------------------------


def test_r39b_a_form_answers_with_its_state_place_in_line_and_reasons(client: Client, cpa) -> None:
    token = token_for(cpa.user)
    ahead = UploadedFormFactory(state=FormState.WAITING)
    waiting = UploadedFormFactory(
        caf_record=cpa.caf_record, state=FormState.WAITING, received_at=ahead.received_at
    )
    business = BusinessTaxpayerFactory()
    rejected = UploadedFormFactory(
        taxpayer=business,
        caf_record=cpa.caf_record,
        state=FormState.REJECTED,
        rejection_reasons=[RejectionReason.ILLEGIBLE],
    )
    body = call(client, "get", f"/api/v1/forms/{waiting.public_id}", token=token).json()
    assert (body["status"], body["place_in_line"], body["rejection_reasons"]) == (
        "waiting",
        2,
        [],
    )
    body = call(client, "get", f"/api/v1/forms/{rejected.public_id}", token=token).json()
    assert (body["status"], body["place_in_line"]) == ("rejected", None)
    assert body["rejection_reasons"] == [
        {"code": "illegible", "text": RejectionReason.ILLEGIBLE.label}
    ]
    # R43, R46: no TIN, whole or in part.
    assert business.tin_reveal() not in json.dumps(body)
    assert "tin" not in " ".join(body)


def test_r45_every_address_a_payload_names_answers_its_owner_and_nobody_else(
    client: Client, cpa, private_media
) -> None:
    hooks.webhook_endpoint_create(
        practitioner=cpa.user, url=RECEIVER, events=E.values, now=TUESDAY_NOON
    )
    recorded = approve_and_record(submit(cpa, make_taxpayer()), now=TUESDAY_NOON)
    services.request_cancel(
        request_id=submit(cpa, make_taxpayer(), now=TUESDAY_NOON).pk, practitioner=cpa.user
    )
    services.authorization_withdraw(
        authorization_id=Authorization.objects.get(request=recorded).pk,
        practitioner=cpa.user,
        now=TUESDAY_NOON + DAY,
    )
    clerk = staff_clerk()
    for decide in ("record", "reject"):
        form = upload(
            cpa.user,
            form_data(taxpayer=form_taxpayer(make_taxpayer()), reps=(form_rep(cpa),)),
            now=TUESDAY_NOON,
        )
        forms.form_take_next(clerk=clerk, now=TUESDAY_NOON + DAY)
        if decide == "record":
            forms.form_record(clerk=clerk, public_id=form.public_id, now=TUESDAY_NOON + DAY)
            # What the worker does after the commit (R27).
            forms.form_record_on_ledger(form_id=form.pk, now=TUESDAY_NOON + DAY)
        else:
            forms.form_reject(
                clerk=clerk,
                public_id=form.public_id,
                reasons=[RejectionReason.ILLEGIBLE],
                now=TUESDAY_NOON + DAY,
            )
    events = list(WebhookEvent.objects.filter(practitioner=cpa.user))
    told = {event.event_type for event in events}
    assert {
        E.REQUEST_RECORDED,
        E.REQUEST_CANCELLED,
        E.AUTHORIZATION_ENDED,
        E.FORM_RECORDED,
        E.FORM_REJECTED,
    } <= told
    mine, theirs = token_for(cpa.user), token_for(make_rep(code="b").user)
    for event in events:
        data = event.payload["data"]
        url = data["url"]
        assert url.startswith(f"{settings.PORTAL_URL}/api/v1/")
        path = url.removeprefix(settings.PORTAL_URL)
        answer = call(client, "get", path, token=mine)
        assert answer.status_code == 200, (event.event_type, answer.content)
        assert answer.json()["id"] == data["id"]
        assert call(client, "get", path, token=theirs).status_code == 404
