"""The people the suite is about, built from the factories, and a fixture for each.

- a CPA with a linked CAF number (:func:`cpa_with_caf`),
- an enrolled agent without a CAF number (:func:`enrolled_agent`),
- an unenrolled preparer (:func:`unenrolled_preparer`),
- a taxpayer with a verified online account (:func:`taxpayer_with_account`),
- a taxpayer without one (:func:`taxpayer_without_account`),
- a staff clerk (:func:`staff_clerk`).

Every practitioner and clerk here has a second factor enrolled (``.totp_secret`` makes codes),
so the portal lets them in. tests/conftest.py registers the fixtures for the whole suite.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from authorizations.services import Representative
from caf.models import CafRecord, PractitionerProfile
from taxpayers.models import Taxpayer
from taxpro.models import User
from tests.caf.factories import (
    CafLinkFactory,
    DesignationFactory,
    PractitionerProfileFactory,
    caf_record_for,
)
from tests.factories import PractitionerFactory, StaffFactory, UserFactory, enrol_totp
from tests.taxpayers.factories import TaxpayerFactory

# Designation codes (Form 2848 part II): attorney, CPA, enrolled agent, unenrolled preparer.
LICENSED_CODES = ("a", "b")


@dataclass
class Rep:
    """A representative who holds a CAF number (linked to their account or not)."""

    user: User
    profile: PractitionerProfile
    caf_record: CafRecord

    def representative(self) -> Representative:
        r = self.caf_record
        return Representative(caf_number=r.caf_number, name=r.name, address=r.postal_address)


@dataclass
class Practitioner:
    """A practitioner's account, with their profile if they have written one."""

    user: User
    profile: PractitionerProfile | None


def with_second_factor(user: User) -> User:
    user.totp_secret = enrol_totp(user)  # type: ignore[attr-defined]
    return user


def representative(
    *,
    code: str = "b",
    linked: bool = True,
    linked_at: dt.datetime | None = None,
    second_factor: bool = False,
) -> Rep:
    """A practitioner with one designation and a CAF record assigned to them (same name, TIN
    and address, R6), linked to their account unless ``linked=False``."""
    licensed = code in LICENSED_CODES
    designation = DesignationFactory(
        code=code, jurisdiction="NY" if licensed else "", number="LIC-1" if licensed else "EA-1"
    )
    profile = designation.profile
    record = caf_record_for(profile, designation_codes=code)
    if linked:
        link_fields = {} if linked_at is None else {"linked_at": linked_at}
        CafLinkFactory(caf_record=record, practitioner=profile.user, **link_fields)
    if second_factor:
        with_second_factor(profile.user)
    return Rep(user=profile.user, profile=profile, caf_record=record)


def designated_practitioner(
    *,
    code: str,
    number: str,
    legal_name: str,
    user: User | None = None,
    second_factor: bool = True,
) -> Practitioner:
    """A practitioner with a profile and one designation, and no CAF number at all."""
    user = user or PractitionerFactory()
    if second_factor:
        with_second_factor(user)
    profile = PractitionerProfileFactory(user=user, legal_name=legal_name)
    DesignationFactory(
        profile=profile,
        code=code,
        jurisdiction="NY" if code in LICENSED_CODES else "",
        number=number,
    )
    return Practitioner(user=user, profile=profile)


def cpa_with_caf() -> Rep:
    return representative(code="b", second_factor=True)


def enrolled_agent(*, second_factor: bool = True) -> Practitioner:
    return designated_practitioner(
        code="c", number="EA-00012345", legal_name="Eli Agent", second_factor=second_factor
    )


def unenrolled_preparer(*, second_factor: bool = True) -> Practitioner:
    return designated_practitioner(
        code="h", number="", legal_name="Pia Preparer", second_factor=second_factor
    )


def taxpayer_with_account() -> Taxpayer:
    """A taxpayer whose verified online account (``.user``) is matched to their record."""
    return TaxpayerFactory(user=UserFactory())


def taxpayer_without_account() -> Taxpayer:
    return TaxpayerFactory(user=None)


def staff_clerk() -> User:
    return with_second_factor(StaffFactory())


# --- Fixtures (the same personas, one per test) -------------------------------------------------


@pytest.fixture(name="cpa_with_caf")
def _cpa_with_caf(db: None) -> Rep:
    return cpa_with_caf()


@pytest.fixture(name="enrolled_agent")
def _enrolled_agent(db: None) -> Practitioner:
    return enrolled_agent()


@pytest.fixture(name="unenrolled_preparer")
def _unenrolled_preparer(db: None) -> Practitioner:
    return unenrolled_preparer()


@pytest.fixture(name="taxpayer_with_account")
def _taxpayer_with_account(db: None) -> Taxpayer:
    return taxpayer_with_account()


@pytest.fixture(name="taxpayer_without_account")
def _taxpayer_without_account(db: None) -> Taxpayer:
    return taxpayer_without_account()


@pytest.fixture(name="staff_clerk")
def _staff_clerk(db: None) -> User:
    return staff_clerk()
