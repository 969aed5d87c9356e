"""Writes to the taxpayer master file. Keyword-only, ``now=`` for tests, domain errors out."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.db import transaction

from taxpayers.errors import MismatchRateLimited, TaxpayerError, TaxpayerMismatch
from taxpayers.models import (
    AccountModule,
    AccountTransaction,
    Letter,
    MatchAttempt,
    TaxForm,
    Taxpayer,
)
from taxpro import clock
from taxpro.addresses import (
    US_STATES_AND_DC,
    PostalAddress,
    address_require_us_state,
    address_validate,
    addresses_match,
    name_fold,
)
from taxpro.audit import audit_record
from taxpro.models import User, UserKind
from taxpro.tins import HolderKind, tin_parse


class Addressee(Protocol):
    """Whoever a letter can go to: a name and an address of record."""

    name: str

    @property
    def address_lines(self) -> list[str]: ...


# R12: one sentence for every mismatch, whichever field failed.
MISMATCH_MESSAGE = (
    "The taxpayer's name, SSN or ITIN, and address do not match our records. Ask the taxpayer "
    "to check them in their online account or on a recent notice, then try again. Approved "
    'abbreviations, such as "St" for "Street", are accepted.'
)
MISMATCH_WINDOW = dt.timedelta(hours=1)

_mailroom = logging.getLogger("taxpro.mailroom")


@transaction.atomic
def taxpayer_create(
    *,
    kind: str,
    name: str,
    tin: str,
    address: PostalAddress,
    date_of_birth: dt.date | None = None,
    user: User | None = None,
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> Taxpayer:
    """Add a taxpayer to the master file (staff, demo data). R13a validates the TIN."""
    now = now or clock.now()
    parsed = tin_parse(tin, holder_kind=kind)
    address_validate(address)
    if Taxpayer.objects.with_tin(parsed.digits).exists():
        raise TaxpayerError("A taxpayer with this TIN is already on file.", field="tin")
    if user is not None and user.kind != UserKind.TAXPAYER:
        raise TaxpayerError("Only a taxpayer account can be attached to a taxpayer.")
    taxpayer = Taxpayer(
        kind=kind, name=name.strip(), date_of_birth=date_of_birth, user=user, created_at=now
    )
    taxpayer.set_tin(parsed)
    taxpayer.set_address(address)
    taxpayer.full_clean(exclude=["tin_ciphertext", "tin_hash", "tin_last4", "user"])
    taxpayer.save()
    audit_record(
        action="taxpayers.taxpayer.created",
        obj=taxpayer,
        actor=actor,
        after={"kind": kind, "tin": taxpayer.tin_masked, "online_account": user is not None},
        now=now,
    )
    return taxpayer


@transaction.atomic
def taxpayer_account_attach(
    *, taxpayer: Taxpayer, user: User, actor: User | None = None, now: dt.datetime | None = None
) -> Taxpayer:
    """R13: the taxpayer opened an online account and verified who they are."""
    now = now or clock.now()
    taxpayer = Taxpayer.objects.select_for_update().get(pk=taxpayer.pk)
    if user.kind != UserKind.TAXPAYER:
        raise TaxpayerError("Only a taxpayer account can be attached to a taxpayer.")
    if taxpayer.user_id is not None and taxpayer.user_id != user.pk:
        raise TaxpayerError("This taxpayer already has an online account.")
    if Taxpayer.objects.filter(user=user).exclude(pk=taxpayer.pk).exists():
        raise TaxpayerError("This online account already belongs to another taxpayer.")
    if taxpayer.user_id == user.pk:
        return taxpayer
    taxpayer.user = user
    taxpayer.save(update_fields=["user"])
    audit_record(
        action="taxpayers.taxpayer.account_attached",
        obj=taxpayer,
        actor=actor or user,
        before={"user": None},
        after={"user": user.pk},
        now=now,
    )
    return taxpayer


def taxpayer_match(
    *,
    practitioner: User,
    tin: str,
    name: str,
    address: PostalAddress,
    now: dt.datetime | None = None,
) -> Taxpayer:
    """R10-R12: find the individual taxpayer whose name, TIN and address all match.

    Bad input (a malformed TIN, a territory address) is a field-level error. A mismatch raises
    :class:`TaxpayerMismatch` with one sentence that never names the field (R12), and is counted;
    past ``TAXPAYER_MISMATCH_LIMIT_PER_HOUR`` in the last hour the practitioner gets
    :class:`MismatchRateLimited` until the oldest counted mismatch is an hour old.
    """
    now = now or clock.now()
    parsed = tin_parse(tin, holder_kind=HolderKind.INDIVIDUAL)  # R13a; R10: no EIN online.
    address_validate(address)
    address_require_us_state(address)  # R10
    failure: TaxpayerError | None = None
    taxpayer: Taxpayer | None = None
    # The mismatch row must survive the refusal, so the atomic block ends before the raise.
    with transaction.atomic():
        # Serialise one practitioner's checks so parallel tries cannot overrun the limit.
        User.objects.select_for_update().filter(pk=practitioner.pk).first()
        limit = settings.TAXPAYER_MISMATCH_LIMIT_PER_HOUR  # R12
        recent = list(
            MatchAttempt.objects.filter(
                practitioner=practitioner, attempted_at__gt=now - MISMATCH_WINDOW
            )
            .order_by("-attempted_at")
            .values_list("attempted_at", flat=True)[:limit]
        )
        if len(recent) >= limit:
            retry_at = clock.to_et(recent[-1] + MISMATCH_WINDOW)
            failure = MismatchRateLimited(
                "Too many taxpayer details did not match in the last hour. Try again after "
                f"{retry_at:%-I:%M %p} ET."
            )
        else:
            taxpayer = _matching_taxpayer(digits=parsed.digits, name=name, address=address)
            if taxpayer is None:
                MatchAttempt.objects.create(practitioner=practitioner, attempted_at=now)
                failure = TaxpayerMismatch(MISMATCH_MESSAGE)
    if failure is not None:
        raise failure
    assert taxpayer is not None
    return taxpayer


def _matching_taxpayer(*, digits: str, name: str, address: PostalAddress) -> Taxpayer | None:
    taxpayer = Taxpayer.objects.individuals().with_tin(digits).first()
    if taxpayer is None:
        return None
    # R11: every field must match; evaluate all of them so timing says nothing about which.
    name_ok = name_fold(taxpayer.name) == name_fold(name)
    address_ok = addresses_match(address, taxpayer.normalised_address)
    state_ok = taxpayer.state in US_STATES_AND_DC  # R10
    return taxpayer if (name_ok and address_ok and state_ok) else None


def letter_send(
    *,
    kind: str,
    subject: str,
    body: str,
    taxpayer: Taxpayer | None = None,
    addressee: Addressee | None = None,
    now: dt.datetime | None = None,
) -> Letter:
    """Put a letter in the outbox, addressed to the address of record as it is now.

    Exactly one of ``taxpayer`` or another ``addressee`` with a name and an address of record
    (a CAF record: ``caf.services.caf_letter_send`` notes which). The letter is the mailing:
    nothing else shows its body to anybody (a PIN letter's PIN is only here, R6).
    """
    if (taxpayer is None) == (addressee is None):
        raise ValueError("A letter goes to exactly one addressee.")
    to: Addressee = taxpayer if taxpayer is not None else addressee  # type: ignore[assignment]
    if settings.DEBUG:
        # Development has no post office: `make run` prints each letter on its console, so that
        # a newcomer can read a PIN (R6) or an identity code as the addressee would. Never with
        # DEBUG off: production letters are mailed, and their secrets stay out of the logs.
        _mailroom.info(
            "Letter mailed (shown because DEBUG is on) to %s:\n%s\n\n%s",
            to.name,
            subject,
            body,
        )
    return Letter.objects.create(
        kind=kind,
        taxpayer=taxpayer,
        addressee_name=to.name,
        address_block="\n".join(to.address_lines),
        subject=subject,
        body=body,
        created_at=now or clock.now(),
    )


@dataclass(frozen=True)
class TransactionLine:
    posted_on: dt.date
    code: str
    description: str
    amount: Decimal


@transaction.atomic
def account_module_post(
    *,
    taxpayer: Taxpayer,
    form: str,
    period: str,
    transactions: list[TransactionLine],
) -> AccountModule:
    """Open (or find) a module and post transactions to it; the balance is their running sum.

    Idempotent per transaction line: a line already posted (same date, code, description,
    amount) is not posted again, so demo seeding can run twice.
    """
    if form not in TaxForm.values:
        raise TaxpayerError(f"Unknown tax form {form!r}.")
    module, _ = AccountModule.objects.select_for_update().get_or_create(
        taxpayer=taxpayer, form=form, period=period
    )
    for line in transactions:
        AccountTransaction.objects.get_or_create(
            module=module,
            posted_on=line.posted_on,
            code=line.code,
            description=line.description,
            amount=line.amount,
        )
    total = sum((t.amount for t in module.transactions.all()), Decimal("0.00"))
    if module.balance != total:
        module.balance = total
        module.save(update_fields=["balance"])
    return module
