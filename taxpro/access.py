"""Who may open which side of the portal. A user is one kind; the wrong side is a clear 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

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
