"""/pro/profile/software/: software the practitioner allowed to act for them through the API
(issue 14), registering their own, and taking access back (R44: each audited)."""

from __future__ import annotations

from typing import cast
from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from authorizations.api.selectors import software_for, software_for_user
from authorizations.services.api import api_access_revoke, api_application_register
from taxpro.access import practitioner_required
from taxpro.form_fields import PlainTextField
from taxpro.models import User
from taxpro.not_found import get_or_404

LOOPBACK_HOSTS = {"127.0.0.1", "[::1]", "::1"}


class SoftwareRegisterForm(forms.Form):
    name = PlainTextField(
        label="Name of the software", max_length=100, help_text="As you will recognize it."
    )
    redirect_uri = forms.CharField(
        label="Address to return to after you allow it",
        max_length=300,
        help_text="An https address, or http://127.0.0.1 with a port for software on your "
        "computer. Your software's maker gives it.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_redirect_uri(self) -> str:
        value = str(self.cleaned_data["redirect_uri"]).strip()
        parts = urlsplit(value)
        loopback = parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
        if not (parts.scheme == "https" or loopback) or not parts.netloc or parts.fragment:
            raise forms.ValidationError(
                "Enter an address that starts with https:// (or http://127.0.0.1 for software "
                "on your computer), without a # part."
            )
        if any(char.isspace() for char in value):
            raise forms.ValidationError("Enter the address without spaces.")
        return value


@practitioner_required
@require_http_methods(["GET", "POST"])
def software(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = SoftwareRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        application = api_application_register(
            owner=user,
            name=form.cleaned_data["name"],
            redirect_uris=form.cleaned_data["redirect_uri"],
        )
        messages.success(
            request,
            f"{application.name} is registered. Its client id is {application.client_id}.",
        )
        return HttpResponseRedirect(reverse("authorizations_pro:software"))
    return render(
        request,
        "authorizations/pro/software.html",
        {"rows": software_for(user=user), "form": form},
    )


@practitioner_required
@require_POST
def software_revoke(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    client_id = request.POST.get("client_id", "")[:100]
    application = get_or_404(software_for_user, user=user, client_id=client_id)
    ended = api_access_revoke(application_id=application.pk, user=user)
    if ended:
        messages.success(
            request, f"{application.name} can no longer act for you. Its access was taken back."
        )
    else:
        messages.info(request, f"{application.name} had no access to take back.")
    return HttpResponseRedirect(reverse("authorizations_pro:software"))
