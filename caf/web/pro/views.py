"""Profile and CAF numbers (/pro/profile/): the practitioner's profile and designations (R1, R2),
linking a CAF number with a mailed PIN (R6), getting one online (R8). Addresses are shown, never
changed here (R9). Views are thin: the services decide, refusals become form errors."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from caf import selectors, services
from caf.errors import CafError, CafLinkRefused, PinRefused
from caf.models import DesignationCode, PinLetter, PinLetterState
from caf.web.pro.forms import CafNumberForm, DesignationForm, PinForm, ProfileCreateForm
from taxpro import clock
from taxpro.access import practitioner_required
from taxpro.errors import AddressRefused, TinInvalid
from taxpro.models import User
from taxpro.not_found import get_or_404

PROFILE_TEMPLATE = "caf/pro/profile.html"


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # practitioner_required let only a practitioner in


def _profile_page() -> HttpResponseRedirect:
    """Back to the profile, where every outcome of these pages shows (PRG)."""
    return HttpResponseRedirect(reverse("caf_pro:profile"))


def _when(moment: Any) -> str:
    return f"{clock.to_et(moment):%B %-d, %Y}"


def _profile_context(user: User, **forms: Any) -> dict[str, Any]:
    profile = selectors.practitioner_profile_of(user=user)
    designations = [
        (designation, selectors.designation_allows_poa(designation))
        for designation in (profile.designations.all() if profile else [])
    ]
    context: dict[str, Any] = {
        "profile": profile,
        "designations": designations,
        "linked_caf_numbers": list(selectors.caf_numbers_linked_to(user=user)),
        "pin_letters": list(selectors.pin_letters_waiting(user=user)),
        "issue_refusal": selectors.caf_number_issue_refusal(user=user, profile=profile),
        "profile_form": forms.get("profile_form") or ProfileCreateForm(),
        "designation_form": forms.get("designation_form") or DesignationForm(),
        "designation_codes": DesignationCode,
    }
    return context


@practitioner_required
@require_GET
def profile(request: HttpRequest) -> HttpResponse:
    return render(request, PROFILE_TEMPLATE, _profile_context(_user(request)))


@practitioner_required
@require_POST
def profile_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ProfileCreateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        address = form.postal_address()
        try:
            services.practitioner_profile_create(
                user=user, legal_name=data["legal_name"], tin=data["tin"], address=address
            )
        except TinInvalid as error:
            form.add_error("tin", error.message)
        except AddressRefused as error:
            form.add_error("address_line1", error.message)
        except CafError as error:
            # Already has a profile: a doubled POST (R47) changes nothing and says so.
            messages.error(request, error.message)
            return _profile_page()
        else:
            messages.success(request, "Your profile is saved. Now add your designations.")
            return _profile_page()
    return render(request, PROFILE_TEMPLATE, _profile_context(user, profile_form=form))


@practitioner_required
@require_POST
def designation_add(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    profile_record = selectors.practitioner_profile_of(user=user)
    if profile_record is None:
        messages.error(request, "Complete your profile (legal name, TIN and address) first.")
        return _profile_page()
    form = DesignationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            designation = services.designation_add(
                profile=profile_record,
                code=data["code"],
                jurisdiction=data["jurisdiction"],
                number=data["number"],
                actor=user,
            )
        except CafError as error:
            # R1: a CPA without a license, a designation already there (a doubled POST).
            field = error.field if error.field in form.fields else None
            form.add_error(field, error.message)
        else:
            messages.success(request, f"{designation.get_code_display()} added to your profile.")
            return _profile_page()
    return render(request, PROFILE_TEMPLATE, _profile_context(user, designation_form=form))


def _pin_mailed_message(pin_letter: PinLetter, *, mailed_now: bool) -> str:
    record = pin_letter.caf_record
    where = f"{record.city}, {record.state}"
    if not mailed_now:
        return (
            f"A PIN letter for CAF number {record.caf_number_display} was already mailed a few "
            f"minutes ago to the CAF address of record in {where}. Use the PIN in that letter: "
            "no second letter was sent."
        )
    return (
        f"We mailed a PIN letter to the CAF address of record for CAF number "
        f"{record.caf_number_display}, in {where}. The PIN works until "
        f"{_when(pin_letter.expires_at)}."
    )


@practitioner_required
@require_http_methods(["GET", "POST"])
def link_start(request: HttpRequest) -> HttpResponse:
    """R6 step 1: ask for a PIN letter. The PIN is never shown on screen, only mailed."""
    user = _user(request)
    has_profile = selectors.practitioner_profile_of(user=user) is not None
    form = CafNumberForm(request.POST or None)
    if request.method == "POST" and has_profile and form.is_valid():
        try:
            pin_letter, mailed_now = services.caf_pin_request_once(
                practitioner=user, caf_number=form.cleaned_data["caf_number"]
            )
        except CafLinkRefused as error:
            form.add_error("caf_number", error.message)
        except CafError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _pin_mailed_message(pin_letter, mailed_now=mailed_now))
            return HttpResponseRedirect(
                reverse("caf_pro:link_confirm", args=[pin_letter.public_id])
            )
    context = {"form": form, "has_profile": has_profile}
    return render(request, "caf/pro/link_start.html", context)


def _link_confirm_page(request: HttpRequest, pin_letter: PinLetter, form: PinForm) -> HttpResponse:
    expired = pin_letter.state == PinLetterState.EXPIRED or (
        pin_letter.state == PinLetterState.PENDING and pin_letter.expires_at <= clock.now()
    )
    context = {
        "pin_letter": pin_letter,
        "record": pin_letter.caf_record,
        "form": form,
        "waiting": pin_letter.state == PinLetterState.PENDING and not expired,
        "expired": expired,
        "locked": pin_letter.state == PinLetterState.LOCKED,
        "attempts_left": max(settings.CAF_PIN_MAX_ATTEMPTS - pin_letter.wrong_attempts, 0),
        "expires_on": _when(pin_letter.expires_at),
        "mailed_on": _when(pin_letter.created_at),
    }
    return render(request, "caf/pro/link_confirm.html", context)


@practitioner_required
@require_http_methods(["GET", "POST"])
def link_confirm(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """R6 step 2: the PIN from the letter links the CAF number for ever."""
    user = _user(request)
    pin_letter = get_or_404(selectors.pin_letter_for_user, user=user, public_id=public_id)
    record = pin_letter.caf_record
    if pin_letter.state == PinLetterState.USED:
        # Done already (a doubled or replayed POST, R47): one link, and a plain answer.
        messages.info(request, f"CAF number {record.caf_number_display} is linked to your account.")
        return _profile_page()
    form = PinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.caf_link_confirm(
                practitioner=user, caf_number=record.caf_number, pin=form.cleaned_data["pin"]
            )
        except PinRefused as error:
            form.add_error("pin", error.message)
        except CafError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"CAF number {record.caf_number_display} is now linked to your account. You can "
                "see the active authorizations on it and your clients' information.",
            )
            return _profile_page()
        # The refusal counted an attempt or closed the letter: show it as it is now.
        pin_letter.refresh_from_db()
    return _link_confirm_page(request, pin_letter, form)


@practitioner_required
@require_http_methods(["GET", "POST"])
def caf_number_get(request: HttpRequest) -> HttpResponse:
    """R8: a practitioner without a CAF number gets one at once, linked on issue."""
    user = _user(request)
    if request.method == "POST":
        try:
            record = services.caf_number_issue(practitioner=user)
        except CafError as error:
            # Already has one (a doubled POST, R47), or must link theirs instead: say so.
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                f"Your new CAF number is {record.caf_number_display}. It is linked to your "
                "account, and a letter confirming it is mailed to your address of record.",
            )
        return _profile_page()
    profile_record = selectors.practitioner_profile_of(user=user)
    context = {
        "profile": profile_record,
        "refusal": selectors.caf_number_issue_refusal(user=user, profile=profile_record),
    }
    return render(request, "caf/pro/get_caf_number.html", context)
