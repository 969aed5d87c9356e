"""Demo requests and a lived-in ledger, made through the real services at past dates.

Idempotent: if the CPA's demo requests exist, nothing is done again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

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


def _approve(req: AuthorizationRequest, now: dt.datetime) -> None:
    services.request_approve(
        request_id=req.pk,
        taxpayer_id=req.taxpayer_id,
        actor=req.taxpayer.user,
        consent=CONSENT,
        now=now,
    )


class DemoRequest(NamedTuple):
    """One request as the demo tells it: submitted at noon ``days_ago`` days ago, and what became
    of it the next day (``pending``: nothing yet)."""

    caf_number: str
    taxpayer: str
    modules: list[tuple[str, str]]
    kind: str
    notices: bool
    days_ago: int
    outcome: str = "recorded"


CPA, AGENT, PREPARER = "030012345", "030054321", "030111111"
POA, TIA = RequestKind.POA, RequestKind.TIA
WITHDRAWN_DAYS_AGO = 5
DEMO_REQUESTS = [
    # Alice: the CPA holds a POA for 2023-2024 with notices; the agent a TIA for 2024.
    DemoRequest(CPA, "Alice Johnson", [("1040", "202312"), ("1040", "202412")], POA, True, 40),
    DemoRequest(AGENT, "Alice Johnson", [("1040", "202412")], TIA, False, 30),
    # Later, the agent's POA for 2023 supersedes the CPA's for that year (R23).
    DemoRequest(AGENT, "Alice Johnson", [("1040", "202312")], POA, False, 10),
    # Bob: the preparer's TIA for two years; the CPA's TIA for 2022, withdrawn by the CPA (R29).
    DemoRequest(PREPARER, "Bob Smith", [("1040", "202312"), ("1040", "202412")], TIA, False, 25),
    DemoRequest(CPA, "Bob Smith", [("1040", "202212")], TIA, False, 20, "withdrawn"),
    # Pending: the CPA asks Bob (POA) and Dmitri, who has no online account yet (R13).
    DemoRequest(
        CPA,
        "Bob Smith",
        [("1040", "202412"), ("civil_penalty", "202503")],
        POA,
        True,
        3,
        "pending",
    ),
    DemoRequest(CPA, "Dmitri Volkov", [("1040", "202412")], TIA, False, 1, "pending"),
    # Carmen rejected one request; another was approved but failed processing (R19).
    DemoRequest(CPA, "Carmen Diaz", [("1040", "202412")], POA, False, 12, "rejected"),
    DemoRequest(AGENT, "Carmen Diaz", [("1040", "202312")], TIA, False, 8, "failed"),
]


def _submit(demo: DemoRequest) -> AuthorizationRequest:
    user, rep = _rep(demo.caf_number)
    _t, details = _taxpayer(demo.taxpayer)
    return services.request_submit(
        practitioner=user,
        kind=demo.kind,
        representative=rep,
        taxpayer=details,
        modules=demo.modules,
        receives_notices=demo.notices,
        now=_noon(demo.days_ago),
    )


def _play(demo: DemoRequest) -> None:
    req = _submit(demo)
    decided_at = _noon(demo.days_ago - 1)
    if demo.outcome == "rejected":
        services.request_reject(
            request_id=req.pk, taxpayer_id=req.taxpayer_id, actor=req.taxpayer.user, now=decided_at
        )
    elif demo.outcome == "failed":
        _approve(req, decided_at)
        services.request_fail(
            request_id=req.pk,
            now=decided_at + dt.timedelta(minutes=1),
            reason="Demo: the CAF file was being corrected when it was recorded.",
        )
    elif demo.outcome in {"recorded", "withdrawn"}:
        now = decided_at + dt.timedelta(hours=1)
        _approve(req, now)
        services.request_record(request_id=req.pk, now=now + dt.timedelta(seconds=2))
    if demo.outcome == "withdrawn":
        user, _ = _rep(demo.caf_number)
        services.authorization_withdraw(
            authorization_id=req.ledger_rows.get().pk,
            practitioner=user,
            now=_noon(WITHDRAWN_DAYS_AGO),
        )


def seed(*, stdout: Any) -> None:
    if AuthorizationRequest.objects.filter(caf_record__caf_number=CPA).exists():
        return
    for demo in DEMO_REQUESTS:
        _play(demo)
    stdout.write("authorizations demo: requests and ledger rows created.")
