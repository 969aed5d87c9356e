"""/api/v1/forms/{id} and /api/v1/webhooks: following an uploaded form as "Your forms" shows it
(R39b), and the practitioner's webhook endpoints managed by their software (issue 14).

The same selectors and services as the pages: a scoped token instead of the session, refusals
as problem documents naming the field the pages would mark."""

# No "from __future__ import annotations": django-ninja reads the endpoints' annotations (see
# endpoints.py).

import json
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Schema
from pydantic import Field

from authorizations.api.auth import ScopedToken
from authorizations.api.auth import caller_of as _caller
from authorizations.api.responses import json_response
from authorizations.api.routing import ScopedRouter
from authorizations.api.schemas import Line
from authorizations.models import RejectionReason, UploadedForm
from authorizations.services import webhooks as hooks
from authorizations.web.pro.forms_channel import selectors as form_selectors
from authorizations.webhooks import selectors as hook_selectors
from authorizations.webhooks.events import WebhookEventType
from authorizations.webhooks.models import WebhookEndpoint
from authorizations.webhooks.signing import secret_open
from taxpro.not_found import get_or_404
from taxpro.problems import problem_response

router = ScopedRouter()

READ_FORMS = ScopedToken("forms:read")
MANAGE_WEBHOOKS = ScopedToken("webhooks:manage")


# --- Forms (R39b) -----------------------------------------------------------------------------


class RejectionOut(Schema):
    code: str
    text: str


class FormOut(Schema):
    id: uuid.UUID
    url: str
    form_type: str
    taxpayer_name: str
    status: str = Field(
        description="waiting, in_review, recording, recorded, rejected or withdrawn."
    )
    status_text: str
    received_at: str
    decided_at: str | None
    place_in_line: int | None = Field(
        description="1 is the next form the CAF unit takes; null once it is out of the line."
    )
    rejection_reasons: list[RejectionOut]


def form_url(form: UploadedForm) -> str:
    return reverse("api-v1:form_get", args=[form.public_id])


def form_body(form: UploadedForm) -> dict[str, Any]:
    """What "Your forms" shows of one upload: never the TIN (R43, R46), nor the CAF unit's
    private note."""
    return {
        "id": str(form.public_id),
        "url": form_url(form),
        "form_type": form.form_type,
        "taxpayer_name": form.taxpayer_name,
        "status": form.state,
        "status_text": form.get_state_display(),
        "received_at": form.received_at.isoformat(),
        "decided_at": form.decided_at.isoformat() if form.decided_at else None,
        "place_in_line": getattr(form, "queue_place", None),
        "rejection_reasons": [
            {"code": code, "text": RejectionReason(code).label}
            for code in form.rejection_reasons or []
        ],
    }


@router.scoped_get(
    "/forms/{public_id}",
    token=READ_FORMS,
    answer=FormOut,
    name="form_get",
    summary="One form you uploaded: its state, place in line and any reasons it was rejected",
)
def form_get(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    form = get_or_404(
        form_selectors.form_of, practitioner=_caller(request).practitioner, public_id=public_id
    )
    return json_response(200, form_body(form))


# --- Webhook endpoints --------------------------------------------------------------------------

EventName = str


class WebhookIn(Schema):
    url: str = Field(max_length=2000, description="An https address on the public internet.")
    events: list[EventName] = Field(
        max_length=len(WebhookEventType.values),
        description="Any of: " + ", ".join(WebhookEventType.values) + ".",
    )
    description: Line = ""


class WebhookOut(Schema):
    id: uuid.UUID
    url: str = Field(description="The https address deliveries are sent to.")
    api_url: str = Field(description="This endpoint's address in the API.")
    description: str
    events: list[str]
    enabled: bool
    created_at: str
    secret: str | None = Field(
        default=None,
        description="The signing secret (whsec_...): only in the answer that made it.",
    )


def webhook_url(endpoint: WebhookEndpoint) -> str:
    return reverse("api-v1:webhook_get", args=[endpoint.public_id])


def _webhook_body(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": str(endpoint.public_id),
        "url": endpoint.url,
        "api_url": webhook_url(endpoint),
        "description": endpoint.description,
        "events": list(endpoint.events),
        "enabled": endpoint.enabled,
        "created_at": endpoint.created_at.isoformat(),
    }


def _webhook_refusal(error: hooks.WebhookRefused) -> HttpResponse:
    field = error.field or ""
    return problem_response(
        status=422,
        kind="webhook-refused",
        title="The webhook endpoint was not changed",
        detail=error.message,
        errors=[{"field": field, "detail": error.message}] if field else None,
    )


def _with_secret(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The answer that made a secret carries it, and so does its replay (the same
    Idempotency-Key): read from the sealed copy each time, so the idempotency table never holds
    a signing secret in clear."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code not in (200, 201):
            return response
        data = json.loads(response.content)
        try:
            endpoint = hook_selectors.webhook_endpoint_for_user(
                practitioner=_caller(request).practitioner, public_id=data["id"]
            )
        except WebhookEndpoint.DoesNotExist:
            return response  # deleted since: the secret is gone with it
        data["secret"] = secret_open(endpoint.secret_ciphertext)
        body = json_response(response.status_code, data, location=response.get("Location", ""))
        if response.has_header("Idempotent-Replayed"):
            body["Idempotent-Replayed"] = response["Idempotent-Replayed"]
        return body

    return wrapped


@router.scoped_post(
    "/webhooks",
    token=MANAGE_WEBHOOKS,
    answers={201: WebhookOut},
    name="webhook_create",
    summary="Register an endpoint for the events you choose; the answer holds its secret",
    around=_with_secret,
)
def webhook_create(request: HttpRequest, payload: WebhookIn) -> HttpResponse:
    """An address already registered is refused with 409 and the existing endpoint's
    address."""
    practitioner = _caller(request).practitioner
    try:
        made = hooks.webhook_endpoint_create(
            practitioner=practitioner,
            url=payload.url,
            events=payload.events,
            description=payload.description,
        )
    except hooks.EndpointExists as exists:
        return problem_response(
            status=409,
            kind="duplicate-webhook",
            title="You already have an endpoint at this address",
            detail=exists.message,
            existing=webhook_url(exists.existing),
            headers={"Location": webhook_url(exists.existing)},
        )
    except hooks.WebhookRefused as error:
        return _webhook_refusal(error)
    return json_response(201, _webhook_body(made.endpoint), location=webhook_url(made.endpoint))


class WebhookPage(Schema):
    items: list[WebhookOut]


@router.scoped_get(
    "/webhooks",
    token=MANAGE_WEBHOOKS,
    answer=WebhookPage,
    name="webhook_list",
    summary="Your webhook endpoints (at most ten), oldest first",
)
def webhook_list(request: HttpRequest) -> HttpResponse:
    rows = hook_selectors.webhook_endpoints_of(practitioner=_caller(request).practitioner)
    return json_response(200, {"items": [_webhook_body(e) for e in rows]})


def _own_endpoint(request: HttpRequest, public_id: uuid.UUID) -> WebhookEndpoint:
    """R45: another practitioner's endpoint is a 404 like a made-up one (and audited)."""
    return get_or_404(
        hook_selectors.webhook_endpoint_for_user,
        practitioner=_caller(request).practitioner,
        public_id=public_id,
    )


@router.scoped_get(
    "/webhooks/{public_id}",
    token=MANAGE_WEBHOOKS,
    answer=WebhookOut,
    name="webhook_get",
    summary="One of your webhook endpoints (never its secret)",
)
def webhook_get(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return json_response(200, _webhook_body(_own_endpoint(request, public_id)))


def _enabled_set(request: HttpRequest, public_id: uuid.UUID, *, enabled: bool) -> HttpResponse:
    endpoint = hooks.webhook_endpoint_enabled_set(
        endpoint_id=_own_endpoint(request, public_id).pk,
        practitioner=_caller(request).practitioner,
        enabled=enabled,
    )
    return json_response(200, _webhook_body(endpoint))


@router.scoped_post(
    "/webhooks/{public_id}/disable",
    token=MANAGE_WEBHOOKS,
    answers={200: WebhookOut},
    name="webhook_disable",
    summary="Stop deliveries to an endpoint (new events are not kept for it)",
)
def webhook_disable(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _enabled_set(request, public_id, enabled=False)


@router.scoped_post(
    "/webhooks/{public_id}/enable",
    token=MANAGE_WEBHOOKS,
    answers={200: WebhookOut},
    name="webhook_enable",
    summary="Resume deliveries to an endpoint; what waited is sent at once",
)
def webhook_enable(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _enabled_set(request, public_id, enabled=True)


@router.scoped_post(
    "/webhooks/{public_id}/rotate",
    token=MANAGE_WEBHOOKS,
    answers={200: WebhookOut},
    name="webhook_rotate",
    summary="A new signing secret; the old one also signs for the overlap period",
    around=_with_secret,
)
def webhook_rotate(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The same Idempotency-Key rotates once: its replay shows the secret it made."""
    # R47: a doubled rotation would end the first new secret's overlap at once.
    rotated = hooks.webhook_endpoint_secret_rotate(
        endpoint_id=_own_endpoint(request, public_id).pk,
        practitioner=_caller(request).practitioner,
    )
    assert rotated is not None  # without ``replacing`` a rotation always happens
    return json_response(200, _webhook_body(rotated.endpoint))


@router.scoped(
    "DELETE",
    "/webhooks/{public_id}",
    token=MANAGE_WEBHOOKS,
    answers={204: None},
    name="webhook_delete",
    summary="Remove an endpoint and its delivery log",
)
def webhook_delete(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    hooks.webhook_endpoint_delete(
        endpoint_id=_own_endpoint(request, public_id).pk,
        practitioner=_caller(request).practitioner,
    )
    response = HttpResponse(status=204)
    response["Cache-Control"] = "no-store"
    return response
