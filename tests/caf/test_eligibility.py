"""R1-R4: who may send which kind of request, with which CAF record."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from caf.errors import DesignationRefused, RequestNotAllowed
from caf.models import Designation, PracticeStatus
from caf.selectors import (
    NOT_ON_FILE,
    caf_matches,
    caf_record_for_request,
    practitioner_may_request,
)
from caf.services import caf_link_confirm, caf_pin_request
from taxpro.addresses import PostalAddress
from tests.caf.factories import (
    DesignationFactory,
    PractitionerProfileFactory,
    business_caf_record,
    caf_record_for,
)
from tests.caf.test_linking import pin_from_letter
from tests.taxpayers.factories import FIXED_NOW

pytestmark = pytest.mark.django_db


def profile_with(code: str, jurisdiction: str = "", number: str = ""):
    profile = PractitionerProfileFactory()
    DesignationFactory(profile=profile, code=code, jurisdiction=jurisdiction, number=number)
    return profile


def test_r1_cpa_with_state_license_may_request_poa_and_tia(cpa_profile, cpa_caf) -> None:
    user = cpa_profile.user
    poa = practitioner_may_request(user=user, representation=True, caf_record=cpa_caf)
    assert poa.allowed and poa.designations == ("b",)
    assert practitioner_may_request(user=user, representation=False, caf_record=cpa_caf)


@pytest.mark.parametrize(
    ("code", "jurisdiction", "number"),
    [
        ("a", "DC", "BAR-1"),
        ("b", "CA", "CPA-9"),
        ("c", "", "EA-1"),
        ("g", "", "ACT-1"),
        ("r", "", "RPA-1"),
    ],
)
def test_r1_five_designations_may_request_poa(code: str, jurisdiction: str, number: str) -> None:
    profile = profile_with(code, jurisdiction, number)
    record = caf_record_for(profile)
    assert practitioner_may_request(user=profile.user, representation=True, caf_record=record)


@pytest.mark.parametrize(
    ("code", "jurisdiction", "number", "field"),
    [
        ("a", "", "BAR-1", "jurisdiction"),
        ("b", "", "CPA-1", "jurisdiction"),
        ("b", "PR", "CPA-1", "jurisdiction"),  # a territory is not a state
        ("b", "NY", "", "number"),
        ("a", "NY", "  ", "number"),
    ],
)
def test_r1_attorney_and_cpa_need_a_state_or_dc_license(
    code: str, jurisdiction: str, number: str, field: str
) -> None:
    profile = PractitionerProfileFactory()
    with pytest.raises(DesignationRefused) as info:
        DesignationFactory(profile=profile, code=code, jurisdiction=jurisdiction, number=number)
    assert info.value.field == field
    assert not Designation.objects.filter(profile=profile).exists()


def test_r1_database_refuses_a_cpa_without_license() -> None:
    profile = PractitionerProfileFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Designation.objects.create(
            profile=profile, code="b", jurisdiction="", number="", created_at=FIXED_NOW
        )


def test_r1_any_individual_caf_holder_may_request_a_tia_but_not_a_business_caf() -> None:
    profile = PractitionerProfileFactory()  # no designation at all
    record = caf_record_for(profile)
    assert practitioner_may_request(user=profile.user, representation=False, caf_record=record)
    assert not practitioner_may_request(user=profile.user, representation=True, caf_record=record)
    business = business_caf_record()
    refused = practitioner_may_request(user=profile.user, representation=False, caf_record=business)
    assert not refused and "individual" in refused.reason


@pytest.mark.parametrize("code", ["d", "e", "f", "h", "k"])
def test_r2_other_designations_never_request_poa_online(code: str) -> None:
    profile = profile_with(code)
    record = caf_record_for(profile)
    poa = practitioner_may_request(user=profile.user, representation=True, caf_record=record)
    assert not poa.allowed and "Form 2848" in poa.reason
    assert practitioner_may_request(user=profile.user, representation=False, caf_record=record)


@pytest.mark.parametrize(
    "status",
    [
        PracticeStatus.DISBARRED,
        PracticeStatus.DECEASED,
        PracticeStatus.RETIRED,
        PracticeStatus.SUSPENDED,
        PracticeStatus.INACTIVE,
    ],
)
def test_r3_caf_record_must_be_in_good_standing(cpa_profile, status: str) -> None:
    record = caf_record_for(cpa_profile, practice_status=status)
    for representation in (True, False):
        result = practitioner_may_request(
            user=cpa_profile.user, representation=representation, caf_record=record
        )
        assert not result.allowed and "good standing" in result.reason


@pytest.mark.parametrize("state", ["PR", "GU", "AE"])
def test_r3_caf_address_must_be_in_a_state_or_dc(cpa_profile, state: str) -> None:
    record = caf_record_for(
        cpa_profile, line1="1 Calle Sol", city="San Juan", state=state, zip_code="00901"
    )
    result = practitioner_may_request(
        user=cpa_profile.user, representation=False, caf_record=record
    )
    assert not result.allowed and "50 states or DC" in result.reason


def test_r3_caf_number_and_address_must_match_the_caf_file(cpa_profile, cpa_caf) -> None:
    on_file = cpa_caf.postal_address  # e.g. "12 Commerce Avenue, Suite 200", Albany NY
    number = cpa_caf.address_line1.split(" ")[0]
    other = PostalAddress(
        line1=f"{int(number) + 1} Commerce Avenue", city="Albany", state="NY", zip_code="12207"
    )
    assert caf_matches(caf_number=cpa_caf.caf_number, name=cpa_caf.name, address=on_file)
    assert not caf_matches(caf_number=cpa_caf.caf_number, name=cpa_caf.name, address=other)
    assert not caf_matches(caf_number="999999999", name=cpa_caf.name, address=on_file)
    assert not caf_matches(caf_number="not a number", name=cpa_caf.name, address=on_file)
    assert not caf_matches(caf_number=cpa_caf.caf_number, name="Someone Else", address=on_file)
    with pytest.raises(RequestNotAllowed) as info:
        caf_record_for_request(
            user=cpa_profile.user,
            representation=True,
            caf_number=cpa_caf.caf_number,
            name=cpa_caf.name,
            address=other,
        )
    assert str(info.value) == NOT_ON_FILE
    # Pub 28 variants of the address on file are the same address (R11 applied to R3).
    record = caf_record_for_request(
        user=cpa_profile.user,
        representation=True,
        caf_number=cpa_caf.caf_number_display,
        name=cpa_caf.name.upper(),
        address=PostalAddress(
            line1=f"{number} COMMERCE AVE.",
            line2="Ste 200",
            city="albany",
            state="NY",
            zip_code="12207-0001",
        ),
    )
    assert record == cpa_caf


def test_r4_a_caf_number_linked_to_a_colleague_cannot_be_used(cpa_profile, cpa_caf) -> None:
    letter = caf_pin_request(
        practitioner=cpa_profile.user, caf_number=cpa_caf.caf_number, now=FIXED_NOW
    )
    caf_link_confirm(
        practitioner=cpa_profile.user,
        caf_number=cpa_caf.caf_number,
        pin=pin_from_letter(letter),
        now=FIXED_NOW,
    )
    colleague = profile_with("c", "", "EA-9")
    result = practitioner_may_request(user=colleague.user, representation=False, caf_record=cpa_caf)
    assert not result.allowed and "another representative" in result.reason
    # Unlinked, someone else's CAF number (a different TIN) is refused too.
    stranger = caf_record_for(PractitionerProfileFactory())
    assert not practitioner_may_request(
        user=colleague.user, representation=False, caf_record=stranger
    )
