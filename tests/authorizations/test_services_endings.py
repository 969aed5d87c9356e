"""Withdrawal by the representative (R29) and revocation by the taxpayer (R30)."""

from __future__ import annotations

import datetime as dt

import pytest

from authorizations import selectors, services
from authorizations.errors import AuthorizationNotActive
from authorizations.models import Authorization, EndReason
from authorizations.services import caf_practice_status_change
from caf.models import PracticeStatus
from taxpayers.models import Letter, LetterKind
from taxpro.models import AuditEvent
from tests.authorizations.conftest import (
    INCOME_2023,
    TUESDAY_NOON,
    approve_and_record,
    make_rep,
    make_taxpayer,
    submit,
)
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
LATER = TUESDAY_NOON + dt.timedelta(hours=2)


@pytest.fixture
def active_row(cpa, taxpayer) -> Authorization:
    return Authorization.objects.get(request=approve_and_record(submit(cpa, taxpayer)))


def test_r7_the_practitioner_sees_active_rows_on_linked_caf_numbers_only(
    cpa, taxpayer, active_row
) -> None:
    unlinked = make_rep(code="c", linked=False)
    approve_and_record(submit(unlinked, taxpayer, kind="tia"))
    assert list(selectors.active_authorizations_for_practitioner(practitioner=cpa.user)) == [
        active_row
    ]
    assert not selectors.active_authorizations_for_practitioner(practitioner=unlinked.user)


def test_r29_a_withdrawal_leaves_the_active_set_at_once_and_notifies_the_taxpayer(
    cpa, taxpayer, active_row
) -> None:
    row = services.authorization_withdraw(
        authorization_id=active_row.pk, practitioner=cpa.user, now=LATER
    )
    assert row.end_reason == EndReason.WITHDRAWN
    assert row.ended_by_user == cpa.user
    assert not Authorization.objects.active().filter(pk=row.pk).exists()
    letter = Letter.objects.get(taxpayer=taxpayer, kind=LetterKind.WITHDRAWAL_NOTICE)
    assert cpa.caf_record.name in letter.body
    assert (
        AuditEvent.objects.filter(action="authorization.withdrawn", object_id=str(row.pk)).count()
        == 1
    )


def test_r29_withdrawing_twice_has_one_effect(cpa, taxpayer, active_row) -> None:
    services.authorization_withdraw(
        authorization_id=active_row.pk, practitioner=cpa.user, now=LATER
    )
    with pytest.raises(AuthorizationNotActive, match="already ended"):
        services.authorization_withdraw(
            authorization_id=active_row.pk, practitioner=cpa.user, now=LATER
        )
    assert Letter.objects.filter(kind=LetterKind.WITHDRAWAL_NOTICE).count() == 1


def test_r45_a_practitioner_cannot_withdraw_another_representatives_authorization(
    agent, active_row
) -> None:
    with pytest.raises(Authorization.DoesNotExist):
        services.authorization_withdraw(
            authorization_id=active_row.pk, practitioner=agent.user, now=LATER
        )
    active_row.refresh_from_db()
    assert active_row.ends_at is None


def test_r30_the_taxpayer_revokes_and_the_representative_is_notified(
    cpa, taxpayer, active_row
) -> None:
    row = services.authorization_revoke(
        authorization_id=active_row.pk, taxpayer_id=taxpayer.pk, actor=taxpayer.user, now=LATER
    )
    assert row.end_reason == EndReason.REVOKED
    assert (
        Letter.objects.filter(
            caf_letter__caf_record=cpa.caf_record, kind=LetterKind.REVOCATION_NOTICE
        ).count()
        == 1
    )
    with pytest.raises(AuthorizationNotActive):
        services.authorization_revoke(
            authorization_id=active_row.pk, taxpayer_id=taxpayer.pk, actor=taxpayer.user, now=LATER
        )


def test_r45_a_taxpayer_cannot_revoke_someone_elses_authorization(active_row) -> None:

    stranger = make_taxpayer()
    with pytest.raises(Authorization.DoesNotExist):
        services.authorization_revoke(
            authorization_id=active_row.pk, taxpayer_id=stranger.pk, actor=stranger.user, now=LATER
        )


def test_r32_a_withdrawn_authorization_is_no_longer_in_force(cpa, taxpayer, active_row) -> None:
    services.authorization_withdraw(
        authorization_id=active_row.pk, practitioner=cpa.user, now=LATER
    )
    assert (
        Authorization.objects.in_force_on(LATER - dt.timedelta(minutes=1))
        .filter(pk=active_row.pk)
        .exists()
    )
    assert not Authorization.objects.in_force_on(LATER).filter(pk=active_row.pk).exists()


def test_r3_a_representative_out_of_good_standing_loses_active_authorizations(
    cpa, taxpayer, active_row
) -> None:

    clerk = StaffFactory()
    caf_practice_status_change(
        caf_record=cpa.caf_record, status=PracticeStatus.SUSPENDED, actor=clerk, now=LATER
    )
    active_row.refresh_from_db()
    assert active_row.end_reason == EndReason.PRACTICE_STATUS
    assert active_row.ended_by_user == clerk
    assert not selectors.active_authorizations_for_practitioner(practitioner=cpa.user)


def test_r29_a_selection_is_withdrawn_all_or_nothing(cpa, taxpayer, active_row) -> None:

    second = Authorization.objects.get(
        request=approve_and_record(submit(cpa, make_taxpayer(), modules=[INCOME_2023]))
    )
    services.authorization_withdraw(authorization_id=second.pk, practitioner=cpa.user, now=LATER)
    # One row of the selection has already ended: nothing is withdrawn, no letter is sent.
    letters = Letter.objects.count()
    with pytest.raises(AuthorizationNotActive):
        services.authorizations_withdraw(
            authorization_ids=[active_row.pk, second.pk], practitioner=cpa.user, now=LATER
        )
    assert Authorization.objects.active().filter(pk=active_row.pk).exists()
    assert Letter.objects.count() == letters
    # Someone else's row in the selection: not found, and nothing changes (R45).
    other = make_rep(code="b")
    with pytest.raises(Authorization.DoesNotExist):
        services.authorizations_withdraw(
            authorization_ids=[active_row.pk], practitioner=other.user, now=LATER
        )
    withdrawn = services.authorizations_withdraw(
        authorization_ids=[active_row.pk], practitioner=cpa.user, now=LATER
    )
    assert [row.end_reason for row in withdrawn] == [EndReason.WITHDRAWN]
