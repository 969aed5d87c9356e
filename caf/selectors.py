"""Reads of the CAF app that apply rules: linked numbers (R7), who may request what (R1-R3),
and the CAF-file match of a request (R3)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.db.models import QuerySet

from caf.errors import CafError, RequestNotAllowed
from caf.models import (
    FORMS_ONLY_DESIGNATIONS,
    LICENSED_DESIGNATIONS,
    POA_DESIGNATIONS,
    CafLink,
    CafRecord,
    Designation,
    DesignationCode,
    PinLetter,
    PinLetterState,
    PractitionerProfile,
)
from caf.numbers import caf_number_parse
from taxpro import clock
from taxpro.addresses import US_STATES_AND_DC, PostalAddress, addresses_match, name_fold
from taxpro.models import User, UserKind
from taxpro.tins import HolderKind

# R3, and R12's spirit: one answer whether the number is unknown, its name or address differ,
# it is linked to another representative or assigned to someone else, so that nobody can map
# who holds which CAF number.
NOT_ON_FILE = (
    "The CAF number, name and address you entered do not match the CAF file for a CAF number "
    "assigned to you. Check them, or update the CAF file by letter or on Form 2848."
)


def caf_numbers_linked_to(*, user: User) -> QuerySet[CafRecord]:
    """R7: the CAF records linked to ``user`` (what unlocks lists, withdrawal, information)."""
    if not getattr(user, "is_authenticated", False):
        return CafRecord.objects.none()
    return CafRecord.objects.linked_to(user).order_by("caf_number")


def caf_record_by_number(*, caf_number: str) -> CafRecord | None:
    """The CAF record for ``caf_number`` (parsed: R5), or ``None``."""
    return CafRecord.objects.filter(caf_number=caf_number_parse(caf_number)).first()


def practitioner_profile_of(*, user: User) -> PractitionerProfile | None:
    return PractitionerProfile.objects.filter(user=user).prefetch_related("designations").first()


def caf_matches(*, caf_number: str, name: str, address: PostalAddress) -> bool:
    """R3: does this CAF number, name and address match the CAF file (Pub 28, case folded)?"""
    try:
        record = caf_record_by_number(caf_number=caf_number)
    except CafError:
        return False
    return (
        record is not None
        and name_fold(record.name) == name_fold(name)
        and addresses_match(address, record.normalised_address)
    )


@dataclass(frozen=True)
class Eligibility:
    """Whether a practitioner may make a request with a CAF record, and why not."""

    allowed: bool
    reason: str = ""
    # R1: the designations that qualify this practitioner to represent (a POA).
    designations: tuple[str, ...] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return self.allowed


def _refused(reason: str) -> Eligibility:
    return Eligibility(allowed=False, reason=reason)


def practitioner_may_request(
    *, user: User, caf_record: CafRecord, representation: bool
) -> Eligibility:
    """R1-R4: may ``user`` send a request with ``caf_record``: to represent the taxpayer
    (``representation``, a power of attorney) or only to receive information?

    - the CAF number is assigned to them as an individual: linked to them, or, unlinked, with
      their TIN (R1, R4; R7: linking is not needed to send requests);
    - it is in good standing with an address in a state or DC (R3);
    - information only: nothing more (R1). Representation: a designation a, b, c, g or r, and
      for a and b a state/DC license (R1); d, e, f, h and k never make a POA request online
      (R2).
    """
    if getattr(user, "kind", None) != UserKind.PRACTITIONER:
        return _refused("Only a tax professional can send requests.")
    profile = practitioner_profile_of(user=user)
    if profile is None:
        return _refused("Complete your profile (legal name, TIN and address) first.")
    if caf_record.holder_kind != HolderKind.INDIVIDUAL:
        return _refused("Requests need a CAF number assigned to you as an individual.")
    link = getattr(caf_record, "link", None) if caf_record.pk else None
    if link is not None and link.practitioner_id != user.pk:
        # R4: nobody submits for a colleague.
        return _refused("This CAF number is linked to another representative.")
    if link is None and caf_record.tin_hash != profile.tin_hash:
        return _refused("This CAF number is not assigned to you.")
    if not caf_record.is_in_good_standing:
        return _refused(
            "Your CAF record is not in good standing "
            f"({caf_record.get_practice_status_display().lower()}), so you cannot send requests."
        )
    if caf_record.state not in US_STATES_AND_DC:
        return _refused(
            "Your CAF address of record is not in one of the 50 states or DC. Requests from it "
            "need Form 2848 or 8821."
        )
    if not representation:
        return Eligibility(allowed=True)
    qualifying = tuple(
        sorted(
            d.code
            for d in profile.designations.all()
            if d.code in POA_DESIGNATIONS
            and (
                d.code not in LICENSED_DESIGNATIONS
                or (d.jurisdiction in US_STATES_AND_DC and d.number)
            )
        )
    )
    if qualifying:
        return Eligibility(allowed=True, designations=qualifying)
    held = [DesignationCode(d.code).label for d in profile.designations.all()]
    if any(d.code in FORMS_ONLY_DESIGNATIONS for d in profile.designations.all()):
        return _refused(
            f"Your designation ({', '.join(held)}) cannot make a power of attorney request "
            "online. Use Form 2848, or send a tax information authorization instead."
        )
    return _refused(
        "A power of attorney request needs one of these designations: attorney, CPA, enrolled "
        "agent, enrolled actuary or enrolled retirement plan agent; attorneys and CPAs also "
        "need a license in a state or DC."
    )


def caf_record_held_by_another(*, user: User, caf_record: CafRecord) -> bool:
    """R4, R6: is the CAF number someone else's: linked to another practitioner, or, unlinked,
    carrying another person's TIN than the practitioner's profile? (No profile yet: not judged
    here, :func:`practitioner_may_request` asks for it.)"""
    link = getattr(caf_record, "link", None) if caf_record.pk else None
    if link is not None:
        return link.practitioner_id != user.pk
    profile = practitioner_profile_of(user=user)
    return profile is not None and caf_record.tin_hash != profile.tin_hash


def _designation_allows_poa(designation: Designation) -> bool:
    """R1: a, b, c, g or r; a and b only with a state/DC license recorded."""
    if designation.code not in POA_DESIGNATIONS:
        return False
    if designation.code in LICENSED_DESIGNATIONS:
        return designation.jurisdiction in US_STATES_AND_DC and bool(designation.number)
    return True


def caf_record_for_request(
    *, user: User, representation: bool, caf_number: str, name: str, address: PostalAddress
) -> CafRecord:
    """The one call a request submission needs (R1-R3): the entered CAF number, name and address
    must match the CAF file, and the practitioner must be eligible. Raises
    :class:`RequestNotAllowed` with a sentence the practitioner can read."""
    if not caf_matches(caf_number=caf_number, name=name, address=address):
        raise RequestNotAllowed(NOT_ON_FILE)
    record = caf_record_by_number(caf_number=caf_number)
    assert record is not None
    if caf_record_held_by_another(user=user, caf_record=record):
        raise RequestNotAllowed(NOT_ON_FILE)
    eligibility = practitioner_may_request(
        user=user, caf_record=record, representation=representation
    )
    if not eligibility:
        raise RequestNotAllowed(eligibility.reason)
    return record


def designation_allows_poa(designation: Designation) -> bool:
    """R1, R2: may this designation, as recorded, make a power of attorney request online?"""
    return _designation_allows_poa(designation)


def pin_letters_waiting(*, user: User, now: dt.datetime | None = None) -> QuerySet[PinLetter]:
    """R6: the practitioner's PIN letters still waiting for their PIN (pending, not expired),
    with the CAF record they are for. Scoped to ``user`` (R45)."""
    if not getattr(user, "is_authenticated", False):
        return PinLetter.objects.none()
    now = now or clock.now()
    return (
        PinLetter.objects.filter(
            practitioner=user, state=PinLetterState.PENDING, expires_at__gt=now
        )
        .select_related("caf_record")
        .order_by("-created_at", "-id")
    )


def pin_letter_for_user(*, user: User, public_id: uuid.UUID) -> PinLetter:
    """One PIN letter of ``user``, whatever its state; another user's raises
    ``PinLetter.DoesNotExist`` (R45)."""
    if not getattr(user, "is_authenticated", False):
        raise PinLetter.DoesNotExist("No such PIN letter.")
    return PinLetter.objects.select_related("caf_record").get(
        practitioner=user, public_id=public_id
    )


def caf_number_issue_refusal(*, user: User, profile: PractitionerProfile | None = None) -> str:
    """R8: why ``user`` cannot be issued a CAF number online, or ``""`` when they can.

    The page asks this to decide what to offer; :func:`caf.services.caf_number_issue` asks it
    again under a lock, so the two never disagree."""
    if getattr(user, "kind", None) != UserKind.PRACTITIONER:
        return "Only a tax professional's account can do this."
    profile = profile or PractitionerProfile.objects.filter(user=user).first()
    if profile is None:
        return "Complete your profile (legal name, TIN and address) first."
    linked = CafLink.objects.filter(practitioner=user).select_related("caf_record").first()
    if linked is not None:
        return f"You already have CAF number {linked.caf_record.caf_number_display}."
    if CafRecord.objects.filter(
        tin_hash=profile.tin_hash, holder_kind=HolderKind.INDIVIDUAL
    ).exists():
        return (
            "A CAF number is already assigned to you. Link it with a PIN instead of asking for "
            "a new one."
        )
    return ""
