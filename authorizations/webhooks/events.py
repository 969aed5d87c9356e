"""The events a practitioner's software can subscribe to, and what each one's payload holds.

A payload carries only what the practitioner may see on a page: public ids, the statuses R19
lets them see, and the API address of the object. Never a TIN (R43, R46), never a name, never
why a request was rejected or failed (R19: "closed without status").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models

from authorizations.models import (
    Authorization,
    AuthorizationRequest,
    EndReason,
    FormState,
    RequestState,
    UploadedForm,
)


class WebhookEventType(models.TextChoices):
    REQUEST_RECORDED = "request.recorded", "Request recorded"
    REQUEST_EXPIRED = "request.expired", "Request expired"
    REQUEST_CANCELLED = "request.cancelled", "Request cancelled"
    # R19: rejected by the taxpayer or failed processing look the same to the practitioner.
    REQUEST_CLOSED = "request.closed_without_status", "Request closed without a status"
    AUTHORIZATION_ENDED = "authorization.ended", "Authorization ended"
    FORM_RECORDED = "form.recorded", "Uploaded form recorded"
    FORM_REJECTED = "form.rejected", "Uploaded form rejected"


# What the practitioner reads beside each choice on the pages.
EVENT_HINTS = {
    WebhookEventType.REQUEST_RECORDED: "The taxpayer approved and the request is on file.",
    WebhookEventType.REQUEST_EXPIRED: "The taxpayer did not decide in time.",
    WebhookEventType.REQUEST_CANCELLED: "You cancelled a pending request.",
    WebhookEventType.REQUEST_CLOSED: (
        "The request ended without a status you can see. Contact the taxpayer."
    ),
    WebhookEventType.AUTHORIZATION_ENDED: (
        "Superseded by a later authorization, withdrawn, revoked by the taxpayer, or ended by "
        "a change of practice status."
    ),
    WebhookEventType.FORM_RECORDED: "The CAF unit recorded a form you uploaded.",
    WebhookEventType.FORM_REJECTED: "The CAF unit rejected a form you uploaded.",
}

_REQUEST_EVENTS = {
    RequestState.RECORDED: WebhookEventType.REQUEST_RECORDED,
    RequestState.EXPIRED: WebhookEventType.REQUEST_EXPIRED,
    RequestState.CANCELLED: WebhookEventType.REQUEST_CANCELLED,
    # R19: no status for these two, one event for both.
    RequestState.REJECTED: WebhookEventType.REQUEST_CLOSED,
    RequestState.FAILED: WebhookEventType.REQUEST_CLOSED,
}
_FORM_EVENTS = {
    FormState.RECORDED: WebhookEventType.FORM_RECORDED,
    FormState.REJECTED: WebhookEventType.FORM_REJECTED,
}
# R28's reasons a practitioner hears about; "recorded in error" is a staff correction.
ENDINGS_TOLD = (
    EndReason.SUPERSEDED,
    EndReason.WITHDRAWN,
    EndReason.REVOKED,
    EndReason.PRACTICE_STATUS,
)

Subject = AuthorizationRequest | Authorization | UploadedForm


def api_url(kind: str, public_id: object) -> str:
    """The API address of an object (issue 14's /api/v1/), absolute."""
    return f"{settings.PORTAL_URL}/api/v1/{kind}/{public_id}"


def event_type_of(subject: Subject, *, ended_reason: str = "") -> WebhookEventType | None:
    """The event a change of ``subject`` makes, or None when it makes none."""
    if isinstance(subject, AuthorizationRequest):
        return _REQUEST_EVENTS.get(RequestState(subject.state))
    if isinstance(subject, UploadedForm):
        return _FORM_EVENTS.get(FormState(subject.state))
    if ended_reason in ENDINGS_TOLD:
        return WebhookEventType.AUTHORIZATION_ENDED
    return None


def payload_data(
    subject: Subject, event_type: WebhookEventType, *, ended_reason: str = ""
) -> dict[str, Any]:
    """The ``data`` of an event's payload: ids, the status the practitioner may see, the API
    address. Nothing else (R19, R43, R46)."""
    if isinstance(subject, AuthorizationRequest):
        closed = event_type == WebhookEventType.REQUEST_CLOSED
        return {
            "object": "request",
            "id": str(subject.public_id),
            "kind": subject.kind,
            # R19: a rejected or failed request has no status the practitioner may see.
            "status": None if closed else subject.state,
            "url": api_url("requests", subject.public_id),
        }
    if isinstance(subject, UploadedForm):
        data: dict[str, Any] = {
            "object": "form",
            "id": str(subject.public_id),
            "form_type": subject.form_type,
            "status": subject.state,
            "url": api_url("forms", subject.public_id),
        }
        if subject.state == FormState.REJECTED:
            # R39b: the practitioner sees the reasons a form was rejected.
            data["rejection_reasons"] = list(subject.rejection_reasons)
        return data
    return {
        "object": "authorization",
        "id": str(subject.public_id),
        "kind": subject.kind,
        "matter": subject.matter,
        "period": subject.period,
        "status": "ended",
        "ended_reason": ended_reason,
        "url": api_url("authorizations", subject.public_id),
    }


def payload(
    *, event_id: object, event_type: WebhookEventType, occurred_at: dt.datetime, data: dict
) -> dict[str, Any]:
    """The whole body, as Standard Webhooks shapes it: type, timestamp, data."""
    return {
        "id": str(event_id),
        "type": event_type.value,
        "timestamp": occurred_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "data": data,
    }
