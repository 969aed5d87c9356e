"""Staff acting on a portal user's account, and ending sessions (issue 10, item 15).

Sessions are allauth's user sessions (``allauth.usersessions``): one row per signed-in session,
made at each sign-in, which ending deletes from the session store too. Every write is audited
(R44) under an ``auth.`` action, next to the sign-in events of :mod:`taxpro.sign_in_audit`.
"""

from __future__ import annotations

from allauth.usersessions.adapter import get_adapter as get_usersessions_adapter
from allauth.usersessions.models import UserSession
from django.db import transaction

from taxpro.audit import audit_record
from taxpro.errors import DomainError
from taxpro.models import User


def user_sessions_end(
    *, user: User, actor: User | None, reason: str, keep_session_key: str | None = None
) -> int:
    """End every session of ``user`` but ``keep_session_key``'s; returns how many ended."""
    sessions = UserSession.objects.filter(user=user)
    if keep_session_key:
        sessions = sessions.exclude(session_key=keep_session_key)
    ending = list(sessions)
    get_usersessions_adapter().end_sessions(ending)
    audit_record(
        action="auth.sessions.ended",
        obj=user,
        actor=actor,
        after={
            "sessions_ended": len(ending),
            "reason": reason,
            "kept_current": bool(keep_session_key),
        },
    )
    return len(ending)


def _account_active_set(*, user: User, actor: User, active: bool) -> None:
    if user.is_active == active:
        return
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_record(
        action="auth.account.enabled" if active else "auth.account.disabled",
        obj=user,
        actor=actor,
        before={"is_active": not active},
        after={"is_active": active},
    )


@transaction.atomic
def user_account_disable(*, user: User, actor: User) -> int:
    """Staff disable an account: it can no longer sign in, and its sessions end now.

    Returns the number of sessions ended. A session that predates user sessions is refused at its
    next request anyway: Django's sign-in backend does not return an inactive user.
    """
    if user.pk == actor.pk:
        raise DomainError("You cannot disable your own account.")
    _account_active_set(user=user, actor=actor, active=False)
    return user_sessions_end(user=user, actor=actor, reason="account disabled")


@transaction.atomic
def user_account_enable(*, user: User, actor: User) -> None:
    _account_active_set(user=user, actor=actor, active=True)
