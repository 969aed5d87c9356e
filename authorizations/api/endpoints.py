"""/api/v1/requests and /api/v1/authorizations: the pages' rules, answered in JSON.

Each endpoint is a page's view in another form: a scoped token instead of the session, the
same selectors (R19, R20, R45) and services (R1-R4, R10-R18, R29), refusals as problem
documents with the pages' sentences. What every endpoint declares alike (scope, refusals,
Idempotency-Key, not found) is the router's (routing.py)."""

# No "from __future__ import annotations" here: django-ninja reads each endpoint's annotations
# to parse its parameters, and through the router's wrappers (routing.py) it would evaluate the
# strings in the wrappers' modules, where the schemas are not names.

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Query, Schema

from authorizations import selectors
from authorizations.api.auth import ScopedToken
from authorizations.api.auth import caller_of as _caller
from authorizations.api.paging import filter_refused, list_page
from authorizations.api.responses import json_response, too_many_requests
from authorizations.api.routing import ScopedRouter
from authorizations.api.schemas import (
    AuthorizationOut,
    AuthorizationPage,
    Cursor,
    Line,
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

router = ScopedRouter()

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


# --- Requests (R1-R4, R10-R20) -----------------------------------------------------------------


@router.scoped_post(
    "/requests",
    token=WRITE_REQUESTS,
    answers={201: RequestOut},
    name="request_create",
    summary="Send a POA or TIA request to a taxpayer",
)
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
        return too_many_requests(wait)
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


@router.scoped_get(
    "/requests",
    token=READ_REQUESTS,
    answer=RequestPage,
    name="request_list",
    summary="The requests you sent, newest first",
)
def request_list(request: HttpRequest, filters: Query[RequestFilters]) -> HttpResponse:
    """Filter by ``status`` (pending, recorded, expired, cancelled, no_status)."""
    if filters.status and filters.status not in _FILTER_OF_STATUS:
        return filter_refused("status", "pending, recorded, expired, cancelled or no_status")
    rows = selectors.requests_submitted_by_filtered(
        practitioner=_caller(request).practitioner,
        status=_FILTER_OF_STATUS.get(filters.status, ""),
    )
    return list_page(
        rows,
        filters=filters,
        field="submitted_at",
        list_name="requests",
        url_name="api-v1:request_list",
        body=_request_body,
    )


@router.scoped_get(
    "/requests/{public_id}",
    token=READ_REQUESTS,
    answer=RequestOut,
    name="request_get",
    summary="One of your requests, with its status",
)
def request_get(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    req = get_or_404(
        selectors.request_for_practitioner,
        practitioner=_caller(request).practitioner,
        public_id=public_id,
    )
    return json_response(200, _request_body(req))


@router.scoped_post(
    "/requests/{public_id}/cancel",
    token=WRITE_REQUESTS,
    answers={200: RequestOut},
    name="request_cancel",
    summary="Cancel a pending request",
)
def request_cancel_endpoint(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    practitioner = _caller(request).practitioner
    req = get_or_404(
        selectors.request_for_practitioner, practitioner=practitioner, public_id=public_id
    )
    try:
        request_cancel(request_id=req.pk, practitioner=practitioner)
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


@router.scoped_get(
    "/authorizations",
    token=READ_AUTHORIZATIONS,
    answer=AuthorizationPage,
    name="authorization_list",
    summary="Active authorizations on your linked CAF numbers",
)
def authorization_list(request: HttpRequest, filters: Query[AuthorizationFilters]) -> HttpResponse:
    """Filter by ``kind`` (poa, tia), ``caf_number`` (one of yours) and taxpayer ``name``."""
    if filters.kind and filters.kind not in {"poa", "tia"}:
        return filter_refused("kind", "poa or tia")
    rows = selectors.active_authorizations_filtered(
        practitioner=_caller(request).practitioner,
        kind=filters.kind,
        caf_number=filters.caf_number.replace("-", "").strip(),
        name=filters.name.strip(),
    )
    return list_page(
        rows,
        filters=filters,
        field="starts_at",
        list_name="authorizations",
        url_name="api-v1:authorization_list",
        body=_authorization_body,
    )


@router.scoped_get(
    "/authorizations/{public_id}",
    token=READ_AUTHORIZATIONS,
    answer=AuthorizationOut,
    name="authorization_get",
    summary="One authorization on your linked CAF numbers, active or ended",
)
def authorization_get(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """An ended one too (``ends_at`` and ``end_reason`` say when and why): the address an
    "authorization ended" webhook names."""
    (row,) = get_or_404(
        selectors.authorizations_for_practitioner,
        practitioner=_caller(request).practitioner,
        ids=[public_id],
    )
    return json_response(200, _authorization_body(row))


@router.scoped_post(
    "/authorizations/{public_id}/withdraw",
    token=WITHDRAW,
    answers={200: AuthorizationOut},
    name="authorization_withdraw",
    summary="Withdraw an active authorization",
)
def authorization_withdraw_endpoint(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    practitioner = _caller(request).practitioner
    (row,) = get_or_404(
        selectors.authorizations_for_practitioner, practitioner=practitioner, ids=[public_id]
    )
    try:
        ended = authorization_withdraw(authorization_id=row.pk, practitioner=practitioner)
    except AuthorizationNotActive as error:
        return problem_response(
            status=409,
            kind="authorization-not-active",
            title="This authorization is no longer active",
            detail=error.message,
        )
    ended.caf_record, ended.taxpayer = row.caf_record, row.taxpayer
    return json_response(200, _authorization_body(ended))
