"""The API's answers: JSON bodies, problem documents (RFC 9457), and the Idempotency-Key rule."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse

from authorizations.services.api import (
    KeyInUse,
    idempotency_key_claim,
    idempotency_key_release,
    idempotency_key_store,
)
from taxpro.form_fields import text_refusal
from taxpro.problems import problem_response

IDEMPOTENCY_HEADER = "Idempotency-Key"
# Answers worth replaying for the same key and body: what the call did or why it never will.
# A throttle (429), a closed portal (503) or a fault is not kept: the same key may be sent again.
_REPLAYABLE = frozenset({200, 201, 400, 404, 409, 422})


def json_response(status: int, body: Any, *, location: str = "") -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    if location:
        response["Location"] = location
    response["Cache-Control"] = "no-store"
    return response


def not_found() -> HttpResponse:
    """R45: someone else's object and no object at all answer alike."""
    return problem_response(
        status=404, kind="not-found", title="Not found", detail="There is nothing at this address."
    )


def too_many_requests(wait: int) -> HttpResponse:
    """A throttle's refusal: try again in ``wait`` seconds."""
    return problem_response(
        status=429,
        kind="too-many-requests",
        title="Too many requests",
        detail=f"Try again in {wait} seconds.",
        headers={"Retry-After": str(wait)},
    )


def idempotent(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Every POST carries an ``Idempotency-Key`` (R47: a repeated call has one effect). The
    same key with the same body replays the stored answer; with another body it is refused
    (422); while the first call runs, a second waits (409 with Retry-After). Keys belong to the
    token's owner and are kept ``API_IDEMPOTENCY_HOURS``."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return idempotent_call(
            request, body_fingerprint(request, request.body), lambda: view(request, *args, **kwargs)
        )

    return wrapped


def body_fingerprint(request: HttpRequest, body: bytes) -> str:
    """What the same call means: its method, its path and ``body``."""
    what = f"{request.method} {request.path}\n".encode()
    return hashlib.sha256(what + body).hexdigest()


def idempotent_call(
    request: HttpRequest, fingerprint: str, run: Callable[[], HttpResponse]
) -> HttpResponse:
    """:func:`idempotent` for a call whose fingerprint is not its raw body (a multipart upload,
    whose boundary changes at each send): ``run`` gives the answer once the key is claimed."""
    key = request.headers.get(IDEMPOTENCY_HEADER, "")
    if not key or len(key) > 255 or text_refusal(key) is not None:
        return problem_response(
            status=400,
            kind="idempotency-key-missing",
            title="Send an Idempotency-Key header",
            detail=(
                "Every POST needs an Idempotency-Key header: a value of your choice (a UUID "
                "is best), at most 255 characters, new for each new call."
            ),
        )
    owner = request.auth.practitioner  # type: ignore[attr-defined]
    try:
        claim = idempotency_key_claim(owner=owner, key=key, fingerprint=fingerprint)
    except KeyInUse as in_use:
        if in_use.different_body:
            return problem_response(
                status=422,
                kind="idempotency-key-reused",
                title="This Idempotency-Key was used with another body",
                detail="Use a new Idempotency-Key for a different call.",
            )
        return problem_response(
            status=409,
            kind="idempotency-key-in-progress",
            title="A call with this Idempotency-Key is still being answered",
            detail="Send it again in a moment to get its answer.",
            headers={"Retry-After": "1"},
        )
    if claim.status is not None:
        replay = _replay(claim.status, claim.body, claim.location)
        replay["Idempotent-Replayed"] = "true"
        return replay
    try:
        response = run()
    except BaseException:
        idempotency_key_release(claim=claim)
        raise
    if response.status_code in _REPLAYABLE:
        idempotency_key_store(
            claim=claim,
            status=response.status_code,
            body=json.loads(response.content or b"{}"),
            location=response.get("Location", ""),
        )
    else:
        idempotency_key_release(claim=claim)
    return response


def _replay(status: int, body: Any, location: str) -> HttpResponse:
    response = json_response(status, body, location=location)
    if isinstance(body, dict) and "type" in body and status >= 400:
        response["Content-Type"] = "application/problem+json"
    return response
