"""The API's own writes (issue 14): a request sent once, idempotency keys, tokens' use, grants
and revocations audited (R44). The checks of a request are the wizard's: request_submit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from oauth2_provider.models import AccessToken, Application, RefreshToken

from authorizations.errors import AuthorizationError, DuplicateRequest
from authorizations.models import ApiIdempotencyKey, AuthorizationRequest, RequestState
from authorizations.services.submission import request_submit
from taxpro import clock
from taxpro.audit import audit_record
from taxpro.models import User

DUPLICATE_MESSAGE = (
    "You already sent this request to this taxpayer and it is waiting for their decision. "
    "It was not sent again."
)


def _pending_duplicate(req: AuthorizationRequest) -> AuthorizationRequest | None:
    """Another request of the same kind, from the same practitioner to the same taxpayer,
    still waiting, that already covers every matter and period of ``req``."""
    wanted = set(req.modules.values_list("matter", "period"))
    candidates = (
        AuthorizationRequest.objects.filter(
            practitioner_id=req.practitioner_id,
            taxpayer_id=req.taxpayer_id,
            kind=req.kind,
            state=RequestState.PENDING,
        )
        .exclude(pk=req.pk)
        .prefetch_related("modules")
        .order_by("submitted_at", "id")
    )
    for other in candidates:
        if wanted <= {(m.matter, m.period) for m in other.modules.all()}:
            return other
    return None


def _refusing_pending_duplicates[**P](
    submit: Callable[P, AuthorizationRequest],
) -> Callable[P, AuthorizationRequest]:
    """``submit``, refusing a duplicate of a request still waiting (raises
    :class:`DuplicateRequest` naming it). The practitioner's row, which the taxpayer match locks,
    stays locked to the end, so two identical calls at once make one request. A refusal is
    raised after the block commits, so a counted taxpayer mismatch (R12) is kept."""

    def submit_once(*args: P.args, **kwargs: P.kwargs) -> AuthorizationRequest:
        refusal: AuthorizationError | None = None
        with transaction.atomic():
            try:
                req = submit(*args, **kwargs)
            except AuthorizationError as error:
                refusal = error
            else:
                existing = _pending_duplicate(req)
                if existing is None:
                    return req
                # Nothing of this call is kept: the request and its audit event go.
                transaction.set_rollback(True)
                refusal = DuplicateRequest(DUPLICATE_MESSAGE, existing=existing)
        raise refusal

    return submit_once


# :func:`request_submit` for the API, refusing a duplicate of a request still waiting. It takes
# request_submit's keyword arguments (and its type checks), wrapped rather than repeated.
request_submit_once = _refusing_pending_duplicates(request_submit)


# --- Idempotency-Key --------------------------------------------------------------------------


class KeyInUse(Exception):
    """The key was sent with another body (``different_body``) or its first call is still
    being answered."""

    def __init__(self, *, different_body: bool) -> None:
        super().__init__("different body" if different_body else "in progress")
        self.different_body = different_body


def idempotency_key_claim(
    *, owner: User, key: str, fingerprint: str, now: dt.datetime | None = None
) -> ApiIdempotencyKey:
    """Claim ``key`` for this call, or return the stored answer of the call that claimed it
    (``status`` set). Raises :class:`KeyInUse` for another body, or a call still running.
    A key older than ``API_IDEMPOTENCY_HOURS`` is forgotten and claimed afresh."""
    now = now or clock.now()
    kept_from = now - dt.timedelta(hours=settings.API_IDEMPOTENCY_HOURS)
    for _attempt in range(2):
        try:
            with transaction.atomic():
                ApiIdempotencyKey.objects.filter(
                    owner=owner, key=key, created_at__lt=kept_from
                ).delete()
                return ApiIdempotencyKey.objects.create(
                    owner=owner, key=key, fingerprint=fingerprint, created_at=now
                )
        except IntegrityError:
            found = ApiIdempotencyKey.objects.filter(owner=owner, key=key).first()
            if found is None:
                continue  # released meanwhile: claim it
            if found.fingerprint != fingerprint:
                raise KeyInUse(different_body=True) from None
            if found.status is None:
                raise KeyInUse(different_body=False) from None
            return found
    raise KeyInUse(different_body=False)


def idempotency_key_store(
    *, claim: ApiIdempotencyKey, status: int, body: Any, location: str = ""
) -> None:
    """Keep the answer to replay it for the same key and body."""
    ApiIdempotencyKey.objects.filter(pk=claim.pk).update(
        status=status, body=body, location=location
    )


def idempotency_key_release(*, claim: ApiIdempotencyKey) -> None:
    """Forget a claim whose call gave no answer worth replaying (a throttle, a fault): the same
    key may be sent again."""
    ApiIdempotencyKey.objects.filter(pk=claim.pk, status__isnull=True).delete()


def idempotency_keys_purge(*, now: dt.datetime | None = None) -> int:
    """Drop keys past their time (they are claimed afresh anyway)."""
    now = now or clock.now()
    kept_from = now - dt.timedelta(hours=settings.API_IDEMPOTENCY_HOURS)
    deleted, _ = ApiIdempotencyKey.objects.filter(created_at__lt=kept_from).delete()
    return deleted


# --- Tokens and software (R44: every grant, use and revocation is an audit event) ------------


def api_token_use_record(*, token: AccessToken, path: str, now: dt.datetime | None = None) -> None:
    """The first use of a token on a day (the caller keeps the day's marker)."""
    audit_record(
        action="api.token_used",
        obj=token,
        actor=token.user,
        after={
            "application": token.application.name if token.application else "",
            "scopes": token.scope,
            "path": path,
        },
        now=now,
    )


def api_token_event_record(
    *, token: AccessToken | RefreshToken, action: str, grant_type: str
) -> None:
    """A token issued (``grant_type``: for a code or a refresh token) or given back."""
    audit_record(
        action=action,
        obj=token,
        actor=token.user,
        after={
            "application": token.application.name if token.application else "",
            "grant_type": grant_type,
        },
    )


def api_grant_record(*, application: Application, user: User, scopes: str) -> None:
    """The practitioner consented: ``application`` may act for them within ``scopes``."""
    audit_record(
        action="api.grant_consented",
        obj=application,
        actor=user,
        after={"application": application.name, "scopes": scopes},
    )


def api_application_register(
    *, owner: User, name: str, redirect_uris: str, now: dt.datetime | None = None
) -> Application:
    """Software the practitioner registers: a public client (no secret), authorization code
    with PKCE only (the settings refuse the other grants)."""
    with transaction.atomic():
        application = Application.objects.create(
            user=owner,
            name=name,
            redirect_uris=redirect_uris,
            client_type=Application.CLIENT_PUBLIC,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            skip_authorization=False,
            algorithm=Application.NO_ALGORITHM,
        )
        audit_record(
            action="api.application_registered",
            obj=application,
            actor=owner,
            after={"name": name, "redirect_uris": redirect_uris},
            now=now,
        )
    return application


def api_access_revoke(*, application_id: int, user: User, now: dt.datetime | None = None) -> int:
    """Revoke every token ``application`` holds for ``user`` (R45: only the user's own);
    returns how many tokens ended. Software must ask for consent again."""
    now = now or clock.now()
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application_id)
        access = list(AccessToken.objects.filter(application=application, user=user))
        refresh = list(
            RefreshToken.objects.filter(application=application, user=user, revoked__isnull=True)
        )
        for token in refresh:
            token.revoke()
        ended = 0
        for token in access:
            if AccessToken.objects.filter(pk=token.pk).exists():
                token.revoke()
                ended += 1
        audit_record(
            action="api.access_revoked",
            obj=application,
            actor=user,
            after={"application": application.name, "tokens": ended + len(refresh)},
            now=now,
        )
    return ended + len(refresh)
