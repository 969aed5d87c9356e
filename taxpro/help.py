"""Public help pages: approved address abbreviations, and CAF numbers.

Both are open to anyone, signed in or not: a practitioner stuck on an address mismatch, or one who
has lost their CAF number, may not be able to sign in yet, and the pages hold nothing private.

The abbreviations page is built from the USPS Publication 28 tables that ``usaddress-scourgify``
carries, the same tables ``taxpro.addresses`` normalises with (R11), so the page cannot list an
abbreviation the address comparison does not know.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from scourgify import address_constants

# The Practitioner Priority Service line, for a practitioner who cannot find their CAF number.
PRACTITIONER_PRIORITY_SERVICE_PHONE = "866-860-4259"

# The library's table of full names (LONGHAND_STREET_TYPES) has a few plurals where Publication 28
# names the singular (PARK -> "PARKS"), and no full name for a few abbreviations (CV, GRN...).
# These are the names Publication 28 gives; each is also one of the spellings the library maps to
# that abbreviation, which the tests check.
_SUFFIX_NAMES_FROM_PUB28 = {
    "PARK": "PARK",
    "PATH": "PATH",
    "PIKE": "PIKE",
    "SPUR": "SPUR",
    "FRST": "FOREST",
    "BG": "BURG",
    "CLB": "CLUB",
    "CV": "COVE",
    "GRN": "GREEN",
    "WAYS": "WAYS",
}


@dataclass(frozen=True)
class Abbreviation:
    """One row of a Publication 28 table: the word, its standard abbreviation, other spellings."""

    name: str
    abbreviation: str
    also_accepted: tuple[str, ...]


def _rows(spellings: Mapping[str, str], names: Mapping[str, str]) -> tuple[Abbreviation, ...]:
    """Group ``spelling -> standard abbreviation`` by abbreviation, one row each, by name."""
    grouped: dict[str, set[str]] = defaultdict(set)
    for spelling, abbreviation in spellings.items():
        grouped[abbreviation].add(spelling)
    rows = []
    for abbreviation, spelling_set in grouped.items():
        name = names[abbreviation]
        others = sorted(spelling_set - {name, abbreviation})
        rows.append(Abbreviation(name.title(), abbreviation, tuple(others)))
    return tuple(sorted(rows, key=lambda row: row.name))


@cache
def street_suffixes() -> tuple[Abbreviation, ...]:
    """Street suffixes (Publication 28, appendix C1): "Street" is "ST", "Avenue" is "AVE"."""
    # Multi-word entries ("STATE ROUTE") are highway names written before the number, not suffixes.
    spellings = {
        spelling: abbreviation
        for spelling, abbreviation in address_constants.STREET_TYPE_ABBREVIATIONS.items()
        if " " not in spelling
    }
    names = {**address_constants.LONGHAND_STREET_TYPES, **_SUFFIX_NAMES_FROM_PUB28}
    return _rows(spellings, names)


@cache
def secondary_unit_designators() -> tuple[Abbreviation, ...]:
    """Secondary unit designators (Publication 28, appendix C2): "Apartment" is "APT"."""
    spellings = {
        word: abbreviation
        for word, abbreviation in address_constants.OCCUPANCY_TYPE_ABBREVIATIONS.items()
        if word.isalpha()  # "#" is a sign, not a word to abbreviate
    }
    return _rows(spellings, {abbreviation: word for word, abbreviation in spellings.items()})


@cache
def directions() -> tuple[Abbreviation, ...]:
    """Directions before or after the street name (Publication 28): "North" is "N"."""
    spellings = address_constants.DIRECTIONAL_REPLACEMENTS
    return _rows(spellings, {abbreviation: word for word, abbreviation in spellings.items()})


@require_GET
def abbreviations(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "taxpro/help/abbreviations.html",
        {
            "street_suffixes": street_suffixes(),
            "unit_designators": secondary_unit_designators(),
            "directions": directions(),
        },
    )


@require_GET
def caf_numbers(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "taxpro/help/caf_numbers.html",
        {
            "pps_phone": PRACTITIONER_PRIORITY_SERVICE_PHONE,
            # A tel: link, so a phone dials it with one tap.
            "pps_phone_tel": "+1-" + PRACTITIONER_PRIORITY_SERVICE_PHONE,
        },
    )
