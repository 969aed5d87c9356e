"""What the practitioner's home page puts first: requests about to expire, newly recorded ones."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, F, Q, When, Window
from django.db.models.functions import RowNumber

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
    pending = Q(state=RequestState.PENDING)
    # Issue 12: both lists in one query. Each row is numbered within its list in the list's own
    # order (expiring: soonest first; recorded: newest first), and only the first SHOWN of each
    # are kept.
    in_list_order = Window(
        RowNumber(),
        partition_by=[F("state")],
        order_by=[
            Case(When(pending, then=F("expires_at"))).asc(nulls_last=True),
            Case(When(state=RequestState.RECORDED, then=F("recorded_at"))).desc(nulls_last=True),
            Case(When(pending, then=F("id")), default=-F("id")).asc(),
        ],
    )
    rows = list(
        requests_submitted_by(practitioner=practitioner)
        .filter(
            (pending & Q(expires_at__gt=now, expires_at__lte=soon))
            | Q(state=RequestState.RECORDED, recorded_at__gte=now - RECENTLY_RECORDED)
        )
        .annotate(place_in_list=in_list_order)
        .filter(place_in_list__lte=SHOWN)
        .order_by("place_in_list")
    )
    return Attention(
        expiring_soon=[row for row in rows if row.state == RequestState.PENDING],
        recently_recorded=[row for row in rows if row.state == RequestState.RECORDED],
    )
