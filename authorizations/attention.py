"""What the practitioner's home page puts first: requests about to expire, newly recorded ones."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from authorizations.models import AuthorizationRequest, RequestState
from authorizations.selectors import requests_submitted_by
from taxpro import clock
from taxpro.models import User

# Recorded requests stay under "recently recorded" this long.
RECENTLY_RECORDED = dt.timedelta(days=7)
SHOWN = 10


@dataclass(frozen=True)
class Attention:
    expiring_soon: list[AuthorizationRequest]
    recently_recorded: list[AuthorizationRequest]


def requests_needing_attention(*, practitioner: User, now: dt.datetime | None = None) -> Attention:
    """R18: the taxpayer is reminded this many days before expiry; the practitioner sees the same
    requests here, soonest first, so they can chase the taxpayer in time."""
    now = now or clock.now()
    soon = now + dt.timedelta(days=settings.REQUEST_REMINDER_DAYS_BEFORE)
    submitted = requests_submitted_by(practitioner=practitioner)
    expiring = submitted.filter(
        state=RequestState.PENDING, expires_at__gt=now, expires_at__lte=soon
    ).order_by("expires_at", "id")[:SHOWN]
    recorded = submitted.filter(
        state=RequestState.RECORDED, recorded_at__gte=now - RECENTLY_RECORDED
    ).order_by("-recorded_at", "-id")[:SHOWN]
    return Attention(expiring_soon=list(expiring), recently_recorded=list(recorded))
