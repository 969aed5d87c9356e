"""Helpers for the Profile and CAF numbers pages and the client information pages; the people
come from tests/personas.py.

Every practitioner here has a second factor enrolled, so the portal lets them in."""

from __future__ import annotations

import re

from caf.models import CafRecord, PinLetter
from taxpro.models import User
from tests.caf.factories import caf_record_for
from tests.factories import PractitionerFactory
from tests.personas import LICENSED_CODES, Practitioner, designated_practitioner, with_second_factor

__all__ = [
    "Practitioner",
    "latest_pin_letter",
    "pin_from_letter",
    "practitioner_with_profile",
    "practitioner_without_profile",
    "their_caf_record",
    "with_second_factor",
    "wrong_pin",
]


def practitioner_without_profile() -> Practitioner:
    return Practitioner(user=with_second_factor(PractitionerFactory()), profile=None)


def practitioner_with_profile(
    *, code: str = "b", legal_name: str = "Casey Q. Public"
) -> Practitioner:
    """A practitioner with a profile and one designation, no CAF number at all."""
    return designated_practitioner(
        code=code,
        number="CPA-123456" if code in LICENSED_CODES else "EA-00012345",
        legal_name=legal_name,
    )


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
