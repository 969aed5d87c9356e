"""The practitioner's forms pages (section H) besides the upload wizard (:mod:`.wizard`): "Your
forms" with each one's state, place in line and the median time lately (R39b), the receipt
(R34), and withdrawing a waiting form (R47)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from authorizations.errors import FormRefused
from authorizations.models import FormState, RejectionReason, UploadedForm
from authorizations.services.forms import form_withdraw
from authorizations.web.pro.forms_channel import selectors
from taxpro.access import practitioner_required
from taxpro.models import User
from taxpro.not_found import get_or_404


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
