"""R10 (online requests: individuals in a state or DC) and R11 (Pub 28 address comparison)."""

from __future__ import annotations

import pytest

from taxpro.addresses import (
    US_STATES_AND_DC,
    PostalAddress,
    address_normalise,
    address_require_us_state,
    addresses_match,
    zip_state_refusal,
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


# --- ZIP codes: in use, and in the state chosen (told at the question, not as a mismatch) -----

# One real ZIP code of every state and DC (the state capital's, or the largest city's).
ZIP_OF_STATE = {
    "AL": "36104", "AK": "99801", "AZ": "85001", "AR": "72201", "CA": "95814", "CO": "80202",
    "CT": "06103", "DE": "19901", "DC": "20001", "FL": "32301", "GA": "30303", "HI": "96813",
    "ID": "83702", "IL": "62701", "IN": "46204", "IA": "50309", "KS": "66603", "KY": "40601",
    "LA": "70802", "ME": "04330", "MD": "21401", "MA": "02201", "MI": "48933", "MN": "55102",
    "MS": "39201", "MO": "65101", "MT": "59601", "NE": "68502", "NV": "89701", "NH": "03301",
    "NJ": "08608", "NM": "87501", "NY": "12207", "NC": "27601", "ND": "58501", "OH": "43215",
    "OK": "73102", "OR": "97301", "PA": "17101", "RI": "02903", "SC": "29201", "SD": "57501",
    "TN": "37219", "TX": "78701", "UT": "84111", "VT": "05602", "VA": "23219", "WA": "98501",
    "WV": "25301", "WI": "53703", "WY": "82001",
}  # fmt: skip


def test_every_state_has_a_zip_of_its_own_in_the_table() -> None:
    assert set(ZIP_OF_STATE) == US_STATES_AND_DC
    for state, zip_code in ZIP_OF_STATE.items():
        assert zip_state_refusal(zip_code, state) is None, state
        assert zip_state_refusal(f"{zip_code}-1234", state) is None, state


@pytest.mark.parametrize("state", sorted(US_STATES_AND_DC))
def test_a_zip_of_another_state_is_named_as_such(state: str) -> None:
    other = "TX" if state != "TX" else "ME"
    refusal = zip_state_refusal(ZIP_OF_STATE[other], state)
    assert refusal is not None and "is not in" in refusal


@pytest.mark.parametrize("zip_code", ["00000", "00100", "56800", "71500", "73200"])
def test_a_zip_not_in_use_is_said_so(zip_code: str) -> None:
    refusal = zip_state_refusal(zip_code, "NY")
    assert refusal == f"ZIP code {zip_code} is not in use. Check the ZIP code."


@pytest.mark.parametrize(
    ("zip_code", "where"),
    [
        ("00901", "Puerto Rico"),
        ("00802", "the US Virgin Islands"),
        ("96910", "Guam or another Pacific island territory"),
        ("09001", "a military (APO, FPO or DPO) post office"),
        ("96201", "a military (APO, FPO or DPO) post office"),
        ("34002", "a military (APO, FPO or DPO) post office"),
    ],
)
def test_r3_r10_a_zip_outside_the_states_says_where_it_is_and_the_rule(
    zip_code: str, where: str
) -> None:
    refusal = zip_state_refusal(zip_code, "NY")
    assert refusal is not None
    assert f"is in {where}" in refusal and "50 states and DC" in refusal


def test_a_zip_serving_two_states_is_right_for_both() -> None:
    assert zip_state_refusal("97635", "OR") is None
    assert zip_state_refusal("97635", "CA") is None
    assert zip_state_refusal("97635", "NV") is not None
