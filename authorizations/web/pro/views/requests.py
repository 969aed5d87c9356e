"""Requests: every request the practitioner submitted (R20), its status as R19 allows, and
cancelling a pending one (R18, R47)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from authorizations import selectors, services
from authorizations.errors import RequestRefused
from authorizations.models import AuthorizationRequest, RequestState
from authorizations.vocabulary import MatterPeriods, matters_and_periods
from authorizations.web.pro.forms import RequestFilterForm
from taxpro.access import practitioner_required
from taxpro.models import User
from taxpro.not_found import get_or_404
from taxpro.paging import page_links, page_of, wants_partial

LIST_TEMPLATE = "authorizations/pro/requests.html"


@dataclass(frozen=True)
class RequestRow:
    """One request as the practitioner may see it; its template says R19's status through
    ``authorizations_words``, never the reason."""

    req: AuthorizationRequest
    modules: list[MatterPeriods]

    @property
    def is_pending(self) -> bool:
        return self.req.state == RequestState.PENDING

    @classmethod
    def of(cls, req: AuthorizationRequest) -> RequestRow:
        # The modules are prefetched: no query per row.
        return cls(req=req, modules=matters_and_periods(req.modules.all()))


@practitioner_required
@require_GET
@vary_on_headers("HX-Request")  # the same URL answers a fragment to htmx
def request_list(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # the decorator let only a signed-in practitioner in
    form = RequestFilterForm(request.GET or None)
    filters = form.valid_filters()  # a field in error does not filter the list
    rows = selectors.requests_submitted_by_filtered(
        practitioner=user,
        status=filters.get("status", ""),
        name=filters.get("name", ""),
        submitted_from=filters.get("submitted_from"),
        submitted_to=filters.get("submitted_to"),
    )
    page = page_of(request, rows)
    context = {
        "form": form,
        "page": page,
        "page_links": list(page_links(page)),
        "rows": [RequestRow.of(req) for req in page],
        "filtered": bool(filters),
    }
    # htmx swaps only the list region (style.md: partial name = element id = hx-target).
    template = f"{LIST_TEMPLATE}#request-list" if wants_partial(request) else LIST_TEMPLATE
    return render(request, template, context)


@practitioner_required
@require_GET
def request_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = cast(User, request.user)
    req = get_or_404(selectors.request_for_practitioner, practitioner=user, public_id=public_id)
    context = {"row": RequestRow.of(req), "RequestState": RequestState}
    return render(request, "authorizations/pro/request_detail.html", context)


@practitioner_required
@require_http_methods(["GET", "POST"])
def request_cancel(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """GET: "are you sure?"; POST: cancel (R18). A repeated POST is refused by the service with
    a sentence, so a double click has one effect (R47)."""
    user = cast(User, request.user)
    req = get_or_404(selectors.request_for_practitioner, practitioner=user, public_id=public_id)
    detail_url = reverse("authorizations_pro:request", args=[req.public_id])
    if request.method == "POST":
        try:
            services.request_cancel(request_id=req.pk, practitioner=user)
        except RequestRefused as error:
            req.refresh_from_db(fields=["state"])  # it may have changed since it was read
            messages.error(request, str(error))
        except AuthorizationRequest.DoesNotExist:
            raise Http404("No such request.") from None
        else:
            messages.success(
                request,
                f"You cancelled your request to {req.taxpayer.name}. "
                "They can no longer approve it.",
            )
        return HttpResponseRedirect(detail_url)
    return render(request, "authorizations/pro/request_cancel.html", {"row": RequestRow.of(req)})
