from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.http import HttpRequest

from taxpro.mfa_secrets import mfa_secret_decrypt, mfa_secret_encrypt
from taxpro.models import UserKind
from taxpro.sign_in_audit import record_password_failure


class PortalAccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        # A user is one kind for life, chosen at sign-up; staff are never made by sign-up.
        user.kind = form.cleaned_data["kind"]
        return super().save_user(request, user, form, commit=commit)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        kind = getattr(request.user, "kind", None)
        if kind == UserKind.PRACTITIONER:
            return "/pro/"
        if kind == UserKind.TAXPAYER:
            return "/account/"
        if kind == UserKind.STAFF:
            return "/admin/"
        return "/"

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        # Issue 10, item 14: a wrong password, at sign-in or at a step-up, is an audit event;
        # the one that uses up allauth's allowance of failures is recorded as the lockout. The
        # credentials hold the password: only the login is passed on.
        super().authentication_failed(request, **credentials)
        record_password_failure(
            request,
            login=credentials.get("email", credentials.get("username", "")),
            lockout_key=self._get_login_attempts_cache_key(request, **credentials),
        )


class PortalMFAAdapter(DefaultMFAAdapter):
    """Second-factor secrets are encrypted at rest, like TINs (issue 10, item 13)."""

    def encrypt(self, text: str) -> str:
        return mfa_secret_encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return mfa_secret_decrypt(encrypted_text)
