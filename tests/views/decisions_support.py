"""Helpers for the taxpayer's Authorizations pages (issue 5): people, requests, sessions.

State changes go through the services, at the real time (pages show real "today" and expiry).
Rows for the long-list query-count tests are inserted by the factories (inserts are what the
append-only ledger allows, R28): the index only reads them.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence

from django.test import Client

from authorizations import services
from authorizations.models import Authorization, AuthorizationRequest, RequestKind, RequestState
from taxpayers.models import Taxpayer
from taxpro import clock
from tests.authorizations.conftest import (
    CONSENT,
    INCOME_2024,
    Rep,
    make_rep,
    make_taxpayer,
    submit,
)
from tests.authorizations.factories import (
    AuthorizationFactory,
    AuthorizationRequestFactory,
    bulk_create_requests,
)

__all__ = [
    "INCOME_2024",
    "Rep",
    "approve_now",
    "insert_ledger_rows",
    "insert_pending_requests",
    "make_rep",
    "make_taxpayer",
    "record_now",
    "step_up",
    "submit_now",
]


def submit_now(
    rep: Rep,
    taxpayer: Taxpayer,
    *,
    kind: str = RequestKind.TIA,
    modules: Sequence[tuple[str, str]] = (INCOME_2024,),
    notices: bool = False,
    now: dt.datetime | None = None,
) -> AuthorizationRequest:
    return submit(
        rep, taxpayer, kind=kind, modules=modules, notices=notices, now=now or clock.now()
    )


def approve_now(req: AuthorizationRequest, *, now: dt.datetime | None = None) -> None:
    services.request_approve(
        request_id=req.pk,
        taxpayer_id=req.taxpayer_id,
        actor=req.taxpayer.user,
        consent=CONSENT,
        now=now or clock.now(),
    )


def record_now(req: AuthorizationRequest, *, now: dt.datetime | None = None) -> None:
    """Approve and record at once (no worker): the request's rows go on the ledger."""
    now = now or clock.now()
    approve_now(req, now=now)
    services.request_record(request_id=req.pk, now=now + dt.timedelta(seconds=1))


def step_up(client: Client, user: object, *, method: str = "password") -> None:
    """What allauth's re-authentication page leaves in the session (a recent, re-entered
    password or second factor), for tests that are not about the step-up itself."""
    session = client.session
    session["account_authentication_methods"] = [
        {"method": method, "at": time.time(), "reauthenticated": True}
    ]
    session["account_authentication_methods_user"] = str(user.pk)  # type: ignore[attr-defined]
    session.save()


def insert_ledger_rows(rep: Rep, taxpayer: Taxpayer, *, count: int) -> None:
    """``count`` active and ``count`` ended rows for the taxpayer, one period each."""
    now = clock.now()
    # The ended rows are inserted ended: the ledger never takes an update but ending (R28).
    Authorization.objects.bulk_create(
        AuthorizationFactory.build(
            taxpayer=taxpayer,
            caf_record=rep.caf_record,
            kind=RequestKind.TIA if ended else RequestKind.POA,
            period=f"{1700 + i}12",
            starts_at=now,
            ended=ended,
        )
        for i in range(count)
        for ended in (False, True)
    )


def insert_pending_requests(rep: Rep, taxpayer: Taxpayer, *, count: int) -> None:
    """``count`` pending requests (one module each) addressed to the taxpayer."""
    now = clock.now()
    bulk_create_requests(
        AuthorizationRequestFactory.build_batch(
            count,
            practitioner=rep.user,
            caf_record=rep.caf_record,
            taxpayer=taxpayer,
            kind=RequestKind.TIA,
            state=RequestState.PENDING,
            created_at=now,
        ),
        modules=(INCOME_2024,),
    )
