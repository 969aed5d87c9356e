"""R10 (online requests: individuals in a state or DC) and R11 (Pub 28 address comparison)."""

from __future__ import annotations

import pytest

from taxpro.addresses import (
    US_STATES_AND_DC,
    PostalAddress,
    address_normalise,
    address_require_us_state,
    addresses_match,
)
from taxpro.errors import AddressRefused


def addr(
    line1: str,
    line2: str = "",
    city: str = "Springfield",
    state: str = "IL",
    zip_code: str = "62701",
) -> PostalAddress:
    return PostalAddress(line1=line1, line2=line2, city=city, state=state, zip_code=zip_code)


RECORD = addr("123 North Main Street", "Apartment 4")


@pytest.mark.parametrize(
    "entered",
    [
        addr("123 N Main St", "Apt 4"),
        addr("123 NORTH MAIN ST.", "APT. 4"),
        addr("123 north main street apartment 4"),
        addr("123 N. Main St., Apt #4"),
        addr("123 N Main St", "Apt 4", city="SPRINGFIELD", state="il"),
        addr("123 N Main St", "Apt 4", zip_code="62701-1234"),
    ],
)
def test_r11_pub28_equivalent_addresses_match(entered: PostalAddress) -> None:
    assert addresses_match(entered, address_normalise(RECORD))


@pytest.mark.parametrize(
    ("record", "entered"),
    [
        (addr("55 Elm Avenue"), addr("55 Elm Ave")),
        (addr("55 Elm Ave."), addr("55 ELM AVENUE")),
        (addr("7 Oak Street"), addr("7 oak st")),
        (addr("7 Oak St", "Apartment 2B"), addr("7 Oak Street Apt 2B")),
        (addr("P.O. Box 123"), addr("PO Box 123")),
    ],
)
def test_r11_street_avenue_apartment_abbreviations_are_equal(
    record: PostalAddress, entered: PostalAddress
) -> None:
    assert addresses_match(entered, address_normalise(record))


@pytest.mark.parametrize(
    "entered",
    [
        addr("124 N Main St", "Apt 4"),
        addr("123 S Main St", "Apt 4"),
        addr("123 N Main St", "Apt 5"),
        addr("123 N Main Ave", "Apt 4"),
        addr("123 N Main St", "Apt 4", city="Shelbyville"),
        addr("123 N Main St", "Apt 4", zip_code="62702"),
        addr("123 N Main St", "Apt 4", state="MO"),
    ],
)
def test_r11_different_addresses_do_not_match(entered: PostalAddress) -> None:
    assert not addresses_match(entered, address_normalise(RECORD))


def test_r10_every_state_and_dc_is_accepted() -> None:
    assert len(US_STATES_AND_DC) == 51 and "DC" in US_STATES_AND_DC
    for state in US_STATES_AND_DC:
        address_require_us_state(addr("1 Main St", state=state))


@pytest.mark.parametrize(
    ("state", "words"),
    [
        ("PR", "territories"),
        ("GU", "territories"),
        ("VI", "territories"),
        ("AS", "territories"),
        ("MP", "territories"),
        ("AE", "Military"),
        ("AP", "Military"),
        ("AA", "Military"),
        ("ON", "foreign"),
        ("ZZ", "foreign"),
    ],
)
def test_r10_territories_military_and_foreign_addresses_refused(state: str, words: str) -> None:
    with pytest.raises(AddressRefused, match=words):
        address_require_us_state(addr("1 Main St", state=state))
