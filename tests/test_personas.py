"""The personas are who tests/personas.py says they are."""

from __future__ import annotations

import pytest

from caf.models import CafLink
from taxpro.models import UserKind
from tests.factories import has_authenticator

pytestmark = pytest.mark.django_db


def test_the_cpa_has_a_linked_caf_number_and_a_second_factor(cpa_with_caf) -> None:
    assert cpa_with_caf.profile.designations.get().code == "b"
    assert CafLink.objects.get(caf_record=cpa_with_caf.caf_record).practitioner == cpa_with_caf.user
    assert has_authenticator(cpa_with_caf.user)


def test_the_enrolled_agent_has_no_caf_number(enrolled_agent) -> None:
    assert enrolled_agent.profile.designations.get().code == "c"
    assert not CafLink.objects.filter(practitioner=enrolled_agent.user).exists()
    assert has_authenticator(enrolled_agent.user)


def test_the_unenrolled_preparer_has_no_licence_number(unenrolled_preparer) -> None:
    designation = unenrolled_preparer.profile.designations.get()
    assert (designation.code, designation.number) == ("h", "")


def test_the_taxpayers_with_and_without_an_online_account(
    taxpayer_with_account, taxpayer_without_account
) -> None:
    assert taxpayer_with_account.user.kind == UserKind.TAXPAYER
    assert taxpayer_with_account.user.emailaddress_set.get().verified
    assert taxpayer_without_account.user is None


def test_the_staff_clerk_is_staff_with_a_second_factor(staff_clerk) -> None:
    assert staff_clerk.kind == UserKind.STAFF and staff_clerk.is_staff
    assert has_authenticator(staff_clerk)
