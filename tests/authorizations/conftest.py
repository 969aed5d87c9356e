"""Helpers for ledger tests: representatives with CAF numbers (from tests/personas.py),
taxpayers, a clock, and the service calls that move a request along."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest
from django.core.files.storage import FileSystemStorage

from authorizations import services
from authorizations.models import AuthorizationRequest, FormDraft, RequestKind, UploadedForm
from taxpayers.models import Taxpayer
from taxpro.clock import ET
from tests.authorizations.factories import INCOME_2024

# The fault tests' fixtures (a private Redis; skip outside the hours of service), shared by
# test_faults*.py.
from tests.authorizations.fault_support import private_redis, service_open  # noqa: F401
from tests.personas import Rep, representative, taxpayer_with_account, taxpayer_without_account

# A Tuesday noon in ET: the portal is open (R40).
TUESDAY_NOON = dt.datetime(2026, 11, 24, 12, 0, tzinfo=ET)
DAY = dt.timedelta(days=1)
INCOME_2023 = ("1040", "202312")


@pytest.fixture(autouse=True)
def _ledger_tests_keep_the_weekly_hours(weekly_service_hours) -> None:
    # The ledger tests pass explicit times and many of them are about R40-R42.
    return None


def make_rep(*, code: str = "b", linked: bool = True) -> Rep:
    return representative(code=code, linked=linked, linked_at=TUESDAY_NOON)


def make_taxpayer(*, with_account: bool = True) -> Taxpayer:
    return taxpayer_with_account() if with_account else taxpayer_without_account()


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


@pytest.fixture
def private_media(monkeypatch, tmp_path):
    """The forms channel's private storage (R34) in a folder of this test's own. The field
    took its storage from STORAGES["private"] when the model loaded, so the test swaps it; the
    upload drafts' files (the wizard's file step) go to the same folder."""
    folder = tmp_path / "private-media"
    storage = FileSystemStorage(location=folder)
    for model in (UploadedForm, FormDraft):
        monkeypatch.setattr(model._meta.get_field("file"), "storage", storage)
    return folder
