"""The machinery both wizards share (the request wizard, ``web/pro/wizard/``, and the forms
upload, ``web/pro/forms_channel/``), after pretix's checkout flow (style.md): a registry of steps
walked by one dispatcher view each. Only what is really the same lives here: the summary row and
the edit of a rows step, reading what was typed and kept (R42), the step indicator, the htmx
swap of the step region, the redirect after a POST, and finding the draft a POST sent after the
session ended belongs to (issue 10). The questions, their judging and the sending stay in each
wizard.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django_htmx.http import HttpResponseClientRedirect

from authorizations.services.drafts import RAW
from taxpro.models import User
from taxpro.tins import Tin

# The region htmx swaps on every step page: partial name = element id = hx-target (style.md).
STEP_REGION = "wizard-step"


class Draft(Protocol):
    public_id: uuid.UUID
    data: Any


class KitStep[D]:
    """What every step of either wizard declares (after pretix's checkout flow): its slug (in
    its URL), title and short label (in the step indicator), and its form; whether it asks
    questions (the "check your answers" step does not: its form posts to the submit); and when
    it is complete. Each wizard's ``Step`` adds how its form is built from the draft and what of
    a POST is kept."""

    slug: ClassVar[str]
    title: ClassVar[str]
    # The short label in the step indicator.
    label: ClassVar[str]
    form_class: ClassVar[type[Any]]
    is_question: ClassVar[bool] = True

    def is_complete(self, draft: D) -> bool:
        raise NotImplementedError

    def tin(self, form: Any) -> Tin | None:
        """The TIN a posted form parsed, kept encrypted apart from the answers (R46)."""
        return None

    def typed_tin(self, post: Mapping[str, Any]) -> Tin | None:
        """A TIN worth keeping from a POST that is not judged (the portal is closed, R42)."""
        return None

    def context(self, draft: D) -> dict[str, Any]:
        """What the step's template needs besides its form."""
        return {}


@dataclass(frozen=True)
class SummaryRow:
    """One row of "check your answers": the question and the lines of its answer."""

    question: str
    lines: list[str]


@dataclass(frozen=True)
class Edit:
    """A rows step's own button other than "Continue": the rows as edited, what is kept in the
    draft, and what the page says about it."""

    form: Any
    typed: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)


def raw_answers_of(draft: Draft, slug: str) -> dict[str, Any] | None:
    """What was typed on a step and kept without being valid yet (R42), or None."""
    raw = draft.data.get(RAW, {})
    value = raw.get(slug) if isinstance(raw, dict) else None
    return value if isinstance(value, dict) else None


def step_indicator[S: KitStep[Any]](
    *, draft: Draft, steps: Sequence[S], current: S, url_of: Callable[[Any, S], str]
) -> list[dict[str, Any]]:
    """The step indicator's segments: each step, whether it is the current one or complete,
    and its URL (a complete step is a link back to it)."""
    return [
        {
            "step": each,
            "number": index,
            "current": each is current,
            "complete": each.is_complete(draft),
            "url": url_of(draft, each),
        }
        for index, each in enumerate(steps, start=1)
    ]


def render_step(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """The step page, or only its region when htmx asks (it swaps ``#wizard-step``)."""
    if getattr(request, "htmx", False):
        template = f"{template}#{STEP_REGION}"
    return render(request, template, context, status=status)


def redirect_after_post(request: HttpRequest, url: str) -> HttpResponse:
    """After a POST (PRG); htmx is told to load the page instead of swapping a region."""
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


def draft_of_timed_out_post[D: models.Model](
    request: HttpRequest,
    *,
    view_names: set[str],
    unfinished_of: Callable[[User], models.QuerySet[D]],
) -> tuple[D, str] | None:
    """Issue 10: the unfinished draft a POST sent after the session ended was for, with the
    slug of the step it was sent from ("" for the submit), or None when the POST was not to one
    of ``view_names`` or names no draft of the signed-in practitioner."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    if match.view_name not in view_names:
        return None
    user = request.user
    if not isinstance(user, User):
        return None
    draft = unfinished_of(user).filter(public_id=match.kwargs["public_id"]).first()
    if draft is None:
        return None
    return draft, str(match.kwargs.get("slug", ""))
