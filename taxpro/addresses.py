"""Postal addresses of record: normalising to USPS Publication 28 and comparing (R10, R11).

``usaddress-scourgify`` does the Pub 28 work ("Street" -> "ST", "Apartment" -> "APT", directions,
upper case). Addresses it cannot parse (PO boxes, rural routes) fall back to a plain fold with
the common Pub 28 abbreviations, so they can still be stored and compared.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scourgify import normalize_address_record
from scourgify.exceptions import AddressNormalizationError

from taxpro.errors import AddressRefused
from taxpro.zip_prefixes import zip_states

# R10/R3: the 50 states and DC.
# fmt: off
US_STATES_AND_DC = frozenset((
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN",
    "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH",
    "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT",
    "VT", "VA", "WA", "WV", "WI", "WY",
))
US_TERRITORIES = frozenset(("AS", "GU", "MP", "PR", "VI", "UM", "FM", "MH", "PW"))
MILITARY_STATES = frozenset(("AA", "AE", "AP"))
# fmt: on
TERRITORY_NAMES = {
    "AS": "American Samoa",
    "GU": "Guam",
    "MP": "the Northern Mariana Islands",
    "PR": "Puerto Rico",
    "VI": "the US Virgin Islands",
    "UM": "the US Minor Outlying Islands",
    "FM": "the Federated States of Micronesia",
    "MH": "the Marshall Islands",
    "PW": "Palau",
}
# R3, R10: what the online channel serves, said the same way wherever it is refused.
ONLINE_ADDRESSES_ONLY = "Only addresses in the 50 states and DC can be used online"

_ZIP = re.compile(r"[0-9]{5}(-?[0-9]{4})?")
_NOT_WORD = re.compile(r"[^A-Z0-9 ]+")
_SPACES = re.compile(r"\s+")

# The Pub 28 abbreviations the fallback applies (scourgify knows the full list).
_PUB28_FALLBACK = {
    "STREET": "ST",
    "AVENUE": "AVE",
    "APARTMENT": "APT",
    "BOULEVARD": "BLVD",
    "ROAD": "RD",
    "DRIVE": "DR",
    "LANE": "LN",
    "COURT": "CT",
    "PLACE": "PL",
    "SUITE": "STE",
    "HIGHWAY": "HWY",
    "PARKWAY": "PKWY",
    "CIRCLE": "CIR",
    "TERRACE": "TER",
    "NORTH": "N",
    "SOUTH": "S",
    "EAST": "E",
    "WEST": "W",
    "NORTHEAST": "NE",
    "NORTHWEST": "NW",
    "SOUTHEAST": "SE",
    "SOUTHWEST": "SW",
    "POST": "PO",
    "OFFICE": "",
    "BUILDING": "BLDG",
    "FLOOR": "FL",
    "ROOM": "RM",
    "UNIT": "UNIT",
    "RURAL": "RR",
    "ROUTE": "",
}


@dataclass(frozen=True)
class PostalAddress:
    """An address as entered: two street lines, city, two-letter state, ZIP or ZIP+4."""

    line1: str
    city: str
    state: str
    zip_code: str
    line2: str = ""

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> PostalAddress:
        """From its parts by name (a stored form's JSON, a factory's keywords); line2 optional."""
        return cls(
            line1=raw["line1"],
            line2=raw.get("line2", ""),
            city=raw["city"],
            state=raw["state"],
            zip_code=raw["zip_code"],
        )

    def as_lines(self) -> list[str]:
        lines = [self.line1, self.line2, f"{self.city}, {self.state} {self.zip_code}"]
        return [line for line in lines if line.strip()]


def _fold(text: str) -> str:
    """Case, punctuation, spacing folded: ``"123 Main St., Apt. #4"`` -> ``"123 MAIN ST APT 4"``."""
    text = unicodedata.normalize("NFKC", text or "").upper()
    text = _NOT_WORD.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def _fold_with_pub28(text: str) -> str:
    folded = re.sub(r"\bP O\b", "PO", _fold(text))
    words = [_PUB28_FALLBACK.get(word, word) for word in folded.split(" ")]
    return _SPACES.sub(" ", " ".join(words)).strip()


def zip_is_valid(zip_code: str) -> bool:
    """The one ZIP rule: 5 ASCII digits, or ZIP+4 (with or without its dash)."""
    return zip_code.isascii() and _ZIP.fullmatch(zip_code) is not None


def zip5(zip_code: str) -> str:
    return (zip_code or "").strip()[:5]


def address_validate(address: PostalAddress) -> None:
    """Field checks that hold for every stored address: ASCII ZIP, a known state code, a street."""
    if not address.line1.strip() or not address.city.strip():
        raise AddressRefused("Enter the street address and the city.")
    if not _ZIP.fullmatch(address.zip_code.strip()) or not address.zip_code.isascii():
        raise AddressRefused("Enter a 5-digit ZIP code, or ZIP+4, with the digits 0 to 9.")
    for part in (address.line1, address.line2, address.city):
        if any(unicodedata.category(char) in {"Cc", "Cf"} for char in part):
            raise AddressRefused("The address contains invisible or control characters.")


def state_refusal(state: str) -> str | None:
    """R3, R10: why an address in ``state`` cannot be used online, in words; None for the 50
    states and DC."""
    state = state.strip().upper()
    if state in US_STATES_AND_DC:
        return None
    if state in US_TERRITORIES:
        where = TERRITORY_NAMES.get(state, "")
        such_as = f", such as {where}," if where else ""
        return (
            f"Addresses in US territories{such_as} need a paper Form 2848 or 8821 instead: "
            f"{ONLINE_ADDRESSES_ONLY[0].lower()}{ONLINE_ADDRESSES_ONLY[1:]}."
        )
    if state in MILITARY_STATES:
        return (
            "Military (APO, FPO or DPO) addresses need a paper Form 2848 or 8821 instead: "
            f"{ONLINE_ADDRESSES_ONLY[0].lower()}{ONLINE_ADDRESSES_ONLY[1:]}."
        )
    return (
        "A foreign address needs a paper Form 2848 or 8821 instead: "
        f"{ONLINE_ADDRESSES_ONLY[0].lower()}{ONLINE_ADDRESSES_ONLY[1:]}."
    )


def zip_state_refusal(zip_code: str, state: str) -> str | None:
    """Is ``zip_code`` (already a valid ZIP or ZIP+4) in use, and does it belong to ``state``?
    Said at the question, so it does not surface later as a record mismatch (R11)."""
    code = zip5(zip_code)
    states = zip_states(code)
    if not states:
        return f"ZIP code {code} is not in use. Check the ZIP code."
    state = state.strip().upper()
    if not state or state in states:
        return None
    if states.isdisjoint(US_STATES_AND_DC):
        if "GU" in states:
            where = "Guam or another Pacific island territory"
        else:
            where = next(
                (TERRITORY_NAMES[s] for s in sorted(states) if s in TERRITORY_NAMES),
                "a military (APO, FPO or DPO) post office",
            )
        return (
            f"ZIP code {code} is in {where}. {ONLINE_ADDRESSES_ONLY}; other addresses need a "
            "paper Form 2848 or 8821."
        )
    named = STATE_NAMES.get(state, state)
    return f"ZIP code {code} is not in {named}. Check the ZIP code and the state."


def address_require_us_state(address: PostalAddress) -> None:
    """R10, R3: online requests need an address in one of the 50 states or DC."""
    refusal = state_refusal(address.state)
    if refusal is not None:
        raise AddressRefused(refusal)


@dataclass(frozen=True)
class NormalisedAddress:
    line1: str
    line2: str
    city: str
    state: str
    zip_code: str

    def comparison_key(self) -> tuple[str, str, str, str]:
        """R11: street lines joined (a unit may be on either line), city, state, ZIP5."""
        street = _SPACES.sub(" ", f"{self.line1} {self.line2}").strip()
        return (street, self.city, self.state, zip5(self.zip_code))


def address_normalise(address: PostalAddress) -> NormalisedAddress:
    """USPS Pub 28 form of ``address``, with punctuation folded for comparison (R11)."""
    try:
        record = normalize_address_record(
            {
                "address_line_1": address.line1,
                "address_line_2": address.line2 or "",
                "city": address.city,
                "state": address.state,
                "postal_code": address.zip_code,
            }
        )
        line1 = _fold(record.get("address_line_1") or "")
        line2 = _fold(record.get("address_line_2") or "")
        city = _fold(record.get("city") or "")
    except (AddressNormalizationError, ValueError, KeyError, TypeError):
        line1 = _fold_with_pub28(address.line1)
        line2 = _fold_with_pub28(address.line2)
        city = _fold(address.city)
    return NormalisedAddress(
        line1=line1,
        line2=line2,
        city=city,
        state=_fold(address.state),
        zip_code=(address.zip_code or "").strip(),
    )


def addresses_match(entered: PostalAddress, record: NormalisedAddress) -> bool:
    """R11: equal after Pub 28 normalisation, case and punctuation folded."""
    return address_normalise(entered).comparison_key() == record.comparison_key()


def name_fold(name: str) -> str:
    """Names compared case- and punctuation-insensitively: ``"O'Neil, Ann"`` ~ ``"ONEIL ANN"``."""
    text = unicodedata.normalize("NFKC", name or "").casefold()
    text = re.sub(r"[^\w\s]", "", text)
    return _SPACES.sub(" ", text).strip()


# The names people choose from; only the 50 states and DC (R3, R10).
# fmt: off
STATE_NAMES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon",
    "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
}
# fmt: on
assert set(STATE_NAMES) == US_STATES_AND_DC
