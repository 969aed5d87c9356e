"""The practitioner's webhook pages (/pro/webhooks/, issue 14): add with errors at the field and
nothing typed lost, the secret shown once, change the events, rotate, turn off and on, delete,
the delivery log with "Send again"; R45 (another practitioner's endpoint is a 404) and R47
(a replayed POST has one effect)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authorizations.services import webhooks as hooks
from authorizations.webhooks.events import WebhookEventType as E
from authorizations.webhooks.models import (
    DeliveryState,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from authorizations.webhooks.signing import secret_open
from taxpro import clock
from taxpro.models import AuditEvent
from tests.page_text import rule_ids_read
from tests.views.pro_support import practitioner, signed_in_as

pytestmark = pytest.mark.django_db
LIST = reverse("authorizations_pro:webhooks")
NEW = reverse("authorizations_pro:webhook_new")


@pytest.fixture
def rep():
    return practitioner()


@pytest.fixture
def client_of_rep(client: Client, rep) -> Client:
    return signed_in_as(client, rep)


def _html(response) -> str:
    return response.content.decode()


def _url(name: str, endpoint: WebhookEndpoint, *more) -> str:
    return reverse(f"authorizations_pro:{name}", args=[endpoint.public_id, *more])


def _endpoint(rep, url: str = "https://hooks.example.com/taxpro") -> hooks.EndpointWithSecret:
    return hooks.webhook_endpoint_create(practitioner=rep.user, url=url, events=E.values)


def test_the_list_says_what_webhooks_are_and_links_to_add_one(client_of_rep: Client) -> None:
    page = _html(client_of_rep.get(LIST))
    assert "You have no endpoints yet" in page
    assert f'href="{NEW}"' in page
    assert not rule_ids_read(page)


def test_adding_an_endpoint_shows_its_secret_once(client_of_rep: Client, rep) -> None:
    response = client_of_rep.post(
        NEW,
        {
            "url": "https://hooks.example.com/taxpro",
            "description": "Our practice software",
            "events": [E.REQUEST_RECORDED, E.AUTHORIZATION_ENDED],
        },
    )
    endpoint = WebhookEndpoint.objects.get(practitioner=rep.user)
    assert response.status_code == 302
    assert response["Location"] == _url("webhook_secret", endpoint)
    assert endpoint.events == [E.REQUEST_RECORDED, E.AUTHORIZATION_ENDED]
    secret = secret_open(endpoint.secret_ciphertext)
    first = _html(client_of_rep.get(response["Location"]))
    assert secret in first and "only time the secret is shown" in first
    again = _html(client_of_rep.get(response["Location"]))
    assert secret not in again and "shown once" in again
    assert "Our practice software" in _html(client_of_rep.get(LIST))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.com/x", "must start with https://"),
        ("https://me:pw@hooks.example.com/x", "Remove the user name and password"),
        ("https://10.0.0.7/x", "private, local and reserved"),
        ("", "Enter the address of your endpoint"),
    ],
)
def test_a_refused_address_is_told_at_the_field_and_nothing_typed_is_lost(
    client_of_rep: Client, settings, url: str, message: str
) -> None:
    settings.WEBHOOK_LOCAL_ADDRESSES_ALLOWED = False
    response = client_of_rep.post(
        NEW, {"url": url, "description": "Desk app", "events": [E.FORM_REJECTED]}
    )
    page = _html(response)
    assert response.status_code == 200
    assert "There is a problem" in page and message in page
    assert 'id="id_url_error"' in page or "usa-error-message" in page
    assert 'value="Desk app"' in page
    assert f'value="{E.FORM_REJECTED.value}" id="id_events_6" checked' in page
    if url:
        assert f'value="{url}"' in page
    assert not WebhookEndpoint.objects.exists()
    assert page.startswith("<!DOCTYPE html>") and "<title>Error: " in page


def test_no_event_chosen_is_told_at_the_field(client_of_rep: Client) -> None:
    response = client_of_rep.post(NEW, {"url": "https://hooks.example.com/x"})
    assert response.status_code == 200
    assert "Choose at least one event to be sent." in _html(response)
    assert not WebhookEndpoint.objects.exists()


def test_changing_the_events_is_saved_and_audited(client_of_rep: Client, rep) -> None:
    endpoint = _endpoint(rep).endpoint
    page = _html(client_of_rep.get(_url("webhook_events", endpoint)))
    assert "checked" in page
    for _ in range(2):  # R47: the same POST twice, one change
        response = client_of_rep.post(
            _url("webhook_events", endpoint), {"events": [E.REQUEST_EXPIRED]}
        )
        assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.events == [E.REQUEST_EXPIRED]
    assert AuditEvent.objects.filter(action="webhook_endpoint.events_changed").count() == 1


def test_rotating_shows_the_new_secret_once_and_the_old_one_keeps_signing_a_while(
    client_of_rep: Client, rep
) -> None:
    created = _endpoint(rep)
    page = _html(client_of_rep.get(_url("webhook_rotate", created.endpoint)))
    assert "Rotate the secret?" in page
    found = re.search(r'name="replacing" value="([0-9a-f]+)"', page)
    assert found is not None
    for _ in range(2):  # R47: a double click rotates once (the old secret keeps its overlap)
        response = client_of_rep.post(
            _url("webhook_rotate", created.endpoint), {"replacing": found.group(1)}
        )
        assert response["Location"] == _url("webhook_secret", created.endpoint)
    created.endpoint.refresh_from_db()
    new = secret_open(created.endpoint.secret_ciphertext)
    assert new != created.secret
    assert secret_open(created.endpoint.previous_secret_ciphertext) == created.secret
    assert new in _html(client_of_rep.get(response["Location"]))
    assert AuditEvent.objects.filter(action="webhook_endpoint.secret_rotated").count() == 1


def test_turning_deliveries_off_and_on(client_of_rep: Client, rep) -> None:
    endpoint = _endpoint(rep).endpoint
    assert "Turn deliveries off?" in _html(client_of_rep.get(_url("webhook_status", endpoint)))
    client_of_rep.post(_url("webhook_status", endpoint), {"enabled": "off"})
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert "Turn deliveries on?" in _html(client_of_rep.get(_url("webhook_status", endpoint)))
    client_of_rep.post(_url("webhook_status", endpoint), {"enabled": "on"})
    endpoint.refresh_from_db()
    assert endpoint.enabled


def test_deleting_an_endpoint(client_of_rep: Client, rep) -> None:
    endpoint = _endpoint(rep).endpoint
    assert "Delete this endpoint?" in _html(client_of_rep.get(_url("webhook_delete", endpoint)))
    response = client_of_rep.post(_url("webhook_delete", endpoint))
    assert response["Location"] == LIST
    assert not WebhookEndpoint.objects.exists()
    assert AuditEvent.objects.filter(action="webhook_endpoint.deleted").count() == 1
    # R47: the doubled POST finds nothing (a 404), and changes nothing.
    assert client_of_rep.post(_url("webhook_delete", endpoint)).status_code == 404


def _deliveries(rep, endpoint: WebhookEndpoint, count: int) -> list[WebhookDelivery]:
    now = clock.now()
    made = []
    for n in range(count):
        event = WebhookEvent.objects.create(
            practitioner=rep.user,
            event_type=E.REQUEST_RECORDED,
            occurred_at=now,
            payload={"n": n},
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
            duration_ms=12,
        )
        made.append(delivery)
    return made


def test_the_delivery_log_shows_each_attempt_and_sends_again(client_of_rep: Client, rep) -> None:
    endpoint = _endpoint(rep).endpoint
    [delivery] = _deliveries(rep, endpoint, 1)
    page = _html(client_of_rep.get(_url("webhook", endpoint)))
    assert "answered 500" in page and "upstream down" in page and "Failed" in page
    assert str(delivery.event.public_id) in page
    assert not rule_ids_read(page)
    send_again = _url("webhook_send_again", endpoint, delivery.public_id)
    assert f'action="{send_again}"' in page
    for _ in range(2):  # R47
        assert client_of_rep.post(send_again).status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING
    assert AuditEvent.objects.filter(action="webhook_delivery.sent_again").count() == 1
    assert client_of_rep.get(send_again).status_code == 405


def test_the_delivery_log_reads_as_many_queries_for_one_row_as_for_fifty(
    client_of_rep: Client, rep
) -> None:
    one = _endpoint(rep).endpoint
    many = _endpoint(rep, "https://hooks.example.com/other").endpoint
    _deliveries(rep, one, 1)
    _deliveries(rep, many, 50)
    counts = []
    for endpoint in (one, many):
        with CaptureQueriesContext(connection) as queries:
            assert client_of_rep.get(_url("webhook", endpoint)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_r45_another_practitioners_endpoint_and_deliveries_are_not_found(
    client: Client, rep
) -> None:
    endpoint = _endpoint(rep).endpoint
    [delivery] = _deliveries(rep, endpoint, 1)
    signed_in_as(client, practitioner(code="c"))
    for name in ("webhook", "webhook_events", "webhook_rotate", "webhook_secret", "webhook_delete"):
        assert client.get(_url(name, endpoint)).status_code == 404, name
    assert client.post(_url("webhook_send_again", endpoint, delivery.public_id)).status_code == 404
    assert client.post(_url("webhook_rotate", endpoint)).status_code == 404
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED
    assert endpoint.url not in _html(client.get(LIST))


def test_r47_a_doubled_add_registers_one_endpoint_and_shows_its_secret(
    client_of_rep: Client, rep
) -> None:
    answers = {"url": "https://hooks.example.com/taxpro", "events": [E.REQUEST_RECORDED]}
    first = client_of_rep.post(NEW, answers)
    second = client_of_rep.post(NEW, answers)
    endpoint = WebhookEndpoint.objects.get(practitioner=rep.user)
    assert first["Location"] == second["Location"] == _url("webhook_secret", endpoint)
    assert secret_open(endpoint.secret_ciphertext) in _html(client_of_rep.get(second["Location"]))
    # Once the secret has been seen, the same address again is told at the field.
    third = client_of_rep.post(NEW, answers)
    assert "You already have an endpoint at this address" in _html(third)
    assert WebhookEndpoint.objects.count() == 1
