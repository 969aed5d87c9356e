"""factory_boy factories for the CAF app, built through the services."""

from __future__ import annotations

from typing import Any

import factory

from caf.models import (
    CafLink,
    CafRecord,
    Designation,
    LinkMethod,
    PracticeStatus,
    PractitionerProfile,
)
from caf.services import caf_record_create, designation_add, practitioner_profile_create
from taxpro import clock
from taxpro.addresses import PostalAddress
from taxpro.tins import HolderKind
from tests.factories import PractitionerFactory
from tests.taxpayers.factories import FIXED_NOW, ein_for, ssn_for


class PractitionerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PractitionerProfile

    user = factory.SubFactory(PractitionerFactory)
    legal_name = factory.Sequence(lambda n: f"Robin Practitioner {n}")
    # Offset from the taxpayer factory's numbers so the two never collide.
    tin = factory.Sequence(lambda n: ssn_for(20000 + n))
    line1 = factory.Sequence(lambda n: f"{10 + n} Commerce Avenue, Suite 200")
    city = "Albany"
    state = "NY"
    zip_code = "12207"

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> PractitionerProfile:
        return practitioner_profile_create(
            user=kwargs["user"],
            legal_name=kwargs["legal_name"],
            tin=kwargs["tin"],
            address=PostalAddress.from_mapping(kwargs),
            now=kwargs.get("now", FIXED_NOW),
        )


class DesignationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Designation

    profile = factory.SubFactory(PractitionerProfileFactory)
    code = "b"
    jurisdiction = "NY"
    number = factory.Sequence(lambda n: f"CPA-{n:06d}")

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Designation:
        return designation_add(
            profile=kwargs["profile"],
            code=kwargs["code"],
            jurisdiction=kwargs["jurisdiction"],
            number=kwargs["number"],
            now=kwargs.get("now", FIXED_NOW),
        )


class CafRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CafRecord

    caf_number = factory.Sequence(lambda n: f"{300000000 + n:09d}")
    holder_kind = HolderKind.INDIVIDUAL
    name = factory.Sequence(lambda n: f"Caf Holder {n}")
    tin = factory.Sequence(lambda n: ssn_for(30000 + n))
    line1 = "10 Commerce Avenue, Suite 200"
    city = "Albany"
    state = "NY"
    zip_code = "12207"
    designation_codes = "b"
    practice_status = PracticeStatus.GOOD_STANDING

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> CafRecord:
        return caf_record_create(
            caf_number=kwargs["caf_number"],
            holder_kind=kwargs["holder_kind"],
            name=kwargs["name"],
            tin=kwargs["tin"],
            address=PostalAddress.from_mapping(kwargs),
            designation_codes=kwargs["designation_codes"],
            practice_status=kwargs["practice_status"],
            now=kwargs.get("now", FIXED_NOW),
        )


class CafLinkFactory(factory.django.DjangoModelFactory):
    """A CAF number linked to a practitioner, as a confirmed PIN leaves it (R6). The row is
    inserted directly: tests of the linking itself go through ``caf_link_confirm``."""

    class Meta:
        model = CafLink

    caf_record = factory.SubFactory(CafRecordFactory)
    practitioner = factory.SubFactory(PractitionerFactory)
    method = LinkMethod.PIN
    linked_at = factory.LazyFunction(clock.now)


def caf_record_for(profile: PractitionerProfile, **overrides: Any) -> CafRecord:
    """A CAF record assigned to ``profile``'s holder: same name, TIN and address (R6)."""
    fields: dict[str, Any] = {
        "name": profile.legal_name,
        "tin": profile.tin_reveal(),
        "line1": profile.address_line1,
        "line2": profile.address_line2,
        "city": profile.city,
        "state": profile.state,
        "zip_code": profile.zip_code,
    }
    fields.update(overrides)
    return CafRecordFactory(**fields)


def business_caf_record(**overrides: Any) -> CafRecord:
    fields: dict[str, Any] = {
        "holder_kind": HolderKind.BUSINESS,
        "name": "Example Tax Services LLC",
        "tin": ein_for(900),
    }
    fields.update(overrides)
    return CafRecordFactory(**fields)
