"""R8: a practitioner without a CAF number gets an individual one at once, linked on issue."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from caf.errors import CafError, CafIssueRefused
from caf.models import CafLink, CafRecord, LinkMethod
from caf.selectors import caf_numbers_linked_to
from caf.services import caf_number_issue
from taxpayers.models import Letter, LetterKind
from taxpro.models import AuditEvent
from taxpro.tins import HolderKind
from tests.caf.factories import CafRecordFactory, PractitionerProfileFactory, caf_record_for
from tests.taxpayers.factories import FIXED_NOW


@pytest.mark.django_db
def test_r8_practitioner_without_a_caf_number_gets_one_linked_at_once(cpa_profile) -> None:
    record = caf_number_issue(practitioner=cpa_profile.user, now=FIXED_NOW)
    assert len(record.caf_number) == 9 and record.caf_number.isdigit()
    assert record.holder_kind == HolderKind.INDIVIDUAL
    assert record.name == cpa_profile.legal_name
    assert record.tin_hash == cpa_profile.tin_hash
    assert record.designation_codes == "b"
    assert record.normalised_address == cpa_profile.normalised_address
    link = CafLink.objects.get(caf_record=record)
    assert link.practitioner == cpa_profile.user and link.method == LinkMethod.ISSUED
    assert list(caf_numbers_linked_to(user=cpa_profile.user)) == [record]
    assert Letter.objects.filter(
        kind=LetterKind.CAF_NUMBER_ISSUED, caf_letter__caf_record=record
    ).exists()
    assert AuditEvent.objects.filter(action="caf.record.issued").exists()
    assert AuditEvent.objects.filter(action="caf.link.created").exists()


@pytest.mark.django_db
def test_r8_only_for_practitioners_without_a_caf_number(cpa_profile) -> None:
    caf_number_issue(practitioner=cpa_profile.user, now=FIXED_NOW)
    with pytest.raises(CafIssueRefused, match="already have"):
        caf_number_issue(practitioner=cpa_profile.user, now=FIXED_NOW)
    assert CafRecord.objects.count() == 1


@pytest.mark.django_db
def test_r8_a_practitioner_with_an_unlinked_caf_number_links_it_instead(cpa_profile) -> None:
    caf_record_for(cpa_profile)
    with pytest.raises(CafIssueRefused, match="Link it"):
        caf_number_issue(practitioner=cpa_profile.user, now=FIXED_NOW)


@pytest.mark.django_db
def test_r8_needs_a_practitioner_with_a_profile(taxpayer_user, practitioner_user) -> None:
    with pytest.raises(CafError):
        caf_number_issue(practitioner=taxpayer_user, now=FIXED_NOW)
    with pytest.raises(CafError, match="profile"):
        caf_number_issue(practitioner=practitioner_user, now=FIXED_NOW)


@pytest.mark.django_db
def test_r8_number_allocation_skips_numbers_already_taken(cpa_profile, monkeypatch) -> None:
    CafRecordFactory(caf_number="555555555")
    draws = iter([455_555_555, 455_555_555, 455_555_556])
    monkeypatch.setattr("caf.services.secrets.randbelow", lambda _n: next(draws))
    record = caf_number_issue(practitioner=cpa_profile.user, now=FIXED_NOW)
    assert record.caf_number == "555555556"


@pytest.mark.django_db(transaction=True)
def test_r8_two_simultaneous_issues_give_one_number() -> None:
    profile = PractitionerProfileFactory()
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def issue() -> None:
        try:
            barrier.wait(timeout=10)
            caf_number_issue(practitioner=profile.user, now=FIXED_NOW)
            outcomes.append("issued")
        except CafIssueRefused:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["issued", "refused", "refused", "refused"]
    assert CafRecord.objects.count() == 1
    assert CafLink.objects.filter(practitioner=profile.user).count() == 1
