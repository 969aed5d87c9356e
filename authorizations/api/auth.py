"""Who is calling: a bearer token django-oauth-toolkit issued to software for one practitioner
(R4: it acts for them and nobody else), within the scopes they consented to."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.security.base import SecuritySchema
from oauth2_provider.models import AccessToken

from authorizations.services.api import api_token_use_record
from taxpro import clock
from taxpro.models import User, UserKind
from taxpro.throttle import throttle_wait


class BearerRefused(Exception):
    """A refused token (RFC 6750): answered ``status`` with a WWW-Authenticate challenge that
    names the ``error`` and, for a missing scope, the ``scope``."""

    status: int
    kind: str
    title: str

    def __init__(self, detail: str, *, error: str, scope: str = "") -> None:
        super().__init__(error)
        self.detail = detail
        self.error = error
        self.scope = scope


class TokenRefused(BearerRefused):
    """No usable token: 401."""

    status, kind, title = 401, "unauthorized", "Send a valid access token"

    def __init__(self, error: str = "invalid_token") -> None:
        super().__init__(
            "This address needs an access token in the Authorization header (Bearer).",
            error=error,
        )


class ScopeMissing(BearerRefused):
    """A valid token without the scope the endpoint needs: 403 (RFC 6750 insufficient_scope)."""

    status, kind, title = 403, "insufficient-scope", "This token may not do this"

    def __init__(self, scope: str) -> None:
        super().__init__(
            f"The practitioner did not allow this software the scope {scope}.",
            error="insufficient_scope",
            scope=scope,
        )


class TokenThrottled(Exception):
    """Too many calls with one token: 429 with Retry-After."""

    def __init__(self, wait: int) -> None:
        super().__init__(str(wait))
        self.wait = wait


@dataclass(frozen=True)
class Caller:
    """What an endpoint knows of who calls: the practitioner and the token."""

    practitioner: User
    token: AccessToken


def _token_for(raw: str) -> AccessToken | None:
    # Tokens are kept at rest only as their SHA-256 checksum (RFC 9700 token storage).
    checksum = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    return (
        AccessToken.objects.select_related("user", "application")
        .filter(token_checksum=checksum)
        .first()
    )


class ScopedToken(HttpBearer):
    """A bearer token carrying ``scope``; its owner must be an active practitioner."""

    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = scope
        # The OpenAPI document describes the real flow: OAuth 2.0 authorization code (PKCE).
        self.openapi_security_schema = SecuritySchema(
            "oauth2",
            description="Authorization code with PKCE (S256); public clients, no secret.",
            flows={
                "authorizationCode": {
                    "authorizationUrl": "/oauth/authorize/",
                    "tokenUrl": "/oauth/token/",
                    "refreshUrl": "/oauth/token/",
                    "scopes": dict(settings.API_SCOPES),
                }
            },
        )
        # An operation's security requirement names the scope it needs.
        self.requirement: dict[str, Any] = {"security": [{type(self).__name__: [scope]}]}

    def __call__(self, request: HttpRequest) -> Caller | None:
        if not request.headers.get("Authorization"):
            raise TokenRefused(error="")  # no credentials: a bare challenge (RFC 6750 3.1)
        caller = super().__call__(request)
        if caller is None:
            raise TokenRefused()
        return caller

    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
        found = _token_for(token) if token and len(token) <= 255 else None
        user = found.user if found is not None else None
        if found is None or user is None or found.is_expired():
            raise TokenRefused()
        if not user.is_active or user.kind != UserKind.PRACTITIONER:
            raise TokenRefused()
        wait = throttle_wait(
            request, action="api_call", user=user, key=f"token:{found.pk}", limit_get=True
        )
        if wait is not None:
            raise TokenThrottled(wait)
        if not found.allow_scopes([self.scope]):
            raise ScopeMissing(self.scope)
        now = clock.now()
        # R44: a token's first use each day is an audit event (each write is audited too, by
        # the service it calls); the marker lives a day in the shared cache.
        if cache.add(f"api:token-used:{found.pk}:{clock.today_et(now)}", True, timeout=86400):
            api_token_use_record(token=found, path=request.path, now=now)
        return Caller(practitioner=user, token=found)


def caller_of(request: HttpRequest) -> Caller:
    """The practitioner and token an authenticated API call acts for."""
    caller: Caller = request.auth  # type: ignore[attr-defined]
    return caller
