"""factory_boy factories for requests, the CAF ledger, information accesses and request drafts.

These insert rows directly, for the tests whose pages only read them (long lists, query counts):
journeys and state changes go through the services. Every default satisfies the database's
constraints, and the ledger factory only ever INSERTs: the ledger is append-only (R28, the
trigger of migration 0003 refuses every UPDATE but ending a row), so a row that a test wants
ended is created ended, and no factory here saves a row a second time.

For a few hundred rows, ``build_batch`` (or ``build`` per row) then ``bulk_create`` is one query.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

import factory

from authorizations.models import (
    Authorization,
    AuthorizationRequest,
    Channel,
    EndReason,
    InformationAccess,
    RequestDraft,
    RequestKind,
    RequestModule,
    RequestState,
)
from authorizations.services.expiry import expiry_days
from taxpro import clock
from tests.caf.factories import CafRecordFactory
from tests.factories import PractitionerFactory
from tests.taxpayers.factories import TaxpayerFactory

INCOME_2024 = ("1040", "202412")
SIGNED_STATES = (RequestState.APPROVED, RequestState.RECORDED)


def _signed(request: Any) -> bool:
    return request.state in SIGNED_STATES


class AuthorizationRequestFactory(factory.django.DjangoModelFactory):
    """A submitted request; ``state`` decides the dates and the signature that go with it.

    ``modules`` (a list of (matter, period)) are created with it: one Form 1040 period unless
    told otherwise. A built (unsaved) request has no modules: see :class:`RequestModuleFactory`.
    """

    class Meta:
        model = AuthorizationRequest
        skip_postgeneration_save = True

    practitioner = factory.SubFactory(PractitionerFactory)
    caf_record = factory.SubFactory(CafRecordFactory)
    taxpayer = factory.SubFactory(TaxpayerFactory)
    kind = RequestKind.POA
    state = RequestState.PENDING
    created_at = factory.LazyFunction(clock.now)
    # request_submitted_has_expiry: every state but a draft has been submitted and expires.
    submitted_at = factory.LazyAttribute(
        lambda o: None if o.state == RequestState.DRAFT else o.created_at
    )
    expires_at = factory.LazyAttribute(
        lambda o: (
            None if o.submitted_at is None else o.submitted_at + dt.timedelta(days=expiry_days())
        )
    )
    decided_at = factory.LazyAttribute(
        lambda o: None if o.state in (RequestState.DRAFT, RequestState.PENDING) else o.submitted_at
    )
    # request_signature_iff_approved: a signature exactly when the taxpayer approved (R21).
    signed_at = factory.LazyAttribute(lambda o: o.decided_at if _signed(o) else None)
    signed_on = factory.LazyAttribute(lambda o: clock.today_et(o.signed_at) if _signed(o) else None)
    consent_text_version = factory.LazyAttribute(lambda o: "test" if _signed(o) else "")
    recorded_at = factory.LazyAttribute(
        lambda o: o.decided_at if o.state == RequestState.RECORDED else None
    )

    @factory.post_generation
    def modules(
        self, create: bool, extracted: Iterable[tuple[str, str]] | None, **kwargs: Any
    ) -> None:
        if not create:
            return
        RequestModule.objects.bulk_create(
            RequestModuleFactory.build(request=self, matter=matter, period=period)
            for matter, period in (extracted if extracted is not None else (INCOME_2024,))
        )


class RequestModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequestModule

    request = factory.SubFactory(AuthorizationRequestFactory, modules=())
    matter = INCOME_2024[0]
    period = INCOME_2024[1]


class AuthorizationFactory(factory.django.DjangoModelFactory):
    """A ledger row, active unless ``ended=True`` (then created already ended, R28)."""

    class Meta:
        model = Authorization
        skip_postgeneration_save = True

    class Params:
        ended = factory.Trait(
            ends_at=factory.SelfAttribute("starts_at"), end_reason=EndReason.WITHDRAWN
        )

    taxpayer = factory.SubFactory(TaxpayerFactory)
    caf_record = factory.SubFactory(CafRecordFactory)
    kind = RequestKind.POA
    matter = INCOME_2024[0]
    period = INCOME_2024[1]
    channel = Channel.ONLINE
    request = None
    starts_at = factory.LazyFunction(clock.now)
    signed_at = factory.SelfAttribute("starts_at")
    # R24: the signature's calendar day in ET.
    signed_on = factory.LazyAttribute(lambda o: clock.today_et(o.signed_at))
    ends_at = None
    end_reason = ""


class InformationAccessFactory(factory.django.DjangoModelFactory):
    """R33: one view of one module of a taxpayer's information."""

    class Meta:
        model = InformationAccess

    practitioner = factory.SubFactory(PractitionerFactory)
    caf_record = factory.SubFactory(CafRecordFactory)
    taxpayer = factory.SubFactory(TaxpayerFactory)
    form = INCOME_2024[0]
    period = INCOME_2024[1]
    viewed_at = factory.LazyFunction(clock.now)


class RequestDraftFactory(factory.django.DjangoModelFactory):
    """An untouched wizard draft, as ``draft_create`` makes it; pass ``data`` for answers."""

    class Meta:
        model = RequestDraft

    public_id = factory.LazyFunction(uuid.uuid4)
    owner = factory.SubFactory(PractitionerFactory)
    data = factory.LazyFunction(dict)
    created_at = factory.LazyFunction(clock.now)
    updated_at = factory.SelfAttribute("created_at")


def bulk_create_requests(
    requests: Iterable[AuthorizationRequest],
    *,
    modules: Iterable[tuple[str, str]] = (INCOME_2024,),
) -> list[AuthorizationRequest]:
    """Insert built requests in one query and the same ``modules`` for each in another: what a
    long-list test needs fast (going through the services a few hundred times takes minutes)."""
    created = AuthorizationRequest.objects.bulk_create(list(requests))
    modules = list(modules)
    RequestModule.objects.bulk_create(
        RequestModuleFactory.build(request=req, matter=matter, period=period)
        for req in created
        for matter, period in modules
    )
    return created
