"""Writes of the CAF app: profiles and designations (R1), PIN letters and links (R6), issuing
CAF numbers (R8) and practice status (R3). Keyword-only, ``now=`` for tests, every state change
audited (R44), refusals as :mod:`caf.errors` with a readable sentence."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import NotRequired, TypedDict, Unpack

from django.conf import settings
from django.db import IntegrityError, transaction

from caf.errors import (
    CafError,
    CafIssueRefused,
    CafLinkRefused,
    DesignationRefused,
    PinRefused,
)
from caf.models import (
    LICENSED_DESIGNATIONS,
    CafLetter,
    CafLink,
    CafRecord,
    Designation,
    DesignationCode,
    LinkMethod,
    PinLetter,
    PinLetterState,
    PracticeStatus,
    PractitionerProfile,
    format_caf_number,
)
from caf.numbers import caf_number_parse
from caf.selectors import caf_number_issue_refusal
from taxpayers.models import Letter, LetterKind
from taxpayers.services import letter_send
from taxpro import clock
from taxpro.addresses import US_STATES_AND_DC, PostalAddress, address_validate, name_fold
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

PIN_LIFETIME = dt.timedelta(days=30)  # R6
PIN_DIGITS = 8
CAF_ISSUE_TRIES = 20


def _require_practitioner(user: User) -> None:
    if getattr(user, "kind", None) != UserKind.PRACTITIONER:
        raise CafError("Only a tax professional's account can do this.")


def _profile_of(user: User, *, lock: bool = False) -> PractitionerProfile:
    queryset = PractitionerProfile.objects.filter(user=user)
    if lock:
        queryset = queryset.select_for_update()
    profile = queryset.first()
    if profile is None:
        raise CafError("Complete your profile (legal name, TIN and address) first.")
    return profile


# --- Profiles and designations (R1, R2) -----------------------------------------------------


@transaction.atomic
def practitioner_profile_create(
    *,
    user: User,
    legal_name: str,
    tin: str,
    address: PostalAddress,
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> PractitionerProfile:
    """A practitioner's identity for CAF purposes. The TIN is an SSN or ITIN (R13a)."""
    now = now or clock.now()
    _require_practitioner(user)
    if PractitionerProfile.objects.filter(user=user).exists():
        raise CafError("This account already has a practitioner profile.")
    parsed = tin_parse(tin, holder_kind=HolderKind.INDIVIDUAL)
    address_validate(address)
    profile = PractitionerProfile(user=user, legal_name=legal_name.strip(), created_at=now)
    profile.set_tin(parsed)
    profile.set_address(address)
    profile.save()
    audit_record(
        action="caf.profile.created",
        obj=profile,
        actor=actor or user,
        after={"legal_name": profile.legal_name, "tin": profile.tin_masked},
        now=now,
    )
    return profile


@transaction.atomic
def designation_add(
    *,
    profile: PractitionerProfile,
    code: str,
    jurisdiction: str = "",
    number: str = "",
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> Designation:
    """Record a designation. R1: attorneys (a) and CPAs (b) need a license in a state or DC."""
    now = now or clock.now()
    if code not in DesignationCode.values:
        raise DesignationRefused(f"{code!r} is not a designation on Form 2848.", field="code")
    jurisdiction = jurisdiction.strip().upper()
    number = number.strip()
    if code in LICENSED_DESIGNATIONS:
        if jurisdiction not in US_STATES_AND_DC:
            raise DesignationRefused(
                "Attorneys and CPAs need a license in one of the 50 states or DC: choose the "
                "licensing jurisdiction.",
                field="jurisdiction",
            )
        if not number:
            raise DesignationRefused("Attorneys and CPAs need a license number.", field="number")
    elif jurisdiction and jurisdiction not in US_STATES_AND_DC:
        raise DesignationRefused(
            "The jurisdiction must be one of the 50 states or DC.", field="jurisdiction"
        )
    if Designation.objects.filter(profile=profile, code=code).exists():
        raise DesignationRefused("This designation is already on the profile.", field="code")
    designation = Designation.objects.create(
        profile=profile, code=code, jurisdiction=jurisdiction, number=number, created_at=now
    )
    audit_record(
        action="caf.designation.added",
        obj=designation,
        actor=actor or profile.user,
        after={"code": code, "jurisdiction": jurisdiction},
        now=now,
    )
    return designation


# --- CAF records --------------------------------------------------------------------------


@transaction.atomic
def caf_record_create(
    *,
    caf_number: str,
    holder_kind: str,
    name: str,
    tin: str,
    address: PostalAddress,
    designation_codes: str = "",
    practice_status: str = PracticeStatus.GOOD_STANDING,
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> CafRecord:
    """Put an existing CAF number on file (staff keying in the CAF file, demo data)."""
    now = now or clock.now()
    digits = caf_number_parse(caf_number)
    if CafRecord.objects.filter(caf_number=digits).exists():
        raise CafError("This CAF number is already on file.", field="caf_number")
    record = CafRecord(
        caf_number=digits,
        holder_kind=holder_kind,
        name=name.strip(),
        practice_status=practice_status,
        status_effective_on=clock.today_et(now),
        status_changed_at=now,
        designation_codes="".join(sorted(set(designation_codes))),
        created_at=now,
    )
    record.set_tin(tin_parse(tin, holder_kind=holder_kind))
    address_validate(address)
    record.set_address(address)
    record.full_clean(exclude=["tin_ciphertext", "tin_hash", "tin_last4"])
    record.save()
    audit_record(
        action="caf.record.created",
        obj=record,
        actor=actor,
        after={"caf_number": digits, "status": practice_status},
        now=now,
    )
    return record


class PracticeStatusChange(TypedDict):
    """What staff give when they record a practice status (R3), taken alike by the CAF record's
    change and by the ledger's wrapper around it: the record, its new status, who records it,
    the day it takes effect (today in ET unless given) and when it is recorded (now unless
    given)."""

    caf_record: CafRecord
    status: str
    actor: User
    effective_on: NotRequired[dt.date | None]
    now: NotRequired[dt.datetime | None]


@transaction.atomic
def caf_practice_status_set(**change: Unpack[PracticeStatusChange]) -> CafRecord:
    """R3: staff record a practice status (disbarred, deceased...). Audited (R44).

    What the status means for the ledger (authorizations end out of good standing) is decided
    above, by ``authorizations.services.caf_practice_status_change``, which calls this."""
    actor, status = change["actor"], change["status"]
    now = change.get("now") or clock.now()
    if getattr(actor, "kind", None) != UserKind.STAFF:
        raise CafError("Only staff can change a practice status.")
    if status not in PracticeStatus.values:
        raise CafError(f"{status!r} is not a practice status.", field="status")
    record = CafRecord.objects.select_for_update().get(pk=change["caf_record"].pk)
    before = {"status": record.practice_status, "effective_on": str(record.status_effective_on)}
    effective_on = change.get("effective_on") or clock.today_et(now)
    if record.practice_status == status and record.status_effective_on == effective_on:
        return record
    record.practice_status = status
    record.status_effective_on = effective_on
    record.status_changed_at = now
    record.save(update_fields=["practice_status", "status_effective_on", "status_changed_at"])
    audit_record(
        action="caf.record.status_changed",
        obj=record,
        actor=actor,
        before=before,
        after={"status": status, "effective_on": str(effective_on)},
        now=now,
    )
    return record


# --- Letters to a CAF address of record ----------------------------------------------------


def caf_letter_send(
    *, kind: str, caf_record: CafRecord, subject: str, body: str, now: dt.datetime | None = None
) -> Letter:
    """Mail a letter to ``caf_record``'s address of record, and note which record it went to."""
    letter = letter_send(kind=kind, addressee=caf_record, subject=subject, body=body, now=now)
    CafLetter.objects.create(letter=letter, caf_record=caf_record)
    return letter


# --- Linking with a PIN (R6) ----------------------------------------------------------------


def _holder_matches_profile(record: CafRecord, profile: PractitionerProfile) -> bool:
    """R6: a CAF number is "assigned to them" when the name and the TIN match."""
    return (
        record.holder_kind == HolderKind.INDIVIDUAL
        and record.tin_hash == profile.tin_hash
        and name_fold(record.name) == name_fold(profile.legal_name)
    )


PIN_PURPOSE = "caf-pin"  # Part of every stored PIN hash: never change it.


@transaction.atomic
def caf_pin_request(
    *, practitioner: User, caf_number: str, now: dt.datetime | None = None
) -> PinLetter:
    """R6 step 1: mail a PIN to the CAF address of record. The PIN is in the letter only.

    A new request replaces a pending PIN for the same CAF number (the older one stops working).
    """
    now = now or clock.now()
    _require_practitioner(practitioner)
    profile = _profile_of(practitioner)
    digits = caf_number_parse(caf_number)
    record = CafRecord.objects.select_for_update().filter(caf_number=digits).first()
    # Unknown numbers and someone else's numbers get the same answer: no probing.
    if record is None or not _holder_matches_profile(record, profile):
        raise CafLinkRefused(
            "This CAF number is not assigned to a representative with your name and TIN."
        )
    link = CafLink.objects.filter(caf_record=record).first()
    if link is not None:
        if link.practitioner_id == practitioner.pk:
            raise CafLinkRefused("This CAF number is already linked to your account.")
        raise CafLinkRefused("This CAF number is already linked to another account.")
    for old in PinLetter.objects.select_for_update().filter(
        caf_record=record, practitioner=practitioner, state=PinLetterState.PENDING
    ):
        _close_pin_letter(old, PinLetterState.SUPERSEDED, practitioner, now)
    pin = mailed_code_new(purpose=PIN_PURPOSE, digits=PIN_DIGITS)
    expires_at = now + PIN_LIFETIME
    letter = caf_letter_send(
        kind=LetterKind.CAF_PIN,
        caf_record=record,
        subject="Your PIN to link your CAF number",
        body=(
            f"Dear {record.name},\n\n"
            f"Someone signed in to Tax Pro Portal asked to link CAF number "
            f"{format_caf_number(digits)} to their account. To finish, enter this PIN:\n\n"
            f"    {pin.code}\n\n"
            f"The PIN works until {clock.to_et(expires_at):%B %-d, %Y at %-I:%M %p} ET. If you "
            f"did not ask for it, ignore this letter: nothing is linked without the PIN.\n"
        ),
        now=now,
    )
    return mailed_code_row_open(
        PinLetter,
        code=pin,
        hash_fields=("pin_salt", "pin_hash"),
        expires_at=expires_at,
        action="caf.pin.requested",
        actor=practitioner,
        audited={"caf_number": digits},
        now=now,
        caf_record=record,
        practitioner=practitioner,
        letter=letter,
    )


# A second "Ask for a PIN" this soon after the first is a double click or a replayed POST
# (R47): the letter already in the post is the answer, not a second letter that voids it.
PIN_REQUEST_REPLAY_WINDOW = dt.timedelta(minutes=5)


def caf_pin_request_once(
    *, practitioner: User, caf_number: str, now: dt.datetime | None = None
) -> tuple[PinLetter, bool]:
    """R6 step 1 for the web page: like :func:`caf_pin_request`, but a PIN letter mailed in the
    last few minutes for the same CAF number is returned instead of mailing another (R47).

    Returns ``(pin_letter, mailed_now)``."""
    now = now or clock.now()
    _require_practitioner(practitioner)
    digits = caf_number_parse(caf_number)
    with transaction.atomic():
        # Two simultaneous clicks queue on the CAF record's lock: the second sees the first's
        # letter. (An unknown number locks nothing; caf_pin_request refuses it below.)
        list(CafRecord.objects.select_for_update().filter(caf_number=digits))
        recent = _recent_pin_letter(practitioner, digits, now)
        if recent is not None:
            return recent, False
        return caf_pin_request(practitioner=practitioner, caf_number=digits, now=now), True


def _recent_pin_letter(practitioner: User, digits: str, now: dt.datetime) -> PinLetter | None:
    return (
        PinLetter.objects.filter(
            practitioner=practitioner,
            caf_record__caf_number=digits,
            state=PinLetterState.PENDING,
            created_at__gt=now - PIN_REQUEST_REPLAY_WINDOW,
            expires_at__gt=now,
        )
        .select_related("caf_record")
        .first()
    )


def caf_link_confirm(
    *, practitioner: User, caf_number: str, pin: str, now: dt.datetime | None = None
) -> CafLink:
    """R6 step 2: the right PIN, within 30 days and the attempt limit, links for ever.

    A wrong or expired PIN is recorded (attempt counted, letter expired or locked) *before* the
    refusal is raised, so the count survives the error.
    """
    now = now or clock.now()
    _require_practitioner(practitioner)
    digits = caf_number_parse(caf_number)
    failure: CafError | None = None
    link: CafLink | None = None
    with transaction.atomic():
        # Locks in a fixed order: the CAF record, then its PIN letter.
        record = CafRecord.objects.select_for_update().filter(caf_number=digits).first()
        pin_letter = (
            PinLetter.objects.select_for_update()
            .filter(caf_record=record, practitioner=practitioner, state=PinLetterState.PENDING)
            .first()
            if record is not None
            else None
        )
        if record is None or pin_letter is None:
            failure = PinRefused(
                "There is no PIN waiting for this CAF number. Ask for a PIN first."
            )
        else:
            failure, link = _check_pin(pin_letter, record, practitioner, pin.strip(), now)
    if failure is not None:
        raise failure
    assert link is not None
    return link


def _close_pin_letter(pin_letter: PinLetter, state: str, actor: User, now: dt.datetime) -> None:
    mailed_code_close(row=pin_letter, state=state, action=f"caf.pin.{state}", actor=actor, now=now)


def _check_pin(
    pin_letter: PinLetter, record: CafRecord, practitioner: User, pin: str, now: dt.datetime
) -> tuple[CafError | None, CafLink | None]:
    if now >= pin_letter.expires_at:  # R6: 30 days.
        _close_pin_letter(pin_letter, PinLetterState.EXPIRED, practitioner, now)
        return PinRefused("This PIN has expired: a PIN lasts 30 days. Ask for a new PIN."), None
    if not mailed_code_matches(
        purpose=PIN_PURPOSE, salt=pin_letter.pin_salt, code=pin, stored_hash=pin_letter.pin_hash
    ):
        left = wrong_code_count(
            row=pin_letter,
            limit=settings.CAF_PIN_MAX_ATTEMPTS,  # R6: wrong PINs a letter allows
            action="caf.pin.wrong_attempt",
            actor=practitioner,
            now=now,
        )
        if left <= 0:  # R6: wrong attempts are limited.
            _close_pin_letter(pin_letter, PinLetterState.LOCKED, practitioner, now)
            return PinRefused(
                "That PIN is wrong, and there have been too many wrong attempts: this PIN no "
                "longer works. Ask for a new PIN."
            ), None
        return PinRefused(f"That PIN is wrong. You have {left} more attempts."), None
    if CafLink.objects.filter(caf_record=record).exists():
        _close_pin_letter(pin_letter, PinLetterState.SUPERSEDED, practitioner, now)
        return CafLinkRefused("This CAF number is already linked to another account."), None
    _close_pin_letter(pin_letter, PinLetterState.USED, practitioner, now)
    return None, _link_create(record, practitioner, LinkMethod.PIN, now)


def _link_create(record: CafRecord, practitioner: User, method: str, now: dt.datetime) -> CafLink:
    """R6: one practitioner per CAF number (the one-to-one backs this up), no unlink."""
    try:
        with transaction.atomic():
            link = CafLink.objects.create(
                caf_record=record, practitioner=practitioner, method=method, linked_at=now
            )
    except IntegrityError as exc:
        raise CafLinkRefused("This CAF number is already linked to another account.") from exc
    audit_record(
        action="caf.link.created",
        obj=link,
        actor=practitioner,
        before={"caf_number": record.caf_number, "linked_to": None},
        after={"caf_number": record.caf_number, "linked_to": practitioner.pk, "method": method},
        now=now,
    )
    return link


# --- Issuing a CAF number online (R8) -------------------------------------------------------


@transaction.atomic
def caf_number_issue(*, practitioner: User, now: dt.datetime | None = None) -> CafRecord:
    """R8: a practitioner without a CAF number gets an individual one at once, linked on issue."""
    now = now or clock.now()
    _require_practitioner(practitioner)
    # Locking the profile makes two simultaneous clicks issue one number, not two.
    profile = _profile_of(practitioner, lock=True)
    # The same question the profile page asks, now under the lock (R8).
    refusal = caf_number_issue_refusal(user=practitioner, profile=profile)
    if refusal:
        raise CafIssueRefused(refusal)
    record = _allocate_caf_record(profile, now)
    _link_create(record, practitioner, LinkMethod.ISSUED, now)
    audit_record(
        action="caf.record.issued",
        obj=record,
        actor=practitioner,
        after={"caf_number": record.caf_number, "holder_kind": HolderKind.INDIVIDUAL},
        now=now,
    )
    caf_letter_send(
        kind=LetterKind.CAF_NUMBER_ISSUED,
        caf_record=record,
        subject="Your new CAF number",
        body=(
            f"Dear {record.name},\n\nCAF number {record.caf_number_display} was issued to you "
            f"on {clock.today_et(now):%B %-d, %Y} and linked to your Tax Pro Portal account.\n"
        ),
        now=now,
    )
    return record


def _allocate_caf_record(profile: PractitionerProfile, now: dt.datetime) -> CafRecord:
    """A fresh random 9-digit number; the unique index settles races, a savepoint retries."""
    codes = "".join(sorted(profile.designations.values_list("code", flat=True)))
    for _ in range(CAF_ISSUE_TRIES):
        number = f"{secrets.randbelow(900_000_000) + 100_000_000}"
        record = CafRecord(
            caf_number=number,
            holder_kind=HolderKind.INDIVIDUAL,
            name=profile.legal_name,
            practice_status=PracticeStatus.GOOD_STANDING,
            status_effective_on=clock.today_et(now),
            status_changed_at=now,
            designation_codes=codes,
            created_at=now,
        )
        record.tin_type = profile.tin_type
        record.tin_ciphertext = profile.tin_ciphertext
        record.tin_hash = profile.tin_hash
        record.tin_last4 = profile.tin_last4
        record.set_address(profile.postal_address)
        try:
            with transaction.atomic():
                record.save()
        except IntegrityError:
            if CafRecord.objects.filter(caf_number=number).exists():
                continue
            raise
        return record
    raise CafIssueRefused("No CAF number could be issued just now. Try again in a minute.")
