"""Reads for the software page: what software may act for a practitioner, and what they
registered (R45: only their own)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Max, Q
from oauth2_provider.models import Application

from taxpro import clock
from taxpro.models import User


@dataclass(frozen=True)
class SoftwareRow:
    application: Application
    registered_by_you: bool
    live_tokens: int
    last_granted: object


def software_for(*, user: User) -> list[SoftwareRow]:
    """Software the practitioner registered or allowed, with its tokens still alive for them."""
    now = clock.now()
    rows = (
        Application.objects.filter(Q(user=user) | Q(accesstoken__user=user))
        .distinct()
        .annotate(
            live=Count(
                "accesstoken",
                filter=Q(accesstoken__user=user, accesstoken__expires__gt=now),
                distinct=True,
            ),
            last=Max("accesstoken__created", filter=Q(accesstoken__user=user)),
        )
        .order_by("name", "id")
    )
    return [
        SoftwareRow(
            application=app,
            registered_by_you=app.user_id == user.pk,
            live_tokens=app.live,  # type: ignore[attr-defined]
            last_granted=app.last,  # type: ignore[attr-defined]
        )
        for app in rows
    ]


def software_for_user(*, user: User, client_id: str) -> Application:
    """One application the practitioner registered or allowed; anyone else's raises
    ``Application.DoesNotExist`` (R45)."""
    return (
        Application.objects.filter(Q(user=user) | Q(accesstoken__user=user))
        .distinct()
        .get(client_id=client_id)
    )
