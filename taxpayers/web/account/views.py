"""The taxpayer's own pages under /account/ that the master file answers: proving who they are
(R13) and Notices. Thin: a decorator, a fetch scoped to the caller, a form, one service."""

from __future__ import annotations

import uuid
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from taxpayers import selectors
from taxpayers.models import Taxpayer
from taxpayers.services import (
    IDENTITY_CODE_DIGITS,
    IdentityAlreadyVerified,
    identity_check_start,
    identity_code_confirm,
)
from taxpayers.web.account.access import verified_taxpayer_required
from taxpayers.web.account.forms import IdentityCodeForm, IdentityForm
from taxpro.access import taxpayer_required
from taxpro.errors import DomainError
from taxpro.models import User
from taxpro.not_found import get_or_404
from taxpro.paging import ACCOUNT_PAGE_SIZE, page_links, page_of

ALREADY_VERIFIED = "Your account is already connected to your tax records."


def _already_verified(request: HttpRequest) -> HttpResponse | None:
    """A verified user has nothing to do on the verify pages: home, with a word why."""
    if selectors.taxpayer_for_user(user=cast(User, request.user)) is None:
        return None
    messages.info(request, ALREADY_VERIFIED)
    return HttpResponseRedirect(reverse("taxpayer_home"))


def _form_error(form: IdentityForm | IdentityCodeForm, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    if error.field == "address":
        field = "address_line1"
    form.add_error(field, error.message)


@taxpayer_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Step 1: the questions. A match mails a code and sends the user to step 2 (PRG)."""
    if (redirect := _already_verified(request)) is not None:
        return redirect
    user = cast(User, request.user)
    form = IdentityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            identity_check_start(user=user, answers=form.answers())
        except IdentityAlreadyVerified:
            return _already_verified(request) or HttpResponseRedirect(reverse("taxpayer_home"))
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(
                request,
                "Your answers match our records. A letter with your code is on its way to "
                "the address we have on file.",
            )
            return HttpResponseRedirect(reverse("taxpayers_account:verify_code"))
    context = {
        "form": form,
        "waiting": selectors.identity_check_waiting(user=user),
        "attempts_per_day": settings.IDENTITY_ATTEMPTS_PER_DAY,
    }
    return render(request, "taxpayers/account/verify.html", context)


@taxpayer_required
@require_http_methods(["GET", "POST"])
def verify_code(request: HttpRequest) -> HttpResponse:
    """Step 2: the code from the letter. A doubled POST finds the account already connected
    and goes home with a message: one effect (R47)."""
    if (redirect := _already_verified(request)) is not None:
        return redirect
    user = cast(User, request.user)
    waiting = selectors.identity_check_waiting(user=user)
    form = IdentityCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            identity_code_confirm(user=user, code=form.cleaned_data["code"])
        except IdentityAlreadyVerified:
            return _already_verified(request) or HttpResponseRedirect(reverse("taxpayer_home"))
        except DomainError as error:
            _form_error(form, error)
            waiting = selectors.identity_check_waiting(user=user)
        else:
            messages.success(
                request, "Thank you. Your account is now connected to your tax records."
            )
            return HttpResponseRedirect(reverse("taxpayer_home"))
    elif request.method == "GET" and waiting is None:
        messages.info(request, "Answer these questions first, and we will mail you a code.")
        return HttpResponseRedirect(reverse("taxpayers_account:verify"))
    context = {"form": form, "waiting": waiting, "code_digits": IDENTITY_CODE_DIGITS}
    return render(request, "taxpayers/account/verify_code.html", context)


@verified_taxpayer_required
@require_GET
def notices(request: HttpRequest, taxpayer: Taxpayer) -> HttpResponse:
    rows = selectors.notices_for_taxpayer(taxpayer=taxpayer)
    page = page_of(request, rows, per_page=ACCOUNT_PAGE_SIZE)
    context = {
        "page": page,
        "page_links": list(page_links(page)),
        "notices": page.object_list,
    }
    return render(request, "taxpayers/account/notices.html", context)


@verified_taxpayer_required
@require_GET
def notice(request: HttpRequest, taxpayer: Taxpayer, public_id: uuid.UUID) -> HttpResponse:
    letter = get_or_404(selectors.notice_for_taxpayer, taxpayer=taxpayer, public_id=public_id)
    return render(request, "taxpayers/account/notice.html", {"letter": letter})
