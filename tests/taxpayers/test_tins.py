"""R13a (TIN validation) and R43 (masking)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from hypothesis import example, given
from hypothesis import strategies as st
from stdnum.us import ssn

from taxpro.errors import TinInvalid
from taxpro.tins import HolderKind, Tin, TinType, tin_mask, tin_parse
from tests.taxpayers.factories import TaxpayerFactory

ITIN_GROUPS = set(range(50, 66)) | set(range(70, 89)) | set(range(90, 93)) | set(range(94, 100))


# Published or never-issued numbers: the Woolworth wallet SSN and two other published ones, the
# advertising range 987-65-4320..4329, and one digit repeated nine times.
NEVER_ISSUED = {
    "078051120",
    "457555462",
    "219099999",
    *(f"98765432{d}" for d in range(10)),
    *(str(d) * 9 for d in range(10)),
}


def oracle_individual_tin(digits: str) -> TinType | None:
    """An independent reading of R13a for an individual's 9 ASCII digits."""
    if digits in NEVER_ISSUED:
        return None
    if digits[0] == "9":
        return TinType.ITIN if int(digits[3:5]) in ITIN_GROUPS else None
    if digits[:3] in {"000", "666"} or digits[3:5] == "00" or digits[5:] == "0000":
        return None
    return TinType.SSN


nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


@given(nine_digits)
@example("078051120")
@example("987654320")
@example("987654329")
@example("111111111")
@example("555555555")
@example("900501234")
@example("900651234")
@example("000123456")
@example("666123456")
@example("123001234")
@example("123450000")
@example("900501234")
@example("900491234")
@example("900891234")
@example("900931234")
@example("900941234")
def test_r13a_individual_tin_accepted_exactly_when_the_rules_allow(digits: str) -> None:
    expected = oracle_individual_tin(digits)
    if expected is None:
        with pytest.raises(TinInvalid):
            tin_parse(digits)
    else:
        assert tin_parse(digits) == Tin(digits=digits, tin_type=expected)


@given(nine_digits)
def test_r13a_dashes_allowed_on_input_and_dropped(digits: str) -> None:
    dashed = f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"
    if oracle_individual_tin(digits) is None:
        with pytest.raises(TinInvalid):
            tin_parse(dashed)
    else:
        assert tin_parse(dashed).digits == digits


@pytest.mark.parametrize("raw", ["12345678", "1234567890", "12345-678", "abc-de-fghi", "", "   "])
def test_r13a_not_nine_digits_refused(raw: str) -> None:
    with pytest.raises(TinInvalid):
        tin_parse(raw)


# Digit zero of other scripts: fullwidth, Arabic-Indic, Extended Arabic-Indic, Devanagari, Bengali.
OTHER_SCRIPT_ZEROS = [0xFF10, 0x0660, 0x06F0, 0x0966, 0x09E6]


@given(
    st.sampled_from(OTHER_SCRIPT_ZEROS),
    st.integers(min_value=0, max_value=8),
    st.integers(min_value=0, max_value=9),
)
def test_r13a_other_script_digits_refused_not_converted(zero: int, position: int, d: int) -> None:
    valid = "123456789"
    raw = valid[:position] + chr(zero + d) + valid[position + 1 :]
    with pytest.raises(TinInvalid, match="digits 0 to 9"):
        tin_parse(raw)
    with pytest.raises(TinInvalid):
        tin_parse(raw, holder_kind=HolderKind.BUSINESS)


def test_r13a_fullwidth_ssn_refused_although_stdnum_would_convert_it() -> None:

    fullwidth = "".join(chr(0xFF10 + int(c)) for c in "123456789")
    assert ssn.compact(fullwidth) == "123456789"  # Why the ASCII check must come first.
    with pytest.raises(TinInvalid):
        tin_parse(fullwidth)


INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u202e"]
CONTROL = [chr(c) for c in [*range(0, 32), 127] if chr(c) != " "]


@given(st.sampled_from(INVISIBLE + CONTROL), st.integers(min_value=0, max_value=9))
def test_r13a_invisible_and_control_characters_refused(char: str, position: int) -> None:
    valid = "123456789"
    raw = valid[:position] + char + valid[position:]
    with pytest.raises(TinInvalid):
        tin_parse(raw)


@pytest.mark.parametrize(
    "tin",
    [
        "078-05-1120",  # printed on the card sold in Woolworth wallets, used by thousands
        "219-09-9999",  # published in an SSA pamphlet
        "987-65-4320",  # the advertising range 987-65-4320..4329
        "987-65-4329",
        "111-11-1111",  # one digit repeated
        "888888888",
    ],
)
def test_r13a_published_advertising_and_repeated_numbers_are_not_tins(tin: str) -> None:
    with pytest.raises(TinInvalid, match="not a valid SSN or ITIN"):
        tin_parse(tin)


def test_r13a_itin_groups_50_to_65_are_accepted_although_stdnum_predates_them() -> None:
    assert tin_parse("912-50-1234").tin_type == TinType.ITIN
    assert tin_parse("912-65-1234").tin_type == TinType.ITIN
    with pytest.raises(TinInvalid):
        tin_parse("912-66-1234")


def test_r13a_unreadable_input_is_told_as_such() -> None:
    with pytest.raises(TinInvalid, match="could not be read"):
        tin_parse("123-45-67\ufffd9")


def test_r13a_ein_is_for_businesses_only() -> None:
    # 12-3456789 is a valid EIN. Written as an EIN it is not read as an SSN: the person is told
    # it is an EIN and an SSN or ITIN is needed. The same digits written as an SSN are one.
    assert tin_parse("12-3456789", holder_kind=HolderKind.BUSINESS).tin_type == TinType.EIN
    with pytest.raises(TinInvalid, match=r"looks like an EIN.*SSN or ITIN"):
        tin_parse("12-3456789")
    assert tin_parse("123-45-6789").tin_type == TinType.SSN
    # A business must have a real EIN prefix (07 is not one).
    with pytest.raises(TinInvalid):
        tin_parse("07-1234567", holder_kind=HolderKind.BUSINESS)


@pytest.mark.django_db
def test_r13a_database_refuses_an_individual_with_an_ein() -> None:

    taxpayer = TaxpayerFactory()
    taxpayer.tin_type = TinType.EIN
    with pytest.raises(IntegrityError), transaction.atomic():
        taxpayer.save()


def test_r43_mask_shows_only_the_last_four_digits() -> None:
    assert tin_mask("123456789") == "***-**-6789"
    assert tin_mask("6789") == "***-**-6789"
    assert tin_mask("123456789", tin_type=TinType.EIN) == "**-***6789"
    parsed = tin_parse("123-45-6789")
    assert "12345" not in str(parsed) and "12345" not in repr(parsed)
    assert f"{parsed}" == "***-**-6789"


@pytest.mark.django_db
def test_r43_taxpayer_shows_a_masked_tin() -> None:

    taxpayer = TaxpayerFactory(tin="123-45-6789")
    assert taxpayer.tin_masked == "***-**-6789"
    assert "123456789" not in str(taxpayer)
    assert taxpayer.tin_reveal() == "123456789"  # The owner or staff may see it whole.
