"""/api/v1/forms: upload a signed Form 2848 or 8821 with its keyed data (R34-R39a), list your
uploads and withdraw one that waits (R39b, R47), through the services the upload wizard uses.

The upload is multipart/form-data: a ``data`` part (the keyed data as JSON, see FormDataIn) and
a ``file`` part (the signed form). Refusals are problem documents; the pre-check's problems
(R39a) name the field of ``data`` they are about, as the wizard marks its step's field."""

# No "from __future__ import annotations": django-ninja reads the endpoints' annotations (see
# endpoints.py).

import datetime as dt
import hashlib
import json
import uuid
from typing import Annotated, Any, Literal

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import Query, Schema
from pydantic import AfterValidator, Field
from pydantic import ValidationError as SchemaInvalid

from authorizations.api.auth import ScopedToken
from authorizations.api.auth import caller_of as _caller
from authorizations.api.follow import FormOut, form_body, form_url
from authorizations.api.paging import filter_refused, list_page
from authorizations.api.responses import body_fingerprint, idempotent_call, json_response
from authorizations.api.routing import ScopedRouter
from authorizations.api.schemas import (
    AddressIn,
    Cursor,
    Line,
    Name,
    Problem,
    Short,
    plain_text,
)
from authorizations.errors import DuplicateForm, FormRefused
from authorizations.forms_channel.data import (
    FormData,
    FormMatter,
    FormRepresentative,
    FormTaxpayer,
    RetainedAuthorization,
)
from authorizations.forms_channel.precheck import Problem as PrecheckProblem
from authorizations.models import FormState, UploadedForm
from authorizations.services import forms as form_services
from authorizations.web.pro.forms_channel import selectors as form_selectors
from taxpro.addresses import PostalAddress
from taxpro.errors import TinInvalid
from taxpro.not_found import get_or_404
from taxpro.problems import problem_response

router = ScopedRouter()

WRITE_FORMS = ScopedToken("forms:write")
READ_FORMS = ScopedToken("forms:read")

# The data part and the multipart framing around the file: a body longer than the largest
# file plus this is refused from its Content-Length, before a byte of it is read (R34).
DATA_ALLOWANCE_BYTES = 256 * 1024


# --- The keyed data (R34) ---------------------------------------------------------------------


class FormTaxpayerIn(Schema):
    kind: Literal["individual", "business"]
    tin: Short = Field(description="SSN, ITIN or EIN as on the form; never sent back.")
    name: Name
    address: AddressIn
    signer_title: Line = Field(default="", description="A business's signer: President...")


class FormRepresentativeIn(Schema):
    name: Name
    address: AddressIn
    caf_number: Short = Field(default="", description="9 digits, or empty for none yet.")
    ptin: Short = ""
    receives_notices: bool = False
    designation: Short = Field(default="", description="Form 2848 Part II: a to k.")
    jurisdiction: Line = ""
    license_number: Line = ""
    signed_on: dt.date | None = None


class FormMatterIn(Schema):
    form_code: Short = Field(description="Line 3: the form number (1040, 941...).")
    description: Line = ""
    periods: list[Short] = Field(
        max_length=300, description="YYYYMM: the last month of each period."
    )
    periods_as_written: Line = ""


class RetainedIn(Schema):
    caf_number: Short
    matter: Short
    period: Short
    kind: Literal["poa", "tia"]


Text200 = Annotated[str, Field(max_length=200), AfterValidator(plain_text)]
Text500 = Annotated[str, Field(max_length=500), AfterValidator(plain_text)]


class ActsIn(Schema):
    """Form 2848 line 5a (acts added) and 5b (acts taken away)."""

    added: list[Literal["isp", "disclose", "substitute", "sign_return"]] = Field(
        default=[], max_length=4
    )
    other: Text200 = ""
    removed: Text500 = ""


class FormDataIn(Schema):
    # R34: the keyed data of one signed form, as the upload wizard asks it.
    """The keyed data of one signed form, as the upload wizard asks it."""

    form_type: Literal["2848", "8821"]
    taxpayer: FormTaxpayerIn
    taxpayer_count: int = Field(
        default=1, ge=1, le=99, description="How many taxpayers the form names: one per form."
    )
    representatives: list[FormRepresentativeIn] = Field(min_length=1, max_length=10)
    matters: list[FormMatterIn] = Field(min_length=1, max_length=50, description="Line 3.")
    specific_use: bool = Field(default=False, description="Line 4: a form for a specific use.")
    acts: ActsIn = ActsIn()
    retention_box: bool = Field(
        default=False, description="The retention box: prior authorizations stay."
    )
    retained: list[RetainedIn] = Field(default=[], max_length=50)
    signature_kind: Literal["ink", "electronic"] = "ink"
    taxpayer_signed_on: dt.date | None = None
    remote_without_prior_relationship: bool = Field(
        default=False, description="Signed electronically, remotely, with no prior relationship."
    )
    identity_attested: bool = Field(
        default=False, description="You checked the taxpayer's identity."
    )


def _address(raw: AddressIn) -> PostalAddress:
    return PostalAddress(**raw.model_dump())


def form_data_of(raw: FormDataIn) -> FormData:
    payer = raw.taxpayer
    return FormData(
        form_type=raw.form_type,
        taxpayer=FormTaxpayer(
            kind=payer.kind,
            tin=payer.tin,
            name=payer.name,
            address=_address(payer.address),
            signer_title=payer.signer_title,
        ),
        representatives=tuple(
            FormRepresentative(
                name=rep.name,
                address=_address(rep.address),
                caf_number=rep.caf_number,
                ptin=rep.ptin,
                receives_notices=rep.receives_notices,
                designation=rep.designation,
                jurisdiction=rep.jurisdiction,
                license_number=rep.license_number,
                signed_on=rep.signed_on,
            )
            for rep in raw.representatives
        ),
        matters=tuple(
            FormMatter(
                form_code=m.form_code,
                description=m.description,
                periods=tuple(m.periods),
                periods_as_written=m.periods_as_written,
            )
            for m in raw.matters
        ),
        specific_use=raw.specific_use,
        retention_box=raw.retention_box,
        retained=tuple(
            RetainedAuthorization(
                caf_number=r.caf_number, matter=r.matter, period=r.period, kind=r.kind
            )
            for r in raw.retained
        ),
        signature_kind=raw.signature_kind,
        taxpayer_signed_on=raw.taxpayer_signed_on,
        remote_without_prior_relationship=raw.remote_without_prior_relationship,
        identity_attested=raw.identity_attested,
        taxpayer_count=raw.taxpayer_count,
        acts=raw.acts.model_dump(),
    )


class FormReceipt(FormOut):
    receipt_number: str = Field(description="The receipt the pages show.")


class FormPage(Schema):
    items: list[FormOut]
    next: str | None = Field(description="The next page's address; null on the last page.")


def _receipt_body(form: UploadedForm) -> dict[str, Any]:
    return {**form_body(form), "receipt_number": form.receipt_number}


# --- Refusals -----------------------------------------------------------------------------------


def _upload_refused(errors: list[dict[str, str]], detail: str = "") -> HttpResponse:
    return problem_response(
        status=422,
        kind="form-refused",
        title="The form was not uploaded",
        detail=detail or "Correct the fields named in errors and send the form again.",
        errors=errors,
    )


def _too_large() -> HttpResponse:
    limit = settings.FORM_UPLOAD_MAX_BYTES // (1024 * 1024)
    return problem_response(
        status=413,
        kind="file-too-large",
        title="The file is too large",
        detail=f"The file is larger than {limit} MB, so nothing was uploaded. Send a smaller"
        " scan of the form.",
        errors=[{"field": "file", "detail": f"The file is larger than {limit} MB."}],
    )


def _schema_errors(invalid: SchemaInvalid) -> list[dict[str, str]]:
    """Each field's message, never the value sent (R46: it may be a TIN)."""
    return [
        {
            "field": ".".join(["data", *(str(p) for p in error.get("loc", ()))]),
            "detail": str(error.get("msg", "")).removeprefix("Value error, "),
        }
        for error in invalid.errors()
    ]


def _body_too_large(request: HttpRequest) -> bool:
    """R34: refused from the Content-Length header, before the body is read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > settings.FORM_UPLOAD_MAX_BYTES + DATA_ALLOWANCE_BYTES


# --- The endpoints ------------------------------------------------------------------------------

# The data part is a JSON document of its own: its schema, and those it names, join the
# document's components (PortalApi adds them), since django-ninja sees no parameter for it.
_DATA_SCHEMA = FormDataIn.model_json_schema(ref_template="#/components/schemas/{model}")
DATA_COMPONENTS: dict[str, Any] = {
    **_DATA_SCHEMA.pop("$defs", {}),
    "FormDataIn": _DATA_SCHEMA,
}

_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["data", "file"],
                    "properties": {
                        "data": {"$ref": "#/components/schemas/FormDataIn"},
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "The signed form: one PDF (not encrypted), JPG or"
                            " GIF of at most 15 MB; its type is read from its bytes.",
                        },
                    },
                },
                "encoding": {"data": {"contentType": "application/json"}},
            }
        },
    }
}


# Not a scoped_post: what the call means is not its raw body (see the fingerprint below).
@router.scoped(
    "POST",
    "/forms",
    token=WRITE_FORMS,
    answers={201: FormReceipt, 400: Problem, 409: Problem, 413: Problem},
    name="form_upload",
    openapi_extra=_UPLOAD_BODY,
    summary="Upload a signed Form 2848 or 8821 with its keyed data; it joins the CAF unit's line",
)
def form_upload_endpoint(request: HttpRequest) -> HttpResponse:
    """The checks of the upload wizard. A form like one still waiting (the same file, or the
    same type, taxpayer, matters, periods and representatives) is refused with 409 and, when
    it is yours, the waiting form's address."""
    # R34-R39a: form_upload's checks; R39: the duplicate refusal.
    if _body_too_large(request):
        return _too_large()
    try:
        raw_data = request.POST.get("data", "")
        uploads = request.FILES.getlist("file")
    except RequestDataTooBig:  # the data part past DATA_UPLOAD_MAX_MEMORY_SIZE
        return _upload_refused([{"field": "data", "detail": "The keyed data is too long."}])
    except (MultiPartParserError, TooManyFieldsSent, TooManyFilesSent):
        return problem_response(
            status=400,
            kind="bad-request",
            title="Send the form as multipart/form-data",
            detail="Send a data part (the keyed data as JSON) and a file part (the signed form).",
        )
    if len(uploads) != 1:
        return _upload_refused(
            [{"field": "file", "detail": "Send one file: the signed form, as a PDF, JPG or GIF."}]
        )
    upload = uploads[0]
    if upload.size is not None and upload.size > settings.FORM_UPLOAD_MAX_BYTES:
        return _too_large()
    try:
        payload = FormDataIn.model_validate_json(raw_data or "null")
    except SchemaInvalid as invalid:
        return _upload_refused(_schema_errors(invalid))
    # A resent multipart body has a new boundary (and may order or name its parts otherwise),
    # so its raw bytes differ: the fingerprint is what the call means, the file's SHA-256 and
    # the keyed data as canonical JSON (R47: the same upload sent twice is one form).
    canonical = json.dumps(payload.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    fingerprint = body_fingerprint(
        request, _file_sha256(upload).encode() + b"\n" + canonical.encode()
    )
    return idempotent_call(request, fingerprint, lambda: _upload(request, payload, upload))


def _file_sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _upload(request: HttpRequest, payload: FormDataIn, upload: UploadedFile) -> HttpResponse:
    practitioner = _caller(request).practitioner
    try:
        form = form_services.form_upload(
            practitioner=practitioner, data=form_data_of(payload), upload=upload
        )
    except DuplicateForm as duplicate:
        existing = duplicate.existing
        assert isinstance(existing, UploadedForm)
        # R45: another practitioner's form has no address for this one.
        address = form_url(existing) if existing.practitioner_id == practitioner.pk else None
        return problem_response(
            status=409,
            kind="duplicate-form",
            title="This form is already waiting to be processed",
            detail=duplicate.message,
            existing=address,
            headers={"Location": address} if address else None,
        )
    except FormRefused as refusal:
        if refusal.problems:  # R39a: each problem at its field of the keyed data
            return _upload_refused(
                [
                    {"field": f"data.{problem.field}", "detail": problem.message}
                    for problem in refusal.problems
                    if isinstance(problem, PrecheckProblem)
                ],
                detail="The form cannot be accepted as keyed. Correct the fields named in errors.",
            )
        if not refusal.field:
            return _upload_refused([], refusal.message)
        field = "file" if refusal.field == "file" else f"data.{refusal.field}"
        return _upload_refused([{"field": field, "detail": refusal.message}], refusal.message)
    except TinInvalid as invalid:  # R13a, without echoing the TIN (R46)
        return _upload_refused([{"field": "data.taxpayer.tin", "detail": invalid.message}])
    form = form_selectors.form_of(practitioner=practitioner, public_id=form.public_id)
    return json_response(201, _receipt_body(form), location=form_url(form))


class FormFilters(Schema):
    status: Short = ""
    cursor: Cursor = ""


@router.scoped_get(
    "/forms",
    token=READ_FORMS,
    answer=FormPage,
    name="form_list",
    summary="The forms you uploaded, newest first",
)
def form_list(request: HttpRequest, filters: Query[FormFilters]) -> HttpResponse:
    """Filter by ``status`` (waiting, in_review, recording, recorded, rejected, withdrawn)."""
    if filters.status and filters.status not in FormState.values:
        return filter_refused("status", ", ".join(FormState.values))
    rows = form_selectors.forms_of(practitioner=_caller(request).practitioner)
    if filters.status:
        rows = rows.filter(state=filters.status)
    return list_page(
        rows,
        filters=filters,
        field="received_at",
        list_name="forms",
        url_name="api-v1:form_list",
        body=form_body,
    )


@router.scoped_post(
    "/forms/{public_id}/withdraw",
    token=WRITE_FORMS,
    answers={200: FormOut},
    name="form_withdraw",
    summary="Withdraw a form of yours that still waits in line",
)
def form_withdraw_endpoint(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Withdrawing a withdrawn form changes nothing and answers the same."""
    # R39b; R47.
    practitioner = _caller(request).practitioner
    form = get_or_404(form_selectors.form_of, practitioner=practitioner, public_id=public_id)
    try:
        form_services.form_withdraw(practitioner=practitioner, public_id=form.public_id)
    except FormRefused as refusal:
        return problem_response(
            status=409,
            kind="form-not-waiting",
            title="Only a form that waits in line can be withdrawn",
            detail=refusal.message,
        )
    form = form_selectors.form_of(practitioner=practitioner, public_id=public_id)
    return json_response(200, form_body(form))
