"""Client information (/pro/clients/): the practitioner's clients (R7), individuals and
businesses whichever channel authorized them, and each client's balances and transactions for
the forms and periods in scope only (R32: a business's 941 quarters and 1120 fiscal years as much
as a person's 1040 years), every view logged for the taxpayer to see (R33). Another
practitioner's client is not found (R45)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from authorizations import client_selectors, services, vocabulary
from authorizations.web.pro.forms import ClientFilterForm
from caf.selectors import caf_numbers_linked_to
from taxpayers.models import AccountModule, AccountTransaction
from taxpro.access import practitioner_required
from taxpro.models import User
from taxpro.not_found import get_or_404
from taxpro.paging import page_links, page_of, wants_partial

INDEX_TEMPLATE = "authorizations/pro/clients/index.html"


def money(amount: Decimal) -> str:
    """``Decimal("-1234.5")`` -> ``"-$1,234.50"``: dollars and cents, the sign in front."""
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


@dataclass(frozen=True)
class TransactionLine:
    row: AccountTransaction

    @property
    def amount(self) -> str:
        return money(self.row.amount)


@dataclass(frozen=True)
class ModuleView:
    module: AccountModule
    form: str
    period: str
    balance: str
    transactions: list[TransactionLine]

    @property
    def balance_words(self) -> str:
        """What the balance means: an amount owed, a credit (overpaid), or nothing due; never
        "Balance due: -$310.00"."""
        amount = self.module.balance
        if amount > 0:
            return f"Balance due: {money(amount)}"
        if amount < 0:
            return f"Credit (overpaid): {money(-amount)}"
        return "Nothing is due: the balance is $0.00"

    @classmethod
    def of(cls, module: AccountModule) -> ModuleView:
        form, period = vocabulary.matter_and_period(module.form, module.period)
        return cls(
            module=module,
            form=form,
            period=period,
            balance=money(module.balance),
            transactions=[TransactionLine(t) for t in module.transactions.all()],
        )


@practitioner_required
@require_GET
@vary_on_headers("HX-Request")  # the same URL answers a fragment to htmx
def client_list(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # the decorator let only a signed-in practitioner in
    if not caf_numbers_linked_to(user=user).exists():
        # R7: client information needs a linked CAF number; say so and where to link one.
        return render(request, "authorizations/pro/clients/link_caf.html")
    form = ClientFilterForm(request.GET or None)
    filters = form.valid_filters()  # a field in error does not filter the list
    clients = client_selectors.clients_of_practitioner(
        practitioner=user, name=filters.get("name", ""), holder_kind=filters.get("holder", "")
    )
    page = page_of(request, clients)
    context = {
        "form": form,
        "filtered": bool(filters),
        "page": page,
        "page_links": list(page_links(page)),
    }
    template = f"{INDEX_TEMPLATE}#client-list" if wants_partial(request) else INDEX_TEMPLATE
    return render(request, template, context)


@never_cache  # tax information: not kept by the browser or a proxy
@practitioner_required
@require_GET
def client_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """A GET that writes the access log: the view itself is what R33 records."""
    user = cast(User, request.user)
    # R45, and R32 once withdrawn or revoked: not the practitioner's client, not found.
    taxpayer = get_or_404(
        client_selectors.client_for_practitioner, practitioner=user, public_id=public_id
    )
    # The service raises AccountModule.DoesNotExist if the scope ended since the fetch.
    modules = get_or_404(
        services.taxpayer_information_open, practitioner=user, taxpayer_id=taxpayer.pk
    )
    scope = client_selectors.client_authorizations(practitioner=user, taxpayer=taxpayer)
    context = {
        "taxpayer": taxpayer,
        "modules": [ModuleView.of(module) for module in modules],
        "scope": scope,
    }
    return render(request, "authorizations/pro/clients/detail.html", context)
