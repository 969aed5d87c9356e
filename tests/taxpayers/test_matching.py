"""R10-R12: matching the taxpayer a practitioner entered, without telling which field failed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import override_settings

from taxpayers.errors import MismatchRateLimited, TaxpayerMismatch
from taxpayers.models import MatchAttempt
from taxpayers.selectors import mismatches_remaining
from taxpayers.services import MISMATCH_MESSAGE, taxpayer_match
from taxpro.addresses import PostalAddress
from taxpro.errors import AddressRefused, TinInvalid
from tests.factories import PractitionerFactory
from tests.taxpayers.factories import FIXED_NOW, BusinessTaxpayerFactory, TaxpayerFactory

pytestmark = pytest.mark.django_db

HOME = PostalAddress(
    line1="742 Evergreen Terrace", city="Springfield", state="IL", zip_code="62704"
)


@pytest.fixture
def alice():
    return TaxpayerFactory(
        name="Alice B. Example",
        tin="212-45-6789",
        line1=HOME.line1,
        city=HOME.city,
        state=HOME.state,
        zip_code=HOME.zip_code,
    )


def match(practitioner, *, now=FIXED_NOW, **overrides):
    fields = {"tin": "212-45-6789", "name": "Alice B. Example", "address": HOME, **overrides}
    return taxpayer_match(practitioner=practitioner, now=now, **fields)


def test_r11_name_tin_and_pub28_address_match(alice, practitioner_user) -> None:
    entered = PostalAddress(
        line1="742 EVERGREEN TER.", city="springfield", state="il", zip_code="62704-0001"
    )
    assert match(practitioner_user, name="alice b example", address=entered) == alice


@pytest.mark.parametrize(
    "wrong",
    [
        {"name": "Alice C. Example"},
        {"tin": "212-45-6788"},
        {"tin": "301-45-6789"},  # no taxpayer with this TIN at all
        {
            "address": PostalAddress(
                line1="744 Evergreen Terrace", city="Springfield", state="IL", zip_code="62704"
            )
        },
        {
            "address": PostalAddress(
                line1="742 Evergreen Terrace", city="Springfield", state="IL", zip_code="62705"
            )
        },
    ],
)
def test_r12_mismatch_message_never_names_the_field(alice, practitioner_user, wrong) -> None:
    with pytest.raises(TaxpayerMismatch) as info:
        match(practitioner_user, **wrong)
    assert str(info.value) == MISMATCH_MESSAGE
    assert info.value.field is None


def test_r12_every_kind_of_mismatch_reads_the_same(alice, practitioner_user) -> None:
    messages = set()
    for wrong in (
        {"name": "Bob"},
        {"tin": "212-45-6788"},
        {
            "address": PostalAddress(
                line1="1 Other Rd", city="Springfield", state="IL", zip_code="62704"
            )
        },
    ):
        with pytest.raises(TaxpayerMismatch) as info:
            match(practitioner_user, **wrong)
        messages.add((str(info.value), type(info.value)))
    assert len(messages) == 1


@override_settings(TAXPAYER_MISMATCH_LIMIT_PER_HOUR=3)
def test_r12_mismatches_are_rate_limited_per_practitioner(alice, practitioner_user) -> None:
    for minute in range(3):
        with pytest.raises(TaxpayerMismatch):
            match(
                practitioner_user, name="Wrong Name", now=FIXED_NOW + dt.timedelta(minutes=minute)
            )
    # Even the right details are refused now: the check cannot be used to probe.
    with pytest.raises(MismatchRateLimited, match="Try again after"):
        match(practitioner_user, now=FIXED_NOW + dt.timedelta(minutes=10))
    assert (
        mismatches_remaining(
            practitioner=practitioner_user, now=FIXED_NOW + dt.timedelta(minutes=10)
        )
        == 0
    )
    # Another practitioner is not affected.
    assert match(PractitionerFactory(), now=FIXED_NOW + dt.timedelta(minutes=10)) == alice
    # An hour after the first mismatch, one slot is free again.
    assert match(practitioner_user, now=FIXED_NOW + dt.timedelta(minutes=60, seconds=1)) == alice


@override_settings(TAXPAYER_MISMATCH_LIMIT_PER_HOUR=2)
def test_r12_rate_limit_lives_in_the_database_not_the_cache(alice, practitioner_user) -> None:
    for _ in range(2):
        with pytest.raises(TaxpayerMismatch):
            match(practitioner_user, name="Wrong Name")
    cache.clear()
    assert MatchAttempt.objects.filter(practitioner=practitioner_user).count() == 2
    with pytest.raises(MismatchRateLimited):
        match(practitioner_user)


def test_r12_successful_matches_do_not_count(alice, practitioner_user) -> None:
    for _ in range(15):
        match(practitioner_user)
    assert MatchAttempt.objects.count() == 0


def test_r10_business_taxpayers_are_never_matched_online(practitioner_user) -> None:
    business = BusinessTaxpayerFactory(
        tin="12-3456789", line1=HOME.line1, city=HOME.city, state=HOME.state, zip_code=HOME.zip_code
    )
    # Written as an EIN, it is named as one (R13a) before any matching; the same nine digits
    # written as an SSN find no individual.
    refusals: list[tuple[str, type[Exception]]] = [
        ("12-3456789", TinInvalid),
        ("123-45-6789", TaxpayerMismatch),
    ]
    for tin, refusal in refusals:
        with pytest.raises(refusal):
            taxpayer_match(
                practitioner=practitioner_user,
                tin=tin,
                name=business.name,
                address=HOME,
                now=FIXED_NOW,
            )


def test_r10_territory_address_refused_before_any_matching(practitioner_user) -> None:
    TaxpayerFactory(
        name="Rita Island",
        tin="212-45-1111",
        line1="1 Calle Sol",
        city="San Juan",
        state="PR",
        zip_code="00901",
    )
    with pytest.raises(AddressRefused, match="territories"):
        taxpayer_match(
            practitioner=practitioner_user,
            tin="212-45-1111",
            name="Rita Island",
            address=PostalAddress(
                line1="1 Calle Sol", city="San Juan", state="PR", zip_code="00901"
            ),
            now=FIXED_NOW,
        )
    assert MatchAttempt.objects.count() == 0
