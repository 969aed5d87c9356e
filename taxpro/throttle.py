"""Floods (issue 10, quality.md): what a person could not do as fast as a script is slowed with
a clear 429 page, never dropped in silence, and the refusal is audited.

The counting is allauth's (its rate limiter's ``consume``, rates in
``ACCOUNT_RATE_LIMITS``, kept in the shared cache); this module only words the answer: a
``Retry-After`` header and the page ``templates/429.html`` saying when to try again.
"""

from __future__ import annotations

import datetime as dt
import math
import time

from allauth.core.internal.ratelimit import consume as rate_consume
from allauth.core.internal.ratelimit import get_cache_key, get_rates
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from taxpro import clock
from taxpro.audit import audit_record

_APP = "allauth.account"  # allauth.core.ratelimit reads the account app's RATE_LIMITS


def retry_after_seconds(
    request: HttpRequest, *, action: str, user: object = None, key: str | None = None
) -> int:
    """Seconds until ``action`` is allowed again: when the oldest use that fills a full window
    drops out of it (allauth keeps each window's uses newest first)."""
    now = time.time()
    waits = [1.0]
    for rate in get_rates(app=_APP, action=action):
        cache_key = get_cache_key(request, app=_APP, action=action, rate=rate, key=key, user=user)
        history = [t for t in cache.get(cache_key, []) if t > now - rate.duration]
        if len(history) >= rate.amount:
            waits.append(history[rate.amount - 1] + rate.duration - now)
    return max(1, math.ceil(max(waits)))


def throttle_wait(
    request: HttpRequest,
    *,
    action: str,
    user: object = None,
    key: str | None = None,
    limit_get: bool = False,
) -> int | None:
    """Count one use of ``action``; ``None`` while within the limits, else the seconds to wait
    (the refusal audited once per blocked window). ``limit_get``: count GETs too (the API's
    reads; a page's GETs are never limited)."""
    usage = rate_consume(request, app=_APP, action=action, user=user, key=key, limit_get=limit_get)
    if usage is not None:
        return None
    wait = retry_after_seconds(request, action=action, user=user, key=key)
    who = user if user is not None else request.user
    # One audit event per blocked window, not one per refused request: a script hammering the
    # page must not write a row each time.
    marker = f"taxpro:throttled:{action}:{getattr(who, 'pk', '')}:{key or ''}"
    if cache.add(marker, True, timeout=wait):
        audit_record(
            action="throttled",
            obj=who,  # type: ignore[arg-type]
            actor=request.user if request.user.is_authenticated else who,
            after={"limit": action, "path": request.path, "retry_after_seconds": wait},
        )
    return wait


def throttled_or_none(
    request: HttpRequest, *, action: str, user: object = None, key: str | None = None
) -> HttpResponse | None:
    """Count one use of ``action``; ``None`` while within the limits, else the 429 page.

    ``user`` is who the limit is kept for (default: the signed-in user); ``key`` names a
    narrower limit (a practitioner and one taxpayer), never a TIN itself."""
    wait = throttle_wait(request, action=action, user=user, key=key)
    if wait is None:
        return None
    return too_many_requests(request, retry_after=wait)


def too_many_requests(
    request: HttpRequest, *, retry_after: int, attempts: bool = False, kept_input: bool = False
) -> HttpResponse:
    """The 429 page with its Retry-After: ``attempts`` for tries at one answer (a CAF number),
    else a flood; ``kept_input`` when what the user sent was saved."""
    response = render(
        request,
        "429.html",
        {
            "retry_after_minutes": max(1, math.ceil(retry_after / 60)),
            "retry_at": clock.now() + dt.timedelta(seconds=retry_after),
            "attempts": attempts,
            "kept_input": kept_input,
        },
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response
