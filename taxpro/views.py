"""Site-wide pages: the front door, each kind's home, health, accessibility, error pages."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from taxpro import health
from taxpro.access import practitioner_required, taxpayer_required
from taxpro.adapters import PortalAccountAdapter
from taxpro.models import User


@require_GET
def front_door(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return HttpResponseRedirect(PortalAccountAdapter(request).get_login_redirect_url(request))
    return render(request, "taxpro/front_door.html")


@require_GET
def signup_as(request: HttpRequest, kind: str) -> HttpResponse:
    """/pro/signup/ and /account/signup/ open the one sign-up form with the kind chosen."""
    return HttpResponseRedirect(f"{reverse('account_signup')}?kind={kind}")


@practitioner_required
@require_GET
def practitioner_home(request: HttpRequest) -> HttpResponse:
    """What needs attention first (drafts, requests about to expire, newly recorded ones), then
    requests, active authorizations, CAF numbers and the hours. Queries do not grow with rows."""
    from authorizations import selectors
    from authorizations.attention import requests_needing_attention
    from authorizations.wizard.selectors import drafts_for
    from authorizations.wizard.steps import first_incomplete
    from caf.selectors import caf_numbers_linked_to

    user = cast(User, request.user)  # the decorator let only a signed-in practitioner in
    submitted = selectors.requests_submitted_by(practitioner=user)
    recent = [(req, selectors.request_status_for_practitioner(req)) for req in submitted[:5]]
    linked = list(caf_numbers_linked_to(user=user))
    drafts = [
        {
            "draft": draft,
            "taxpayer_name": (draft.data.get("taxpayer") or {}).get("name", ""),
            "continue_url": reverse(
                "wizard:step", args=[draft.public_id, first_incomplete(draft).slug]
            ),
        }
        for draft in drafts_for(practitioner=user)[:10]
    ]
    context = {
        "attention": requests_needing_attention(practitioner=user),
        "drafts": drafts,
        "linked_caf_numbers": linked,
        "recent_requests": recent,
        "request_count": submitted.count(),
        # R7: the authorizations on a CAF number are seen only once it is linked.
        "active_count": (
            selectors.active_authorizations_for_practitioner(practitioner=user).count()
            if linked
            else 0
        ),
    }
    return render(request, "taxpro/practitioner_home.html", context)


@taxpayer_required
@require_GET
def taxpayer_home(request: HttpRequest) -> HttpResponse:
    """The taxpayer's home: how to confirm who they are (R13), or a summary with links. The
    number of queries does not depend on how many requests, notices or views there are."""
    from taxpayers import selectors

    user = cast(User, request.user)
    taxpayer = selectors.taxpayer_for_user(user=user)
    context: dict[str, object] = {"taxpayer": taxpayer}
    if taxpayer is None:
        context["waiting"] = selectors.identity_check_waiting(user=user)
    else:
        context["summary"] = selectors.taxpayer_home_summary(taxpayer=taxpayer)
    return render(request, "taxpro/taxpayer_home.html", context)


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "taxpro/accessibility.html")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": health.check_database(),
        "redis": health.check_redis(),
        "worker": health.check_worker(),
    }
    healthy = all(state == "ok" for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )
