"""R18: pending requests expire after REQUEST_EXPIRY_DAYS; the taxpayer is reminded before."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from authorizations.models import AuthorizationRequest, PractitionerNoticeKind, RequestState
from authorizations.services.notices import practitioner_notice_send
from authorizations.services.request_states import request_state_move
from taxpayers.models import LetterKind
from taxpayers.services import letter_send
from taxpro import clock

SCHEDULER = "scheduler"


@dataclass(frozen=True)
class ExpiryResult:
    reminded: int
    expired: int


def requests_expire_and_remind(*, now: dt.datetime | None = None) -> ExpiryResult:
    """Idempotent: each request is reminded once and expired once, however often this runs."""
    now = now or clock.now()
    reminded = expired = 0
    remind_before = now + dt.timedelta(days=settings.REQUEST_REMINDER_DAYS_BEFORE)
    due = AuthorizationRequest.objects.filter(
        state=RequestState.PENDING,
        reminded_at__isnull=True,
        expires_at__gt=now,
        expires_at__lte=remind_before,
    ).values_list("pk", flat=True)
    for request_id in list(due):
        with transaction.atomic():
            req = (
                AuthorizationRequest.objects.select_for_update(skip_locked=True)
                .select_related("taxpayer", "caf_record")
                .filter(pk=request_id, state=RequestState.PENDING, reminded_at__isnull=True)
                .first()
            )
            if req is None:
                continue
            req.reminded_at = now
            req.save(update_fields=["reminded_at"])
            expires_at = req.expires_at
            assert expires_at is not None  # a pending request always has one
            letter_send(
                kind=LetterKind.REMINDER,
                taxpayer=req.taxpayer,
                now=now,
                subject="A request is waiting for your decision",
                body=(
                    f"{req.caf_record.name} asked you for a {req.get_kind_display()}. "
                    f"The request expires on {clock.to_et(expires_at):%B %-d, %Y}. "
                    "Sign in to your online account to approve or reject it."
                ),
            )
            practitioner_notice_send(req=req, kind=PractitionerNoticeKind.EXPIRING, now=now)
            reminded += 1
    overdue = AuthorizationRequest.objects.filter(
        state=RequestState.PENDING, expires_at__lte=now
    ).values_list("pk", flat=True)
    for request_id in list(overdue):
        with transaction.atomic():
            req = (
                AuthorizationRequest.objects.select_for_update(skip_locked=True)
                .filter(pk=request_id, state=RequestState.PENDING)
                .first()
            )
            if req is None:
                continue
            request_state_move(
                req,
                to=RequestState.EXPIRED,
                now=now,
                actor_label=SCHEDULER,
            )
            expired += 1
    return ExpiryResult(reminded=reminded, expired=expired)
