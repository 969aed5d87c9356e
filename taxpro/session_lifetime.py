"""Stamp the start of each signed-in session, for the 12-hour limit (taxpro.middleware)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from taxpro import clock

SESSION_STARTED_KEY = "taxpro_signed_in_at"
SESSION_LAST_SEEN_KEY = "taxpro_last_seen_at"


@receiver(user_logged_in, dispatch_uid="taxpro_stamp_session_start")
def stamp_session_start(sender: object, request: object, user: object, **kwargs: object) -> None:
    session = getattr(request, "session", None)
    if session is None:
        return
    stamp = clock.now().timestamp()
    session[SESSION_STARTED_KEY] = stamp
    session[SESSION_LAST_SEEN_KEY] = stamp
