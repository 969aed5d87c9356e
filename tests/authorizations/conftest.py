"""Personas and helpers for ledger tests: representatives with CAF numbers, taxpayers, a clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from authorizations import services
from authorizations.models import AuthorizationRequest, RequestKind
from caf.models import CafLink, CafRecord, PractitionerProfile
from taxpayers.models import Taxpayer
from taxpro.clock import ET
from tests.caf.factories import DesignationFactory, caf_record_for
from tests.factories import UserFactory
from tests.taxpayers.factories import TaxpayerFactory

# A Tuesday noon in ET: the portal is open (R40).
TUESDAY_NOON = dt.datetime(2026, 11, 24, 12, 0, tzinfo=ET)
DAY = dt.timedelta(days=1)
INCOME_2024 = ("1040", "202412")
INCOME_2023 = ("1040", "202312")


@pytest.fixture(autouse=True)
def _ledger_tests_keep_the_weekly_hours(weekly_service_hours) -> None:
    # The ledger tests pass explicit times and many of them are about R40-R42.
    return None


@dataclass
class Rep:
    user: object
    profile: PractitionerProfile
    caf_record: CafRecord

    def representative(self) -> services.Representative:
        r = self.caf_record
        return services.Representative(
            caf_number=r.caf_number,
            name=r.name,
            address=r.postal_address,
        )


def make_rep(*, code: str = "b", linked: bool = True) -> Rep:
    designation = DesignationFactory(
        code=code,
        jurisdiction="NY" if code in "ab" else "",
        number="LIC-1" if code in "ab" else "EA-1",
    )
    profile = designation.profile
    record = caf_record_for(profile, designation_codes=code)
    if linked:
        CafLink.objects.create(
            caf_record=record, practitioner=profile.user, method="pin", linked_at=TUESDAY_NOON
        )
    return Rep(user=profile.user, profile=profile, caf_record=record)


def make_taxpayer(*, with_account: bool = True) -> Taxpayer:
    user = UserFactory() if with_account else None
    return TaxpayerFactory(user=user)


def taxpayer_details(taxpayer: Taxpayer) -> services.TaxpayerDetails:
    return services.TaxpayerDetails(
        tin=taxpayer.tin_reveal(),
        name=taxpayer.name,
        address=taxpayer.postal_address,
    )


def submit(
    rep: Rep,
    taxpayer: Taxpayer,
    *,
    modules: Sequence[tuple[str, str]] = (INCOME_2024,),
    kind: str = RequestKind.POA,
    notices: bool = False,
    now: dt.datetime = TUESDAY_NOON,
) -> AuthorizationRequest:
    return services.request_submit(
        practitioner=rep.user,
        kind=kind,
        representative=rep.representative(),
        taxpayer=taxpayer_details(taxpayer),
        modules=list(modules),
        receives_notices=notices,
        now=now,
    )


CONSENT = services.ConsentEvidence(ip="127.0.0.1", user_agent="pytest", second_factor=True)


def approve(req: AuthorizationRequest, *, now: dt.datetime = TUESDAY_NOON) -> AuthorizationRequest:
    taxpayer = req.taxpayer
    return services.request_approve(
        request_id=req.pk, taxpayer_id=taxpayer.pk, actor=taxpayer.user, consent=CONSENT, now=now
    )


def approve_and_record(
    req: AuthorizationRequest, *, now: dt.datetime = TUESDAY_NOON
) -> AuthorizationRequest:
    approve(req, now=now)
    services.request_record(request_id=req.pk, now=now + dt.timedelta(seconds=1))
    req.refresh_from_db()
    return req


@pytest.fixture
def cpa(db) -> Rep:
    return make_rep(code="b")


@pytest.fixture
def agent(db) -> Rep:
    return make_rep(code="c")


@pytest.fixture
def taxpayer(db) -> Taxpayer:
    return make_taxpayer()
