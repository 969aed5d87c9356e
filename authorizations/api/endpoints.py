"""/api/v1/requests and /api/v1/authorizations: the pages' rules, answered in JSON.

Each endpoint is a page's view in another form: a scoped token instead of the session, the
same selectors (R19, R20, R45) and services (R1-R4, R10-R18, R29), refusals as problem
documents with the pages' sentences."""

# No "from __future__ import annotations" here: django-ninja reads each endpoint's annotations
# to parse its parameters, and through the @idempotent wrapper it would evaluate the strings in
# the wrapper's module, where the schemas are not names.

import uuid
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import urlencode
from ninja import Query, Router, Schema

from authorizations import selectors
from authorizations.api.auth import ScopedToken
from authorizations.api.auth import caller_of as _caller
from authorizations.api.paging import CursorRefused, page_after
from authorizations.api.responses import idempotent, json_response, not_found
from authorizations.api.schemas import REFUSALS as _REFUSALS
from authorizations.api.schemas import (
    AuthorizationOut,
    AuthorizationPage,
    Cursor,
    Line,
    Problem,
    RequestIn,
    RequestOut,
    RequestPage,
    Short,
)
from authorizations.errors import AuthorizationError, AuthorizationNotActive, DuplicateRequest
from authorizations.models import Authorization, AuthorizationRequest, RequestState
from authorizations.services import api as api_services
from authorizations.services.decisions import request_cancel
from authorizations.services.endings import authorization_withdraw
from authorizations.services.submission import Representative, TaxpayerDetails
from authorizations.vocabulary import REQUEST_STATUS_FILTERS, request_status_for_practitioner
from taxpayers.errors import MismatchRateLimited
from taxpro.addresses import PostalAddress
from taxpro.errors import TinInvalid
from taxpro.not_found import get_or_404
from taxpro.problems import problem_response
from taxpro.throttle import throttle_wait
from taxpro.tin_crypto import tin_lookup_hash
from taxpro.tins import tin_parse

router = Router()

READ_REQUESTS = ScopedToken("requests:read")
WRITE_REQUESTS = ScopedToken("requests:write")
READ_AUTHORIZATIONS = ScopedToken("authorizations:read")
WITHDRAW = ScopedToken("authorizations:withdraw")

# The statuses R19 lets the practitioner see, by the list filters' names; rejected and failed
# share "no_status", which says neither.
_STATUS_OF_STATE = {
    state: ("no_status" if name == "contact" else name)
    for name, (_label, states) in REQUEST_STATUS_FILTERS.items()
    for state in states
}
_FILTER_OF_STATUS = {"no_status": "contact", **{n: n for n in REQUEST_STATUS_FILTERS}}


def request_url(req: AuthorizationRequest) -> str:
    return reverse("api-v1:request_get", args=[req.public_id])


def _request_body(req: AuthorizationRequest) -> dict[str, Any]:
    """R19: the status as the practitioner may know it; no decision date, no reason."""
    status = _STATUS_OF_STATE[req.state]
    body: dict[str, Any] = {
        "id": str(req.public_id),
        "url": request_url(req),
        "kind": req.kind,
        "status": status,
        "status_text": request_status_for_practitioner(req),
        "caf_number": req.caf_record.caf_number,
        "taxpayer": {"name": req.taxpayer.name, "tin_last4": req.taxpayer.tin_last4},
        "modules": [{"matter": m.matter, "period": m.period} for m in req.modules.all()],
        "receives_notices": req.receives_notices,
        "submitted_at": req.submitted_at.isoformat() if req.submitted_at else None,
        "expires_at": None,
        "recorded_at": None,
    }
    if req.state == RequestState.PENDING and req.expires_at:
        body["expires_at"] = req.expires_at.isoformat()
    if req.state == RequestState.RECORDED and req.recorded_at:
        body["recorded_at"] = req.recorded_at.isoformat()
    return body


def authorization_url(row: Authorization) -> str:
    return reverse("api-v1:authorization_get", args=[row.public_id])


def _authorization_body(row: Authorization) -> dict[str, Any]:
    return {
        "id": str(row.public_id),
        "url": authorization_url(row),
        "kind": row.kind,
        "caf_number": row.caf_record.caf_number,
        "taxpayer": {"name": row.taxpayer.name, "tin_last4": row.taxpayer.tin_last4},
        "matter": row.matter,
        "period": row.period,
        "receives_notices": row.receives_notices,
        "channel": row.channel,
        "starts_at": row.starts_at.isoformat(),
        "ends_at": row.ends_at.isoformat() if row.ends_at else None,
        "end_reason": row.end_reason,
    }


def _refusal(error: AuthorizationError) -> HttpResponse:
    """A refusal of the services as the wizard would say it: at the field it names (the JSON
    path of the body), or for the whole request (R12: a mismatch names no field)."""
    field = error.field or ""
    errors = [{"field": field, "detail": error.message}] if field else None
    return problem_response(
        status=422,
        kind="request-refused",
        title="The request was not sent",
        detail=error.message,
        errors=errors,
    )


def _cursor_refused() -> HttpResponse:
    return problem_response(
        status=422,
        kind="invalid-cursor",
        title="This cursor is not one this list gave",
        errors=[{"field": "cursor", "detail": "Use the next address of the previous page."}],
    )


def _throttled(wait: int) -> HttpResponse:
    return problem_response(
        status=429,
        kind="too-many-requests",
        title="Too many requests",
        detail=f"Try again in {wait} seconds.",
        headers={"Retry-After": str(wait)},
    )


# --- Requests (R1-R4, R10-R20) -----------------------------------------------------------------


@router.post(
    "/requests",
    auth=WRITE_REQUESTS,
    openapi_extra=WRITE_REQUESTS.requirement,
    response={201: RequestOut, 400: Problem, 409: Problem, **_REFUSALS},
    url_name="request_create",
    operation_id="request_create",
    summary="Send a POA or TIA request to a taxpayer",
)
@idempotent
def request_create(request: HttpRequest, payload: RequestIn) -> HttpResponse:
    """The checks of the request wizard, in one call. A request like one still waiting for the
    taxpayer (same kind and taxpayer, no new period) is refused with 409 and the waiting one's
    address."""
    practitioner = _caller(request).practitioner
    # The wizard's throttles: sends per practitioner, and per practitioner and taxpayer (keyed
    # by the TIN's keyed hash, never the TIN, R46).
    wait = throttle_wait(request, action="request_submit", user=practitioner)
    if wait is None:
        try:
            digits = tin_parse(payload.taxpayer.tin).digits
        except TinInvalid:
            digits = ""
        if digits:
            wait = throttle_wait(
                request,
                action="request_submit_taxpayer",
                user=practitioner,
                key=f"{practitioner.pk}:{tin_lookup_hash(digits)}",
            )
    if wait is not None:
        return _throttled(wait)
    rep, taxpayer = payload.representative, payload.taxpayer
    try:
        req = api_services.request_submit_once(
            practitioner=practitioner,
            kind=payload.kind,
            representative=Representative(
                caf_number=rep.caf_number,
                name=rep.name,
                address=PostalAddress(**rep.address.model_dump()),
            ),
            taxpayer=TaxpayerDetails(
                tin=taxpayer.tin,
                name=taxpayer.name,
                address=PostalAddress(**taxpayer.address.model_dump()),
            ),
            modules=[(m.matter, m.period) for m in payload.modules],
            receives_notices=payload.receives_notices,
        )
    except DuplicateRequest as duplicate:
        existing = duplicate.existing
        assert isinstance(existing, AuthorizationRequest)
        return problem_response(
            status=409,
            kind="duplicate-request",
            title="This request is already waiting for the taxpayer",
            detail=duplicate.message,
            existing=request_url(existing),
            headers={"Location": request_url(existing)},
        )
    except AuthorizationError as error:
        if isinstance(error.__cause__, MismatchRateLimited):
            # R12: past the hour's mismatches; the oldest counted leaves within the hour.
            return problem_response(
                status=429,
                kind="too-many-mismatches",
                title="Too many taxpayer details did not match",
                detail=error.message,
                headers={"Retry-After": "3600"},
            )
        return _refusal(error)
    req = selectors.request_for_practitioner(practitioner=practitioner, public_id=req.public_id)
    return json_response(201, _request_body(req), location=request_url(req))


class RequestFilters(Schema):
    status: Short = ""
    cursor: Cursor = ""


@router.get(
    "/requests",
    auth=READ_REQUESTS,
    openapi_extra=READ_REQUESTS.requirement,
    response={200: RequestPage, **_REFUSALS},
    url_name="request_list",
    operation_id="request_list",
    summary="The requests you sent, newest first",
)
def request_list(request: HttpRequest, filters: Query[RequestFilters]) -> HttpResponse:
    """Filter by ``status`` (pending, recorded, expired, cancelled, no_status)."""
    if filters.status and filters.status not in _FILTER_OF_STATUS:
        return problem_response(
            status=422,
            kind="invalid-filter",
            title="This status is not one of the list's",
            errors=[
                {
                    "field": "status",
                    "detail": "Choose pending, recorded, expired, cancelled or no_status.",
                }
            ],
        )
    rows = selectors.requests_submitted_by_filtered(
        practitioner=_caller(request).practitioner,
        status=_FILTER_OF_STATUS.get(filters.status, ""),
    )
    try:
        page, cursor = page_after(
            rows, cursor=filters.cursor, field="submitted_at", list_name="requests"
        )
    except CursorRefused:
        return _cursor_refused()
    next_url = None
    if cursor:
        query = {"status": filters.status} if filters.status else {}
        query["cursor"] = cursor
        next_url = f"{reverse('api-v1:request_list')}?{urlencode(query)}"
    return json_response(200, {"items": [_request_body(r) for r in page], "next": next_url})


@router.get(
    "/requests/{public_id}",
    auth=READ_REQUESTS,
    openapi_extra=READ_REQUESTS.requirement,
    response={200: RequestOut, **_REFUSALS},
    url_name="request_get",
    operation_id="request_get",
    summary="One of your requests, with its status",
)
def request_get(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    try:
        req = get_or_404(
            selectors.request_for_practitioner,
            practitioner=_caller(request).practitioner,
            public_id=public_id,
        )
    except Http404:
        return not_found()
    return json_response(200, _request_body(req))


@router.post(
    "/requests/{public_id}/cancel",
    auth=WRITE_REQUESTS,
    openapi_extra=WRITE_REQUESTS.requirement,
    response={200: RequestOut, 400: Problem, 409: Problem, **_REFUSALS},
    url_name="request_cancel",
    operation_id="request_cancel",
    summary="Cancel a pending request",
)
@idempotent
def request_cancel_endpoint(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    practitioner = _caller(request).practitioner
    try:
        req = get_or_404(
            selectors.request_for_practitioner, practitioner=practitioner, public_id=public_id
        )
        request_cancel(request_id=req.pk, practitioner=practitioner)
    except (Http404, AuthorizationRequest.DoesNotExist):
        return not_found()
    except AuthorizationError as error:
        return problem_response(
            status=409,
            kind="request-not-pending",
            title="Only a pending request can be cancelled",
            detail=error.message,
        )
    req = selectors.request_for_practitioner(practitioner=practitioner, public_id=public_id)
    return json_response(200, _request_body(req))


# --- Authorizations (R7, R29) ------------------------------------------------------------------


class AuthorizationFilters(Schema):
    kind: Short = ""
    caf_number: Short = ""
    name: Line = ""
    cursor: Cursor = ""


@router.get(
    "/authorizations",
    auth=READ_AUTHORIZATIONS,
    openapi_extra=READ_AUTHORIZATIONS.requirement,
    response={200: AuthorizationPage, **_REFUSALS},
    url_name="authorization_list",
    operation_id="authorization_list",
    summary="Active authorizations on your linked CAF numbers",
)
def authorization_list(request: HttpRequest, filters: Query[AuthorizationFilters]) -> HttpResponse:
    """Filter by ``kind`` (poa, tia), ``caf_number`` (one of yours) and taxpayer ``name``."""
    if filters.kind and filters.kind not in {"poa", "tia"}:
        return problem_response(
            status=422,
            kind="invalid-filter",
            title="This kind is not one of the list's",
            errors=[{"field": "kind", "detail": "Choose poa or tia."}],
        )
    rows = selectors.active_authorizations_filtered(
        practitioner=_caller(request).practitioner,
        kind=filters.kind,
        caf_number=filters.caf_number.replace("-", "").strip(),
        name=filters.name.strip(),
    )
    try:
        page, cursor = page_after(
            rows, cursor=filters.cursor, field="starts_at", list_name="authorizations"
        )
    except CursorRefused:
        return _cursor_refused()
    next_url = None
    if cursor:
        query = {
            name: value
            for name in ("kind", "caf_number", "name")
            if (value := getattr(filters, name))
        }
        query["cursor"] = cursor
        next_url = f"{reverse('api-v1:authorization_list')}?{urlencode(query)}"
    return json_response(200, {"items": [_authorization_body(r) for r in page], "next": next_url})


@router.get(
    "/authorizations/{public_id}",
    auth=READ_AUTHORIZATIONS,
    openapi_extra=READ_AUTHORIZATIONS.requirement,
    response={200: AuthorizationOut, **_REFUSALS},
    url_name="authorization_get",
    operation_id="authorization_get",
    summary="One authorization on your linked CAF numbers, active or ended",
)
def authorization_get(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """An ended one too (``ends_at`` and ``end_reason`` say when and why): the address an
    "authorization ended" webhook names."""
    try:
        (row,) = get_or_404(
            selectors.authorizations_for_practitioner,
            practitioner=_caller(request).practitioner,
            ids=[public_id],
        )
    except Http404:
        return not_found()
    return json_response(200, _authorization_body(row))


@router.post(
    "/authorizations/{public_id}/withdraw",
    auth=WITHDRAW,
    openapi_extra=WITHDRAW.requirement,
    response={200: AuthorizationOut, 400: Problem, 409: Problem, **_REFUSALS},
    url_name="authorization_withdraw",
    operation_id="authorization_withdraw",
    summary="Withdraw an active authorization",
)
@idempotent
def authorization_withdraw_endpoint(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    practitioner = _caller(request).practitioner
    try:
        (row,) = get_or_404(
            selectors.authorizations_for_practitioner, practitioner=practitioner, ids=[public_id]
        )
        ended = authorization_withdraw(authorization_id=row.pk, practitioner=practitioner)
    except (Http404, Authorization.DoesNotExist):
        return not_found()
    except AuthorizationNotActive as error:
        return problem_response(
            status=409,
            kind="authorization-not-active",
            title="This authorization is no longer active",
            detail=error.message,
        )
    ended.caf_record, ended.taxpayer = row.caf_record, row.taxpayer
    return json_response(200, _authorization_body(ended))
