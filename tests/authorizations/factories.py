"""factory_boy factories for requests, the CAF ledger, uploaded forms, information accesses and
request drafts.

These insert rows directly, for the tests whose pages only read them (long lists, query counts):
journeys and state changes go through the services. Every default satisfies the database's
constraints, and the ledger factory only ever INSERTs: the ledger is append-only (R28, the
trigger of migration 0003 refuses every UPDATE but ending a row), so a row that a test wants
ended is created ended, and no factory here saves a row a second time.

For a few hundred rows, ``build_batch`` (or ``build`` per row) then ``bulk_create`` is one query.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable
from typing import Any

import factory
from django.conf import settings

from authorizations.forms_channel.data import (
    FormData,
    FormMatter,
    FormRepresentative,
    FormTaxpayer,
    form_data_to_json,
)
from authorizations.models import (
    Authorization,
    AuthorizationRequest,
    Channel,
    EndReason,
    FormState,
    FormType,
    InformationAccess,
    RejectionReason,
    RequestDraft,
    RequestKind,
    RequestModule,
    RequestState,
    UploadedForm,
)
from caf.models import CafRecord
from taxpayers.models import Taxpayer
from taxpro import clock
from taxpro.models import User
from taxpro.tins import HolderKind
from tests.caf.factories import CafRecordFactory
from tests.factories import PractitionerFactory, StaffFactory
from tests.taxpayers.factories import BusinessTaxpayerFactory, TaxpayerFactory

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
            None
            if o.submitted_at is None
            else o.submitted_at + dt.timedelta(days=settings.REQUEST_EXPIRY_DAYS)
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


def form_type_for(kind: str) -> str:
    """R34b: a Form 2848 records powers of attorney, a Form 8821 tax information authorizations."""
    return FormType.F2848 if kind == RequestKind.POA else FormType.F8821


def _uploader(caf_record: CafRecord) -> User:
    """Who uploaded a form naming ``caf_record``: the practitioner it is linked to, if any."""
    link = getattr(caf_record, "link", None)
    return link.practitioner if link is not None else PractitionerFactory()


def _keyed_data(form: Any) -> dict[str, Any]:
    """The form's keyed data as form_upload stores it (no TIN in it, R46)."""
    taxpayer: Taxpayer = form.taxpayer
    record: CafRecord = form.caf_record
    signed_on = clock.today_et(form.received_at) - dt.timedelta(days=1)
    data = FormData(
        form_type=form.form_type,
        taxpayer=FormTaxpayer(
            kind=taxpayer.kind,
            tin="",
            name=taxpayer.name,
            address=taxpayer.postal_address,
            signer_title="President" if taxpayer.kind == HolderKind.BUSINESS else "",
        ),
        representatives=(
            FormRepresentative(
                name=record.name,
                address=record.postal_address,
                caf_number=record.caf_number,
                designation=(
                    record.designation_codes[:1] if form.form_type == FormType.F2848 else ""
                ),
                signed_on=signed_on,
            ),
        ),
        matters=tuple(
            FormMatter(code, f"Form {code}", tuple(periods), ", ".join(periods))
            for code, periods in form.matters
        ),
        taxpayer_signed_on=signed_on,
    )
    return form_data_to_json(data)


def _digest(*parts: object) -> str:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()


class UploadedFormFactory(factory.django.DjangoModelFactory):
    """An uploaded Form 2848 or 8821 in ``state`` (recorded unless told otherwise), for
    ``taxpayer`` (a business by default, R36) naming ``caf_record`` as its representative, its
    keyed data made from them and ``matters`` ((form code, periods) pairs).

    Inserted directly, with a file name and no file written: for pages that list forms or the
    ledger rows recorded from them. Uploads, and anything that opens the file, go through
    ``form_upload``. Each state comes with the dates, clerk and reasons the database's
    constraints ask of it."""

    class Meta:
        model = UploadedForm

    class Params:
        taxpayer = factory.SubFactory(BusinessTaxpayerFactory)
        caf_record = factory.SubFactory(CafRecordFactory)
        matters = (("941", ("202503",)),)
        in_review = factory.LazyAttribute(lambda o: o.state == FormState.IN_REVIEW)
        decided = factory.LazyAttribute(
            lambda o: o.state in (FormState.RECORDED, FormState.REJECTED)
        )

    public_id = factory.LazyFunction(uuid.uuid4)
    form_type = FormType.F2848
    practitioner = factory.LazyAttribute(lambda o: _uploader(o.caf_record))
    taxpayer_kind = factory.SelfAttribute("taxpayer.kind")
    taxpayer_name = factory.SelfAttribute("taxpayer.name")
    # R46: the taxpayer's TIN in the same encrypted columns as the master file's.
    tin_type = factory.SelfAttribute("taxpayer.tin_type")
    tin_ciphertext = factory.SelfAttribute("taxpayer.tin_ciphertext")
    tin_hash = factory.SelfAttribute("taxpayer.tin_hash")
    tin_last4 = factory.SelfAttribute("taxpayer.tin_last4")
    data = factory.LazyAttribute(_keyed_data)
    file = factory.LazyAttribute(lambda o: f"forms/{o.received_at:%Y/%m}/{o.public_id}.pdf")
    file_content_type = "application/pdf"
    file_size = 2048
    file_sha256 = factory.LazyAttribute(lambda o: _digest("file", o.public_id))
    content_key = factory.LazyAttribute(lambda o: _digest("content", o.public_id))
    state = FormState.RECORDED
    received_at = factory.LazyFunction(lambda: clock.now() - dt.timedelta(days=1))
    taken_at = factory.Maybe(
        factory.LazyAttribute(lambda o: o.in_review or o.decided),
        yes_declaration=factory.LazyAttribute(lambda o: o.received_at + dt.timedelta(hours=1)),
        no_declaration=None,
    )
    decided_at = factory.Maybe(
        "decided",
        yes_declaration=factory.LazyAttribute(lambda o: o.received_at + dt.timedelta(hours=2)),
        no_declaration=None,
    )
    withdrawn_at = factory.LazyAttribute(
        lambda o: o.received_at + dt.timedelta(hours=1) if o.state == FormState.WITHDRAWN else None
    )
    # uploaded_form_clerk_iff_in_review: a clerk holds the form exactly while it is in review.
    clerk = factory.Maybe("in_review", factory.SubFactory(StaffFactory), None)
    lease_expires_at = factory.Maybe(
        "in_review",
        factory.LazyAttribute(lambda o: o.taken_at + dt.timedelta(minutes=30)),
        None,
    )
    rejection_reasons = factory.LazyAttribute(
        lambda o: [RejectionReason.ILLEGIBLE.value] if o.state == FormState.REJECTED else []
    )


class AuthorizationFactory(factory.django.DjangoModelFactory):
    """A ledger row, active unless ``ended=True`` (then created already ended, R28)."""

    class Meta:
        model = Authorization
        skip_postgeneration_save = True

    class Params:
        ended = factory.Trait(
            ends_at=factory.SelfAttribute("starts_at"), end_reason=EndReason.WITHDRAWN
        )
        # A row the CAF unit recorded from an uploaded form (R34b): no online request, the
        # recorded form it came from, for this taxpayer, representative, matter and period.
        from_form = factory.Trait(
            channel=Channel.FORM,
            uploaded_form=factory.SubFactory(
                UploadedFormFactory,
                taxpayer=factory.SelfAttribute("..taxpayer"),
                caf_record=factory.SelfAttribute("..caf_record"),
                form_type=factory.LazyAttribute(lambda o: form_type_for(o.factory_parent.kind)),
                matters=factory.LazyAttribute(
                    lambda o: ((o.factory_parent.matter, (o.factory_parent.period,)),)
                ),
                received_at=factory.LazyAttribute(
                    lambda o: o.factory_parent.starts_at - dt.timedelta(hours=2)
                ),
            ),
        )

    taxpayer = factory.SubFactory(TaxpayerFactory)
    caf_record = factory.SubFactory(CafRecordFactory)
    kind = RequestKind.POA
    matter = INCOME_2024[0]
    period = INCOME_2024[1]
    channel = Channel.ONLINE
    request = None
    uploaded_form = None
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
