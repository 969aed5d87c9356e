"""Taxpayer information: only in scope and while active (R32), and every view logged (R33)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from authorizations import selectors, services
from authorizations.models import Authorization, RequestKind
from taxpayers.models import AccountModule
from taxpayers.services import TransactionLine, account_module_post
from tests.authorizations.conftest import (
    INCOME_2024,
    TUESDAY_NOON,
    approve_and_record,
    make_rep,
    submit,
)

pytestmark = pytest.mark.django_db
LATER = TUESDAY_NOON + dt.timedelta(hours=3)


@pytest.fixture
def modules(taxpayer) -> None:
    for form, period in [("1040", "202412"), ("1040", "202312"), ("civil_penalty", "202503")]:
        account_module_post(
            taxpayer=taxpayer,
            form=form,
            period=period,
            transactions=[
                TransactionLine(
                    posted_on=dt.date(2025, 4, 15),
                    code="150",
                    description="Tax assessed",
                    amount=Decimal("1200.00"),
                )
            ],
        )


def test_r32_a_representative_sees_only_the_forms_and_periods_authorized(
    cpa, taxpayer, modules
) -> None:
    approve_and_record(submit(cpa, taxpayer, modules=[INCOME_2024], kind=RequestKind.TIA))
    seen = services.taxpayer_information_open(
        practitioner=cpa.user, taxpayer_id=taxpayer.pk, now=LATER
    )
    assert [(m.form, m.period) for m in seen] == [INCOME_2024]
    assert seen[0].balance == Decimal("1200.00")
    assert [t.code for t in seen[0].transactions.all()] == ["150"]


def test_r32_nothing_once_the_authorization_is_withdrawn(cpa, taxpayer, modules) -> None:
    req = approve_and_record(submit(cpa, taxpayer, modules=[INCOME_2024]))
    row = Authorization.objects.get(request=req)
    services.authorization_withdraw(authorization_id=row.pk, practitioner=cpa.user, now=LATER)
    with pytest.raises(AccountModule.DoesNotExist):
        services.taxpayer_information_open(
            practitioner=cpa.user, taxpayer_id=taxpayer.pk, now=LATER + dt.timedelta(minutes=1)
        )


def test_r32_an_unlinked_caf_number_unlocks_no_information(taxpayer, modules) -> None:
    unlinked = make_rep(code="c", linked=False)
    approve_and_record(submit(unlinked, taxpayer, modules=[INCOME_2024]))
    with pytest.raises(AccountModule.DoesNotExist):
        services.taxpayer_information_open(
            practitioner=unlinked.user, taxpayer_id=taxpayer.pk, now=LATER
        )


def test_r45_another_practitioner_sees_nothing_of_this_taxpayer(
    cpa, agent, taxpayer, modules
) -> None:
    approve_and_record(submit(cpa, taxpayer, modules=[INCOME_2024]))
    with pytest.raises(AccountModule.DoesNotExist):
        services.taxpayer_information_open(
            practitioner=agent.user, taxpayer_id=taxpayer.pk, now=LATER
        )


def test_r33_every_view_is_logged_for_the_taxpayer(cpa, taxpayer, modules) -> None:
    approve_and_record(submit(cpa, taxpayer, modules=[INCOME_2024, ("1040", "202312")]))
    services.taxpayer_information_open(practitioner=cpa.user, taxpayer_id=taxpayer.pk, now=LATER)
    services.taxpayer_information_open(
        practitioner=cpa.user, taxpayer_id=taxpayer.pk, now=LATER + dt.timedelta(hours=1)
    )
    log = list(selectors.information_accesses_for_taxpayer(taxpayer_id=taxpayer.pk))
    assert len(log) == 4
    assert log[0].viewed_at == LATER + dt.timedelta(hours=1)
    assert {(a.form, a.period) for a in log} == {("1040", "202412"), ("1040", "202312")}
    assert all(a.caf_record == cpa.caf_record for a in log)
