"""Session lifetime (taxpro.middleware): stamp the start of each signed-in session, for the
12-hour limit, and decide what a POST sent after the session ended becomes.

A POST after the timeout is not carried out (the user is signed out first), but what was typed
is not simply dropped: an app may keep it (the request wizard keeps a step's answers in its
draft) by registering a keeper from its ``AppConfig.ready`` (taxpro names no app). Either way
the user is sent to sign in and, once signed in (and past the second factor), back to the page
with a GET.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import Resolver404, resolve
from django.utils.module_loading import import_string

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


@dataclass(frozen=True)
class KeptPost:
    """Where to return after signing in again, and whether what was typed was kept."""

    return_to: str
    kept: bool


PostKeeper = Callable[[HttpRequest], KeptPost | None]
_keepers: list[str] = []


def register_post_keeper(dotted_path: str) -> None:
    """Called by an app's ``ready`` with the dotted path of a :data:`PostKeeper`:
    ``keeper(request)`` keeps a POST it knows (the user is still signed in when it runs) and
    says where to return, or answers ``None``."""
    if dotted_path not in _keepers:
        _keepers.append(dotted_path)


def _csrf_passes(request: HttpRequest) -> bool:
    """The middleware answers before Django's CSRF check runs: run it here, so a forged POST
    can never write into a draft."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    check = CsrfViewMiddleware(lambda _request: HttpResponse())
    return check.process_view(request, match.func, match.args, match.kwargs) is None


def post_after_timeout(request: HttpRequest) -> tuple[str, str]:
    """A POST sent after the session ended, before signing the user out: keep what an app
    keeps, and answer (the page to return to, or "" for the user's home; a sentence to add to
    the signed-out message)."""
    kept = None
    if _csrf_passes(request):
        for dotted_path in _keepers:
            keeper: PostKeeper = import_string(dotted_path)
            kept = keeper(request)
            if kept is not None:
                break
    if kept is not None and kept.kept:
        return kept.return_to, (
            "What you entered was kept; after you sign in you will be back on the page to "
            "check it and continue."
        )
    return_to = kept.return_to if kept is not None else request.path
    if return_to.startswith("/auth/"):
        return_to = ""  # sign-in and sign-out pages: after signing in, the user's home
    return return_to, (
        "What you sent was not carried out; after you sign in you will be back on the page "
        "to send it again."
    )
