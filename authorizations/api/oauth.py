"""/oauth/: the authorization server (django-oauth-toolkit) with the house's consent page.

Software sends the practitioner to /oauth/authorize/ (authorization code with PKCE); they see
the consent page only signed in as a practitioner with their second factor, and after proving
it is them again (a step-up, as a taxpayer does before a power of attorney): consenting lets
software act in their name (R4). Each consent is an audit event (R44)."""

from __future__ import annotations

import hashlib
import json
from typing import Any, cast
from urllib.parse import urlsplit

from allauth.account.internal.flows.reauthentication import did_recently_reauthenticate
from allauth.core.exceptions import ReauthenticationRequired
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils.csp import CSP
from oauth2_provider import views as oauth_views
from oauth2_provider.forms import AllowForm
from oauth2_provider.models import AccessToken, Application, RefreshToken

from authorizations.services.api import api_grant_record, api_token_event_record
from taxpro.access import practitioner_required
from taxpro.models import User


class ConsentView(oauth_views.AuthorizationView):
    template_name = "authorizations/pro/oauth_consent.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # A signed-in practitioner (their second factor passed: the middleware sees to it),
        # who has just proved it is them again.
        return practitioner_required(self._dispatch_after_step_up)(request, *args, **kwargs)

    def _dispatch_after_step_up(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        if not did_recently_reauthenticate(request):
            raise ReauthenticationRequired()
        return cast(HttpResponse, super().dispatch(request, *args, **kwargs))

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = cast(HttpResponse, super().render_to_response(context, **kwargs))
        redirect_uri = context.get("redirect_uri") if not context.get("error") else None
        if redirect_uri:
            # The consent form's answer is a redirect back to the software: browsers hold a
            # form's redirects to the CSP's form-action too, so this page allows the one origin
            # the application registered (the toolkit checked redirect_uri against it).
            parts = urlsplit(str(redirect_uri))
            policy = dict(settings.SECURE_CSP)
            policy["form-action"] = [CSP.SELF, f"{parts.scheme}://{parts.netloc}"]
            response._csp_config = policy  # type: ignore[attr-defined]
        return response

    def form_valid(self, form: AllowForm) -> HttpResponse:
        response = cast(HttpResponse, super().form_valid(form))
        if form.cleaned_data.get("allow") and response.status_code in (301, 302):
            application = Application.objects.filter(
                client_id=form.cleaned_data.get("client_id")
            ).first()
            if application is not None:
                api_grant_record(
                    application=application,
                    user=cast(User, self.request.user),
                    scopes=form.cleaned_data.get("scope", ""),
                )
        return response


def _token_named(raw: object) -> AccessToken | RefreshToken | None:
    """The access or refresh token whose raw value software sent (kept as a checksum)."""
    if not isinstance(raw, str) or not raw or len(raw) > 255:
        return None
    checksum = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    found: AccessToken | RefreshToken | None = (
        AccessToken.objects.select_related("application", "user")
        .filter(token_checksum=checksum)
        .first()
    )
    if found is None:
        found = (
            RefreshToken.objects.select_related("application", "user")
            .filter(token_checksum=checksum)
            .first()
        )
    return found


class AuditedTokenView(oauth_views.TokenView):
    """Tokens issued (for a code or a refresh token) are audit events (R44)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = cast(HttpResponse, super().post(request, *args, **kwargs))
        if response.status_code == 200:
            issued = _token_named(json.loads(response.content).get("access_token"))
            if isinstance(issued, AccessToken):
                api_token_event_record(
                    token=issued,
                    action="api.token_issued",
                    grant_type=str(request.POST.get("grant_type", ""))[:40],
                )
        return response


class AuditedRevokeTokenView(oauth_views.RevokeTokenView):
    """Software giving a token back (RFC 7009) is an audit event too (R44)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = _token_named(request.POST.get("token"))
        response = cast(HttpResponse, super().post(request, *args, **kwargs))
        if response.status_code == 200 and token is not None:
            api_token_event_record(token=token, action="api.token_revoked", grant_type="")
        return response


oauth_urlpatterns: list[URLPattern] = [
    path("authorize/", ConsentView.as_view(), name="authorize"),
    path("token/", AuditedTokenView.as_view(), name="token"),
    path("revoke_token/", AuditedRevokeTokenView.as_view(), name="revoke-token"),
]
