"""The practitioner's home, /pro/: composed here, at the top of the stairs, from the selectors of
the CAF (linked numbers) and of this app (requests, drafts, the ledger)."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from authorizations import selectors
from authorizations.attention import requests_needing_attention
from authorizations.models import RequestState
from authorizations.web.pro.wizard.selectors import drafts_for
from authorizations.web.pro.wizard.steps import first_incomplete
from taxpro.access import practitioner_required
from taxpro.models import User


@practitioner_required
@require_GET
def practitioner_home(request: HttpRequest) -> HttpResponse:
    """What needs attention first (drafts, requests about to expire, newly recorded ones), then
    requests, active authorizations, CAF numbers and the hours. Queries do not grow with rows."""
    user = cast(User, request.user)  # the decorator let only a signed-in practitioner in
    linked = selectors.linked_caf_numbers_with_active_counts(practitioner=user)
    recent, request_count = selectors.recent_requests_with_total(practitioner=user, shown=5)
    drafts = [
        {
            "draft": draft,
            "taxpayer_name": (draft.data.get("taxpayer") or {}).get("name", ""),
            "continue_url": reverse(
                "authorizations_pro:wizard_step",
                args=[draft.public_id, first_incomplete(draft).slug],
            ),
        }
        for draft in drafts_for(practitioner=user)[:10]
    ]
    context = {
        "attention": requests_needing_attention(practitioner=user),
        "drafts": drafts,
        "linked_caf_numbers": linked,
        "recent_requests": recent,
        "RequestState": RequestState,
        "request_count": request_count,
        # R7: the authorizations on a CAF number are seen only once it is linked (no linked
        # record, no rows to count); each record's count came with it.
        "active_count": sum(record.active_authorizations for record in linked),  # type: ignore[attr-defined]
    }
    return render(request, "authorizations/pro/home.html", context)
