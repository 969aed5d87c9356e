"""Shared helpers for the tests of the practitioner's lists (Requests, Active authorizations).

Rows for the long-list and query-count tests are inserted by the factories (inserts are what the
append-only ledger allows, R28): going through the services 200 times would cost minutes and
the lists only read. Journeys and state changes go through the services.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.test import Client

from authorizations.models import Authorization, AuthorizationRequest, Channel, RequestState
from authorizations.periods import Matter
from taxpayers.models import Taxpayer
from taxpayers.services import TransactionLine, account_module_post
from taxpro import clock
from tests.authorizations.conftest import Rep, make_rep, make_taxpayer
from tests.authorizations.factories import (
    AuthorizationFactory,
    AuthorizationRequestFactory,
    UploadedFormFactory,
    bulk_create_requests,
    form_type_for,
)
from tests.caf.factories import CafLinkFactory, CafRecordFactory
from tests.personas import with_second_factor
from tests.taxpayers.factories import BusinessTaxpayerFactory, TaxpayerFactory


def practitioner(*, code: str = "b", linked: bool = True) -> Rep:
    """A representative with a second factor, so the portal lets them in."""
    rep = make_rep(code=code, linked=linked)
    with_second_factor(rep.user)
    return rep


def signed_in_as(client: Client, rep: Rep) -> Client:
    client.force_login(rep.user)
    return client


def link_another_caf_number(rep: Rep) -> object:
    record = CafRecordFactory(name=rep.caf_record.name)
    CafLinkFactory(caf_record=record, practitioner=rep.user)
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
    return AuthorizationRequestFactory(
        **_request_fields(rep, taxpayer, state=state, kind=kind, submitted_at=submitted_at),
        staff_reason=staff_reason,
        modules=modules,
    )


def _request_fields(
    rep: Rep, taxpayer: Taxpayer, *, state: str, kind: str, submitted_at: dt.datetime | None
) -> dict[str, object]:
    # The factory dates the decision, signature and recording from the submission, by state.
    return {
        "practitioner": rep.user,
        "caf_record": rep.caf_record,
        "taxpayer": taxpayer,
        "kind": kind,
        "state": state,
        "created_at": submitted_at or clock.now(),
    }


def insert_requests(rep: Rep, count: int) -> list[AuthorizationRequest]:
    taxpayers = [make_taxpayer() for _ in range(min(count, 5))]
    now = clock.now()
    return bulk_create_requests(
        (
            AuthorizationRequestFactory.build(
                **_request_fields(
                    rep,
                    taxpayers[i % len(taxpayers)],
                    state=RequestState.PENDING,
                    kind="poa",
                    submitted_at=now - dt.timedelta(minutes=i),
                )
            )
            for i in range(count)
        ),
        modules=(("1040", "202412"), ("civil_penalty", "202503")),
    )


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
    """One active row; a form-channel row comes with the recorded form it was recorded from
    and no online request (R34b), as the CAF unit writes it."""
    return AuthorizationFactory(
        taxpayer=taxpayer,
        caf_record=caf_record or rep.caf_record,
        kind=kind,
        matter=matter,
        period=period,
        from_form=channel == Channel.FORM,
        starts_at=starts_at or clock.now(),
    )


MATTERS = (Matter.INCOME_1040.value, Matter.SPLIT_SPOUSAL_8857.value)


def insert_authorizations(rep: Rep, count: int) -> list[Authorization]:
    """``count`` active rows (up to 400): individuals and businesses, both channels; the
    business's rows were recorded from its two forms (a 2848 and an 8821)."""
    taxpayers = [TaxpayerFactory(), BusinessTaxpayerFactory()]
    now = clock.now()
    business_forms = {
        kind: UploadedFormFactory(
            taxpayer=taxpayers[1],
            caf_record=rep.caf_record,
            form_type=form_type_for(kind),
            matters=[(matter, [f"{year}12" for year in range(1975, 2025)]) for matter in MATTERS],
        )
        for kind in ("poa", "tia")
    }
    # Year outermost, so any slice mixes kinds, matters, individuals and businesses.
    modules = [
        (taxpayer, kind, matter, f"{year}12")
        for year in range(2024, 1974, -1)
        for taxpayer in taxpayers
        for kind in ("poa", "tia")
        for matter in MATTERS
    ]
    # One INSERT for them all (the ledger only ever takes inserts, R28).
    return Authorization.objects.bulk_create(
        AuthorizationFactory.build(
            taxpayer=taxpayer,
            caf_record=rep.caf_record,
            kind=kind,
            matter=matter,
            period=period,
            channel=Channel.FORM if taxpayer.kind == "business" else Channel.ONLINE,
            uploaded_form=business_forms[kind] if taxpayer.kind == "business" else None,
            starts_at=now - dt.timedelta(minutes=i),
        )
        for i, (taxpayer, kind, matter, period) in enumerate(modules[:count])
    )


def named_taxpayer(name: str) -> Taxpayer:
    return TaxpayerFactory(name=name, user=None)


def post_account_module(
    taxpayer: Taxpayer, form: str, period: str, lines: list[tuple[str, str, str]]
) -> None:
    """Post ``lines`` (code, description, amount) to the taxpayer's module for ``form`` and
    ``period`` (``YYYYMM``, the month it ends), a month after the period ends: what a client
    information page shows (R32)."""
    ends = dt.date(int(period[:4]), int(period[4:]), 28)
    account_module_post(
        taxpayer=taxpayer,
        form=form,
        period=period,
        transactions=[
            TransactionLine(ends + dt.timedelta(days=30 + i), code, description, Decimal(amount))
            for i, (code, description, amount) in enumerate(lines)
        ],
    )
