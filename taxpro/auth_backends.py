"""The user of a signed-in request, loaded with whether they hold a second factor.

Every signed-in request loads the user (Django's AuthenticationMiddleware) and then asked, in a
query of its own, whether a practitioner or staff user holds a TOTP or WebAuthn authenticator
(taxpro.middleware.needs_second_factor). Issue 12: the answer now comes in the user's own query
(an EXISTS column), read afresh on every request, so enrolling or removing an authenticator counts
from the next request on exactly as before, and nothing is kept in the session.
"""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from allauth.mfa.models import Authenticator
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db.models import Exists, OuterRef

from taxpro.models import User

# What needs_second_factor reads from a user loaded here instead of querying again.
HAS_SECOND_FACTOR = "holds_second_factor"
SECOND_FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def _user_with_second_factor(backend: DjangoModelBackend, user_id: Any) -> User | None:
    """ModelBackend.get_user with the authenticator check as a column of the same query."""
    try:
        user = User._default_manager.annotate(
            **{
                HAS_SECOND_FACTOR: Exists(
                    Authenticator.objects.filter(
                        user_id=OuterRef("pk"), type__in=SECOND_FACTOR_TYPES
                    )
                )
            }
        ).get(pk=user_id)
    except User.DoesNotExist:
        return None
    return user if backend.user_can_authenticate(user) else None


class ModelBackend(DjangoModelBackend):
    """Django's backend (what force_login and the admin use), one query per signed-in user."""

    def get_user(self, user_id: Any) -> User | None:  # type: ignore[override]
        return _user_with_second_factor(self, user_id)


class AuthenticationBackend(AllauthBackend):
    """allauth's backend (what signing in by e-mail uses), one query per signed-in user."""

    def get_user(self, user_id: Any) -> User | None:  # type: ignore[override]
        return _user_with_second_factor(self, user_id)
