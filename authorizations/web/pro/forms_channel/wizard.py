"""The upload of a signed Form 2848 or 8821 as a wizard (R34): one question or one small group
per page, the draft saved on every step (R42), check your answers, then the upload (R47: once).

One dispatcher view walks the step registry (:mod:`.steps`), as the request wizard does. Every
step is a plain form POST with a redirect after it; htmx only swaps the step region
(``#wizard-step``) for errors and rows. The R39a pre-check runs at each step and shows the
problems that step's answers show; the check page refuses to upload while any remain.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from authorizations.errors import FormRefused
from authorizations.forms_channel.files import form_file_check
from authorizations.models import FormDraft
from authorizations.services.drafts import draft_save_answers
from authorizations.services.form_drafts import (
    form_draft_create,
    form_draft_discard,
    form_draft_keep_file,
    form_draft_submit,
)
from authorizations.web.pro import wizard_kit
from authorizations.web.pro.forms_channel import selectors
from authorizations.web.pro.forms_channel.forms import FileForm
from authorizations.web.pro.forms_channel.steps import (
    CHECK_STEP,
    FILE_STEP,
    STEP_BY_SLUG,
    STEPS,
    Step,
    answers_of,
    draft_problems,
    first_incomplete,
    form_data_of,
    next_step,
    step_problems,
    step_url,
    steps_of,
)
from taxpro.access import practitioner_required
from taxpro.errors import TinInvalid
from taxpro.not_found import get_or_404
from taxpro.service_hours.middleware import saves_draft_while_closed
from taxpro.session_lifetime import KeptPost
from taxpro.throttle import throttle_wait, too_many_requests

# The questions' share of an upload's body, on top of the file (multipart headers and fields).
FIELDS_ALLOWANCE_BYTES = 256 * 1024


def _sent_url(draft: FormDraft) -> str:
    """The uploaded form's page once the draft was uploaded, else ""."""
    sent = draft.submitted_form
    return reverse("authorizations_pro:form", args=[sent.public_id]) if sent is not None else ""


def _taxpayer_name(draft: FormDraft) -> str:
    return str((answers_of(draft, "taxpayer") or {}).get("name", ""))


def _keep_typed(request: HttpRequest, draft: FormDraft, current: Step) -> bool:
    """Keep a question step's answers as typed, not judged, with a valid TIN encrypted (R42:
    the portal closed; issue 10: the session ended). A file is not kept: it is chosen again;
    nor is anything of the check page, or of a step the draft's form does not have (False)."""
    if not current.is_question or current is FILE_STEP or not current.applies(draft):
        return False
    form = current.form(draft=draft, data=request.POST)
    draft_save_answers(
        draft=draft,
        step=current.slug,
        answers=current.typed(post=request.POST, form=form),
        valid=False,
        tin=current.typed_tin(request.POST),
    )
    return True


PAGES = wizard_kit.WizardPages[FormDraft, Step](
    noun="upload",
    templates="authorizations/pro/forms/",
    start="authorizations_pro:form_new",
    discard="authorizations_pro:form_draft_discard",
    first_incomplete=first_incomplete,
    step_url=step_url,
    taxpayer_name=_taxpayer_name,
    sent_url=_sent_url,
    already_sent="This form was already uploaded",
    keep_typed=_keep_typed,
)


def _draft(request: HttpRequest, public_id: uuid.UUID) -> FormDraft:
    practitioner = wizard_kit.signed_in_practitioner(request)
    return get_or_404(selectors.form_draft_of, practitioner=practitioner, public_id=public_id)


# --- Start and discard ----------------------------------------------------------------------


@wizard_kit.wizard_page
def form_new(request: HttpRequest) -> HttpResponse:
    """What the upload asks, the unfinished uploads, and "Start a new upload" (a POST)."""
    practitioner = wizard_kit.signed_in_practitioner(request)
    steps = [step for step in STEPS if step.is_question]
    drafts = selectors.form_drafts_of(practitioner=practitioner)
    return wizard_kit.start_page(
        request, PAGES, drafts, steps=steps, throttle="form_upload_start", create=form_draft_create
    )


@wizard_kit.wizard_page
def form_draft_discard_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Confirm (GET), then wipe the draft and its file (POST). A doubled POST is told so."""
    draft = _draft(request, public_id)
    return wizard_kit.discard_page(request, PAGES, draft, discard=form_draft_discard)


# --- The steps ------------------------------------------------------------------------------


def _render_step(
    request: HttpRequest,
    draft: FormDraft,
    step: Step,
    form: Any,
    *,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "is_2848": (answers_of(draft, "form") or {}).get("form_type") == "2848",
        "max_megabytes": settings.FORM_UPLOAD_MAX_BYTES // (1024 * 1024),
        "questions": [
            (form[name], step.shown_when.get(name, ""))
            for name in getattr(form, "fields", {})
            if not form[name].is_hidden
        ]
        if isinstance(form, forms.Form)
        else [],
        "row_noun": getattr(step, "row_noun", ""),
        "add_words": getattr(step, "add_words", ""),
        **step.context(draft),
        **(extra or {}),
    }
    return wizard_kit.render_step(
        request, PAGES, draft, step, form, steps=steps_of(draft), context=context, status=status
    )


# The kit's redirect after a POST, under the name the views below (and the submit) use.
_redirect = wizard_kit.redirect_after_post


@saves_draft_while_closed  # R42: a step POST while closed keeps what was typed, then 503.
@wizard_kit.wizard_page
def form_draft_step(request: HttpRequest, public_id: uuid.UUID, slug: str) -> HttpResponse:
    """Every step, through the registry: show its form, or keep what was posted and move on."""
    draft = _draft(request, public_id)
    current = STEP_BY_SLUG.get(slug)
    if current is None or not current.applies(draft):
        raise Http404("No such step.")
    if (elsewhere := wizard_kit.step_elsewhere(request, PAGES, draft, current)) is not None:
        return elsewhere
    if request.method == "GET":
        return _render_step(request, draft, current, current.form(draft=draft))
    if current is FILE_STEP:
        return _post_file(request, draft)
    return _post_answers(request, draft, current)


def keep_step_after_timeout(request: HttpRequest) -> KeptPost | None:
    """Issue 10: a step of the upload sent after the session ended keeps its answers in the
    draft, and signing in again returns to the step (registered in ``AuthorizationsConfig``).
    A file is not kept: it is chosen again."""
    return wizard_kit.keep_timed_out_post(
        request,
        PAGES,
        model=FormDraft,
        view_names={"authorizations_pro:form_draft_step", "authorizations_pro:form_draft_submit"},
        step_of=lambda slug: STEP_BY_SLUG.get(slug, CHECK_STEP),
    )


def _keep(draft: FormDraft, current: Step, typed: dict[str, Any]) -> None:
    draft_save_answers(draft=draft, step=current.slug, answers=typed, valid=False)


def _post_answers(request: HttpRequest, draft: FormDraft, current: Step) -> HttpResponse:
    """A question step posted: keep it in the draft, valid or not (R42), then move on."""
    edit = current.edit(draft=draft, post=request.POST, action=request.POST.get("action", ""))
    if edit is not None:
        # Rows edited are kept and shown again, not judged while still being written.
        _keep(draft, current, edit.typed)
        return _render_step(request, draft, current, edit.form, extra=edit.extra)
    form = current.form(draft=draft, data=request.POST)
    valid = form.is_valid()
    if valid:
        # R39a: what the pre-check can see in this step's answers, told here at once.
        for problem in step_problems(draft, current, form):
            current.show(form, problem)
            valid = False
    draft = draft_save_answers(
        draft=draft,
        step=current.slug,
        answers=current.typed(post=request.POST, form=form),
        valid=valid,
        tin=current.tin(form),
    )
    if not valid:
        tin = current.tin(form)
        if tin is not None:  # kept now: the hint names it by its last four (R43, R46)
            form.fields["tin"].kept_last4 = tin.last4
        return _render_step(request, draft, current, form)
    return _redirect(request, step_url(draft, next_step(draft, current)))


def _too_large(request: HttpRequest) -> bool:
    """R34: a body bigger than the largest file plus its fields, refused from its header
    before a byte of it is read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > settings.FORM_UPLOAD_MAX_BYTES + FIELDS_ALLOWANCE_BYTES


def _post_file(request: HttpRequest, draft: FormDraft) -> HttpResponse:
    """R34: the signed form, checked from its bytes and kept privately under the draft; with
    none chosen, the one kept before stands."""
    limit = settings.FORM_UPLOAD_MAX_BYTES // (1024 * 1024)
    if _too_large(request):
        form = FileForm(data={})
        form.is_valid()
        form.add_error(
            None,
            f"The file is larger than {limit} MB, so nothing was uploaded. Upload a smaller"
            " scan of the form.",
        )
        return _render_step(request, draft, FILE_STEP, form, status=413)
    form = FileForm(data=request.POST, files=request.FILES)
    chosen = request.FILES.getlist("file")
    if not form.is_valid():
        return _render_step(request, draft, FILE_STEP, form)
    if len(chosen) > 1:
        form.add_error("file", "Choose one file: the signed form, as one PDF, JPG or GIF.")
        return _render_step(request, draft, FILE_STEP, form)
    if not chosen:
        if draft.file:
            return _redirect(request, step_url(draft, next_step(draft, FILE_STEP)))
        form.add_error("file", "Choose the signed form to upload.")
        return _render_step(request, draft, FILE_STEP, form)
    upload = chosen[0]
    try:
        if upload.size is not None and upload.size > settings.FORM_UPLOAD_MAX_BYTES:
            raise FormRefused(f"The file is larger than {limit} MB. Upload a smaller scan.")
        content = upload.read(settings.FORM_UPLOAD_MAX_BYTES + 1)
        checked = form_file_check(content)
    except FormRefused as refusal:
        form.add_error("file", refusal.message)
        return _render_step(request, draft, FILE_STEP, form)
    draft = form_draft_keep_file(
        draft=draft, content=content, checked=checked, name=upload.name or "form"
    )
    return _redirect(request, step_url(draft, next_step(draft, FILE_STEP)))


# --- Submit ---------------------------------------------------------------------------------


@require_POST
@practitioner_required
def form_draft_submit_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Upload the checked form (R34; R47: once). Refused while the pre-check finds a problem
    (R39a), for a duplicate (R39), or a file refused: the check page says why, nothing
    written."""
    practitioner = wizard_kit.signed_in_practitioner(request)
    draft = _draft(request, public_id)
    if draft.submitted_form is not None:
        messages.info(request, "This form was already uploaded. It was not uploaded again.")
        return _redirect(request, _sent_url(draft))
    if (gone := wizard_kit.gone_from_steps(request, PAGES, draft)) is not None:
        return gone
    if (unanswered := wizard_kit.unanswered(request, PAGES, draft)) is not None:
        return unanswered
    if draft_problems(draft):
        return _render_step(request, draft, CHECK_STEP, CHECK_STEP.form(draft=draft))
    # Floods: uploads per practitioner; the draft is kept as it is, nothing typed is lost.
    if (wait := throttle_wait(request, action="form_upload_submit")) is not None:
        return too_many_requests(request, retry_after=wait, kept_input=True)
    try:
        sent = form_draft_submit(draft=draft, practitioner=practitioner, data=form_data_of(draft))
    except (FormRefused, TinInvalid) as refusal:
        return _render_step(
            request,
            draft,
            CHECK_STEP,
            CHECK_STEP.form(draft=draft),
            extra={"refusal": refusal.message},
        )
    if sent.already:
        messages.info(request, "This form was already uploaded. It was not uploaded again.")
    else:
        messages.success(request, "Your form was uploaded. It waits in line to be processed.")
    return _redirect(request, reverse("authorizations_pro:form", args=[sent.form.public_id]))
