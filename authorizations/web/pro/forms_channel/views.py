"""The practitioner's forms pages (section H): upload a signed Form 2848 or 8821 on one page
(R34), its receipt, "Your forms" with each one's state, place in line and the median time lately
(R39b), and withdrawing a waiting form (R47)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from authorizations.errors import FormRefused
from authorizations.forms_channel.data import FormData, form_data_from_json, form_data_to_json
from authorizations.forms_channel.files import form_upload_max_bytes
from authorizations.forms_channel.precheck import Problem, form_precheck
from authorizations.models import FormState, RejectionReason, UploadedForm
from authorizations.services.forms import form_upload, form_withdraw
from authorizations.web.pro.forms_channel import selectors
from authorizations.web.pro.forms_channel.forms import (
    MATTER_ROWS,
    FileForm,
    MatterRow,
    RepresentativeAddress,
    TaxpayerAddress,
    UploadForm,
    form_data_of,
)
from taxpro import clock
from taxpro.access import practitioner_required
from taxpro.errors import TinInvalid
from taxpro.models import User
from taxpro.not_found import get_or_404
from taxpro.tin_crypto import tin_decrypt, tin_encrypt
from taxpro.tins import tin_parse

NEW_TEMPLATE = "authorizations/pro/forms/new.html"
CHECK_TEMPLATE = "authorizations/pro/forms/check.html"
# The answers of a page that passed, for the check page (without the TIN: see KEPT_TIN).
ANSWERS = "forms_channel_answers"
# The questions' share of an upload's body, on top of the file (multipart headers and fields).
FIELDS_ALLOWANCE_BYTES = 256 * 1024
# R46: the TIN typed on a page that came back with errors, kept encrypted until the upload.
KEPT_TIN = "forms_channel_tin"


@dataclass
class UploadPage:
    """The page's parts: the questions, the two addresses and the line 3 rows."""

    form: UploadForm
    taxpayer_address: TaxpayerAddress
    rep_address: RepresentativeAddress
    rows: list[MatterRow]

    @classmethod
    def of(cls, request: HttpRequest, *, answers: QueryDict | None = None) -> UploadPage:
        data = request.POST if request.method == "POST" else answers
        return cls(
            form=UploadForm(data),
            taxpayer_address=TaxpayerAddress(data, prefix="taxpayer"),
            rep_address=RepresentativeAddress(data, prefix="rep"),
            rows=[MatterRow(data, prefix=f"matter{i}") for i in range(MATTER_ROWS)],
        )

    @property
    def parts(self) -> list[tuple[str, forms.Form]]:
        """Each part with the words the error summary puts before its errors."""
        return [
            ("", self.form),
            ("Taxpayer's address: ", self.taxpayer_address),
            ("Representative's address: ", self.rep_address),
            *[(f"Line 3, row {i + 1}: ", row) for i, row in enumerate(self.rows)],
        ]

    @property
    def has_errors(self) -> bool:
        return any(part.errors for _, part in self.parts)

    def is_valid(self) -> bool:
        return all([part.is_valid() for _, part in self.parts])  # every part checked, at once

    def filled_rows(self) -> list[int]:
        return [i for i, row in enumerate(self.rows) if not row.is_blank]

    def show(self, problem: Problem) -> None:
        """R39a: a pre-check problem at the question it is about."""
        head, _, rest = problem.field.partition(".")
        index, _, name = rest.partition(".")
        form: forms.Form = self.form
        field: str | None = {
            "form_type": "form_type",
            "taxpayer": {"kind": "taxpayer_kind", "signer_title": "signer_title"}.get(
                rest, "taxpayer_name"
            ),
            "representatives": f"rep_{name}" if name else "rep_name",
            "retained": "retained",
            "taxpayer_signed_on": "taxpayer_signed_on",
            "identity_attested": "identity_attested",
            "signature_kind": "signature_kind",
        }.get(head)
        if head == "representatives" and field not in self.form.fields:
            field = "rep_jurisdiction" if name == "license_number" else "rep_name"
        if head == "matters":
            filled = self.filled_rows()
            row = int(index) if index.isdigit() and int(index) < len(filled) else 0
            form = self.rows[filled[row]] if filled else self.rows[0]
            field = "form_code" if name in ("form_code", "") else "first_year"
        form.add_error(field, problem.message)


def _kept_tin(request: HttpRequest) -> str:
    token = request.session.get(KEPT_TIN, "")
    return tin_decrypt(token) if token else ""


def _too_large(request: HttpRequest) -> bool:
    """R34: a body bigger than the largest file plus its questions, refused from its header
    before a byte of it is read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > form_upload_max_bytes() + FIELDS_ALLOWANCE_BYTES


def _render(request: HttpRequest, page: UploadPage) -> HttpResponse:
    kept = _kept_tin(request)
    page.form.fields["tin"].kept_last4 = kept[-4:] if kept else ""  # type: ignore[attr-defined]
    context = {
        "page": page,
        "form": page.form,
        "has_errors": page.has_errors,
        "max_megabytes": form_upload_max_bytes() // (1024 * 1024),
    }
    return render(request, NEW_TEMPLATE, context)


def _tin_for_upload(request: HttpRequest, page: UploadPage) -> str:
    """The TIN typed now, else the one kept from the last try; kept (encrypted) either way."""
    typed = page.form.cleaned_data.get("tin", "")
    if typed:
        request.session[KEPT_TIN] = tin_encrypt(typed)
        return str(typed)
    kept = _kept_tin(request)
    if not kept:
        page.form.add_error("tin", "Enter the taxpayer's SSN, ITIN or EIN from line 1.")
        return ""
    try:
        return tin_parse(kept, holder_kind=page.form.cleaned_data["taxpayer_kind"]).digits
    except TinInvalid as error:
        page.form.add_error("tin", error.message)
        return ""


def _answers_kept(request: HttpRequest) -> QueryDict | None:
    """The answers of the last page that passed, to change them (without the TIN, R46)."""
    kept = request.session.get(ANSWERS)
    if not kept:
        return None
    answers = QueryDict(mutable=True)
    for name, values in kept["post"].items():
        answers.setlist(name, values)
    return answers


@practitioner_required
@require_http_methods(["GET", "POST"])
def form_new(request: HttpRequest) -> HttpResponse:
    """R34: every question of the form on one page. Bad input comes back with every answer but
    the TIN (kept encrypted, named by its last four digits); the pre-check's problems (R39a)
    are shown at their questions at once. Answers that pass go to the check page."""
    if request.method == "GET":
        if not request.GET.get("change"):
            request.session.pop(KEPT_TIN, None)
            request.session.pop(ANSWERS, None)
            return _render(request, UploadPage.of(request))
        return _render(request, UploadPage.of(request, answers=_answers_kept(request)))
    page = UploadPage.of(request)
    if not page.is_valid():
        if page.form.cleaned_data.get("tin"):
            request.session[KEPT_TIN] = tin_encrypt(page.form.cleaned_data["tin"])
        return _render(request, page)
    tin = _tin_for_upload(request, page)
    if not tin:
        return _render(request, page)
    data = form_data_of(page.form, page.taxpayer_address, page.rep_address, page.rows, tin=tin)
    problems = form_precheck(data, received_on=clock.today_et())
    for problem in problems:
        page.show(problem)
    if problems:
        return _render(request, page)
    post = {k: v for k, v in request.POST.lists() if k not in ("csrfmiddlewaretoken", "tin")}
    request.session[ANSWERS] = {"data": form_data_to_json(data), "post": post}
    return HttpResponseRedirect(reverse("authorizations_pro:form_check"))


def _check_page(
    request: HttpRequest,
    data: FormData,
    file_form: FileForm,
    *,
    status: int = 200,
    refusal: str = "",
) -> HttpResponse:
    context = {
        "data": data,
        "form": file_form,
        "refusal": refusal,
        "has_errors": bool(refusal) or bool(file_form.errors),
        "tin_masked": str(tin_parse(data.taxpayer.tin, holder_kind=data.taxpayer.kind)),
    }
    return render(request, CHECK_TEMPLATE, context, status=status)


@practitioner_required
@require_http_methods(["GET", "POST"])
def form_check(request: HttpRequest) -> HttpResponse:
    """Check your answers, then attach the signed form and upload it (R34). A body over the
    file's limit is refused from its length before it is read; a bad file, two files or a
    duplicate (R39, naming the waiting receipt) come back here with a message, writing
    nothing. The answers stay kept until the upload."""
    user = cast(User, request.user)
    if request.method == "POST" and _too_large(request):
        refusal = (
            f"The file is larger than {form_upload_max_bytes() // (1024 * 1024)} MB, so nothing"
            " was uploaded. Upload a smaller scan of the form."
        )
    else:
        refusal = ""
    kept, tin = request.session.get(ANSWERS), _kept_tin(request)
    if not kept or not tin:
        if request.method == "POST":  # R47: most likely a doubled "Upload", already done
            messages.info(request, "There is no form waiting to be uploaded: see your forms.")
            return HttpResponseRedirect(reverse("authorizations_pro:forms"))
        return HttpResponseRedirect(reverse("authorizations_pro:form_new"))
    data = form_data_from_json(kept["data"], tin=tin)
    if request.method == "GET" or refusal:
        return _check_page(
            request, data, FileForm(), status=413 if refusal else 200, refusal=refusal
        )
    file_form = FileForm(request.POST, request.FILES)
    if len(request.FILES.getlist("file")) > 1:
        file_form.add_error(None, "Choose one file: the signed form, as one PDF, JPG or GIF.")
    if not file_form.is_valid():
        return _check_page(request, data, file_form)
    try:
        uploaded = form_upload(
            practitioner=user, data=data, upload=cast(UploadedFile, request.FILES["file"])
        )
    except (FormRefused, TinInvalid) as refusal_error:
        # A file or duplicate refusal; or, had the day just turned, the pre-check's own words.
        file_form.add_error(None, refusal_error.message)
        return _check_page(request, data, file_form)
    request.session.pop(KEPT_TIN, None)
    request.session.pop(ANSWERS, None)
    return HttpResponseRedirect(reverse("authorizations_pro:form", args=[uploaded.public_id]))


def duration_words(span: dt.timedelta | None) -> str:
    """A median time as people say it: "2 days and 3 hours", "45 minutes"."""
    if span is None:
        return ""
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    units = [(days, "day"), (hours, "hour")] if days else [(hours, "hour"), (minutes, "minute")]
    said = [f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in units if n]
    return " and ".join(said) or "less than a minute"


def _reasons(form: UploadedForm) -> list[str]:
    return [RejectionReason(code).label for code in form.rejection_reasons or []]


@practitioner_required
@require_GET
def form_list(request: HttpRequest) -> HttpResponse:
    """R39b: "Your forms"."""
    user = cast(User, request.user)
    rows = list(selectors.forms_of(practitioner=user)[:200])
    context = {
        "rows": [(form, _reasons(form)) for form in rows],
        "median": duration_words(selectors.median_processing_time()),
        "FormState": FormState,
    }
    return render(request, "authorizations/pro/forms/list.html", context)


@practitioner_required
@require_GET
def form_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The receipt (R34): its number, when it was received, and its place in line."""
    user = cast(User, request.user)
    form = get_or_404(selectors.form_of, practitioner=user, public_id=public_id)
    context = {
        "form": form,
        "reasons": _reasons(form),
        "median": duration_words(selectors.median_processing_time()),
        "FormState": FormState,
        "lease_minutes": settings.FORM_LEASE_MINUTES,
    }
    return render(request, "authorizations/pro/forms/detail.html", context)


@practitioner_required
@require_http_methods(["GET", "POST"])
def form_withdraw_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """GET: "are you sure?"; POST: withdraw (R39b). A doubled POST changes nothing (R47)."""
    user = cast(User, request.user)
    form = get_or_404(selectors.form_of, practitioner=user, public_id=public_id)
    detail_url = reverse("authorizations_pro:form", args=[form.public_id])
    if request.method == "POST":
        already = form.state == FormState.WITHDRAWN
        try:
            form_withdraw(practitioner=user, public_id=form.public_id)
        except FormRefused as refusal:
            messages.error(request, refusal.message)
        else:
            if not already:
                messages.success(
                    request,
                    f"You withdrew your Form {form.form_type} for {form.taxpayer_name}. It will"
                    " not be processed.",
                )
        return HttpResponseRedirect(detail_url)
    return render(request, "authorizations/pro/forms/withdraw.html", {"form": form})
