"""Site-wide pages: the front door, sign-up by kind, health, accessibility. Each kind's home is
composed at the top of the stairs (``authorizations.web``), from the selectors of every app."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from taxpro import health
from taxpro.adapters import PortalAccountAdapter


@require_GET
def front_door(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return HttpResponseRedirect(PortalAccountAdapter(request).get_login_redirect_url(request))
    return render(request, "taxpro/front_door.html")


@require_GET
def signup_as(request: HttpRequest, kind: str) -> HttpResponse:
    """/pro/signup/ and /account/signup/ open the one sign-up form with the kind chosen."""
    return HttpResponseRedirect(f"{reverse('account_signup')}?kind={kind}")


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
