"""Webhooks in Django admin, for staff to see, never to write (issue 14): endpoints (whose they
are, the address, the events, on or off), the outbox's events, and each delivery with its
attempts. A change made here would bypass the services and their audit events (R44): an
endpoint is registered, switched, rotated and removed by its practitioner, and "Send again" is
theirs too. The signing secrets, even sealed, are never shown.

authorizations/admin.py imports this module, so Django's admin discovery registers it with the
app's own. The API's idempotency keys have no screen: they say nothing staff act on.
"""

from __future__ import annotations

from django.contrib import admin

from authorizations.webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from taxpro.admin import ReadOnlyAdmin, ReadOnlyInline


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ["url", "practitioner", "events_list", "enabled", "created_at"]
    list_filter = ["enabled"]
    list_select_related = ["practitioner"]
    search_fields = ["url", "practitioner__email", "public_id"]
    # Never the secrets (R46's spirit for keys): not even their sealed copies.
    fields = [
        "public_id",
        "practitioner",
        "url",
        "description",
        "events",
        "enabled",
        "previous_secret_expires_at",
        "created_at",
        "updated_at",
    ]
    date_hierarchy = "created_at"

    @admin.display(description="events")
    def events_list(self, endpoint: WebhookEndpoint) -> str:
        return ", ".join(endpoint.events)


# What one attempt says, under its delivery and on its own page alike.
ATTEMPT_FIELDS = (
    "attempted_at",
    "succeeded",
    "status_code",
    "error",
    "response_excerpt",
    "duration_ms",
)


class AttemptInline(ReadOnlyInline):
    model = WebhookAttempt
    fields = ATTEMPT_FIELDS


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "public_id",
        "event_type",
        "endpoint_url",
        "state",
        "attempts",
        "next_attempt_at",
        "created_at",
        "delivered_at",
    ]
    list_filter = ["state", ("endpoint", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["event", "endpoint"]
    search_fields = ["public_id", "event__public_id", "endpoint__url"]
    fields = [
        "public_id",
        "event",
        "endpoint",
        "state",
        "attempts",
        "next_attempt_at",
        "retry_until",
        "created_at",
        "delivered_at",
    ]
    inlines = [AttemptInline]
    date_hierarchy = "created_at"

    @admin.display(description="event", ordering="event__event_type")
    def event_type(self, delivery: WebhookDelivery) -> str:
        return delivery.event.event_type

    @admin.display(description="endpoint", ordering="endpoint__url")
    def endpoint_url(self, delivery: WebhookDelivery) -> str:
        return delivery.endpoint.url


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(ReadOnlyAdmin):
    list_display = ["delivery", "attempted_at", "succeeded", "status_code", "error", "duration_ms"]
    list_filter = [
        "succeeded",
        "delivery__state",
        ("delivery__endpoint", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["delivery"]
    fields = ["delivery", *ATTEMPT_FIELDS]


class DeliveryInline(ReadOnlyInline):
    model = WebhookDelivery
    fields = ["endpoint", "state", "attempts", "next_attempt_at", "delivered_at"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "event_type", "practitioner", "occurred_at"]
    list_filter = ["event_type"]
    list_select_related = ["practitioner"]
    search_fields = ["public_id", "practitioner__email"]
    fields = ["public_id", "event_type", "practitioner", "occurred_at", "payload"]
    inlines = [DeliveryInline]
    date_hierarchy = "occurred_at"
