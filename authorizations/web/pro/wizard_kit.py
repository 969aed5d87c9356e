"""The machinery both wizards share (the request wizard, ``web/pro/wizard/``, and the forms
upload, ``web/pro/forms_channel/``), after pretix's checkout flow (style.md): a registry of steps
walked by one dispatcher view each. Only what is really the same lives here: the summary row and
the edit of a rows step, reading what was typed and kept (R42), the start page and its list of
unfinished drafts, the discard page, the step page with its indicator and the htmx swap of its
region, turning away a draft sent or discarded, a step POST while the portal is closed, and a
check page reached before every question is answered, the redirect after a POST, and finding
the draft a POST sent after the session ended belongs to (issue 10). Each wizard tells the kit
what it needs of it in one :class:`WizardPages`. The questions, their judging and the sending
stay in each wizard.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from authorizations.models import FormDraft, RequestDraft
from authorizations.services.drafts import RAW
from taxpro.access import practitioner_required
from taxpro.models import User
from taxpro.service_hours.middleware import closed_response, portal_closed_now
from taxpro.session_lifetime import KeptPost
from taxpro.throttle import throttled_or_none
from taxpro.tins import Tin

# The region htmx swaps on every step page: partial name = element id = hx-target (style.md).
STEP_REGION = "wizard-step"
# How many unfinished drafts a start page lists at a time.
DRAFTS_PER_PAGE = 20


class Draft(Protocol):
    public_id: uuid.UUID
    data: Any


@dataclass(frozen=True)
class WizardPages[D: (RequestDraft, FormDraft), S: KitStep[Any]]:
    """What a wizard's shared pages need to know of it: the word for what its draft becomes
    ("request", "upload"), the folder of its start, discard and step templates, and the names of
    its start and discard URLs; and of a draft: the step where it goes on, a step's URL, its
    taxpayer's name, and the page of what it was sent as ("" while unsent), with the sentence
    that says it was sent already."""

    noun: str
    templates: str
    start: str
    discard: str
    first_incomplete: Callable[[D], S]
    step_url: Callable[[D, S], str]
    taxpayer_name: Callable[[D], str]
    sent_url: Callable[[D], str]
    # "This request was already sent": what a page for a draft sent already begins with.
    already_sent: str
    # Keeps a step's POST in the draft as typed, not judged (R42: the portal closed; issue 10:
    # the session ended); False when the step keeps nothing.
    keep_typed: Callable[[HttpRequest, D, S], bool]


def wizard_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page of a wizard: shown (GET) and posted to (POST), by a practitioner only."""
    return require_http_methods(["GET", "POST"])(practitioner_required(view))


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

    def unanswered_message(self) -> str:
        """What the check page says when it sends the practitioner back to this step, still
        unanswered."""
        return f"Answer this step first: {self.title}"


class CheckYourAnswers[D](KitStep[D]):
    """The step both wizards end with, "check your answers" (GOV.UK pattern): not a question,
    since its form posts to the submit, and never complete, so "Continue" always ends on it."""

    slug = "check"
    title = "Check your answers"
    label = "Check"
    is_question = False

    def is_complete(self, draft: D) -> bool:
        return False


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


def signed_in_practitioner(request: HttpRequest) -> User:
    """The practitioner behind the request: ``practitioner_required`` has already turned away
    anyone else, so this only tells the type checker."""
    user = request.user
    assert isinstance(user, User)
    return user


def draft_row[D: (RequestDraft, FormDraft), S: KitStep[Any]](
    pages: WizardPages[D, S], draft: D
) -> tuple[D, str, S, str]:
    """A row of the unfinished drafts: the draft, its taxpayer's name, and the step where it
    goes on with that step's URL."""
    following = pages.first_incomplete(draft)
    return draft, pages.taxpayer_name(draft), following, pages.step_url(draft, following)


def start_page[D: (RequestDraft, FormDraft)](
    request: HttpRequest,
    pages: WizardPages[D, Any],
    drafts: models.QuerySet[D],
    *,
    steps: Sequence[Any],
    throttle: str,
    create: Callable[..., D],
) -> HttpResponse:
    """What the wizard asks (``steps``) and the unfinished ``drafts``, a page at a time, each
    as a :func:`draft_row` (GET); "Start a new ..." (POST): the practitioner's new draft from
    ``create`` (an untouched one is reused, R47), at its first step. Floods: starting faster
    than a person could is answered 429 (throttled as ``throttle``, issue 10)."""
    if request.method == "POST":
        if (throttled := throttled_or_none(request, action=throttle)) is not None:
            return throttled
        draft = create(practitioner=signed_in_practitioner(request))
        return redirect(pages.step_url(draft, pages.first_incomplete(draft)))
    page = Paginator(drafts, DRAFTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [draft_row(pages, draft) for draft in page]
    context = {"pages": pages, "drafts": rows, "page": page, "steps": steps}
    return render(request, f"{pages.templates}start.html", context)


def discard_page[D: (RequestDraft, FormDraft)](
    request: HttpRequest,
    pages: WizardPages[D, Any],
    draft: D,
    *,
    discard: Callable[..., bool],
) -> HttpResponse:
    """Confirm (GET), then ``discard`` the draft (POST). A doubled POST, or a draft discarded
    already, is told so (R47); a draft sent already cannot be discarded."""
    if sent_url := pages.sent_url(draft):
        messages.info(request, f"{pages.already_sent}, so its draft cannot be discarded.")
        return redirect(sent_url)
    if request.method == "POST" or draft.discarded_at is not None:
        if request.method == "POST" and discard(draft=draft):
            messages.success(request, f"The draft {pages.noun} was discarded.")
        else:
            messages.info(request, "This draft was already discarded.")
        return redirect(pages.start)
    context = {"pages": pages, "draft": draft, "taxpayer_name": pages.taxpayer_name(draft)}
    return render(request, f"{pages.templates}discard.html", context)


def gone_from_steps[D: (RequestDraft, FormDraft)](
    request: HttpRequest, pages: WizardPages[D, Any], draft: D
) -> HttpResponse | None:
    """Where a draft no longer walked goes instead of its steps: a sent one to what it became,
    a discarded one back to the start, told so."""
    if sent_url := pages.sent_url(draft):
        return redirect(sent_url)
    if draft.discarded_at is not None:
        messages.info(request, f"That draft was discarded. Start a new {pages.noun}.")
        return redirect(pages.start)
    return None


def unanswered[D: (RequestDraft, FormDraft)](
    request: HttpRequest, pages: WizardPages[D, Any], draft: D
) -> HttpResponse | None:
    """The check page and the submit need every question answered: else, to the first step
    still unanswered, told so."""
    missing = pages.first_incomplete(draft)
    if not missing.is_question:
        return None
    messages.info(request, missing.unanswered_message())
    return redirect(pages.step_url(draft, missing))


def step_elsewhere[D: (RequestDraft, FormDraft), S: KitStep[Any]](
    request: HttpRequest,
    pages: WizardPages[D, S],
    draft: D,
    current: S,
) -> HttpResponse | None:
    """What a step's page answers instead of its own form, if anything: a draft sent or
    discarded goes where :func:`gone_from_steps` says; a POST while the portal is closed keeps
    what it typed and is answered 503, never advancing or sending (R42); and "check
    your answers" is shown only once every question is answered, a POST to it only showing it
    again. None when the step's form is to be shown or judged."""
    if (gone := gone_from_steps(request, pages, draft)) is not None:
        return gone
    if request.method == "POST" and portal_closed_now(request):
        pages.keep_typed(request, draft, current)
        return closed_response(request, saved_draft=True)
    if not current.is_question:
        # The check page's form posts to the submit; a POST here only shows the page again.
        if request.method == "POST":
            return redirect(pages.step_url(draft, current))
        return unanswered(request, pages, draft)
    return None


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


def render_step[D: (RequestDraft, FormDraft), S: KitStep[Any]](
    request: HttpRequest,
    pages: WizardPages[D, S],
    draft: D,
    step: S,
    form: Any,
    *,
    steps: Sequence[S],
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    """The step page of ``step`` among ``steps``: its indicator, counter, form and what
    ``context`` adds; or only its region when htmx asks (it swaps ``#wizard-step``)."""
    template = f"{pages.templates}step.html"
    if getattr(request, "htmx", False):
        template = f"{template}#{STEP_REGION}"
    page = {
        "pages": pages,
        "draft": draft,
        "step": step,
        "steps": step_indicator(draft=draft, steps=steps, current=step, url_of=pages.step_url),
        "step_number": steps.index(step) + 1 if step in steps else 1,
        "step_count": len(steps),
        "form": form,
        "step_url": pages.step_url(draft, step),
    }
    return render(request, template, {**page, **context}, status=status)


def redirect_after_post(request: HttpRequest, url: str) -> HttpResponse:
    """After a POST (PRG); htmx is told to load the page instead of swapping a region."""
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


def keep_timed_out_post[D: (RequestDraft, FormDraft), S: KitStep[Any]](
    request: HttpRequest,
    pages: WizardPages[D, S],
    *,
    model: type[D],
    view_names: set[str],
    step_of: Callable[[str], S],
) -> KeptPost | None:
    """Issue 10: a POST sent after the session ended to one of ``view_names`` (a step, or the
    submit) keeps what was typed in the signed-in practitioner's unfinished draft it names, as
    the wizard keeps a step's POST unjudged, and signing in again returns to the step
    (``step_of`` the slug posted from, "" for the submit). None for any other POST."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    if match.view_name not in view_names:
        return None
    user = request.user
    if not isinstance(user, User):
        return None
    public_id = match.kwargs["public_id"]
    draft = model.objects.owned_by(user).unfinished().filter(public_id=public_id).first()
    if draft is None:
        return None
    current = step_of(str(match.kwargs.get("slug", "")))
    kept = pages.keep_typed(request, draft, current)
    return KeptPost(return_to=pages.step_url(draft, current), kept=kept)
