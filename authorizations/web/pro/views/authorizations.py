"""Active authorizations: every active row on the practitioner's linked CAF numbers (R7),
withdrawing one or several (R29), and the same list as a CSV file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from authorizations import selectors, services, vocabulary
from authorizations.errors import AuthorizationNotActive
from authorizations.models import Authorization
from authorizations.web.pro.csv_export import csv_text
from authorizations.web.pro.forms import AuthorizationFilterForm, WithdrawSelectionForm
from caf.models import CafRecord
from caf.selectors import caf_numbers_linked_to
from taxpro import clock
from taxpro.access import practitioner_required
from taxpro.models import User
from taxpro.not_found import get_or_404
from taxpro.paging import capped_page_of, page_links, wants_partial

LIST_TEMPLATE = "authorizations/pro/authorizations.html"


@dataclass(frozen=True)
class AuthorizationRow:
    row: Authorization
    matter: str
    period: str

    @property
    def client_url(self) -> str:
        """Every client has an information page within the active scope (R32), individuals and
        businesses alike, whichever channel recorded the row (R7)."""
        return reverse("authorizations_pro:client", args=[self.row.taxpayer.public_id])

    @property
    def description(self) -> str:
        """What a checkbox and the confirmation page call this row."""
        return (
            f"{self.row.taxpayer.name}, {self.matter}, {self.period}, {self.row.get_kind_display()}"
        )

    @classmethod
    def of(cls, row: Authorization) -> AuthorizationRow:
        matter, period = vocabulary.matter_and_period(row.matter, row.period)
        return cls(row=row, matter=matter, period=period)


def _filtered(request: HttpRequest, user: User, caf_records: list[CafRecord]) -> tuple[Any, Any]:
    form = AuthorizationFilterForm(request.GET or None, caf_records=caf_records)
    filters = form.valid_filters()  # a field in error does not filter the list
    rows = selectors.active_authorizations_filtered(
        practitioner=user,
        kind=filters.get("kind", ""),
        caf_number=filters.get("caf", ""),
        name=filters.get("name", ""),
        channel=filters.get("channel", ""),
    )
    return form, rows


@practitioner_required
@require_GET
@vary_on_headers("HX-Request")  # the same URL answers a fragment to htmx
def authorization_list(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # the decorator let only a signed-in practitioner in
    caf_records = list(caf_numbers_linked_to(user=user))
    if not caf_records:
        # R7: the list needs a linked CAF number; say what linking unlocks and where to do it.
        return render(request, "authorizations/pro/link_caf.html")
    form, rows = _filtered(request, user, caf_records)
    page = capped_page_of(request, rows)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "page_links": list(page_links(page)),
        "rows": [AuthorizationRow.of(row) for row in page],
        "caf_records": caf_records,
        "filtered": bool(form.valid_filters()),
        "csv_query": query.urlencode(),
    }
    template = f"{LIST_TEMPLATE}#authorization-list" if wants_partial(request) else LIST_TEMPLATE
    return render(request, template, context)


@practitioner_required
@require_GET
def authorizations_csv(request: HttpRequest) -> HttpResponse:
    """The list as it is filtered, every page of it, TINs masked (R43, R46)."""
    user = cast(User, request.user)
    caf_records = list(caf_numbers_linked_to(user=user))
    if not caf_records:
        return HttpResponseRedirect(reverse("authorizations_pro:authorizations"))
    _form, rows = _filtered(request, user, caf_records)
    response = HttpResponse(csv_text(rows), content_type="text/csv; charset=utf-8")
    filename = f"active-authorizations-{clock.today_et():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _describe_ended(rows: list[Authorization]) -> str:
    parts = [
        f"{AuthorizationRow.of(row).description} (ended {clock.to_et(row.ends_at):%B %-d, %Y})"
        for row in rows
        if row.ends_at is not None
    ]
    return "; ".join(parts)


@practitioner_required
@require_http_methods(["GET", "POST"])
def authorization_withdraw_selected(request: HttpRequest) -> HttpResponse:
    """GET ?ids=..: the confirmation page listing exactly what will end. POST: withdraw them.

    A row already ended (a doubled POST, or the taxpayer revoked it meanwhile) refuses the
    whole selection with a sentence and changes nothing (R47)."""
    user = cast(User, request.user)
    list_url = reverse("authorizations_pro:authorizations")
    form = WithdrawSelectionForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors.get("ids", ["Select again."])))
        return HttpResponseRedirect(list_url)
    rows = get_or_404(
        selectors.authorizations_for_practitioner, practitioner=user, ids=form.cleaned_data["ids"]
    )
    ended = [row for row in rows if row.ends_at is not None]
    if ended:
        # A GET here is Back to an old confirmation page; a POST is a doubled submission.
        lead = (
            "Nothing was withdrawn." if request.method == "POST" else "There is nothing to confirm."
        )
        messages.error(
            request,
            f"{lead} These authorizations had already ended: {_describe_ended(ended)}.",
        )
        return HttpResponseRedirect(list_url)
    if request.method == "GET":
        context = {"rows": [AuthorizationRow.of(row) for row in rows], "form": form}
        return render(request, "authorizations/pro/withdraw_confirm.html", context)
    try:
        services.authorizations_withdraw(
            authorization_ids=[row.pk for row in rows], practitioner=user
        )
    except AuthorizationNotActive as error:
        # Ended between the check above and the lock (a race with a doubled POST): one effect.
        messages.error(request, f"Nothing was withdrawn. {error}")
        return HttpResponseRedirect(list_url)
    except Authorization.DoesNotExist:
        raise Http404("No such authorization.") from None
    count = len(rows)
    messages.success(
        request,
        f"You withdrew {count} authorization{'s' if count != 1 else ''}. "
        f"{'It has' if count == 1 else 'They have'} ended, and each taxpayer is sent a notice.",
    )
    return HttpResponseRedirect(list_url)
