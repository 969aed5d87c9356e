"""Reads of the taxpayer master file."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db.models import QuerySet

from taxpayers.models import (
    AccountModule,
    IdentityCheck,
    IdentityCheckState,
    Letter,
    MatchAttempt,
    Taxpayer,
)
from taxpayers.services import MISMATCH_WINDOW
from taxpro import clock
from taxpro.models import User
from taxpro.tins import HolderKind, tin_parse


def taxpayer_for_user(*, user: User) -> Taxpayer | None:
    """R13: the taxpayer record behind a taxpayer's online account, if attached."""
    if not user.is_authenticated:
        return None
    return Taxpayer.objects.filter(user=user).first()


def taxpayer_by_tin(*, tin: str, holder_kind: str = HolderKind.INDIVIDUAL) -> Taxpayer | None:
    """Look a taxpayer up by TIN through the keyed hash (R46); validates the TIN first (R13a).

    For staff and internal use: practitioners go through ``taxpayer_match`` (R11, R12).
    """
    parsed = tin_parse(tin, holder_kind=holder_kind)
    return Taxpayer.objects.with_tin(parsed.digits).filter(kind=holder_kind).first()


def account_modules_of(*, taxpayer: Taxpayer) -> QuerySet[AccountModule]:
    return AccountModule.objects.filter(taxpayer=taxpayer).prefetch_related("transactions")


def letters_to_taxpayer(*, taxpayer: Taxpayer) -> QuerySet[Letter]:
    return Letter.objects.filter(taxpayer=taxpayer)


def mismatches_remaining(*, practitioner: User, now: dt.datetime | None = None) -> int:
    """R12: how many more mismatches the practitioner may make in the current hour."""
    now = now or clock.now()
    used = MatchAttempt.objects.filter(
        practitioner=practitioner, attempted_at__gt=now - MISMATCH_WINDOW
    ).count()
    return max(0, settings.TAXPAYER_MISMATCH_LIMIT_PER_HOUR - used)


# --- The taxpayer's own pages (R13, R33, R45) ------------------------------------------------


def identity_check_waiting(*, user: User, now: dt.datetime | None = None) -> IdentityCheck | None:
    """The code letter on its way to this user's address of record, if one is still usable."""
    if not user.is_authenticated:
        return None
    now = now or clock.now()
    return (
        IdentityCheck.objects.filter(
            user=user, state=IdentityCheckState.PENDING, expires_at__gt=now
        )
        .order_by("-created_at")
        .first()
    )


def notices_for_taxpayer(*, taxpayer: Taxpayer) -> QuerySet[Letter]:
    """The letters mailed to the taxpayer, newest first (one query, no relations needed)."""
    return Letter.objects.filter(taxpayer=taxpayer).order_by("-created_at", "-id")


def notice_for_taxpayer(*, taxpayer: Taxpayer, public_id: uuid.UUID) -> Letter:
    """R45: a letter only through its own taxpayer; anyone else's raises ``DoesNotExist``."""
    return notices_for_taxpayer(taxpayer=taxpayer).get(public_id=public_id)
