"""Ending authorizations: withdrawn by the representative (R29), revoked by the taxpayer (R30),
or because the representative left good standing (R3)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Unpack

from django.db import transaction

from authorizations.errors import AuthorizationNotActive
from authorizations.models import Authorization, EndReason
from authorizations.services.locks import lock_after_taxpayer, lock_taxpayer
from authorizations.services.recording import end_authorization
from authorizations.vocabulary import matter_and_period
from caf.models import CafRecord
from caf.selectors import caf_numbers_linked_to
from caf.services import PracticeStatusChange, caf_letter_send, caf_practice_status_set
from taxpayers.models import LetterKind
from taxpayers.services import letter_send
from taxpro import clock
from taxpro.audit import audit_record
from taxpro.models import User


def _describe(row: Authorization) -> str:
    """The row in a notice's words: a form-channel row's quarter or fiscal year reads as one
    (R36), not as a bare year."""
    matter, period = matter_and_period(row.matter, row.period)
    return f"{row.get_kind_display()} for {matter}, {period}"


def _lock_row(authorization_id: int, **scope: object) -> Authorization:
    rows = Authorization.objects.select_related("caf_record", "taxpayer")
    return lock_after_taxpayer(rows, authorization_id, **scope)


def _refuse_if_ended(row: Authorization) -> None:
    if row.ends_at is not None:
        raise AuthorizationNotActive(
            f"This authorization already ended on {clock.to_et(row.ends_at):%B %-d, %Y}."
        )


def _end_and_audit(
    row: Authorization,
    *,
    reason: EndReason,
    action: str,
    actor: object,
    label: str,
    now: dt.datetime,
) -> bool:
    """End ``row`` (R28) and audit it as ``action``; False, and nothing audited, if it had ended."""
    ended = end_authorization(row, reason=reason, now=now, by_user=actor, label=label)
    if ended:
        audit_record(
            action=action,
            obj=row,
            actor=actor,
            before={"active": True},
            after={"active": False, "reason": reason.value},
            now=now,
        )
    return ended


# R29, R30: how a party's ending is written down: the audit action and the ledger's label.
_PARTY_ENDINGS = {
    EndReason.WITHDRAWN: ("authorization.withdrawn", "withdrawn by the representative"),
    EndReason.REVOKED: ("authorization.revoked", "revoked by the taxpayer"),
}


def _end_active(
    authorization_id: int,
    *,
    scope: dict[str, object],
    reason: EndReason,
    actor: object,
    notice: Callable[[Authorization, dt.datetime], object],
    now: dt.datetime | None,
) -> Authorization:
    """Ends one authorization a party asked to end (R29, R30) and mails the other party's
    ``notice``, all in one transaction: the row is found within ``scope`` (who may end it, R45)
    and locked, refused if it had ended."""
    now = now or clock.now()
    action, label = _PARTY_ENDINGS[reason]
    with transaction.atomic():
        row = _lock_row(authorization_id, **scope)
        _refuse_if_ended(row)
        _end_and_audit(row, reason=reason, action=action, actor=actor, label=label, now=now)
        notice(row, now)
    row.refresh_from_db()
    return row


def _withdrawal_notice(row: Authorization, now: dt.datetime) -> None:
    letter_send(
        kind=LetterKind.WITHDRAWAL_NOTICE,
        taxpayer=row.taxpayer,
        now=now,
        subject="A representative withdrew from your authorization",
        body=(
            f"{row.caf_record.name} withdrew from the {_describe(row)} "
            f"on {clock.to_et(now):%B %-d, %Y}. They can no longer act for you or see "
            "your tax information for it."
        ),
    )


def _revocation_notice(row: Authorization, now: dt.datetime) -> None:
    caf_letter_send(
        kind=LetterKind.REVOCATION_NOTICE,
        caf_record=row.caf_record,
        now=now,
        subject="A taxpayer revoked your authorization",
        body=f"{row.taxpayer.name} revoked your {_describe(row)} on {clock.to_et(now):%B %-d, %Y}.",
    )


def authorization_withdraw(
    *, authorization_id: int, practitioner: User, now: dt.datetime | None = None
) -> Authorization:
    """R29: leaves the active set at once; the taxpayer is sent a notice.

    Only rows on a CAF number linked to ``practitioner`` (R7, R45); anything else is not found.
    """
    scope: dict[str, object] = {"caf_record__in": caf_numbers_linked_to(user=practitioner)}
    return _end_active(
        authorization_id,
        scope=scope,
        reason=EndReason.WITHDRAWN,
        actor=practitioner,
        notice=_withdrawal_notice,
        now=now,
    )


def authorizations_withdraw(
    *, authorization_ids: Sequence[int], practitioner: User, now: dt.datetime | None = None
) -> list[Authorization]:
    """R29 for a selection, all or nothing: if any row is not the practitioner's (R45) or has
    already ended (a doubled POST, R47), nothing is withdrawn. Rows are taken in taxpayer
    order, the order every service locks in, so overlapping selections cannot deadlock."""
    now = now or clock.now()
    wanted = set(authorization_ids)
    ordered = list(
        Authorization.objects.filter(pk__in=wanted)
        .order_by("taxpayer_id", "pk")
        .values_list("pk", flat=True)
    )
    if len(ordered) != len(wanted):
        raise Authorization.DoesNotExist
    with transaction.atomic():
        return [
            authorization_withdraw(authorization_id=pk, practitioner=practitioner, now=now)
            for pk in ordered
        ]


def authorization_revoke(
    *, authorization_id: int, taxpayer_id: int, actor: object, now: dt.datetime | None = None
) -> Authorization:
    """R30: the taxpayer ends an authorization; the representative is sent a notice."""
    return _end_active(
        authorization_id,
        scope={"taxpayer_id": taxpayer_id},
        reason=EndReason.REVOKED,
        actor=actor,
        notice=_revocation_notice,
        now=now,
    )


def authorizations_end_for_practice_status(
    *, caf_record_id: int, status_label: str, actor: User, now: dt.datetime | None = None
) -> int:
    """A representative no longer in good standing (R3) holds no authorization (R28's reason
    "practice status"). Called inside the status change's transaction. Returns rows ended."""
    now = now or clock.now()
    ended = 0
    taxpayer_ids = sorted(
        set(
            Authorization.objects.active()
            .filter(caf_record_id=caf_record_id)
            .values_list("taxpayer_id", flat=True)
        )
    )
    for taxpayer_id in taxpayer_ids:  # taxpayer locks in one order: no deadlock with recording
        lock_taxpayer(taxpayer_id)
        rows = (
            Authorization.objects.active()
            .select_for_update()
            .filter(caf_record_id=caf_record_id, taxpayer_id=taxpayer_id)
        )
        for row in rows:
            if _end_and_audit(
                row,
                reason=EndReason.PRACTICE_STATUS,
                action="authorization.ended_practice_status",
                actor=actor,
                label=f"practice status: {status_label}",
                now=now,
            ):
                ended += 1
    return ended


@transaction.atomic
def caf_practice_status_change(**change: Unpack[PracticeStatusChange]) -> CafRecord:
    """R3: staff record a practice status; out of good standing, the representative's
    authorizations end (R28's reason "practice status") in the same transaction, at the same
    moment as the status change."""
    change["now"] = now = change.get("now") or clock.now()
    record = caf_practice_status_set(**change)
    if not record.is_in_good_standing:
        authorizations_end_for_practice_status(
            caf_record_id=record.pk,
            status_label=record.get_practice_status_display(),
            actor=change["actor"],
            now=now,
        )
    return record
