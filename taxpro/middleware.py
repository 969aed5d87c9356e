"""Cross-cutting request rules: session lifetime, second factor required, no caching."""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import patch_cache_control

from taxpro import clock
from taxpro.auth_backends import HAS_SECOND_FACTOR, SECOND_FACTOR_TYPES
from taxpro.session_lifetime import (
    SESSION_LAST_SEEN_KEY,
    SESSION_STARTED_KEY,
    post_after_timeout,
)

# The last-seen stamp is rewritten at most this often, to spare a session write per request.
_LAST_SEEN_RESOLUTION = 30.0

# Paths a signed-in user may reach before enrolling a second factor: sign-in and MFA set-up,
# sign-out, assets, health and the public pages.
_OPEN_PREFIXES = ("/auth/", "/static/", "/healthz", "/accessibility/", "/help/", "/favicon")


class SessionLifetimeMiddleware:
    """Sign out after 30 minutes idle or 12 hours in all, whichever comes first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            expired = self._expiry_reason(request)
            if expired:
                # A fragment's URL is no page to come back to: htmx GETs return home.
                htmx_get = getattr(request, "htmx", False) and request.method == "GET"
                return_to = None if htmx_get else request.get_full_path()
                if request.method == "POST":
                    # Issue 10: what was typed is kept where an app can keep it, and sign-in
                    # leads back to the page (a GET) instead of dropping it.
                    return_to, kept = post_after_timeout(request)
                    expired = f"{expired} {kept}"
                logout(request)
                messages.info(request, expired)
                return _redirect_to_sign_in(request, return_to)
        return self.get_response(request)

    @staticmethod
    def _expiry_reason(request: HttpRequest) -> str | None:
        session = request.session
        now = clock.now().timestamp()
        started = session.get(SESSION_STARTED_KEY)
        last_seen = session.get(SESSION_LAST_SEEN_KEY)
        if started is None or last_seen is None:
            # A session from before these stamps existed: start counting now.
            session[SESSION_STARTED_KEY] = session.get(SESSION_STARTED_KEY, now)
            session[SESSION_LAST_SEEN_KEY] = now
            return None
        idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
        total = settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
        if now - started >= total:
            hours = int(total // 3600)
            return f"For your security you were signed out after {hours} hours. Sign in again."
        if now - last_seen >= idle:
            minutes = int(idle // 60)
            return (
                f"For your security you were signed out after {minutes} minutes without "
                "activity. Sign in again."
            )
        if now - last_seen >= _LAST_SEEN_RESOLUTION:
            session[SESSION_LAST_SEEN_KEY] = now
        return None


def _redirect_to_sign_in(request: HttpRequest, return_to: str | None) -> HttpResponse:
    sign_in = reverse(settings.LOGIN_URL)
    if return_to:
        sign_in = redirect_to_login(return_to, sign_in)["Location"]
    if getattr(request, "htmx", False):
        # htmx would swap a sign-in page into a fragment; make the browser navigate instead.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = sign_in
        return response
    return HttpResponseRedirect(sign_in)


def needs_second_factor(user: object) -> bool:
    """Practitioners and staff must hold a TOTP or WebAuthn authenticator before any data."""
    kind = getattr(user, "kind", None)
    if kind not in {"practitioner", "staff"} and not getattr(user, "is_staff", False):
        return False
    held = getattr(user, HAS_SECOND_FACTOR, None)
    if held is not None:
        # Loaded with the user in this request (taxpro.auth_backends): no second query.
        return not held
    return not Authenticator.objects.filter(user=user, type__in=SECOND_FACTOR_TYPES).exists()


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.user.is_authenticated
            and not request.path.startswith(_OPEN_PREFIXES)
            and request.path != "/"
            and needs_second_factor(request.user)
        ):
            messages.warning(
                request,
                "Before you continue, set up a second way to confirm it is you when you sign "
                "in: an authenticator app or a security key.",
            )
            return HttpResponseRedirect(reverse("mfa_index"))
        return self.get_response(request)


class NoStoreForSignedInMiddleware:
    """Pages for a signed-in user hold personal data: no browser or proxy may keep them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, no_store=True, no_cache=True, private=True, max_age=0)
        return response
