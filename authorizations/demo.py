"""Demo requests and a lived-in ledger, made through the real services at past dates.

Idempotent: if the CPA's demo requests exist, nothing is done again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from authorizations import services
from authorizations.models import AuthorizationRequest, RequestKind
from caf.models import CafRecord, PractitionerProfile
from taxpayers.models import Taxpayer
from taxpro import clock
from taxpro.clock import ET

CONSENT = services.ConsentEvidence(ip="127.0.0.1", user_agent="demo data", second_factor=True)


def _noon(days_ago: int) -> dt.datetime:
    # Noon ET is inside the service hours on every day of the week (R40).
    day = clock.today_et() - dt.timedelta(days=days_ago)
    return dt.datetime.combine(day, dt.time(12), tzinfo=ET)


def _rep(caf_number: str) -> tuple[Any, services.Representative]:
    record = CafRecord.objects.select_related("link__practitioner").get(caf_number=caf_number)
    user = record.link.practitioner if hasattr(record, "link") else None
    if user is None:
        user = PractitionerProfile.objects.get(tin_hash=record.tin_hash).user
    return user, services.Representative(
        caf_number=caf_number, name=record.name, address=record.postal_address
    )


def _taxpayer(name: str) -> tuple[Taxpayer, services.TaxpayerDetails]:
    t = Taxpayer.objects.get(name=name)
    return t, services.TaxpayerDetails(tin=t.tin_reveal(), name=t.name, address=t.postal_address)


def _submit(
    caf: str,
    taxpayer: str,
    modules: list[tuple[str, str]],
    *,
    kind: str,
    notices: bool,
    days_ago: int,
) -> AuthorizationRequest:
    user, rep = _rep(caf)
    _t, details = _taxpayer(taxpayer)
    return services.request_submit(
        practitioner=user,
        kind=kind,
        representative=rep,
        taxpayer=details,
        modules=modules,
        receives_notices=notices,
        now=_noon(days_ago),
    )


def _approve_and_record(req: AuthorizationRequest, days_ago: int) -> None:
    now = _noon(days_ago) + dt.timedelta(hours=1)
    services.request_approve(
        request_id=req.pk,
        taxpayer_id=req.taxpayer_id,
        actor=req.taxpayer.user,
        consent=CONSENT,
        now=now,
    )
    services.request_record(request_id=req.pk, now=now + dt.timedelta(seconds=2))


def seed(*, stdout: Any) -> None:
    cpa, agent, preparer = "030012345", "030054321", "030111111"
    if AuthorizationRequest.objects.filter(caf_record__caf_number=cpa).exists():
        return
    poa, tia = RequestKind.POA, RequestKind.TIA
    # Alice: the CPA holds a POA for 2023-2024 with notices; the agent a TIA for 2024.
    alice_poa = _submit(
        cpa,
        "Alice Johnson",
        [("1040", "202312"), ("1040", "202412")],
        kind=poa,
        notices=True,
        days_ago=40,
    )
    _approve_and_record(alice_poa, 39)
    alice_tia = _submit(
        agent, "Alice Johnson", [("1040", "202412")], kind=tia, notices=False, days_ago=30
    )
    _approve_and_record(alice_tia, 29)
    # Later, the agent's POA for 2023 supersedes the CPA's for that year (R23).
    later_poa = _submit(
        agent, "Alice Johnson", [("1040", "202312")], kind=poa, notices=False, days_ago=10
    )
    _approve_and_record(later_poa, 9)
    # Bob: the preparer's TIA for two years; the CPA's TIA for 2022, withdrawn by the CPA (R29).
    bob_tia = _submit(
        preparer,
        "Bob Smith",
        [("1040", "202312"), ("1040", "202412")],
        kind=tia,
        notices=False,
        days_ago=25,
    )
    _approve_and_record(bob_tia, 24)
    cpa_tia = _submit(cpa, "Bob Smith", [("1040", "202212")], kind=tia, notices=False, days_ago=20)
    _approve_and_record(cpa_tia, 19)
    cpa_user, _ = _rep(cpa)
    services.authorization_withdraw(
        authorization_id=cpa_tia.ledger_rows.get().pk, practitioner=cpa_user, now=_noon(5)
    )
    # Pending: the CPA asks Bob (POA) and Dmitri, who has no online account yet (R13).
    _submit(
        cpa,
        "Bob Smith",
        [("1040", "202412"), ("civil_penalty", "202503")],
        kind=poa,
        notices=True,
        days_ago=3,
    )
    _submit(cpa, "Dmitri Volkov", [("1040", "202412")], kind=tia, notices=False, days_ago=1)
    # Carmen rejected one request; another was approved but failed processing (R19).
    rejected = _submit(
        cpa, "Carmen Diaz", [("1040", "202412")], kind=poa, notices=False, days_ago=12
    )
    services.request_reject(
        request_id=rejected.pk,
        taxpayer_id=rejected.taxpayer_id,
        actor=rejected.taxpayer.user,
        now=_noon(11),
    )
    failed = _submit(
        agent, "Carmen Diaz", [("1040", "202312")], kind=tia, notices=False, days_ago=8
    )
    services.request_approve(
        request_id=failed.pk,
        taxpayer_id=failed.taxpayer_id,
        actor=failed.taxpayer.user,
        consent=CONSENT,
        now=_noon(7),
    )
    services.request_fail(
        request_id=failed.pk,
        now=_noon(7) + dt.timedelta(minutes=1),
        reason="Demo: the CAF file was being corrected when it was recorded.",
    )
    stdout.write("authorizations demo: requests and ledger rows created.")
