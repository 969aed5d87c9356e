"""A database that does not answer gets a friendly 503 page, never a 500 with a traceback.

PostgreSQL restarting, failing over or refusing connections reaches a request as Django's
``OperationalError`` or ``InterfaceError`` from wherever the first query happens: the session,
the signed-in user, a middleware or the view. Every one of those ends in Django's 500 handler
(each middleware's exceptions are turned into a response at its own layer, so no middleware
could catch them all), which is why the outage is recognised there, by the exception in flight.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.views import defaults

DATABASE_TROUBLE = (OperationalError, InterfaceError)
# Seconds a client is asked to wait: a restarted PostgreSQL answers again within seconds.
RETRY_AFTER_SECONDS = 30
OUTAGE_TEMPLATE = "503_database.html"


def is_database_outage(exc: BaseException | None) -> bool:
    """True if ``exc``, or an exception it was raised from or during, is a database outage."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, DATABASE_TROUBLE):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def database_unavailable_response() -> HttpResponse:
    """The 503 page: rendered with an empty context, so it needs no request, user or database."""
    response = HttpResponse(loader.render_to_string(OUTAGE_TEMPLATE), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: Django calls it while handling the exception, so ``sys.exc_info`` names it."""
    if is_database_outage(sys.exc_info()[1]):
        return database_unavailable_response()
    return defaults.server_error(request)
