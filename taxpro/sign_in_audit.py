"""Sign-ins leave a trace (issue 10, items 8 and 14): every sign-in, failure, lockout, use and
failure of a second factor, step-up (re-authentication) and sign-out is an audit event (R44)
that staff find in the admin (the audit trail's "Sign-in and account security" filter).

The events come from Django's and allauth's signals, connected by importing this module in
``TaxproConfig.ready()``, and from the account adapter's ``authentication_failed`` hook
(taxpro.adapters), the one place a wrong password is seen. An event holds who, from which
address and how; never a password, a code or a secret, and a typed login only when it is an
e-mail address (a password typed into the wrong box must not land in the trail).

Lockouts are allauth's rate limit on failed attempts ("login_failed" in ACCOUNT_RATE_LIMITS:
per address, and per account for passwords and second factors alike). The failure that uses up
the allowance is recorded as the lockout; attempts refused while locked are refused by allauth
before any code or password is checked.
"""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.signals import authentication_step_completed
from allauth.core import ratelimit
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.dispatch import receiver
from django.http import HttpRequest

from taxpro.audit import audit_record
from taxpro.models import User
from taxpro.user_accounts import user_sessions_end

# Every action written here and in taxpro.user_accounts, with the words staff read in the admin.
SIGN_IN_ACTIONS = {
    "auth.sign_in.succeeded": "Signed in",
    "auth.sign_in.failed": "Sign-in failed (wrong e-mail address or password)",
    "auth.sign_in.locked_out": "Sign-in locked after too many failures",
    "auth.sign_out": "Signed out",
    "auth.second_factor.used": "Second factor used",
    "auth.second_factor.failed": "Second factor failed (wrong code)",
    "auth.second_factor.locked_out": "Second factor locked after too many failures",
    "auth.second_factor.added": "Second factor added",
    "auth.second_factor.removed": "Second factor removed",
    "auth.second_factor.reset": "Recovery codes replaced",
    "auth.step_up.succeeded": "Identity confirmed again (step-up)",
    "auth.step_up.failed": "Step-up failed",
    "auth.step_up.locked_out": "Step-up locked after too many failures",
    "auth.sessions.ended": "Sessions ended",
    "auth.account.disabled": "Account disabled by staff",
    "auth.account.enabled": "Account enabled by staff",
}
SIGN_IN_ACTION_PREFIX = "auth."

logger = logging.getLogger("taxpro.sign_in")

# allauth's second-factor forms count failures against "login_failed" under this key.
_MFA_RATE_LIMIT_KEY = "mfa-auth-user-{pk}"


def client_ip(request: HttpRequest | None) -> str:
    """The client's address as allauth sees it (its proxy settings apply), or "" if unknown."""
    if request is None:
        return ""
    try:
        return str(get_account_adapter().get_client_ip(request))
    except PermissionDenied:
        return ""


def typed_login(value: object) -> str:
    """What was typed as the login, if it is an e-mail address; never anything else."""
    text = str(value or "").strip()[:254]
    try:
        validate_email(text)
    except ValidationError:
        return "(not an e-mail address)"
    return text.lower()


def is_locked_out(request: HttpRequest, *, key: str) -> bool:
    """Whether the next failed attempt under ``key`` would be refused (a dry run: nothing used)."""
    return not ratelimit.consume(request, action="login_failed", key=key, dry_run=True)


def _record(
    action: str,
    *,
    request: HttpRequest | None,
    user: User | None,
    actor: User | None = None,
    **details: Any,
) -> None:
    ip = client_ip(request)
    audit_record(
        action=action,
        obj=user,
        actor=actor,
        actor_label="" if actor is not None else "sign-in attempt",
        after={"ip": ip, **details},
    )
    # The log names the account by its id only: e-mail addresses stay in the audit trail.
    logger.info("%s user=%s ip=%s", action, user.pk if user is not None else "-", ip or "-")


def _email_of(user: User | None) -> str:
    return (user.email or "").lower() if user is not None else ""


# --- Passwords (called by taxpro.adapters.PortalAccountAdapter) ------------------------------


def record_password_failure(request: HttpRequest, *, login: object, lockout_key: str) -> None:
    """A wrong e-mail address or password, at sign-in or at a step-up."""
    signed_in = getattr(request, "user", None)
    if signed_in is not None and signed_in.is_authenticated:
        # A step-up: the person is signed in and failed to give their password again.
        assert isinstance(signed_in, User)
        _record(
            "auth.step_up.failed",
            request=request,
            user=signed_in,
            actor=signed_in,
            method="password",
            email=_email_of(signed_in),
        )
        locked_action = "auth.step_up.locked_out"
        user: User | None = signed_in
    else:
        email = typed_login(login)
        user = User.objects.filter(email__iexact=email).first() if "@" in email else None
        _record("auth.sign_in.failed", request=request, user=user, email=email)
        locked_action = "auth.sign_in.locked_out"
    if is_locked_out(request, key=lockout_key):
        _record(
            locked_action, request=request, user=user, email=_email_of(user) or typed_login(login)
        )


# --- Signals -----------------------------------------------------------------------------------


@receiver(user_logged_in, dispatch_uid="taxpro_audit_sign_in")
def on_signed_in(sender: object, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    methods = sorted(
        {
            str(record.get("type") or record.get("method"))
            for record in (session.get("account_authentication_methods", []) if session else [])
            if isinstance(record, dict)
        }
    )
    _record(
        "auth.sign_in.succeeded",
        request=request,
        user=user,
        actor=user,
        email=_email_of(user),
        methods=methods,
    )


@receiver(user_logged_out, dispatch_uid="taxpro_audit_sign_out")
def on_signed_out(
    sender: object, request: HttpRequest | None, user: User | None, **kwargs: Any
) -> None:
    if user is None:
        return
    _record("auth.sign_out", request=request, user=user, actor=user, email=_email_of(user))


@receiver(mfa_signals.authenticator_used, dispatch_uid="taxpro_audit_second_factor_used")
def on_second_factor_used(
    sender: object,
    request: HttpRequest,
    user: User,
    authenticator: Authenticator,
    reauthenticated: bool = False,
    **kwargs: Any,
) -> None:
    if reauthenticated:
        return  # recorded as a step-up by on_step_completed
    _record(
        "auth.second_factor.used",
        request=request,
        user=user,
        actor=None,
        email=_email_of(user),
        type=authenticator.type,
    )


@receiver(mfa_signals.authentication_failed, dispatch_uid="taxpro_audit_second_factor_failed")
def on_second_factor_failed(
    sender: object,
    request: HttpRequest,
    user: User,
    authenticator: Authenticator,
    reauthentication: bool = False,
    **kwargs: Any,
) -> None:
    prefix = "auth.step_up" if reauthentication else "auth.second_factor"
    actor = user if reauthentication else None
    details = {"email": _email_of(user), "type": authenticator.type, "method": "mfa"}
    _record(f"{prefix}.failed", request=request, user=user, actor=actor, **details)
    if is_locked_out(request, key=_MFA_RATE_LIMIT_KEY.format(pk=user.pk)):
        _record(f"{prefix}.locked_out", request=request, user=user, actor=actor, **details)


@receiver(authentication_step_completed, dispatch_uid="taxpro_audit_step_up")
def on_step_completed(
    sender: object, request: HttpRequest, user: User, method: str, **kwargs: Any
) -> None:
    if not kwargs.get("reauthenticated"):
        return  # a step of signing in: the sign-in itself is recorded by on_signed_in
    details: dict[str, Any] = {"email": _email_of(user), "method": method}
    if kwargs.get("type"):
        details["type"] = kwargs["type"]
    _record("auth.step_up.succeeded", request=request, user=user, actor=user, **details)


# What each change of a second factor records, and why the other sessions end (if they do).
_SECOND_FACTOR_CHANGES = {
    mfa_signals.authenticator_added: ("auth.second_factor.added", "second factor added"),
    mfa_signals.authenticator_removed: ("auth.second_factor.removed", "second factor removed"),
    mfa_signals.authenticator_reset: ("auth.second_factor.reset", ""),
}


def on_second_factor_changed(
    sender: object,
    signal: object,
    request: HttpRequest,
    user: User,
    authenticator: Authenticator,
    **kwargs: Any,
) -> None:
    action, reason = _SECOND_FACTOR_CHANGES[signal]  # type: ignore[index]
    _record(action, request=request, user=user, actor=user, type=authenticator.type)
    # Issue 10, item 15: when a second factor comes or goes, whoever else is signed in as this
    # user loses their session. Recovery codes come and go with the factor they back up.
    if reason and authenticator.type != Authenticator.Type.RECOVERY_CODES:
        user_sessions_end(
            user=user, actor=user, reason=reason, keep_session_key=request.session.session_key
        )


for _signal, (_action, _reason) in _SECOND_FACTOR_CHANGES.items():
    _signal.connect(on_second_factor_changed, dispatch_uid=f"taxpro_audit_{_action}")
