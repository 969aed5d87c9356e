"""Writes to the taxpayer master file. Keyword-only, ``now=`` for tests, domain errors out."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction

from taxpayers.addresses import (
    US_STATES_AND_DC,
    PostalAddress,
    address_require_us_state,
    address_validate,
    addresses_match,
    name_fold,
)
from taxpayers.audit_trail import audit_record
from taxpayers.errors import MismatchRateLimited, TaxpayerError, TaxpayerMismatch
from taxpayers.models import (
    AccountModule,
    AccountTransaction,
    IdentityAttempt,
    IdentityCheck,
    IdentityCheckState,
    Letter,
    LetterKind,
    MatchAttempt,
    TaxForm,
    Taxpayer,
)
from taxpayers.tin_crypto import keyed_secret_hash
from taxpayers.tins import HolderKind, tin_parse
from taxpro import clock
from taxpro.models import User, UserKind

if TYPE_CHECKING:
    from caf.models import CafRecord

# R12: one sentence for every mismatch, whichever field failed.
MISMATCH_MESSAGE = (
    "The taxpayer's name, TIN and address do not match our records. Check them with the "
    "taxpayer and try again."
)
MISMATCH_WINDOW = dt.timedelta(hours=1)


def mismatch_limit_per_hour() -> int:
    return int(getattr(settings, "TAXPAYER_MISMATCH_LIMIT_PER_HOUR", 10))


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
        recent = list(
            MatchAttempt.objects.filter(
                practitioner=practitioner, attempted_at__gt=now - MISMATCH_WINDOW
            )
            .order_by("-attempted_at")
            .values_list("attempted_at", flat=True)[: mismatch_limit_per_hour()]
        )
        if len(recent) >= mismatch_limit_per_hour():
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
    caf_record: CafRecord | None = None,
    now: dt.datetime | None = None,
) -> Letter:
    """Put a letter in the outbox, addressed to the address of record as it is now.

    Exactly one of ``taxpayer`` or ``caf_record``. The letter is the mailing: nothing else
    shows its body to anybody (a PIN letter's PIN is only here, R6).
    """
    if (taxpayer is None) == (caf_record is None):
        raise ValueError("A letter goes to exactly one addressee: a taxpayer or a CAF record.")
    addressee: Any = taxpayer if taxpayer is not None else caf_record
    return Letter.objects.create(
        kind=kind,
        taxpayer=taxpayer,
        caf_record=caf_record,
        addressee_name=addressee.name,
        address_block="\n".join(addressee.address_lines),
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


# --- A taxpayer proves who they are (R13) ------------------------------------------------------

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


def identity_attempts_per_day() -> int:
    return int(getattr(settings, "IDENTITY_ATTEMPTS_PER_DAY", 5))


def identity_code_attempts() -> int:
    return int(getattr(settings, "IDENTITY_CODE_ATTEMPTS", 5))


@dataclass(frozen=True)
class IdentityAnswers:
    """What the taxpayer typed to prove who they are."""

    tin: str
    name: str
    date_of_birth: dt.date
    address: PostalAddress


def _identity_code_hash(salt: str, code: str) -> str:
    return keyed_secret_hash("identity-code", f"{salt}:{code}")


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
                audit_record(
                    action="taxpayers.identity.already_linked",
                    obj=taxpayer,
                    actor=user,
                    after={"tin": taxpayer.tin_masked},
                    now=now,
                )
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


def _identity_rate_limit(user: User, now: dt.datetime) -> TaxpayerError | None:
    limit = identity_attempts_per_day()
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
    code = f"{secrets.randbelow(10**IDENTITY_CODE_DIGITS):0{IDENTITY_CODE_DIGITS}d}"
    salt = secrets.token_hex(16)
    expires_at = now + IDENTITY_CODE_LIFETIME
    letter = letter_send(
        kind=LetterKind.VERIFICATION_CODE,
        taxpayer=taxpayer,
        subject="Your code to connect your online account",
        body=(
            f"Dear {taxpayer.name},\n\n"
            "Someone asked to connect an online account at Tax Pro Portal to your tax records. "
            "If it was you, sign in and enter this code:\n\n"
            f"    {code}\n\n"
            f"The code works until {clock.to_et(expires_at):%B %-d, %Y at %-I:%M %p} ET. If you "
            "did not ask for it, do not share it with anyone: nothing is connected without it.\n"
        ),
        now=now,
    )
    check = IdentityCheck.objects.create(
        user=user,
        taxpayer=taxpayer,
        letter=letter,
        code_salt=salt,
        code_hash=_identity_code_hash(salt, code),
        created_at=now,
        expires_at=expires_at,
    )
    audit_record(
        action="taxpayers.identity.code_sent",
        obj=check,
        actor=user,
        after={
            "state": "pending",
            "tin": taxpayer.tin_masked,
            "expires_at": expires_at.isoformat(),
        },
        now=now,
    )
    return check


def _identity_check_close(check: IdentityCheck, state: str, actor: User, now: dt.datetime) -> None:
    check.state = state
    check.closed_at = now
    if state == IdentityCheckState.USED:
        check.used_at = now
    check.save(update_fields=["state", "closed_at", "used_at", "wrong_attempts"])
    audit_record(
        action=f"taxpayers.identity.{state}",
        obj=check,
        actor=actor,
        before={"state": "pending"},
        after={"state": state, "wrong_attempts": check.wrong_attempts},
        now=now,
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
    if not secrets.compare_digest(_identity_code_hash(check.code_salt, code), check.code_hash):
        check.wrong_attempts += 1
        left = identity_code_attempts() - check.wrong_attempts
        if left <= 0:
            _identity_check_close(check, IdentityCheckState.LOCKED, user, now)
            return IdentityCodeRefused(
                "That code is wrong, and there have been too many wrong tries: this code no "
                "longer works. Answer the questions again to get a new code."
            ), None
        check.save(update_fields=["wrong_attempts"])
        audit_record(
            action="taxpayers.identity.wrong_code",
            obj=check,
            actor=user,
            after={"wrong_attempts": check.wrong_attempts},
            now=now,
        )
        tries = "try" if left == 1 else "tries"
        return IdentityCodeRefused(f"That code is wrong. You have {left} more {tries}."), None
    taxpayer = Taxpayer.objects.select_for_update().get(pk=check.taxpayer_id)
    if taxpayer.user_id is not None and taxpayer.user_id != user.pk:
        # Linked to another account since the letter went out: neutral, and audited.
        _identity_check_close(check, IdentityCheckState.SUPERSEDED, user, now)
        audit_record(
            action="taxpayers.identity.already_linked",
            obj=taxpayer,
            actor=user,
            after={"tin": taxpayer.tin_masked},
            now=now,
        )
        return IdentityMismatch(IDENTITY_MISMATCH_MESSAGE), None
    _identity_check_close(check, IdentityCheckState.USED, user, now)
    return None, taxpayer_account_attach(taxpayer=taxpayer, user=user, now=now)
