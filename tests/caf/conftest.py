"""Personas for the CAF tests: a CPA, an enrolled agent, an unenrolled preparer (from
tests/personas.py), each with a profile that carries their name, TIN and address."""

from __future__ import annotations

import pytest

from caf.models import CafRecord, PractitionerProfile
from tests.caf.factories import caf_record_for
from tests.personas import (
    Practitioner,
    designated_practitioner,
    enrolled_agent,
    unenrolled_preparer,
)


def _profile_of(practitioner: Practitioner) -> PractitionerProfile:
    assert practitioner.profile is not None
    return practitioner.profile


@pytest.fixture
def cpa_profile(practitioner_user) -> PractitionerProfile:
    cpa = designated_practitioner(
        code="b",
        number="CPA-123456",
        legal_name="Casey Q. Public",
        user=practitioner_user,
        second_factor=False,  # practitioner_user has one already.
    )
    return _profile_of(cpa)


@pytest.fixture
def cpa_caf(cpa_profile) -> CafRecord:
    """The CPA's own CAF record, not linked yet."""
    return caf_record_for(cpa_profile, designation_codes="b")


@pytest.fixture
def agent_profile(db) -> PractitionerProfile:
    return _profile_of(enrolled_agent(second_factor=False))


@pytest.fixture
def preparer_profile(db) -> PractitionerProfile:
    return _profile_of(unenrolled_preparer(second_factor=False))
