"""A taxpayer proves who they are (R13): answers matched to an individual's record, a one-time
code mailed to the address of record, the code entered once. Mismatches are neutral and rate
limited per user, as R12 does for practitioners."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from taxpayers.errors import TaxpayerError
from taxpayers.models import (
    IdentityAttempt,
    IdentityCheck,
    IdentityCheckState,
    LetterKind,
    Taxpayer,
)
from taxpayers.services.master_file import letter_send, taxpayer_account_attach
from taxpro import clock
from taxpro.addresses import PostalAddress, address_validate, addresses_match, name_fold
from taxpro.audit import audit_record
from taxpro.mailed_codes import (
    mailed_code_close,
    mailed_code_matches,
    mailed_code_new,
    mailed_code_row_open,
    wrong_code_count,
)
from taxpro.models import User, UserKind
from taxpro.tins import HolderKind, tin_parse

# One sentence for every wrong answer, whichever field failed, and also when the record is
# already linked to another account: the page must not reveal that a record exists.
IDENTITY_MISMATCH_MESSAGE = "The information you entered does not match our records."
IDENTITY_WINDOW = dt.timedelta(hours=24)
IDENTITY_CODE_LIFETIME = dt.timedelta(days=30)
IDENTITY_CODE_DIGITS = 8
# R47: the same answers again within a day (a double click, a replayed post, impatience) do not
# mail a second letter; the first one is on its way. After that, a new letter replaces it.
IDENTITY_RESEND_AFTER = dt.timedelta(hours=24)


class IdentityMismatch(TaxpayerError):
    """The answers do not match a record (the message never says which)."""


class IdentityRateLimited(TaxpayerError):
    """Too many wrong answers from one account in the last 24 hours."""


class IdentityCodeRefused(TaxpayerError):
    """The code is wrong, expired, used up, or there is none waiting."""

    field = "code"


class IdentityAlreadyVerified(TaxpayerError):
    """The account is already connected to a taxpayer record."""


@dataclass(frozen=True)
class IdentityAnswers:
    """What the taxpayer typed to prove who they are."""

    tin: str
    name: str
    date_of_birth: dt.date
    address: PostalAddress


IDENTITY_CODE_PURPOSE = "identity-code"  # Part of every stored code hash: never change it.


def _require_unlinked_taxpayer_user(user: User) -> None:
    if getattr(user, "kind", None) != UserKind.TAXPAYER:
        raise TaxpayerError("Only a taxpayer's online account can do this.")
    if Taxpayer.objects.filter(user=user).exists():
        raise IdentityAlreadyVerified("Your account is already connected to your tax records.")


def identity_check_start(
    *, user: User, answers: IdentityAnswers, now: dt.datetime | None = None
) -> IdentityCheck:
    """Step 1: match the answers to an individual's record and mail a one-time code to the
    address of record. The code is only in the letter; the page never shows it.

    The format of the TIN and address is checked first (a field-level error, not counted).
    A mismatch, or a record already linked to another account, raises :class:`IdentityMismatch`
    with one neutral sentence and counts against ``IDENTITY_ATTEMPTS_PER_DAY``.
    """
    now = now or clock.now()
    parsed = tin_parse(answers.tin, holder_kind=HolderKind.INDIVIDUAL)  # R13a
    address_validate(answers.address)
    failure: TaxpayerError | None = None
    check: IdentityCheck | None = None
    # The attempt row must survive the refusal, so the atomic block ends before the raise.
    with transaction.atomic():
        # Serialise one user's tries so parallel posts cannot overrun the limit.
        User.objects.select_for_update().filter(pk=user.pk).first()
        _require_unlinked_taxpayer_user(user)
        failure = _identity_rate_limit(user, now)
        if failure is None:
            taxpayer = _identity_matching_taxpayer(parsed.digits, answers)
            if taxpayer is not None and taxpayer.user_id not in (None, user.pk):
                # Someone else's record: the same answer as a mismatch, but staff can see it.
                _audit_already_linked(taxpayer, user, now)
                taxpayer = None
            if taxpayer is None:
                IdentityAttempt.objects.create(user=user, attempted_at=now)
                failure = IdentityMismatch(IDENTITY_MISMATCH_MESSAGE)
            else:
                check = _identity_code_mail(user, taxpayer, now)
    if failure is not None:
        raise failure
    assert check is not None
    return check


def _audit_already_linked(taxpayer: Taxpayer, user: User, now: dt.datetime) -> None:
    """The answers or the code led to a record linked to another account: the user is told
    only that nothing matched, but staff can see it."""
    audit_record(
        action="taxpayers.identity.already_linked",
        obj=taxpayer,
        actor=user,
        after={"tin": taxpayer.tin_masked},
        now=now,
    )


def _identity_rate_limit(user: User, now: dt.datetime) -> TaxpayerError | None:
    limit = settings.IDENTITY_ATTEMPTS_PER_DAY
    recent = list(
        IdentityAttempt.objects.filter(user=user, attempted_at__gt=now - IDENTITY_WINDOW)
        .order_by("-attempted_at")
        .values_list("attempted_at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return None
    retry_at = clock.to_et(recent[-1] + IDENTITY_WINDOW)
    return IdentityRateLimited(
        "You have entered information that did not match our records too many times. "
        f"For your security, try again after {retry_at:%B %-d at %-I:%M %p} ET."
    )


def _identity_matching_taxpayer(digits: str, answers: IdentityAnswers) -> Taxpayer | None:
    taxpayer = Taxpayer.objects.individuals().with_tin(digits).first()
    if taxpayer is None:
        return None
    # Every field must match; evaluate all of them so timing says nothing about which failed.
    name_ok = name_fold(taxpayer.name) == name_fold(answers.name)
    dob_ok = taxpayer.date_of_birth is not None and taxpayer.date_of_birth == answers.date_of_birth
    address_ok = addresses_match(answers.address, taxpayer.normalised_address)
    return taxpayer if (name_ok and dob_ok and address_ok) else None


def _identity_code_mail(user: User, taxpayer: Taxpayer, now: dt.datetime) -> IdentityCheck:
    for old in IdentityCheck.objects.select_for_update().filter(
        user=user, state=IdentityCheckState.PENDING
    ):
        if old.taxpayer_id == taxpayer.pk and now - old.created_at < IDENTITY_RESEND_AFTER:
            return old  # R47: one letter for a doubled or replayed submission.
        _identity_check_close(old, IdentityCheckState.SUPERSEDED, user, now)
    code = mailed_code_new(purpose=IDENTITY_CODE_PURPOSE, digits=IDENTITY_CODE_DIGITS)
    expires_at = now + IDENTITY_CODE_LIFETIME
    letter = letter_send(
        kind=LetterKind.VERIFICATION_CODE,
        taxpayer=taxpayer,
        subject="Your code to connect your online account",
        body=(
            f"Dear {taxpayer.name},\n\n"
            "Someone asked to connect an online account at Tax Pro Portal to your tax records. "
            "If it was you, sign in and enter this code:\n\n"
            f"    {code.code}\n\n"
            f"The code works until {clock.to_et(expires_at):%B %-d, %Y at %-I:%M %p} ET. If you "
            "did not ask for it, do not share it with anyone: nothing is connected without it.\n"
        ),
        now=now,
    )
    return mailed_code_row_open(
        IdentityCheck,
        code=code,
        hash_fields=("code_salt", "code_hash"),
        expires_at=expires_at,
        action="taxpayers.identity.code_sent",
        actor=user,
        audited={"tin": taxpayer.tin_masked},
        now=now,
        user=user,
        taxpayer=taxpayer,
        letter=letter,
    )


def _identity_check_close(check: IdentityCheck, state: str, actor: User, now: dt.datetime) -> None:
    if state == IdentityCheckState.USED:
        check.used_at = now
    mailed_code_close(
        row=check,
        state=state,
        action=f"taxpayers.identity.{state}",
        actor=actor,
        now=now,
        also=("used_at",),
    )


def identity_code_confirm(*, user: User, code: str, now: dt.datetime | None = None) -> Taxpayer:
    """Step 2: the code from the letter, within 30 days and the attempt limit, connects the
    account to the record (R13) through :func:`taxpayer_account_attach`. Single use.

    A wrong or expired code is recorded (attempt counted, check expired or locked) *before* the
    refusal is raised, so the count survives the error.
    """
    now = now or clock.now()
    typed = code.strip(" ")
    if not (typed.isascii() and typed.isdigit() and len(typed) == IDENTITY_CODE_DIGITS):
        # Format only: fullwidth digits, invisible characters, letters. Not counted.
        raise IdentityCodeRefused(
            f"Enter the {IDENTITY_CODE_DIGITS}-digit code from the letter, with the digits 0 to 9."
        )
    failure: TaxpayerError | None = None
    taxpayer: Taxpayer | None = None
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        _require_unlinked_taxpayer_user(user)
        check = (
            IdentityCheck.objects.select_for_update()
            .filter(user=user, state=IdentityCheckState.PENDING)
            .first()
        )
        if check is None:
            failure = IdentityCodeRefused(
                "There is no code waiting for your account. Answer the questions again to get "
                "a new code."
            )
        else:
            failure, taxpayer = _identity_code_check(check, user, typed, now)
    if failure is not None:
        raise failure
    assert taxpayer is not None
    return taxpayer


def _identity_code_check(
    check: IdentityCheck, user: User, code: str, now: dt.datetime
) -> tuple[TaxpayerError | None, Taxpayer | None]:
    if now >= check.expires_at:
        _identity_check_close(check, IdentityCheckState.EXPIRED, user, now)
        return IdentityCodeRefused(
            "This code has expired: a code lasts 30 days. Answer the questions again to get a "
            "new code."
        ), None
    if not mailed_code_matches(
        purpose=IDENTITY_CODE_PURPOSE, salt=check.code_salt, code=code, stored_hash=check.code_hash
    ):
        left = wrong_code_count(
            row=check,
            limit=settings.IDENTITY_CODE_ATTEMPTS,
            action="taxpayers.identity.wrong_code",
            actor=user,
            now=now,
        )
        if left <= 0:
            _identity_check_close(check, IdentityCheckState.LOCKED, user, now)
            return IdentityCodeRefused(
                "That code is wrong, and there have been too many wrong tries: this code no "
                "longer works. Answer the questions again to get a new code."
            ), None
        tries = "try" if left == 1 else "tries"
        return IdentityCodeRefused(f"That code is wrong. You have {left} more {tries}."), None
    taxpayer = Taxpayer.objects.select_for_update().get(pk=check.taxpayer_id)
    if taxpayer.user_id is not None and taxpayer.user_id != user.pk:
        # Linked to another account since the letter went out: neutral, and audited.
        _identity_check_close(check, IdentityCheckState.SUPERSEDED, user, now)
        _audit_already_linked(taxpayer, user, now)
        return IdentityMismatch(IDENTITY_MISMATCH_MESSAGE), None
    _identity_check_close(check, IdentityCheckState.USED, user, now)
    return None, taxpayer_account_attach(taxpayer=taxpayer, user=user, now=now)
