"""The taxpayer's Authorizations pages: decide on requests, see and revoke authorizations.

Rules: R13 and R45 (everything looked up within the signed-in taxpayer's own record), R21
(approve with an explicit signature, or reject), R22 (consent evidence), R25/R26 (refusals shown
in words), R30 (revoke), R31 (what approving ends), R47 (POST + CSRF; a replay has one effect).
Every decision is the service's: a refusal comes back as a sentence and is shown as it is.
"""

from __future__ import annotations

import ipaddress
import uuid
from typing import cast

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.reauthentication import did_recently_reauthenticate
from allauth.core.exceptions import ReauthenticationRequired
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from authorizations import account_selectors, selectors, services
from authorizations.account_selectors import (
    RequestSummary,
    authorization_for_taxpayer,
    request_summary_for_taxpayer,
)
from authorizations.errors import ApprovalRefused, AuthorizationNotActive, RequestRefused
from authorizations.models import AuthorizationRequest
from authorizations.web.account.forms import ApproveForm
from taxpayers.models import Taxpayer
from taxpayers.web.account.access import verified_taxpayer_required
from taxpro import clock
from taxpro.models import User
from taxpro.not_found import get_or_404
from taxpro.paging import ACCOUNT_PAGE_SIZE, page_links, page_of

TEMPLATES = "authorizations/account/"
USER_AGENT_MAX = AuthorizationRequest._meta.get_field("consent_user_agent").max_length or 500


def _request_page(public_id: uuid.UUID) -> HttpResponseRedirect:
    return HttpResponseRedirect(
        reverse("authorizations_account:request", kwargs={"public_id": public_id})
    )


def _index_page() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("authorizations_account:index"))


def _used_second_factor(request: HttpRequest) -> bool:
    """R22: did this session pass a second factor (at sign-in or at a step-up)?"""
    records = get_authentication_records(request, cast(User, request.user))
    return any(record.get("method") == "mfa" for record in records)


def _consent(request: HttpRequest) -> services.ConsentEvidence:
    """R22: the IP the connection came from, the browser, the second factor, the text signed."""
    ip: str | None = request.META.get("REMOTE_ADDR") or None
    try:
        ipaddress.ip_address(ip or "")
    except ValueError:
        ip = None
    agent = "".join(ch for ch in request.META.get("HTTP_USER_AGENT", "") if ch.isprintable())
    return services.ConsentEvidence(
        ip=ip,
        user_agent=agent[:USER_AGENT_MAX],
        second_factor=_used_second_factor(request),
        text_version=services.CONSENT_TEXT_VERSION,
    )


def _require_step_up(request: HttpRequest) -> None:
    """A power of attorney lets someone act for the taxpayer: they confirm it is them first
    (quality.md, step-up). allauth's middleware turns the exception into its re-authentication
    page (password, or the second factor if enrolled) and brings them back here afterwards."""
    if not did_recently_reauthenticate(request):
        raise ReauthenticationRequired()


@verified_taxpayer_required
@require_GET
def index(request: HttpRequest, taxpayer: Taxpayer) -> HttpResponse:
    now = clock.now()
    pending, approved = account_selectors.open_requests_for(taxpayer=taxpayer, now=now)
    show_all = request.GET.get("history") == "all"
    ledger = account_selectors.ledger_for(
        taxpayer=taxpayer, ended_limit=None if show_all else account_selectors.HISTORY_LIMIT
    )
    context = {
        "pending": pending,
        "approved": approved,
        "active": ledger.active,
        "ended": ledger.ended,
        "ended_total": ledger.ended_total,
        "show_all_history": show_all,
    }
    return render(request, TEMPLATES + "index.html", context)


@verified_taxpayer_required
@require_GET
def request_detail(request: HttpRequest, taxpayer: Taxpayer, public_id: uuid.UUID) -> HttpResponse:
    summary = get_or_404(request_summary_for_taxpayer, taxpayer=taxpayer, public_id=public_id)
    pk = summary.req.pk
    would_end = (
        account_selectors.what_approving_ends(taxpayer=taxpayer, request_id=pk)
        if summary.awaits_decision
        else []
    )
    context = {
        "summary": summary,
        "would_end": would_end,
        "refusal": _refusal_before_signing(taxpayer, summary, pk),
    }
    return render(request, TEMPLATES + "request.html", context)


def _refusal_before_signing(taxpayer: Taxpayer, summary: RequestSummary, pk: int) -> str:
    """R25, R26: say before the taxpayer signs that the approval would be refused, and why."""
    if not summary.awaits_decision:
        return ""
    return services.request_approval_refusal(request_id=pk, taxpayer_id=taxpayer.pk) or ""


@verified_taxpayer_required
@require_http_methods(["GET", "POST"])
def approve(request: HttpRequest, taxpayer: Taxpayer, public_id: uuid.UUID) -> HttpResponse:
    summary = get_or_404(request_summary_for_taxpayer, taxpayer=taxpayer, public_id=public_id)
    pk = summary.req.pk
    if summary.is_poa and summary.awaits_decision:
        _require_step_up(request)
    form = ApproveForm(request.POST or None, expected_name=taxpayer.name)
    refusal = _refusal_before_signing(taxpayer, summary, pk) if request.method == "GET" else ""
    # A request no longer waiting (decided, expired, cancelled) goes to the service all the
    # same: its refusal is the one clear sentence for a replayed or late approval (R47).
    if request.method == "POST" and (form.is_valid() or not summary.awaits_decision):
        try:
            services.request_approve(
                request_id=pk,
                taxpayer_id=taxpayer.pk,
                actor=request.user,
                consent=_consent(request),
            )
        except ApprovalRefused as refused:
            refusal = str(refused)
            summary = get_or_404(
                request_summary_for_taxpayer, taxpayer=taxpayer, public_id=public_id
            )
        else:
            messages.success(
                request,
                f"You approved the request from {summary.representative.name}. It is being "
                "recorded and will be in effect in a moment.",
            )
            return _request_page(public_id)
    context = {
        "summary": summary,
        "taxpayer": taxpayer,
        "form": form,
        "refusal": refusal,
        "declaration_version": services.CONSENT_TEXT_VERSION,
        "would_end": (
            account_selectors.what_approving_ends(taxpayer=taxpayer, request_id=pk)
            if summary.awaits_decision
            else []
        ),
    }
    return render(request, TEMPLATES + "approve.html", context)


@verified_taxpayer_required
@require_http_methods(["GET", "POST"])
def reject(request: HttpRequest, taxpayer: Taxpayer, public_id: uuid.UUID) -> HttpResponse:
    summary = get_or_404(request_summary_for_taxpayer, taxpayer=taxpayer, public_id=public_id)
    pk = summary.req.pk
    if request.method == "POST":
        try:
            services.request_reject(request_id=pk, taxpayer_id=taxpayer.pk, actor=request.user)
        except RequestRefused as refused:
            # R47: a second reject (or one after expiry) changes nothing and says why.
            messages.warning(request, str(refused))
            return _request_page(public_id)
        messages.success(
            request,
            f"You rejected the request from {summary.representative.name}. They cannot act "
            "for you or see your tax information because of it.",
        )
        return _index_page()
    return render(request, TEMPLATES + "reject.html", {"summary": summary})


@verified_taxpayer_required
@require_http_methods(["GET", "POST"])
def revoke(request: HttpRequest, taxpayer: Taxpayer, public_id: uuid.UUID) -> HttpResponse:
    item = get_or_404(authorization_for_taxpayer, taxpayer=taxpayer, public_id=public_id)
    pk = item.row.pk
    if request.method == "POST":
        try:
            services.authorization_revoke(
                authorization_id=pk, taxpayer_id=taxpayer.pk, actor=request.user
            )
        except AuthorizationNotActive as ended:
            messages.warning(request, str(ended))  # R47: a second revoke changes nothing.
            return _index_page()
        messages.success(
            request,
            f"You revoked the {item.kind_name.lower()} you gave {item.representative} for "
            f"{item.matter}, {item.period}. We will send them a notice.",
        )
        return _index_page()
    return render(request, TEMPLATES + "revoke.html", {"item": item})


@verified_taxpayer_required
@require_GET
def access_log(request: HttpRequest, taxpayer: Taxpayer) -> HttpResponse:
    """R33: who viewed what and when, newest first."""
    rows = selectors.information_accesses_for_taxpayer(taxpayer_id=taxpayer.pk)
    page = page_of(request, rows, per_page=ACCOUNT_PAGE_SIZE)
    context = {"page": page, "page_links": list(page_links(page)), "views": page.object_list}
    return render(request, "authorizations/account/access_log.html", context)
