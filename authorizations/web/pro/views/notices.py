"""Your notices (/pro/notices/): what happened to your requests (recorded, about to expire), and
whether these notices are also e-mailed to you."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from authorizations import selectors, services
from taxpro.access import practitioner_required
from taxpro.models import User
from taxpro.paging import page_links, page_of, wants_partial

TEMPLATE = "authorizations/pro/notices.html"


class NoticePreferenceForm(forms.Form):
    email = forms.BooleanField(
        label="E-mail me when a request is recorded or is about to expire",
        required=False,
        help_text="Notices always appear on this page. The e-mails do not name your clients.",
    )


@practitioner_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")  # the same URL answers a fragment to htmx
def notice_list(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # the decorator let only a signed-in practitioner in
    if request.method == "POST":
        form = NoticePreferenceForm(request.POST)
        if form.is_valid():
            wanted = form.cleaned_data["email"]
            services.notice_preference_set(user=user, email=wanted)
            messages.success(
                request,
                "Notices will also be e-mailed to you."
                if wanted
                else "Notices will no longer be e-mailed to you. They stay on this page.",
            )
            return HttpResponseRedirect(reverse("authorizations_pro:notices"))
    else:
        form = NoticePreferenceForm(initial={"email": services.notices_emailed(user)})
    page = page_of(request, selectors.practitioner_notices(practitioner=user))
    context = {"form": form, "page": page, "page_links": list(page_links(page))}
    template = f"{TEMPLATE}#notice-list" if wants_partial(request) else TEMPLATE
    return render(request, template, context)
