"""Personas and helpers for the Profile and CAF numbers pages and the client information pages.

Every practitioner here has a second factor enrolled, so the portal lets them in."""

from __future__ import annotations

import re
from dataclasses import dataclass

from caf.models import CafRecord, PinLetter, PractitionerProfile
from taxpro.models import User
from tests.caf.factories import DesignationFactory, PractitionerProfileFactory, caf_record_for
from tests.factories import PractitionerFactory, enrol_totp


@dataclass
class Practitioner:
    user: User
    profile: PractitionerProfile | None


def with_second_factor(user: User) -> User:
    user.totp_secret = enrol_totp(user)  # type: ignore[attr-defined]
    return user


def practitioner_without_profile() -> Practitioner:
    return Practitioner(user=with_second_factor(PractitionerFactory()), profile=None)


def practitioner_with_profile(
    *, code: str = "b", legal_name: str = "Casey Q. Public"
) -> Practitioner:
    """A practitioner with a profile and one designation, no CAF number at all."""
    user = with_second_factor(PractitionerFactory())
    profile = PractitionerProfileFactory(user=user, legal_name=legal_name)
    DesignationFactory(
        profile=profile,
        code=code,
        jurisdiction="NY" if code in "ab" else "",
        number="CPA-123456" if code in "ab" else "EA-00012345",
    )
    return Practitioner(user=user, profile=profile)


def their_caf_record(practitioner: Practitioner, **overrides: object) -> CafRecord:
    """A CAF record assigned to the practitioner (same name, TIN, address), not linked."""
    assert practitioner.profile is not None
    return caf_record_for(practitioner.profile, **overrides)


def pin_from_letter(pin_letter: PinLetter) -> str:
    """The PIN is only in the mailed letter (R6): read it there, as the practitioner would."""
    pin_letter.letter.refresh_from_db()
    match = re.search(r"^\s+(\d{8})$", pin_letter.letter.body, re.MULTILINE)
    assert match
    return match.group(1)


def latest_pin_letter(user: User) -> PinLetter:
    return PinLetter.objects.filter(practitioner=user).select_related("letter").latest("id")


def wrong_pin(pin: str) -> str:
    return f"{(int(pin) + 1) % 10**8:08d}"
