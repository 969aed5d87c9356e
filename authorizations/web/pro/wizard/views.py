"""The request wizard's pages: one dispatcher view walks the step registry (style.md).

Every step is a plain form POST with a redirect after it (PRG); htmx only swaps the step region
(``#wizard-step``) for errors and matter rows. The draft is saved on every POST (R42).
"""

from __future__ import annotations

import uuid
from typing import Any

from allauth.core import ratelimit
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from redis.exceptions import RedisError

from authorizations.errors import AuthorizationError
from authorizations.models import RequestDraft
from authorizations.services import correction_approvable_from
from authorizations.services.drafts import draft_save_answers
from authorizations.web.pro import wizard_kit
from authorizations.web.pro.wizard import selectors, services
from authorizations.web.pro.wizard.forms import KIND_HELP, OTHER_CAF
from authorizations.web.pro.wizard.steps import (
    CHECK_STEP,
    QUESTION_STEPS,
    STEP_BY_SLUG,
    STEPS,
    Step,
    answers_of,
    first_incomplete,
    next_step,
    refusal_step,
    step_url,
)
from taxpro import clock
from taxpro.access import practitioner_required
from taxpro.models import User
from taxpro.service_hours.middleware import saves_draft_while_closed
from taxpro.session_lifetime import KeptPost
from taxpro.throttle import throttled_or_none, too_many_requests
from taxpro.tin_crypto import tin_decrypt, tin_lookup_hash

CAF_CHECK_ACTION = "wizard_caf_check"  # its rate is in settings.ACCOUNT_RATE_LIMITS


def _sent_url(draft: RequestDraft) -> str:
    """The page that says the request was sent, once it was, else ""."""
    if draft.submitted_request is None:
        return ""
    return reverse("authorizations_pro:wizard_done", args=[draft.public_id])


def _taxpayer_name(draft: RequestDraft) -> str:
    return str(answers_of(draft, "taxpayer").get("name", ""))


def _keep_typed(request: HttpRequest, draft: RequestDraft, current: Step) -> bool:
    """Keep a question step's answers as typed, not judged (R42, and after a timeout). The
    check page's declaration is all its POST carries: nothing is kept of it (False)."""
    if not current.is_question:
        return False
    form = current.form(draft=draft, practitioner=wizard_kit.signed_in_practitioner(request))
    draft_save_answers(
        draft=draft,
        step=current.slug,
        answers=_storable(current.typed(post=request.POST, form=form)),
        valid=False,
        tin=current.typed_tin(request.POST),
    )
    return True


def _storable(value: Any) -> Any:
    """What typed answers may hold in the draft's JSON: PostgreSQL refuses NUL, and no other
    control character belongs in a name or an address."""
    if isinstance(value, str):
        return "".join(ch for ch in value if ch.isprintable() or ch in "\t\n")
    if isinstance(value, dict):
        return {key: _storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return value


PAGES = wizard_kit.WizardPages[RequestDraft, Step](
    noun="request",
    templates="authorizations/pro/wizard/",
    start="authorizations_pro:wizard_start",
    discard="authorizations_pro:wizard_discard",
    first_incomplete=first_incomplete,
    step_url=step_url,
    taxpayer_name=_taxpayer_name,
    sent_url=_sent_url,
    already_sent="This request was already sent",
    keep_typed=_keep_typed,
)


def _draft(request: HttpRequest, public_id: uuid.UUID) -> RequestDraft:
    practitioner = wizard_kit.signed_in_practitioner(request)
    return selectors.draft_for(practitioner=practitioner, public_id=public_id)


# --- Start, resume, discard ---------------------------------------------------------------


@wizard_kit.wizard_page
def start(request: HttpRequest) -> HttpResponse:
    """What the wizard asks, the unfinished drafts, and "Start a new request" (a POST)."""
    drafts = selectors.drafts_for(practitioner=wizard_kit.signed_in_practitioner(request))
    return wizard_kit.start_page(
        request,
        PAGES,
        drafts,
        steps=QUESTION_STEPS,
        throttle="request_start",
        create=services.draft_create,
    )


@wizard_kit.wizard_page
def discard(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Confirm (GET), then wipe the draft (POST). A doubled POST is told so (R47)."""
    draft = _draft(request, public_id)
    return wizard_kit.discard_page(request, PAGES, draft, discard=services.draft_discard)


# --- The steps ------------------------------------------------------------------------------


def _render_step(
    request: HttpRequest,
    draft: RequestDraft,
    step: Step,
    form: Any,
    *,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    context = {"kind_help": KIND_HELP, "other_caf": OTHER_CAF, **step.context(draft)}
    return wizard_kit.render_step(
        request, PAGES, draft, step, form, steps=STEPS, context=context | (extra or {})
    )


@saves_draft_while_closed  # R42: a step POST while closed keeps what was typed, then 503.
@wizard_kit.wizard_page
def step(request: HttpRequest, public_id: uuid.UUID, slug: str) -> HttpResponse:
    """Every step, through the registry: show its form, or keep what was posted and move on."""
    practitioner = wizard_kit.signed_in_practitioner(request)
    draft = selectors.draft_for(practitioner=practitioner, public_id=public_id)
    current = STEP_BY_SLUG.get(slug)
    if current is None:
        raise Http404("No such step.")
    if (elsewhere := wizard_kit.step_elsewhere(request, PAGES, draft, current)) is not None:
        return elsewhere
    if request.method == "GET":
        form = current.form(draft=draft, practitioner=practitioner)
        return _render_step(request, draft, current, form)
    return _post_answers(request, draft, current, practitioner)


_KEPT_AFTER_TIMEOUT = {"authorizations_pro:wizard_step", "authorizations_pro:wizard_submit"}


def keep_step_after_timeout(request: HttpRequest) -> KeptPost | None:
    """Issue 10: a step sent after the session ended keeps its answers in the draft, and
    signing in again returns to the step (registered in ``AuthorizationsConfig.ready``); a
    submit returns to the check page."""
    return wizard_kit.keep_timed_out_post(
        request,
        PAGES,
        model=RequestDraft,
        view_names=_KEPT_AFTER_TIMEOUT,
        step_of=lambda slug: STEP_BY_SLUG.get(slug, CHECK_STEP),
    )


def _post_answers(
    request: HttpRequest, draft: RequestDraft, current: Step, practitioner: User
) -> HttpResponse:
    """A question step posted: keep it in the draft, valid or not (R42), then move on."""
    edit = current.edit(post=request.POST, action=request.POST.get("action", "continue"))
    if edit is not None:
        # Rows edited are kept and shown again, not judged while still being written.
        draft_save_answers(draft=draft, step=current.slug, answers=edit.typed, valid=False)
        return _render_step(request, draft, current, edit.form, extra=edit.extra)
    form = current.form(draft=draft, practitioner=practitioner, data=request.POST)
    valid = form.is_valid()
    if valid and current.checks_caf_file(form):
        valid, throttled = _check_caf_file(request, draft, form, practitioner)
        if throttled is not None:
            draft_save_answers(
                draft=draft,
                step=current.slug,
                answers=current.typed(post=request.POST, form=form),
                valid=False,
            )
            return throttled
    draft = draft_save_answers(
        draft=draft,
        step=current.slug,
        # Invalid: keep what was typed and show the errors next to the fields.
        answers=current.answers(form) if valid else current.typed(post=request.POST, form=form),
        valid=valid,
        tin=current.tin(form),
    )
    if not valid:
        return _render_step(request, draft, current, form)
    return wizard_kit.redirect_after_post(request, step_url(draft, next_step(draft, current)))


def _count_caf_refusal(request: HttpRequest, practitioner: User, *, dry_run: bool = False) -> bool:
    """allauth's rate limiter, kept in the shared cache: False once the limit is reached. With
    the cache unreachable the check goes on unlimited (its refusals are still audited) rather
    than failing the page (quality.md: a Redis outage gives no 5xx)."""
    try:
        return ratelimit.consume(
            request, action=CAF_CHECK_ACTION, user=practitioner, dry_run=dry_run
        )
    except RedisError:
        return True


def _check_caf_file(
    request: HttpRequest, draft: RequestDraft, form: Any, practitioner: User
) -> tuple[bool, HttpResponse | None]:
    """R3 with R12's spirit: a CAF number typed at its step is checked against the CAF file,
    with one answer for every refusal; refusals are audited and counted by allauth's rate
    limiter (``CAF_CHECK_REFUSALS_PER_HOUR``), past which the answer is a 429 page and what
    was typed is kept."""
    if not _count_caf_refusal(request, practitioner, dry_run=True):
        services.draft_caf_number_throttled(draft=draft, practitioner=practitioner)
        minutes = 60  # the window of the "/h" rate: the oldest refusal leaves it within an hour
        response = too_many_requests(
            request, retry_after=minutes * 60, attempts=True, kept_input=True
        )
        if getattr(request, "htmx", False):
            # htmx does not swap a 429 in: it reloads the step, which shows this message.
            messages.error(
                request,
                f"Too many attempts. Try again in {minutes} minutes. What you entered was saved.",
            )
            response["HX-Refresh"] = "true"
        return False, response
    refusal = services.draft_caf_number_check(
        draft=draft, practitioner=practitioner, answers=form.cleaned_data
    )
    if refusal is None:
        return True, None
    _count_caf_refusal(request, practitioner)
    form.add_error("caf_number", refusal)  # the message names all three; R12: not which
    return False, None


# --- Submit and done ----------------------------------------------------------------------


@require_POST
@practitioner_required
def submit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Send the request (R47: once). Not marked saves_draft_while_closed: closed means 503."""
    practitioner = wizard_kit.signed_in_practitioner(request)
    draft = selectors.draft_for(practitioner=practitioner, public_id=public_id)
    if draft.submitted_request is not None:
        messages.info(request, "This request was already sent. It was not sent again.")
        return redirect("authorizations_pro:wizard_done", public_id=draft.public_id)
    if (unanswered := wizard_kit.unanswered(request, PAGES, draft)) is not None:
        return unanswered
    form = CHECK_STEP.form(draft=draft, practitioner=practitioner, data=request.POST)
    if not form.is_valid():
        return _render_step(request, draft, CHECK_STEP, form)
    if (throttled := _submit_throttled(request, draft)) is not None:
        return throttled
    try:
        sent = services.draft_submit(draft=draft, practitioner=practitioner)
    except AuthorizationError as error:
        back = refusal_step(error)
        return _render_step(
            request,
            draft,
            CHECK_STEP,
            form,
            extra={
                "refusal": str(error),
                "refusal_step": back,
                "refusal_url": step_url(draft, back),
                "refusal_help": back.refusal_help
                and (reverse(back.refusal_help[0]), back.refusal_help[1]),
            },
        )
    if sent.already:
        messages.info(request, "This request was already sent. It was not sent again.")
    else:
        messages.success(request, "Your request was sent to the taxpayer.")
    return wizard_kit.redirect_after_post(
        request, reverse("authorizations_pro:wizard_done", args=[draft.public_id])
    )


def _submit_throttled(request: HttpRequest, draft: RequestDraft) -> HttpResponse | None:
    """Floods: sends per practitioner, and per practitioner and taxpayer (keyed by the TIN's
    keyed hash, never the TIN)."""
    throttled = throttled_or_none(request, action="request_submit")
    if throttled is None and draft.taxpayer_tin_ciphertext:
        taxpayer = tin_lookup_hash(tin_decrypt(draft.taxpayer_tin_ciphertext))
        key = f"{draft.owner_id}:{taxpayer}"
        throttled = throttled_or_none(request, action="request_submit_taxpayer", key=key)
    return throttled


@require_http_methods(["GET"])
@practitioner_required
def done(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    draft = _draft(request, public_id)
    req = draft.submitted_request
    if req is None:
        return redirect(step_url(draft, first_incomplete(draft)))
    return render(
        request,
        "authorizations/pro/wizard/done.html",
        {
            "draft": draft,
            "req": req,
            "taxpayer_name": answers_of(draft, "taxpayer").get("name", ""),
            "expires_on": clock.to_et(req.expires_at) if req.expires_at else None,
            # R26: a correction of a request approved today cannot be approved before tomorrow.
            "approvable_from": correction_approvable_from(req),
        },
    )
