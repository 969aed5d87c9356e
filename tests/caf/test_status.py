"""R3 (practice status kept by staff, with dates) and R44 (audited)."""

from __future__ import annotations

import datetime as dt

import pytest

from authorizations.services import caf_practice_status_change
from caf.errors import CafError
from caf.models import CafRecord, PracticeStatus
from caf.selectors import practitioner_may_request
from taxpro.models import AuditEvent
from tests.taxpayers.factories import FIXED_NOW

pytestmark = pytest.mark.django_db


def test_r3_staff_change_of_practice_status_is_dated_and_audited(
    cpa_profile, cpa_caf, staff_user
) -> None:
    later = FIXED_NOW + dt.timedelta(days=2)
    caf_practice_status_change(
        caf_record=cpa_caf,
        status=PracticeStatus.SUSPENDED,
        actor=staff_user,
        effective_on=dt.date(2026, 3, 1),
        now=later,
    )
    record = CafRecord.objects.get(pk=cpa_caf.pk)
    assert record.practice_status == PracticeStatus.SUSPENDED
    assert record.status_effective_on == dt.date(2026, 3, 1)
    assert record.status_changed_at == later
    event = AuditEvent.objects.get(action="caf.record.status_changed")
    assert event.actor == staff_user and event.occurred_at == later
    assert event.before["status"] == "good" and event.after["status"] == "suspended"
    assert not practitioner_may_request(
        user=cpa_profile.user, representation=False, caf_record=record
    )
    caf_practice_status_change(
        caf_record=record,
        status=PracticeStatus.GOOD_STANDING,
        actor=staff_user,
        now=later + dt.timedelta(days=1),
    )
    record.refresh_from_db()
    assert practitioner_may_request(user=cpa_profile.user, representation=False, caf_record=record)


def test_r3_only_staff_change_practice_status(cpa_profile, cpa_caf) -> None:
    with pytest.raises(CafError, match="Only staff"):
        caf_practice_status_change(
            caf_record=cpa_caf,
            status=PracticeStatus.DISBARRED,
            actor=cpa_profile.user,
            now=FIXED_NOW,
        )
    assert CafRecord.objects.get(pk=cpa_caf.pk).practice_status == PracticeStatus.GOOD_STANDING
    assert not AuditEvent.objects.filter(action="caf.record.status_changed").exists()
