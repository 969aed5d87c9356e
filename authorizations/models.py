"""Authorizations: the audit trail (R44) for now; requests and the ledger build on it."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One state change of a request, CAF link or authorization (R44): who, when, what, before/after.

    Append-only: services create rows and nothing updates or deletes them.
    """

    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    # When no person acted (the worker, the scheduler), this says what did.
    actor_label = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=100, db_index=True)  # dotted, e.g. "caf.link.created"
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"
