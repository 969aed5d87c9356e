"""Who may open which side of the portal. A user is one kind; the wrong side is a clear 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import reverse

from taxpro.middleware import needs_second_factor
from taxpro.models import UserKind

_WRONG_SIDE = {
    UserKind.PRACTITIONER: (
        "This part of Tax Pro Portal is for tax professionals. You are signed in with a "
        "{kind} account."
    ),
    UserKind.TAXPAYER: (
        "This part of Tax Pro Portal is for taxpayers' online accounts. You are signed in "
        "with a {kind} account."
    ),
}

View = Callable[..., HttpResponse]
# A staff view may also stream a file (FileResponse is no HttpResponse).
StaffView = Callable[..., HttpResponseBase]


def kind_required(kind: UserKind) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user_kind = getattr(request.user, "kind", "")
            if user_kind != kind:
                label = (
                    UserKind(user_kind).label.lower()
                    if user_kind in UserKind.values
                    else "different"
                )
                raise PermissionDenied(_WRONG_SIDE[kind].format(kind=label))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


practitioner_required = kind_required(UserKind.PRACTITIONER)
taxpayer_required = kind_required(UserKind.TAXPAYER)


def staff_required(permission: str, *, refusal: str) -> Callable[[StaffView], StaffView]:
    """Staff pages outside the admin (the CAF unit's, R34b): signed in, a staff user, with a
    second factor (as the admin: SecondFactorRequiredMiddleware says so too, and this holds if
    the middleware's list of open paths ever grows) and ``permission``; ``refusal`` says what is
    missing to a staff user without it. Anyone else gets the wrong-side 403."""

    def decorator(view: StaffView) -> StaffView:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if getattr(user, "kind", "") != UserKind.STAFF or not user.is_staff:
                raise PermissionDenied(
                    "This part of Tax Pro Portal is for the IRS's staff. You are signed in "
                    "with a different account."
                )
            if needs_second_factor(user):
                return HttpResponseRedirect(reverse("mfa_index"))
            if not user.has_perm(permission):
                raise PermissionDenied(refusal)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
