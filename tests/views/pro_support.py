"""Shared helpers for the tests of the practitioner's lists (Requests, Active authorizations).

Rows for the long-list and query-count tests are inserted directly (inserts are what the
append-only ledger allows, R28): going through the services 200 times would cost minutes and
the lists only read. Journeys and state changes go through the services.
"""

from __future__ import annotations

import datetime as dt

from django.test import Client

from authorizations.models import (
    Authorization,
    AuthorizationRequest,
    Channel,
    RequestModule,
    RequestState,
)
from authorizations.periods import Matter
from caf.models import CafLink
from taxpayers.models import Taxpayer
from taxpro import clock
from tests.authorizations.conftest import Rep, make_rep, make_taxpayer
from tests.caf.factories import CafRecordFactory
from tests.factories import enrol_totp
from tests.taxpayers.factories import BusinessTaxpayerFactory, TaxpayerFactory


def practitioner(*, code: str = "b", linked: bool = True) -> Rep:
    """A representative with a second factor, so the portal lets them in."""
    rep = make_rep(code=code, linked=linked)
    rep.user.totp_secret = enrol_totp(rep.user)  # type: ignore[attr-defined]
    return rep


def signed_in_as(client: Client, rep: Rep) -> Client:
    client.force_login(rep.user)
    return client


def link_another_caf_number(rep: Rep) -> object:
    record = CafRecordFactory(name=rep.caf_record.name)
    CafLink.objects.create(
        caf_record=record, practitioner=rep.user, method="pin", linked_at=clock.now()
    )
    return record


def insert_request(
    rep: Rep,
    taxpayer: Taxpayer,
    *,
    state: str = RequestState.PENDING,
    kind: str = "poa",
    submitted_at: dt.datetime | None = None,
    modules: tuple[tuple[str, str], ...] = (("1040", "202412"),),
    staff_reason: str = "",
) -> AuthorizationRequest:
    submitted_at = submitted_at or clock.now()
    signed = state in (RequestState.APPROVED, RequestState.RECORDED)
    req = AuthorizationRequest.objects.create(
        practitioner=rep.user,
        caf_record=rep.caf_record,
        taxpayer=taxpayer,
        kind=kind,
        state=state,
        created_at=submitted_at,
        submitted_at=submitted_at,
        expires_at=submitted_at + dt.timedelta(days=21),
        decided_at=None if state == RequestState.PENDING else submitted_at,
        signed_at=submitted_at if signed else None,
        signed_on=clock.today_et(submitted_at) if signed else None,
        consent_text_version="test" if signed else "",
        recorded_at=submitted_at if state == RequestState.RECORDED else None,
        staff_reason=staff_reason,
    )
    for matter, period in modules:
        RequestModule.objects.create(request=req, matter=matter, period=period)
    return req


def insert_requests(rep: Rep, count: int) -> list[AuthorizationRequest]:
    taxpayers = [make_taxpayer() for _ in range(min(count, 5))]
    now = clock.now()
    return [
        insert_request(
            rep,
            taxpayers[i % len(taxpayers)],
            submitted_at=now - dt.timedelta(minutes=i),
            modules=(("1040", "202412"), ("civil_penalty", "202503")),
        )
        for i in range(count)
    ]


def insert_authorization(
    rep: Rep,
    taxpayer: Taxpayer,
    *,
    kind: str = "poa",
    matter: str = "1040",
    period: str = "202412",
    channel: str = Channel.ONLINE,
    caf_record: object = None,
    starts_at: dt.datetime | None = None,
) -> Authorization:
    starts_at = starts_at or clock.now()
    return Authorization.objects.create(
        taxpayer=taxpayer,
        caf_record=caf_record or rep.caf_record,
        kind=kind,
        matter=matter,
        period=period,
        channel=channel,
        signed_at=starts_at,
        signed_on=clock.today_et(starts_at),
        starts_at=starts_at,
    )


def insert_authorizations(rep: Rep, count: int) -> list[Authorization]:
    """``count`` active rows (up to 400): individuals and businesses, both channels."""
    taxpayers = [TaxpayerFactory(), BusinessTaxpayerFactory()]
    now = clock.now()
    # Year outermost, so any slice mixes kinds, matters, individuals and businesses.
    modules = [
        (taxpayer, kind, matter, f"{year}12")
        for year in range(2024, 1974, -1)
        for taxpayer in taxpayers
        for kind in ("poa", "tia")
        for matter in (Matter.INCOME_1040, Matter.SPLIT_SPOUSAL_8857)
    ]
    return [
        insert_authorization(
            rep,
            taxpayer,
            kind=kind,
            matter=matter,
            period=period,
            channel=Channel.FORM if taxpayer.kind == "business" else Channel.ONLINE,
            starts_at=now - dt.timedelta(minutes=i),
        )
        for i, (taxpayer, kind, matter, period) in enumerate(modules[:count])
    ]


def named_taxpayer(name: str) -> Taxpayer:
    return TaxpayerFactory(name=name, user=None)
