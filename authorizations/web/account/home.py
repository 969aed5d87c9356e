"""The taxpayer's home, /account/: composed here, at the top of the stairs, from the master
file (identity, notices) and this app's selectors (requests, authorizations, who viewed)."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from authorizations import account_selectors
from taxpayers import selectors
from taxpro.access import taxpayer_required
from taxpro.models import User


@taxpayer_required
@require_GET
def taxpayer_home(request: HttpRequest) -> HttpResponse:
    """The taxpayer's home: how to confirm who they are (R13), or a summary with links. The
    number of queries does not depend on how many requests, notices or views there are."""
    user = cast(User, request.user)
    taxpayer = selectors.taxpayer_for_user(user=user)
    context: dict[str, object] = {"taxpayer": taxpayer}
    if taxpayer is None:
        context["waiting"] = selectors.identity_check_waiting(user=user)
    else:
        context["summary"] = account_selectors.taxpayer_home_summary(taxpayer=taxpayer)
    return render(request, "authorizations/account/home.html", context)
