"""The taxpayer side's access helper: a signed-in taxpayer whose record is linked (R13)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from taxpayers.models import Taxpayer
from taxpayers.selectors import taxpayer_for_user
from taxpro.access import taxpayer_required
from taxpro.models import User

TaxpayerView = Callable[..., HttpResponse]

NOT_VERIFIED_YET = (
    "Before you can see authorizations and notices, confirm who you are. It takes a few "
    "minutes and a code we mail to your address."
)


def verified_taxpayer_required(view: TaxpayerView) -> TaxpayerView:
    """Call ``view(request, taxpayer, ...)`` with the caller's own record, or send them to verify.

    Every taxpayer page fetches through this: objects are then looked up *within* this
    taxpayer (R45), never by a bare id.
    """

    @taxpayer_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        taxpayer: Taxpayer | None = taxpayer_for_user(user=cast(User, request.user))
        if taxpayer is None:
            messages.info(request, NOT_VERIFIED_YET)
            return HttpResponseRedirect(reverse("taxpayers_account:verify"))
        return view(request, taxpayer, *args, **kwargs)

    return wrapped
