"""Personas for the CAF tests: a CPA, an enrolled agent, an unenrolled preparer, each with a
CAF record that carries their name, TIN and address."""

from __future__ import annotations

import pytest

from caf.models import CafRecord, PractitionerProfile
from tests.caf.factories import DesignationFactory, PractitionerProfileFactory, caf_record_for


@pytest.fixture
def cpa_profile(practitioner_user) -> PractitionerProfile:
    profile = PractitionerProfileFactory(user=practitioner_user, legal_name="Casey Q. Public")
    DesignationFactory(profile=profile, code="b", jurisdiction="NY", number="CPA-123456")
    return profile


@pytest.fixture
def cpa_caf(cpa_profile) -> CafRecord:
    """The CPA's own CAF record, not linked yet."""
    return caf_record_for(cpa_profile, designation_codes="b")


@pytest.fixture
def agent_profile(db) -> PractitionerProfile:
    profile = PractitionerProfileFactory(legal_name="Eli Agent")
    DesignationFactory(profile=profile, code="c", jurisdiction="", number="EA-00012345")
    return profile


@pytest.fixture
def preparer_profile(db) -> PractitionerProfile:
    profile = PractitionerProfileFactory(legal_name="Pia Preparer")
    DesignationFactory(profile=profile, code="h", jurisdiction="", number="")
    return profile
