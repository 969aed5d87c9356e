"""Staff screens for webhooks (issue 14): endpoints, events, deliveries and their attempts open
for staff, filter by state and endpoint, never show a signing secret (not even sealed), and
write nothing: an endpoint changed or a delivery added here would bypass the services and
their audit events (R44)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from authorizations.services import webhooks as hooks
from authorizations.webhooks.models import (
    DeliveryState,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from authorizations.webhooks.signing import secret_open
from taxpro import clock
from tests.authorizations.conftest import make_rep
from tests.factories import enrol_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings):
    settings.WEBHOOK_LOCAL_ADDRESSES_ALLOWED = True
    rep = make_rep(code="b")
    enrol_totp(rep.user)
    endpoint = hooks.webhook_endpoint_create(
        practitioner=rep.user, url="https://127.0.0.1:9/hooks", events=["request.recorded"]
    ).endpoint
    first_secret = secret_open(endpoint.secret_ciphertext)
    rotated = hooks.webhook_endpoint_secret_rotate(endpoint_id=endpoint.pk, practitioner=rep.user)
    assert rotated is not None
    endpoint.refresh_from_db()
    now = clock.now()
    event = WebhookEvent.objects.create(
        practitioner=rep.user,
        event_type="request.recorded",
        occurred_at=now,
        payload={"type": "request.recorded", "data": {"url": "/api/v1/requests/x"}},
    )
    delivery = WebhookDelivery.objects.create(
        event=event,
        endpoint=endpoint,
        state=DeliveryState.FAILED,
        attempts=1,
        retry_until=now + dt.timedelta(days=1),
        created_at=now,
    )
    WebhookAttempt.objects.create(
        delivery=delivery,
        attempted_at=now,
        status_code=500,
        succeeded=False,
        error="the receiver answered 500",
        duration_ms=12,
    )
    secrets = [
        first_secret,
        secret_open(endpoint.secret_ciphertext),
        endpoint.secret_ciphertext,
        endpoint.previous_secret_ciphertext,
    ]
    assert all(secrets)
    return endpoint, event, delivery, secrets


@pytest.fixture
def staff(client: Client, staff_user) -> Client:
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    return client


def _pages(endpoint, event, delivery) -> list[str]:
    attempt = delivery.attempt_log.get()
    return [
        reverse("admin:authorizations_webhookendpoint_changelist"),
        reverse("admin:authorizations_webhookendpoint_changelist") + "?enabled__exact=1",
        reverse("admin:authorizations_webhookendpoint_change", args=[endpoint.pk]),
        reverse("admin:authorizations_webhookevent_changelist"),
        reverse("admin:authorizations_webhookevent_change", args=[event.pk]),
        reverse("admin:authorizations_webhookdelivery_changelist"),
        reverse("admin:authorizations_webhookdelivery_changelist") + "?state__exact=failed",
        reverse("admin:authorizations_webhookdelivery_changelist")
        + f"?endpoint__id__exact={endpoint.pk}",
        reverse("admin:authorizations_webhookdelivery_change", args=[delivery.pk]),
        reverse("admin:authorizations_webhookattempt_changelist"),
        reverse("admin:authorizations_webhookattempt_changelist") + "?delivery__state=failed",
        reverse("admin:authorizations_webhookattempt_change", args=[attempt.pk]),
    ]


def test_r44_staff_open_the_webhook_screens_and_no_secret_is_in_them(world, staff) -> None:
    endpoint, event, delivery, secrets = world
    for url in _pages(endpoint, event, delivery):
        response = staff.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        for secret in secrets:
            assert secret not in page, url
        assert "whsec_" not in page, url
    listed = staff.get(reverse("admin:authorizations_webhookdelivery_changelist")).content
    assert endpoint.url.encode() in listed and b"request.recorded" in listed
    detail = staff.get(
        reverse("admin:authorizations_webhookdelivery_change", args=[delivery.pk])
    ).content
    assert b"the receiver answered 500" in detail  # its attempts, under it


def test_the_state_filter_lists_only_deliveries_in_that_state(world, staff) -> None:
    _endpoint, _event, delivery, _secrets = world
    url = reverse("admin:authorizations_webhookdelivery_changelist")
    assert str(delivery.public_id) in staff.get(url + "?state__exact=failed").content.decode()
    assert str(delivery.public_id) not in staff.get(url + "?state__exact=pending").content.decode()


@pytest.mark.parametrize(
    "model", ["webhookendpoint", "webhookevent", "webhookdelivery", "webhookattempt"]
)
def test_r44_staff_never_write_webhook_rows_in_the_admin(world, staff, model: str) -> None:
    endpoint, event, delivery, _secrets = world
    row = {
        "webhookendpoint": endpoint,
        "webhookevent": event,
        "webhookdelivery": delivery,
        "webhookattempt": delivery.attempt_log.get(),
    }[model]
    before = WebhookEndpoint.objects.values_list("enabled", "url").get(pk=endpoint.pk)
    assert staff.get(reverse(f"admin:authorizations_{model}_add")).status_code == 403
    change = staff.get(reverse(f"admin:authorizations_{model}_change", args=[row.pk]))
    assert change.status_code == 200 and b'name="_save"' not in change.content
    posted = staff.post(
        reverse(f"admin:authorizations_{model}_change", args=[row.pk]),
        {"enabled": "", "url": "https://evil.example/"},
    )
    assert posted.status_code == 403
    deleted = staff.post(
        reverse(f"admin:authorizations_{model}_delete", args=[row.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 403
    assert type(row).objects.filter(pk=row.pk).exists()
    assert WebhookEndpoint.objects.values_list("enabled", "url").get(pk=endpoint.pk) == before
