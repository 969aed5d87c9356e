"""The request wizard's pages: one dispatcher view walks the step registry (style.md).

Every step is a plain form POST with a redirect after it (PRG); htmx only swaps the step region
(``#wizard-step``) for errors and matter rows. The draft is saved on every POST (R42).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from authorizations.errors import AuthorizationError
from authorizations.models import RequestDraft
from authorizations.web.pro.wizard import selectors, services
from authorizations.web.pro.wizard.forms import (
    DECLARATION,
    KIND_HELP,
    MAX_MATTER_ROWS,
    OTHER_CAF,
    DeclarationForm,
    MattersForm,
    NoticesForm,
    RepresentativeForm,
    TaxpayerForm,
)
from authorizations.web.pro.wizard.steps import (
    CHECK,
    QUESTION_STEPS,
    STEP_BY_SLUG,
    STEPS,
    TIN,
    Step,
    answers_of,
    first_incomplete,
    next_step,
    raw_answers_of,
)
from caf.errors import CafError
from taxpayers.errors import TaxpayerError
from taxpro import clock
from taxpro.access import practitioner_required
from taxpro.errors import TinInvalid
from taxpro.service_hours.middleware import (
    closed_response,
    portal_closed_now,
    saves_draft_while_closed,
)
from taxpro.tins import HolderKind, Tin, tin_parse

STEP_TEMPLATE = "authorizations/pro/wizard/step.html"
RAW_VALUE_LIMIT = 200
DRAFTS_PER_PAGE = 20


def _step_url(draft: RequestDraft, step: Step) -> str:
    return reverse("wizard:step", args=[draft.public_id, step.slug])


# --- Start, resume, discard ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@practitioner_required
def start(request: HttpRequest) -> HttpResponse:
    """What the wizard asks, the unfinished drafts, and "Start a new request" (a POST)."""
    if request.method == "POST":
        draft = services.draft_create(practitioner=request.user)  # type: ignore[arg-type]
        return redirect(_step_url(draft, STEPS[0]))
    page = Paginator(
        selectors.drafts_for(practitioner=request.user),  # type: ignore[arg-type]
        DRAFTS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    drafts = [(draft, first_incomplete(draft)) for draft in page]
    return render(
        request,
        "authorizations/pro/wizard/start.html",
        {"drafts": drafts, "page": page, "steps": QUESTION_STEPS},
    )


@require_http_methods(["GET", "POST"])
@practitioner_required
def discard(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Confirm (GET), then wipe the draft (POST). A doubled POST is told so (R47)."""
    draft = selectors.draft_for(practitioner=request.user, public_id=public_id)  # type: ignore[arg-type]
    if draft.submitted_request is not None:
        messages.info(request, "This request was already sent, so its draft cannot be discarded.")
        return redirect("wizard:done", public_id=draft.public_id)
    if request.method == "POST":
        if services.draft_discard(draft=draft):
            messages.success(request, "The draft request was discarded.")
        else:
            messages.info(request, "This draft was already discarded.")
        return redirect("wizard:start")
    if draft.discarded_at is not None:
        messages.info(request, "This draft was already discarded.")
        return redirect("wizard:start")
    return render(
        request,
        "authorizations/pro/wizard/discard.html",
        {"draft": draft, "taxpayer_name": answers_of(draft, "taxpayer").get("name", "")},
    )


# --- The steps ------------------------------------------------------------------------------


def _quiet_tin(raw: str) -> Tin | None:
    """A TIN worth keeping in the draft (encrypted, R46), or None; no message here."""
    try:
        return tin_parse(raw, holder_kind=HolderKind.INDIVIDUAL)
    except TinInvalid:
        return None


def _raw_from_post(request: HttpRequest, step: Step, form: Any) -> dict[str, Any]:
    """What was typed on a step, without the TIN (R46), each value bounded."""
    if step.slug == "matters":
        return {"rows": MattersForm.rows_from_post(request.POST)}
    names = [name for name in getattr(form, "fields", {}) if name != "tin"]
    return {name: request.POST.get(name, "")[:RAW_VALUE_LIMIT] for name in names}


def _build_form(request: HttpRequest, draft: RequestDraft, step: Step, *, data: Any = None) -> Any:
    """The step's form: bound to ``data``, else to the kept raw answers, else initial."""
    user = request.user
    raw = raw_answers_of(draft, step.slug)
    answers = answers_of(draft, step.slug)
    bound = data if data is not None else raw
    if step.slug == "matters":
        today = clock.today_et()
        if data is not None:
            return MattersForm(rows=MattersForm.rows_from_post(data), today=today, bound=True)
        rows = (raw or answers or {}).get("rows") or [MattersForm.new_row()]
        return MattersForm(rows=rows, today=today, bound=raw is not None)
    kwargs: dict[str, Any] = {"data": bound, "initial": answers}
    if step.slug == "representative":
        records = selectors.linked_caf_records(practitioner=user)  # type: ignore[arg-type]
        kwargs["records"] = records
        kwargs["poa"] = selectors.poa_eligibility(practitioner=user, records=records)  # type: ignore[arg-type]
        if not answers.get("caf_choice") and records:
            kwargs["initial"] = {**answers, "caf_choice": records[0].caf_number}
        return RepresentativeForm(**kwargs)
    if step.slug == "taxpayer":
        return TaxpayerForm(
            stored_tin_last4=answers_of(draft, TIN).get("last4", "")
            if draft.taxpayer_tin_ciphertext
            else "",
            **kwargs,
        )
    if step.slug == "notices":
        return NoticesForm(**kwargs)
    return DeclarationForm(data=data)


def _answers(step: Step, form: Any) -> dict[str, Any]:
    if step.slug == "matters":
        return form.answers()
    answers = {name: value for name, value in form.cleaned_data.items() if name != "tin"}
    return answers


def _render_step(
    request: HttpRequest,
    draft: RequestDraft,
    step: Step,
    form: Any,
    *,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    steps = [
        {
            "step": each,
            "number": index,
            "current": each is step,
            "complete": each.is_complete(draft),
            "url": _step_url(draft, each),
        }
        for index, each in enumerate(STEPS, start=1)
    ]
    context: dict[str, Any] = {
        "draft": draft,
        "step": step,
        "steps": steps,
        "step_number": STEPS.index(step) + 1,
        "step_count": len(STEPS),
        "form": form,
        "step_url": _step_url(draft, step),
        "kind_help": KIND_HELP,
        "other_caf": OTHER_CAF,
    }
    if step.slug == CHECK:
        context.update(
            sections=[
                {"step": each, "rows": each.summary(draft), "url": _step_url(draft, each)}
                for each in QUESTION_STEPS
            ],
            declaration=DECLARATION,
        )
    context.update(extra or {})
    template = f"{STEP_TEMPLATE}#wizard-step" if getattr(request, "htmx", False) else STEP_TEMPLATE
    return render(request, template, context, status=status)


def _matter_rows_action(
    request: HttpRequest, draft: RequestDraft, step: Step, action: str
) -> HttpResponse:
    """ "Add another matter", "Remove" and "Update periods": edit the rows, keep them in the
    draft (R42), and show the step again without judging rows still being written."""
    rows = MattersForm.rows_from_post(request.POST)
    focus_row: int | None = None
    status_text = ""
    if action == "add" and len(rows) < MAX_MATTER_ROWS:
        rows.append(MattersForm.new_row())
        focus_row, status_text = len(rows) - 1, "A tax matter was added."
    elif action == "add":
        status_text = f"A request can have at most {MAX_MATTER_ROWS} rows of tax matters."
    elif action.startswith("remove-"):
        index = action.removeprefix("remove-")
        if index.isdigit() and int(index) < len(rows):
            rows.pop(int(index))
            status_text = "The tax matter was removed."
            focus_row = min(int(index), len(rows) - 1) if rows else None
    elif action.startswith("update"):
        status_text = "The periods were updated for the tax matter."
    form = MattersForm(rows=rows, today=clock.today_et(), bound=False)
    services.draft_save_raw(draft=draft, step=step.slug, answers=form.raw_answers())
    return _render_step(
        request,
        draft,
        step,
        form,
        extra={
            "focus_row": focus_row,
            # After the last row is removed (or at the row limit) focus goes to "Add".
            "focus_add": focus_row is None and not action.startswith("update"),
            "rows_status": status_text,
        },
    )


@saves_draft_while_closed  # R42: a step POST while closed keeps what was typed, then 503.
@require_http_methods(["GET", "POST"])
@practitioner_required
def step(request: HttpRequest, public_id: uuid.UUID, slug: str) -> HttpResponse:
    draft = selectors.draft_for(practitioner=request.user, public_id=public_id)  # type: ignore[arg-type]
    current = STEP_BY_SLUG.get(slug)
    if current is None:
        raise Http404("No such step.")
    return _step_view(request, draft, current)


def _step_view(request: HttpRequest, draft: RequestDraft, step: Step) -> HttpResponse:
    if draft.submitted_request is not None:
        return redirect("wizard:done", public_id=draft.public_id)
    if draft.discarded_at is not None:
        messages.info(request, "That draft was discarded. Start a new request.")
        return redirect("wizard:start")
    if request.method == "POST" and portal_closed_now(request):
        # R42: keep what was posted, never advance and never submit.
        if step.slug != CHECK:
            form = _build_form(request, draft, step)
            services.draft_save_raw(
                draft=draft,
                step=step.slug,
                answers=_raw_from_post(request, step, form),
                tin=_quiet_tin(request.POST.get("tin", "")) if step.slug == "taxpayer" else None,
            )
        return closed_response(request, saved_draft=True)
    if step.slug == CHECK:
        if request.method == "POST":
            return redirect(_step_url(draft, step))
        missing = first_incomplete(draft)
        if missing.slug != CHECK:
            messages.info(request, f"Answer this step first: {missing.title.lower()}.")
            return redirect(_step_url(draft, missing))
        return _render_step(request, draft, step, DeclarationForm())
    if request.method == "GET":
        return _render_step(request, draft, step, _build_form(request, draft, step))
    action = request.POST.get("action", "continue")
    if step.slug == "matters" and action != "continue":
        return _matter_rows_action(request, draft, step, action)
    form = _build_form(request, draft, step, data=request.POST)
    if not form.is_valid():
        # Keep what was typed (R42) and show the errors next to the fields.
        services.draft_save_raw(
            draft=draft,
            step=step.slug,
            answers=_raw_from_post(request, step, form),
            tin=getattr(form, "parsed_tin", None),
        )
        return _render_step(request, draft, step, form)
    draft = services.draft_save_step(
        draft=draft,
        step=step.slug,
        answers=_answers(step, form),
        tin=getattr(form, "parsed_tin", None),
    )
    url = _step_url(draft, next_step(draft, step))
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


# --- Submit and done ----------------------------------------------------------------------


def _error_step(error: AuthorizationError) -> Step:
    """Which step a refusal sends the practitioner back to (never which taxpayer field, R12)."""
    cause = error.__cause__
    field = error.field or ""
    if isinstance(cause, CafError) or field.startswith("representative"):
        return STEP_BY_SLUG["representative"]
    if isinstance(cause, TaxpayerError) or field.startswith("taxpayer"):
        return STEP_BY_SLUG["taxpayer"]
    return STEP_BY_SLUG["matters"]


@require_POST
@practitioner_required
def submit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Send the request (R47: once). Not marked saves_draft_while_closed: closed means 503."""
    draft = selectors.draft_for(practitioner=request.user, public_id=public_id)  # type: ignore[arg-type]
    check = STEP_BY_SLUG[CHECK]
    if draft.submitted_request is not None:
        messages.info(request, "This request was already sent. It was not sent again.")
        return redirect("wizard:done", public_id=draft.public_id)
    missing = first_incomplete(draft)
    if missing.slug != CHECK:
        messages.info(request, f"Answer this step first: {missing.title.lower()}.")
        return redirect(_step_url(draft, missing))
    form = DeclarationForm(data=request.POST)
    if not form.is_valid():
        return _render_step(request, draft, check, form)
    try:
        sent = services.draft_submit(draft=draft, practitioner=request.user)  # type: ignore[arg-type]
    except AuthorizationError as error:
        back = _error_step(error)
        return _render_step(
            request,
            draft,
            check,
            form,
            extra={
                "refusal": str(error),
                "refusal_step": back,
                "refusal_url": _step_url(draft, back),
            },
        )
    if sent.already:
        messages.info(request, "This request was already sent. It was not sent again.")
    else:
        messages.success(request, "Your request was sent to the taxpayer.")
    url = reverse("wizard:done", args=[draft.public_id])
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


@require_http_methods(["GET"])
@practitioner_required
def done(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    draft = selectors.draft_for(practitioner=request.user, public_id=public_id)  # type: ignore[arg-type]
    req = draft.submitted_request
    if req is None:
        return redirect(_step_url(draft, first_incomplete(draft)))
    return render(
        request,
        "authorizations/pro/wizard/done.html",
        {
            "draft": draft,
            "req": req,
            "taxpayer_name": answers_of(draft, "taxpayer").get("name", ""),
            "expires_on": clock.to_et(req.expires_at) if req.expires_at else None,
        },
    )
