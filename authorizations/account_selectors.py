"""Reads for the taxpayer's Authorizations pages, always within one taxpayer (R13, R45).

Each function takes the taxpayer the access helper resolved from the signed-in user, so an id
from a URL is only ever looked up inside that taxpayer's own rows: anyone else's does not exist.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, IntegerField, Max, Min, QuerySet, Value, Window

from authorizations import vocabulary as words
from authorizations.models import (
    Authorization,
    AuthorizationRequest,
    InformationAccess,
    RequestKind,
    RequestState,
)
from authorizations.selectors import requests_for_taxpayer, revocation_preview
from authorizations.vocabulary import KindWords, MatterPeriods, matters_and_periods
from caf.vocabulary import designations_in_words
from taxpayers.models import Letter, Taxpayer
from taxpayers.selectors import notices_for_taxpayer
from taxpro import clock

# The index shows this many ended authorizations unless asked for all of them.
HISTORY_LIMIT = 20


@dataclass(frozen=True)
class Representative:
    """Who is asking, as a taxpayer would describe them: no CAF number needed."""

    name: str
    designations: str
    city: str
    state: str


@dataclass(frozen=True)
class RequestSummary:
    req: AuthorizationRequest
    representative: Representative
    kind_words: KindWords  # what the kind is called, allows and has the taxpayer declare
    matters: list[MatterPeriods]
    state_words: str
    awaits_decision: bool

    @property
    def is_poa(self) -> bool:
        return self.req.kind == RequestKind.POA


@dataclass(frozen=True)
class LedgerRow:
    """One authorization (active or ended) in plain words."""

    row: Authorization
    representative: str
    kind_name: str
    matter: str
    period: str
    end_reason: str


@dataclass(frozen=True)
class WouldEnd:
    """R31: one current authorization that approving would end, in plain words."""

    representative: str
    matter: str
    period: str
    kind_name: str


def request_awaits_decision(req: AuthorizationRequest, *, now: dt.datetime) -> bool:
    """Pending and not past its expiry (R18): the sweeper may not have marked it expired yet."""
    return req.state == RequestState.PENDING and (req.expires_at is None or req.expires_at > now)


def _summary(req: AuthorizationRequest, now: dt.datetime) -> RequestSummary:
    record = req.caf_record
    awaits = request_awaits_decision(req, now=now)
    state_words = words.request_state_in_words(req.state)
    if req.state == RequestState.PENDING and not awaits:
        state_words = words.request_state_in_words(RequestState.EXPIRED)
    return RequestSummary(
        req=req,
        representative=Representative(
            name=record.name,
            designations=designations_in_words(record.designation_codes),
            city=record.city,
            state=record.state,
        ),
        kind_words=words.kind_words(req.kind),
        matters=matters_and_periods(req.modules.all()),  # prefetched: no query per request
        state_words=state_words,
        awaits_decision=awaits,
    )


def open_requests_for(
    *, taxpayer: Taxpayer, now: dt.datetime | None = None
) -> tuple[list[RequestSummary], list[RequestSummary]]:
    """(waiting for a decision, approved and being recorded): two queries whatever the count."""
    now = now or clock.now()
    rows = requests_for_taxpayer(taxpayer_id=taxpayer.pk).filter(
        state__in=[RequestState.PENDING, RequestState.APPROVED]
    )
    pending: list[RequestSummary] = []
    approved: list[RequestSummary] = []
    for req in rows:
        if req.state == RequestState.APPROVED:
            approved.append(_summary(req, now))
        elif request_awaits_decision(req, now=now):
            pending.append(_summary(req, now))
    pending.sort(key=lambda s: (s.req.expires_at or now, s.req.pk))
    return pending, approved


def request_summary_for_taxpayer(
    *, taxpayer: Taxpayer, public_id: uuid.UUID, now: dt.datetime | None = None
) -> RequestSummary:
    """R45: one request addressed to this taxpayer; raises DoesNotExist for anyone else's."""
    req = requests_for_taxpayer(taxpayer_id=taxpayer.pk).get(public_id=public_id)
    return _summary(req, now or clock.now())


def what_approving_ends(
    *, taxpayer: Taxpayer, request_id: int, now: dt.datetime | None = None
) -> list[WouldEnd]:
    """R31 in plain words: each current authorization approving this request would end."""
    return [
        WouldEnd(
            representative=item.representative,
            matter=words.matter_label(item.matter),
            period=words.period_label(matter=item.matter, period=item.period),
            kind_name=words.kind_words(item.kind).name,
        )
        for item in revocation_preview(request_id=request_id, taxpayer_id=taxpayer.pk, now=now)
    ]


def _ledger_rows(taxpayer: Taxpayer) -> QuerySet[Authorization]:
    return Authorization.objects.filter(taxpayer=taxpayer).select_related("caf_record")


def _in_words(row: Authorization) -> LedgerRow:
    return LedgerRow(
        row=row,
        representative=row.caf_record.name,
        kind_name=words.kind_words(row.kind).name,
        matter=words.matter_label(row.matter),
        period=words.period_label(matter=row.matter, period=row.period),
        end_reason=words.end_reason_in_words(row.end_reason) if row.end_reason else "",
    )


@dataclass(frozen=True)
class Ledger:
    """The taxpayer's Authorizations page: what is in force, what ended, how many ended."""

    active: list[LedgerRow]
    ended: list[LedgerRow]
    ended_total: int


def ledger_for(*, taxpayer: Taxpayer, ended_limit: int | None = HISTORY_LIMIT) -> Ledger:
    """Everything in force for the taxpayer (newest first), the ``ended_limit`` most recently
    ended and how many ended in all, in one query whatever the counts (issue 12: the active and
    the ended rows were two): both lists as the arms of a UNION ALL, the total a window over
    every ended row, counted before the limit applies."""
    active = (
        _ledger_rows(taxpayer)
        .filter(ends_at__isnull=True)
        .annotate(ended_total=Value(0, output_field=IntegerField()))
    )
    ended = (
        _ledger_rows(taxpayer)
        .filter(ends_at__isnull=False)
        .annotate(ended_total=Window(Count("id")))
        .order_by("-ends_at", "-id")
    )
    rows = list(
        active.order_by().union(ended if ended_limit is None else ended[:ended_limit], all=True)
    )
    in_force = sorted(
        (row for row in rows if row.ends_at is None),
        key=lambda row: (row.starts_at, row.pk),
        reverse=True,
    )
    gone = sorted(
        (row for row in rows if row.ends_at is not None),
        key=lambda row: (row.ends_at, row.pk),
        reverse=True,
    )
    return Ledger(
        active=[_in_words(row) for row in in_force],
        ended=[_in_words(row) for row in gone],
        ended_total=gone[0].ended_total if gone else 0,  # type: ignore[attr-defined]
    )


def authorization_for_taxpayer(*, taxpayer: Taxpayer, public_id: uuid.UUID) -> LedgerRow:
    """R45: one of this taxpayer's authorizations; raises DoesNotExist for anyone else's."""
    return _in_words(_ledger_rows(taxpayer).get(public_id=public_id))


@dataclass(frozen=True)
class TaxpayerHomeSummary:
    pending_count: int
    soonest_expiry: dt.datetime | None
    pending_first: list[Any]  # the requests that expire first (AuthorizationRequest)
    active_count: int
    notice_count: int
    recent_notices: list[Letter]
    view_count: int
    last_viewed_at: dt.datetime | None


def taxpayer_home_summary(
    *, taxpayer: Taxpayer, now: dt.datetime | None = None, recent: int = 3
) -> TaxpayerHomeSummary:
    """What the home page counts, in a fixed number of queries whatever the numbers."""
    now = now or clock.now()
    # A pending request past its expiry waits only for the worker to mark it: not counted.
    waiting = AuthorizationRequest.objects.filter(
        taxpayer=taxpayer, state=RequestState.PENDING, expires_at__gt=now
    )
    pending = waiting.aggregate(count=Count("id"), soonest=Min("expires_at"))
    # One opening of the client page logs a row per form and period shown (R33), all at the
    # same moment: a view is counted once, however many forms and periods it showed.
    views = InformationAccess.objects.filter(taxpayer=taxpayer).aggregate(
        count=Count("viewed_at", distinct=True), last=Max("viewed_at")
    )
    notices = notices_for_taxpayer(taxpayer=taxpayer)
    return TaxpayerHomeSummary(
        pending_count=pending["count"],
        soonest_expiry=pending["soonest"],
        pending_first=list(
            waiting.select_related("caf_record").order_by("expires_at", "id")[:recent]
        ),
        active_count=Authorization.objects.active().filter(taxpayer=taxpayer).count(),
        notice_count=notices.count(),
        recent_notices=list(notices[:recent]),
        view_count=views["count"],
        last_viewed_at=views["last"],
    )
