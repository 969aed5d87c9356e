"""Webhook endpoints, the outbox of events, deliveries and their attempts (issue 14).

Loaded with the app's models (authorizations/models.py imports this module), so they belong to
the authorizations app and its migrations.

- :class:`WebhookEndpoint`: an HTTPS address a practitioner registered, the events it wants, its
  signing secret (encrypted at rest) and, for a while after a rotation, the previous one.
- :class:`WebhookEvent`: the outbox. Written in the same transaction as the change it tells of,
  and only for a practitioner with an endpoint that wants it. Its ``public_id`` is the stable
  event id every delivery and retry carries (``webhook-id``).
- :class:`WebhookDelivery`: one event to one endpoint; the worker's queue (due, delivered,
  failed). :class:`WebhookAttempt`: each try, with the answer's status and a short excerpt.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from taxpro.public_ids import public_id_field


class WebhookEndpoint(models.Model):
    public_id = public_id_field()
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="webhook_endpoints"
    )
    url = models.CharField("endpoint address", max_length=500)
    description = models.CharField(max_length=100, blank=True)
    # The event types wanted (WebhookEventType values); `events__contains=[type]` is jsonb @>.
    events = models.JSONField(default=list)
    enabled = models.BooleanField(default=True)
    # Fernet tokens (authorizations.webhooks.signing): never the secret in clear.
    secret_ciphertext = models.TextField(editable=False)
    previous_secret_ciphertext = models.TextField(blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["practitioner", "enabled"])]
        constraints = [
            # A doubled "Add" (R47) cannot register the same address twice.
            models.UniqueConstraint(fields=["practitioner", "url"], name="webhook_endpoint_once"),
        ]

    def __str__(self) -> str:
        return f"Webhook endpoint {self.public_id}"


class WebhookEvent(models.Model):
    public_id = public_id_field()
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="webhook_events"
    )
    event_type = models.CharField(max_length=40)
    occurred_at = models.DateTimeField()
    payload = models.JSONField()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["practitioner", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.event_type} {self.public_id}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class WebhookDelivery(models.Model):
    public_id = public_id_field()
    event = models.ForeignKey(WebhookEvent, on_delete=models.PROTECT, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    # Due when pending and this has passed; moved forward while an attempt is under way.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Retries stop here (the event's time plus a day; "Send again" starts a new day).
    retry_until = models.DateTimeField()
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="webhook_delivery_once"),
            models.CheckConstraint(
                condition=Q(state__in=DeliveryState.values), name="webhook_delivery_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state=DeliveryState.PENDING) | Q(next_attempt_at__isnull=False),
                name="webhook_delivery_pending_is_due_sometime",
            ),
        ]
        indexes = [
            # The worker's sweep: pending deliveries by when they are due.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state=DeliveryState.PENDING),
                name="webhook_delivery_due",
            ),
            models.Index(fields=["endpoint", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"Delivery {self.public_id} ({self.get_state_display()})"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    attempted_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    succeeded = models.BooleanField()
    # What went wrong, in words ("no answer within 10 seconds"); never the receiver's body.
    error = models.CharField(max_length=200, blank=True)
    # At most the first 200 characters of the answer's body.
    response_excerpt = models.CharField(max_length=200, blank=True)
    duration_ms = models.PositiveIntegerField()

    class Meta:
        ordering = ["-attempted_at", "-id"]

    def __str__(self) -> str:
        return f"Attempt {self.pk} of delivery {self.delivery_id}"
