"""Reads of the authorizations app that span relations or apply who may see what."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from authorizations.models import (
    Authorization,
    AuthorizationRequest,
    InformationAccess,
    RequestState,
)
from authorizations.periods import Matter, format_period
from caf.selectors import caf_numbers_linked_to
from taxpayers.models import TaxForm
from taxpro import clock
from taxpro.models import User

# --- What each side may see -----------------------------------------------------------------

# R19: what the practitioner is told. Rejected and failed requests show no status.
CONTACT_TAXPAYER = "No status is available. Contact the taxpayer."
_PRACTITIONER_STATUS = {
    RequestState.DRAFT: "Draft (not sent)",
    RequestState.PENDING: "Pending with the taxpayer",
    RequestState.APPROVED: "Pending with the taxpayer",
    RequestState.RECORDED: "Recorded",
    RequestState.EXPIRED: "Expired",
    RequestState.CANCELLED: "Cancelled",
    RequestState.REJECTED: CONTACT_TAXPAYER,
    RequestState.FAILED: CONTACT_TAXPAYER,
}


# R19: the states the practitioner is told nothing about, derived from the words above.
NO_STATUS_STATES = frozenset(
    state for state, told in _PRACTITIONER_STATUS.items() if told == CONTACT_TAXPAYER
)


def request_status_for_practitioner(req: AuthorizationRequest) -> str:
    """R19. An approval waiting to be recorded still reads as pending: it is not on file yet."""
    return _PRACTITIONER_STATUS[RequestState(req.state)]


def requests_submitted_by(*, practitioner: User) -> QuerySet[AuthorizationRequest]:
    """R20, R45: only the practitioner's own requests, newest first."""
    return (
        AuthorizationRequest.objects.filter(practitioner=practitioner)
        .exclude(state=RequestState.DRAFT)
        .select_related("taxpayer", "caf_record")
        .order_by("-submitted_at", "-id")
    )


def requests_for_taxpayer(*, taxpayer_id: int) -> QuerySet[AuthorizationRequest]:
    """R13: everything addressed to the taxpayer, whenever it was sent."""
    return (
        AuthorizationRequest.objects.filter(taxpayer_id=taxpayer_id)
        .exclude(state=RequestState.DRAFT)
        .select_related("caf_record")
        .prefetch_related("modules")
        .order_by("-submitted_at", "-id")
    )


def active_authorizations_for_practitioner(*, practitioner: User) -> QuerySet[Authorization]:
    """R7: every active row on the practitioner's linked CAF numbers, whatever created it."""
    return (
        Authorization.objects.active()
        .filter(caf_record__in=caf_numbers_linked_to(user=practitioner))
        .select_related("taxpayer", "caf_record")
        .order_by("-starts_at", "-id")
    )


@dataclass(frozen=True)
class WouldRevoke:
    representative: str
    caf_number: str
    matter: str
    period: str
    kind: str


def revocation_preview(
    *, request_id: int, taxpayer_id: int, now: dt.datetime | None = None
) -> list[WouldRevoke]:
    """R31: what approving this request now would end (R23 with R24: earlier days, same kind).

    Also this representative's own same-day row for the module, which recording replaces.
    """
    now = now or clock.now()
    req = AuthorizationRequest.objects.get(pk=request_id, taxpayer_id=taxpayer_id)
    today = clock.today_et(now)
    modules = Q()
    for matter, period in req.modules.values_list("matter", "period"):
        modules |= Q(matter=matter, period=period)
    if not modules:
        return []
    rows = (
        Authorization.objects.active()
        .filter(modules, taxpayer_id=taxpayer_id, kind=req.kind)
        .filter(Q(signed_on__lt=today) | Q(caf_record_id=req.caf_record_id))
        .select_related("caf_record")
        .order_by("matter", "period", "caf_record__name")
    )
    return [
        WouldRevoke(
            representative=r.caf_record.name,
            caf_number=r.caf_record.caf_number,
            matter=r.matter,
            period=r.period,
            kind=r.kind,
        )
        for r in rows
    ]


def information_accesses_for_taxpayer(*, taxpayer_id: int) -> QuerySet[InformationAccess]:
    """R33: who viewed the taxpayer's information, what and when, newest first."""
    return (
        InformationAccess.objects.filter(taxpayer_id=taxpayer_id)
        .select_related("caf_record")
        .order_by("-viewed_at", "-id")
    )


# --- The practitioner's lists: Requests (R19, R20) and Active authorizations (R7) -------------

# R19: the statuses a practitioner may filter by. Rejected and failed share one bucket that
# names no status at all ("contact the taxpayer"), so the filter cannot reveal which it was.
REQUEST_STATUS_FILTERS: dict[str, tuple[str, list[str]]] = {
    "pending": ("Pending with the taxpayer", [RequestState.PENDING, RequestState.APPROVED]),
    "recorded": ("Recorded", [RequestState.RECORDED]),
    "expired": ("Expired", [RequestState.EXPIRED]),
    "cancelled": ("Cancelled", [RequestState.CANCELLED]),
    "contact": (
        "No status: contact the taxpayer",
        [RequestState.REJECTED, RequestState.FAILED],
    ),
}


def matter_label(matter: str) -> str:
    """The label of a tax matter: an online matter (R14) or a form that came on paper (R36)."""
    if matter in Matter.values:
        return str(Matter(matter).label)
    if matter in TaxForm.values:
        return str(TaxForm(matter).label)
    return matter


def period_label(*, matter: str, period: str) -> str:
    """A period as people say it. Online matters use :func:`format_period`; a form's period
    that does not end in December (a quarter, a fiscal year: R36) names the month it ends."""
    if matter in Matter.values:
        return format_period(matter=matter, period=period)
    if len(period) == 6 and period.isdigit() and period[4:] != "12" and 1 <= int(period[4:]) <= 12:
        return f"Period ending {dt.date(int(period[:4]), int(period[4:]), 1):%B %Y}"
    return period[:4]


def requests_submitted_by_filtered(
    *,
    practitioner: User,
    status: str = "",
    name: str = "",
    submitted_from: dt.date | None = None,
    submitted_to: dt.date | None = None,
) -> QuerySet[AuthorizationRequest]:
    """R20 with the list's filters; the dates are calendar days in ET, both ends included.

    Modules come in one extra query whatever the number of rows (constant queries per page).
    """
    rows = requests_submitted_by(practitioner=practitioner).prefetch_related("modules")
    if status in REQUEST_STATUS_FILTERS:
        rows = rows.filter(state__in=REQUEST_STATUS_FILTERS[status][1])
    if name:
        rows = rows.filter(taxpayer__name__icontains=name)
    if submitted_from is not None:
        rows = rows.filter(submitted_at__gte=clock.start_of_day_et(submitted_from))
    if submitted_to is not None:
        next_day = submitted_to + dt.timedelta(days=1)
        rows = rows.filter(submitted_at__lt=clock.start_of_day_et(next_day))
    return rows


def request_of_practitioner(*, practitioner: User, request_id: int) -> AuthorizationRequest:
    """R45: one of the practitioner's own submitted requests; anyone else's does not exist."""
    return (
        requests_submitted_by(practitioner=practitioner)
        .prefetch_related("modules")
        .get(pk=request_id)
    )


def active_authorizations_filtered(
    *, practitioner: User, kind: str = "", caf_number: str = "", name: str = ""
) -> QuerySet[Authorization]:
    """R7 with the list's filters (kind, one of the linked CAF numbers, taxpayer name)."""
    rows = active_authorizations_for_practitioner(practitioner=practitioner)
    if kind:
        rows = rows.filter(kind=kind)
    if caf_number:
        rows = rows.filter(caf_record__caf_number=caf_number)
    if name:
        rows = rows.filter(taxpayer__name__icontains=name)
    return rows


def authorizations_on_linked_caf_numbers(
    *, practitioner: User, ids: list[int]
) -> QuerySet[Authorization]:
    """R45: the rows among ``ids`` on the practitioner's linked CAF numbers, ended or not.

    A withdrawal asks for this first: an id outside it belongs to someone else (-> 404)."""
    return (
        Authorization.objects.filter(
            pk__in=ids, caf_record__in=caf_numbers_linked_to(user=practitioner)
        )
        .select_related("taxpayer", "caf_record")
        .order_by("taxpayer__name", "matter", "period", "kind", "id")
    )
