"""The CAF unit's pages (R34b): the queue, taking the next form, the processing page with the
file beside the keyed data, and Record, Reject or Release. Every action is a POST with its
CSRF token, and each service refuses what it has already done (R47); the services audit."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.csp import CSP
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_POST

from authorizations import staff_selectors
from authorizations.clerks import PROCESS_PERMISSION
from authorizations.errors import FormRefused
from authorizations.forms_channel.data import FormData, form_data_from_json
from authorizations.models import FormState, RejectionReason, UploadedForm
from authorizations.services import forms as form_services
from authorizations.vocabulary import form_state_in_words
from authorizations.web.staff.forms import RecordForm, RejectForm
from caf.models import DesignationCode, format_caf_number
from taxpro import clock
from taxpro.access import staff_required
from taxpro.models import User
from taxpro.not_found import get_or_404
from taxpro.tins import TinType

clerk_required = staff_required(
    PROCESS_PERMISSION,
    refusal=(
        "Your staff account cannot process uploaded forms. Ask an administrator to add you "
        "to the CAF unit clerks group."
    ),
)

FORM_TEMPLATE = "authorizations/staff/form.html"
# A decision already taken, said to a clerk who repeats it (R47).
DECIDED = {
    FormState.RECORDING: "recorded",
    FormState.RECORDED: "recorded",
    FormState.REJECTED: "rejected",
}


def _queue_url() -> str:
    return reverse("authorizations_staff:queue")


def _form_url(form: UploadedForm) -> str:
    return reverse("authorizations_staff:form", args=[form.public_id])


def _month_name(period: str) -> str:
    return dt.date(int(period[:4]), int(period[4:]), 1).strftime("%B %Y")


def _designation_words(code: str) -> str:
    """Part II's letter and what it stands for ("b, Certified Public Accountant")."""
    if code in DesignationCode.values:
        return f"{code}, {DesignationCode(code).label}"
    return code


def _whole_tin(digits: str, tin_type: str) -> str:
    if tin_type == TinType.EIN:
        return f"{digits[:2]}-{digits[2:]}"
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


@clerk_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    clerk = cast(User, request.user)
    now = clock.now()
    context = {
        "summary": staff_selectors.form_queue_summary(now=now),
        "held": staff_selectors.forms_held_by(clerk=clerk, now=now),
        "lease_minutes": int(form_services.form_lease().total_seconds() // 60),
        "states": {"recording": form_state_in_words(FormState.RECORDING)},
    }
    return render(request, "authorizations/staff/queue.html", context)


@clerk_required
@require_POST
def take_next(request: HttpRequest) -> HttpResponse:
    """R34b: the oldest form in line; a clerk already holding one gets that one back (R47)."""
    form = form_services.form_take_next(clerk=cast(User, request.user))
    if form is None:
        messages.info(request, "No forms are waiting. The queue is empty.")
        return HttpResponseRedirect(_queue_url())
    return HttpResponseRedirect(_form_url(form))


def _page_context(
    request: HttpRequest, form: UploadedForm, submitted: RecordForm | RejectForm | None = None
) -> dict[str, Any]:
    """The processing page's context; ``submitted`` is the checklist or rejection the clerk just
    sent with errors, shown as they left it (the other starts empty)."""
    clerk = cast(User, request.user)
    held = staff_selectors.form_is_held_by(form, clerk, clock.now())
    data: FormData = form_data_from_json(form.data, tin="")
    context: dict[str, Any] = {
        "form": form,
        "data": data,
        "held": held,
        # R34b: a lease that ran out put the form back in line, whatever its row still says.
        "back_in_line": form.state == FormState.IN_REVIEW
        and not held
        and form.lease_expires_at is not None
        and form.lease_expires_at <= clock.now(),
        # R43: the whole TIN only to the clerk comparing it with the file.
        "tin": _whole_tin(form.tin_reveal(), form.tin_type) if held else form.tin_masked,
        "representatives": [
            {
                "rep": rep,
                "caf": format_caf_number(rep.caf_number) if rep.caf_number else "",
                "designation": _designation_words(rep.designation),
            }
            for rep in data.representatives
        ],
        "matters": [
            {"matter": m, "months": [_month_name(p) for p in m.periods]} for m in data.matters
        ],
        "is_image": form.file_content_type.startswith("image/"),
        "reasons": [RejectionReason(reason).label for reason in form.rejection_reasons],
        "FormState": FormState,
    }
    if held:
        is_record = isinstance(submitted, RecordForm)
        is_reject = isinstance(submitted, RejectForm)
        context["record_form"] = submitted if is_record else RecordForm(uploaded=form)
        context["reject_form"] = submitted if is_reject else RejectForm()
    return context


def _clerks_form_or_404(request: HttpRequest, public_id: uuid.UUID) -> UploadedForm:
    """A form this clerk may open: one they hold, or any if they may view every form."""
    return get_or_404(
        staff_selectors.form_for_clerk,
        user=cast(User, request.user),
        public_id=public_id,
        now=clock.now(),
    )


@clerk_required
@require_GET
def form_page(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The processing page (or, for a form the clerk does not hold, the same page to read)."""
    form = _clerks_form_or_404(request, public_id)
    return render(request, FORM_TEMPLATE, _page_context(request, form))


def _form_or_404(public_id: uuid.UUID) -> UploadedForm:
    form = UploadedForm.objects.filter(public_id=public_id).first()
    if form is None:
        raise Http404("No such form.")
    return form


def _refused(request: HttpRequest, form: UploadedForm, error: FormRefused) -> HttpResponse:
    """A refused action: said in a sentence, then back to the form if the clerk may still open
    it, else to the queue. A decision already taken is told as such (R47: a doubled POST)."""
    form.refresh_from_db()
    if form.state in {FormState.RECORDING, FormState.RECORDED, FormState.REJECTED}:
        messages.info(request, f"This form is already {DECIDED[FormState(form.state)]}.")
    else:
        messages.error(request, str(error))
    try:
        staff_selectors.form_for_clerk(
            user=cast(User, request.user), public_id=form.public_id, now=clock.now()
        )
    except UploadedForm.DoesNotExist:
        return HttpResponseRedirect(_queue_url())
    return HttpResponseRedirect(_form_url(form))


def _with_errors(
    request: HttpRequest, form: UploadedForm, submitted: RecordForm | RejectForm
) -> HttpResponse:
    """A checklist or rejection in error: the processing page again, with the errors and what
    was ticked and typed, to the clerk holding the form; anyone else is told they do not."""
    if not staff_selectors.form_is_held_by(form, cast(User, request.user), clock.now()):
        return _refused(request, form, FormRefused("You are not holding this form."))
    return render(request, FORM_TEMPLATE, _page_context(request, form, submitted))


def _act_then_queue(
    request: HttpRequest, form: UploadedForm, act: Callable[[], object], *, done: str
) -> HttpResponse:
    """A clerk's action on the form they hold (reject, put back): ``act`` calls the service;
    once it has acted, ``done`` is said and the clerk is back at the queue. A refusal is told
    as ``_refused`` tells it."""
    try:
        act()
    except FormRefused as error:
        return _refused(request, form, error)
    messages.success(request, done)
    return HttpResponseRedirect(_queue_url())


@clerk_required
@require_POST
def form_record(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    form = _form_or_404(public_id)
    checklist = RecordForm(request.POST, uploaded=form)
    if form.state in {FormState.RECORDING, FormState.RECORDED}:
        messages.info(request, "This form is already recorded.")
        return HttpResponseRedirect(_queue_url())
    if not checklist.is_valid():
        return _with_errors(request, form, checklist)
    try:
        outcome = form_services.form_record(clerk=cast(User, request.user), public_id=public_id)
    except FormRefused as error:
        return _refused(request, form, error)
    if outcome == form_services.FormRecordOutcome.ALREADY_RECORDED:
        messages.info(request, "This form is already recorded.")
    elif form.specific_use:
        messages.success(
            request,
            f"Form {form.form_type} for {form.taxpayer_name} is processed: a specific-use form, "
            "kept on file and not recorded on the CAF. The representatives and the taxpayer "
            "get a letter.",
        )
    else:
        messages.success(
            request,
            f"Form {form.form_type} for {form.taxpayer_name} is being recorded on the CAF. The "
            "representatives and the taxpayer get a letter once it is.",
        )
    return HttpResponseRedirect(_queue_url())


@clerk_required
@require_POST
def form_reject(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    form = _form_or_404(public_id)
    rejection = RejectForm(request.POST)
    if not rejection.is_valid():
        return _with_errors(request, form, rejection)
    return _act_then_queue(
        request,
        form,
        lambda: form_services.form_reject(
            clerk=cast(User, request.user),
            public_id=public_id,
            reasons=rejection.cleaned_data["reasons"],
            note=rejection.cleaned_data["note"],
        ),
        done=(
            f"Form {form.form_type} for {form.taxpayer_name} is rejected. The representatives "
            "get a letter with the reasons."
        ),
    )


@clerk_required
@require_POST
def form_release(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    form = _form_or_404(public_id)
    return _act_then_queue(
        request,
        form,
        lambda: form_services.form_release(clerk=cast(User, request.user), public_id=public_id),
        done=(
            f"You put back Form {form.form_type} for {form.taxpayer_name}. It is in its place in "
            "the queue again."
        ),
    )


# The file is framed by the processing page only, and is itself no page: nothing in it runs.
_FILE_CSP = {
    "default-src": [CSP.NONE],
    "img-src": [CSP.SELF],
    "object-src": [CSP.SELF],
    "frame-ancestors": [CSP.SELF],
    "base-uri": [CSP.NONE],
}


@clerk_required
@require_GET
@xframe_options_sameorigin
@csp_override(_FILE_CSP)
def form_file(request: HttpRequest, public_id: uuid.UUID) -> HttpResponseBase:
    """R34: the uploaded file, only through this view: to the clerk holding the form, or one
    who may view every form. Never a public URL; its type is the one found from its bytes."""
    form = _clerks_form_or_404(request, public_id)
    form_services.form_file_opened(clerk=cast(User, request.user), form=form)
    extension = (form.file.name or "").rsplit(".", 1)[-1]
    response = FileResponse(
        form.file.open("rb"),
        content_type=form.file_content_type,
        as_attachment=False,
        filename=f"form-{form.form_type}-{form.public_id}.{extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
