"""R5: a CAF number is nine digits, unique, for an individual or a business; stored as digits."""

from __future__ import annotations

import pytest
from django.db import DataError, IntegrityError, connection, transaction

from caf.errors import CafError, CafNumberInvalid
from caf.models import CafRecord, format_caf_number
from caf.numbers import caf_number_parse
from taxpro.tins import HolderKind
from tests.caf.factories import CafRecordFactory, business_caf_record


@pytest.mark.parametrize(
    ("raw", "digits"),
    [("030012345", "030012345"), ("0300-12345", "030012345"), (" 0300 12345 ", "030012345")],
)
def test_r5_caf_number_input_becomes_nine_stored_digits(raw: str, digits: str) -> None:
    assert caf_number_parse(raw) == digits


@pytest.mark.parametrize(
    "raw",
    ["03001234", "0300123456", "0300-1234R", "\uff10300-12345", "0300\u200b12345", "", "abc"],
)
def test_r5_anything_but_nine_ascii_digits_is_refused(raw: str) -> None:
    with pytest.raises(CafNumberInvalid):
        caf_number_parse(raw)


def test_r5_display_format_is_separate_from_storage() -> None:
    assert format_caf_number("030012345") == "0300-12345"


@pytest.mark.django_db
def test_r5_caf_numbers_are_unique_and_keep_leading_zeros() -> None:
    record = CafRecordFactory(caf_number="0000-00001")
    assert CafRecord.objects.get(pk=record.pk).caf_number == "000000001"
    with pytest.raises(CafError, match="already on file"):
        CafRecordFactory(caf_number="000000001")
    with pytest.raises(IntegrityError), transaction.atomic():
        CafRecord.objects.filter(pk=record.pk).update(caf_number="000000002")
        CafRecordFactory(caf_number="000000003")
        CafRecord.objects.filter(caf_number="000000003").update(caf_number="000000002")


@pytest.mark.django_db
def test_r5_database_refuses_a_caf_number_that_is_not_nine_digits() -> None:
    record = CafRecordFactory()
    for bad in ["12345678", "1234567890", "12345678A"]:
        with (
            pytest.raises((IntegrityError, DataError)),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                "UPDATE caf_cafrecord SET caf_number = %s WHERE id = %s", [bad, record.pk]
            )


@pytest.mark.django_db
def test_r5_caf_numbers_are_held_by_individuals_or_businesses() -> None:
    assert CafRecordFactory().holder_kind == HolderKind.INDIVIDUAL
    assert business_caf_record().holder_kind == HolderKind.BUSINESS
