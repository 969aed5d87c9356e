"""What the practitioner's webhook pages read: their own endpoints and deliveries only (R45)."""

from __future__ import annotations

import uuid

from django.db.models import Prefetch, QuerySet

from authorizations.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from taxpro.models import User


def webhook_endpoints_of(*, practitioner: User) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(practitioner=practitioner).order_by("created_at", "id")


def webhook_endpoint_for_user(*, practitioner: User, public_id: uuid.UUID | str) -> WebhookEndpoint:
    """The practitioner's endpoint; anyone else's, or none, raises ``DoesNotExist`` (R45)."""
    return WebhookEndpoint.objects.get(practitioner=practitioner, public_id=public_id)


def webhook_deliveries_of(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """The endpoint's delivery log, newest first, each with its attempts (newest first): the
    same few queries whatever the number of rows shown."""
    return (
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .select_related("event")
        .prefetch_related(
            Prefetch(
                "attempt_log",
                queryset=WebhookAttempt.objects.order_by("-attempted_at", "-id"),
            )
        )
        .order_by("-created_at", "-id")
    )


def webhook_delivery_for_user(
    *, practitioner: User, endpoint: WebhookEndpoint, public_id: uuid.UUID | str
) -> WebhookDelivery:
    """One delivery of the practitioner's endpoint; anything else raises ``DoesNotExist``."""
    return WebhookDelivery.objects.get(
        endpoint=endpoint, endpoint__practitioner=practitioner, public_id=public_id
    )
