"""R40-R42: outside the hours of service every /pro/ page answers the closed page."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from taxpro import clock
from taxpro.problems import problem_response
from taxpro.service_hours.hours import HOURS_SUMMARY
from taxpro.service_hours.selectors import (
    portal_closure_reason,
    portal_is_open,
    portal_next_opening,
)

PRACTITIONER_PREFIX = "/pro/"
# Issue 14: the practitioners' API and the consent page their software sends them to close too.
API_PREFIX = "/api/"
CONSENT_PATH = "/oauth/authorize/"
API_DOCUMENT = "/openapi.json"
SAVED_DRAFT = (
    "What you entered on the page you sent was saved in your draft request. When the portal "
    "opens, continue it from your home page."
)

# A view marked with this attribute keeps what a practitioner posted while the portal is shut
# (the wizard saves the step as a draft, R42 "nothing they had entered is lost") and then answers
# with closed_response() itself. It must never submit, withdraw or change anything else.
SAVES_DRAFT_WHILE_CLOSED = "saves_draft_while_closed"


def saves_draft_while_closed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    setattr(view, SAVES_DRAFT_WHILE_CLOSED, True)
    return view


def portal_closed_now(request: HttpRequest) -> bool:
    """Computed once per request from the time and the windows (R41), then kept on it."""
    cached = getattr(request, "_portal_closed", None)
    if cached is None:
        cached = not portal_is_open(clock.now())
        request._portal_closed = cached  # type: ignore[attr-defined]
    return bool(cached)


def closed_response(request: HttpRequest, *, saved_draft: bool = False) -> HttpResponse:
    """The 503 closed page, with Retry-After and the next opening in Eastern Time."""
    now = clock.now()
    opening = portal_next_opening(now)
    response = TemplateResponse(
        request,
        "503.html",
        {
            "next_opening": opening,
            "reason": portal_closure_reason(now),
            "service_hours_summary": HOURS_SUMMARY,
            "saved_draft": saved_draft,
        },
        status=503,
    )
    response["Retry-After"] = str(max(1, math.ceil((opening - now).total_seconds())))
    # Being closed is the schedule working, not a server fault: keep it out of the error log.
    response._has_been_logged = True  # type: ignore[attr-defined]
    response.render()
    if getattr(request, "htmx", False):
        # htmx swaps only 2xx answers by default: the browser reloads onto the closed page
        # instead. Added after rendering, the message waits for that reload.
        response["HX-Refresh"] = "true"
        if saved_draft:
            messages.info(request, SAVED_DRAFT)
            _keep_messages_past_a_5xx(request, response)
    return response


def closed_problem() -> HttpResponse:
    """The API's closed answer: the same 503 and Retry-After as the page, as a problem document
    (software reads JSON, not the closed page)."""
    now = clock.now()
    opening = portal_next_opening(now)
    opening_et = clock.to_et(opening)
    return problem_response(
        status=503,
        kind="service-closed",
        title="Tax Pro Portal is closed now",
        detail=(
            f"{portal_closure_reason(now)} It opens again at {opening_et:%-I:%M %p} ET on "
            f"{opening_et:%A, %B %-d}."
        ),
        headers={"Retry-After": str(max(1, math.ceil((opening - now).total_seconds())))},
        next_opening=opening.isoformat(),
        service_hours=HOURS_SUMMARY,
    )


def _keep_messages_past_a_5xx(request: HttpRequest, response: HttpResponse) -> None:
    """Messages live in the session, and Django's session middleware saves nothing on a 5xx
    answer: store them and save the session now, so the reload after this 503 shows them."""
    storage = getattr(request, "_messages", None)
    session = getattr(request, "session", None)
    if storage is None or session is None:
        return
    storage.update(response)
    session.save()


class ServiceHoursMiddleware:
    """Closes /pro/ outside the hours. Taxpayers (/account/) and staff (/admin/) stay open."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        path = request.path
        is_api = path.startswith(API_PREFIX)
        if not (path.startswith(PRACTITIONER_PREFIX) or is_api or path == CONSENT_PATH):
            return None
        if path.endswith(API_DOCUMENT):
            return None  # the API's description is reference, read at any hour
        if not portal_closed_now(request):
            return None
        if is_api:
            return closed_problem()
        if request.method == "POST" and getattr(view_func, SAVES_DRAFT_WHILE_CLOSED, False):
            return None  # the view saves the draft, then answers closed_response() itself
        return closed_response(request)
