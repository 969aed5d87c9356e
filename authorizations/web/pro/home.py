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
from caf.selectors import caf_numbers_linked_to
from taxpro.access import practitioner_required
from taxpro.models import User


@practitioner_required
@require_GET
def practitioner_home(request: HttpRequest) -> HttpResponse:
    """What needs attention first (drafts, requests about to expire, newly recorded ones), then
    requests, active authorizations, CAF numbers and the hours. Queries do not grow with rows."""
    user = cast(User, request.user)  # the decorator let only a signed-in practitioner in
    submitted = selectors.requests_submitted_by(practitioner=user)
    linked = list(caf_numbers_linked_to(user=user))
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
        "recent_requests": list(submitted[:5]),
        "RequestState": RequestState,
        "request_count": submitted.count(),
        # R7: the authorizations on a CAF number are seen only once it is linked.
        "active_count": (
            selectors.active_authorizations_for_practitioner(
                practitioner=user, linked=linked
            ).count()
            if linked
            else 0
        ),
    }
    return render(request, "authorizations/pro/home.html", context)
