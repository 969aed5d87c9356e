"""/pro/webhooks/: endpoints for practice software (issue 14). List, add, change the events,
rotate the secret (shown once), turn off or on, delete, and each endpoint's delivery log with
"Send again". Every write is one service call; every object is fetched for this practitioner
only (R45: anyone else's is a 404)."""

from __future__ import annotations

import uuid
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from authorizations.services import webhooks as services
from authorizations.web.pro.webhooks.forms import EndpointForm, EventsForm
from authorizations.webhooks import selectors
from authorizations.webhooks.events import EVENT_HINTS, WebhookEventType
from authorizations.webhooks.models import WebhookEndpoint
from authorizations.webhooks.signing import secret_open, secret_seal
from taxpro.access import practitioner_required
from taxpro.models import User
from taxpro.not_found import get_or_404
from taxpro.paging import page_links, page_of, wants_partial

T = "authorizations/pro/webhooks/"
# The secret is shown once, on the page after the POST that made it: kept in the session only
# until that page is opened, so a reload of the POST cannot make a second endpoint (R47).
SHOWN_ONCE_SESSION_PREFIX = "webhook-secret:"


def _endpoint(request: HttpRequest, public_id: uuid.UUID) -> WebhookEndpoint:
    user = cast(User, request.user)
    return get_or_404(selectors.webhook_endpoint_for_user, practitioner=user, public_id=public_id)


def _detail_url(endpoint: WebhookEndpoint) -> str:
    return reverse("authorizations_pro:webhook", args=[endpoint.public_id])


def _secret_key(endpoint: WebhookEndpoint) -> str:
    return f"{SHOWN_ONCE_SESSION_PREFIX}{endpoint.public_id}"


def _secret_waiting(request: HttpRequest, endpoint: WebhookEndpoint) -> bool:
    return _secret_key(endpoint) in request.session


def _secret_page_redirect(endpoint: WebhookEndpoint) -> HttpResponse:
    return HttpResponseRedirect(
        reverse("authorizations_pro:webhook_secret", args=[endpoint.public_id])
    )


def _show_secret_once(request: HttpRequest, result: services.EndpointWithSecret) -> HttpResponse:
    # Sealed like the stored copy: the session table never holds the secret in clear.
    request.session[_secret_key(result.endpoint)] = secret_seal(result.secret)
    return _secret_page_redirect(result.endpoint)


def _event_labels(endpoint: WebhookEndpoint) -> list[str]:
    return [WebhookEventType(e).label for e in endpoint.events if e in WebhookEventType.values]


@practitioner_required
@require_http_methods(["GET"])
def webhook_list(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    endpoints = [
        (endpoint, _event_labels(endpoint))
        for endpoint in selectors.webhook_endpoints_of(practitioner=user)
    ]
    return render(request, f"{T}list.html", {"endpoints": endpoints})


@practitioner_required
@require_http_methods(["GET", "POST"])
def webhook_new(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = EndpointForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.webhook_endpoint_create(
                practitioner=user,
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
                events=form.cleaned_data["events"],
            )
        except services.EndpointExists as refusal:
            if _secret_waiting(request, refusal.existing):
                # R47: a doubled "Add": the first made it, and its secret is still to be shown.
                return _secret_page_redirect(refusal.existing)
            form.add_error("url", refusal.message)
        except services.WebhookRefused as refusal:
            form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
        else:
            messages.success(request, "The endpoint is registered.")
            return _show_secret_once(request, result)
    context = {"form": form, "hints": EVENT_HINTS}
    return render(request, f"{T}new.html", context)


@practitioner_required
@require_http_methods(["GET"])
@vary_on_headers("HX-Request")
def webhook_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    endpoint = _endpoint(request, public_id)
    page = page_of(request, selectors.webhook_deliveries_of(endpoint=endpoint))
    context = {
        "endpoint": endpoint,
        "event_labels": _event_labels(endpoint),
        "page": page,
        "page_links": list(page_links(page)),
    }
    template = f"{T}detail.html#delivery-log" if wants_partial(request) else f"{T}detail.html"
    return render(request, template, context)


@practitioner_required
@require_http_methods(["GET", "POST"])
def webhook_events(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    endpoint = _endpoint(request, public_id)
    user = cast(User, request.user)
    if request.method == "POST":
        form = EventsForm(request.POST)
        if form.is_valid():
            try:
                services.webhook_endpoint_events_set(
                    endpoint_id=endpoint.pk, practitioner=user, events=form.cleaned_data["events"]
                )
            except services.WebhookRefused as refusal:
                form.add_error("events", refusal.message)
            else:
                messages.success(request, "The events to send are saved.")
                return HttpResponseRedirect(_detail_url(endpoint))
    else:
        form = EventsForm(initial={"events": endpoint.events})
    context = {"endpoint": endpoint, "form": form}
    return render(request, f"{T}events.html", context)


@practitioner_required
@require_http_methods(["GET", "POST"])
def webhook_rotate(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    endpoint = _endpoint(request, public_id)
    if request.method == "POST":
        result = services.webhook_endpoint_secret_rotate(
            endpoint_id=endpoint.pk,
            practitioner=cast(User, request.user),
            replacing=request.POST.get("replacing", ""),
        )
        if result is None:  # R47: rotated already (a doubled POST, or an old page)
            return _secret_page_redirect(endpoint)
        messages.success(request, "A new secret signs the deliveries from now on.")
        return _show_secret_once(request, result)
    context = {
        "endpoint": endpoint,
        "overlap_hours": settings.WEBHOOK_SECRET_OVERLAP_HOURS,
        "replacing": services.secret_version(endpoint),
    }
    return render(request, f"{T}rotate.html", context)


@practitioner_required
@require_http_methods(["GET"])
def webhook_secret(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    endpoint = _endpoint(request, public_id)
    sealed = request.session.pop(_secret_key(endpoint), None)
    secret = secret_open(sealed) if sealed else None
    return render(request, f"{T}secret.html", {"endpoint": endpoint, "secret": secret})


@practitioner_required
@require_http_methods(["GET", "POST"])
def webhook_status(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """GET: are you sure?; POST: turn deliveries off or on, as the button said."""
    endpoint = _endpoint(request, public_id)
    if request.method == "POST":
        wanted = request.POST.get("enabled") == "on"
        services.webhook_endpoint_enabled_set(
            endpoint_id=endpoint.pk, practitioner=cast(User, request.user), enabled=wanted
        )
        messages.success(
            request,
            "Deliveries to this endpoint are on."
            if wanted
            else "Deliveries to this endpoint are off. Nothing is sent until you turn them on.",
        )
        return HttpResponseRedirect(_detail_url(endpoint))
    return render(request, f"{T}status.html", {"endpoint": endpoint})


@practitioner_required
@require_http_methods(["GET", "POST"])
def webhook_delete(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    endpoint = _endpoint(request, public_id)
    if request.method == "POST":
        services.webhook_endpoint_delete(
            endpoint_id=endpoint.pk, practitioner=cast(User, request.user)
        )
        messages.success(request, "The endpoint and its delivery log are deleted.")
        return HttpResponseRedirect(reverse("authorizations_pro:webhooks"))
    return render(request, f"{T}delete.html", {"endpoint": endpoint})


@practitioner_required
@require_POST
def webhook_send_again(
    request: HttpRequest, public_id: uuid.UUID, delivery_id: uuid.UUID
) -> HttpResponse:
    endpoint = _endpoint(request, public_id)
    user = cast(User, request.user)
    delivery = get_or_404(
        selectors.webhook_delivery_for_user,
        practitioner=user,
        endpoint=endpoint,
        public_id=delivery_id,
    )
    services.webhook_delivery_send_again(delivery_id=delivery.pk, practitioner=user)
    messages.success(request, "The event will be sent again in a moment.")
    return HttpResponseRedirect(_detail_url(endpoint))
