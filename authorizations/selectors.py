"""Reads of the authorizations app that span relations or apply who may see what."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce

from authorizations.models import (
    Authorization,
    AuthorizationRequest,
    InformationAccess,
    PractitionerNotice,
    RequestState,
)
from authorizations.vocabulary import (
    CONTACT_TAXPAYER,
    NO_STATUS_STATES,
    REQUEST_STATUS_FILTERS,
    request_status_for_practitioner,
)
from caf.models import CafRecord
from caf.selectors import caf_numbers_linked_to
from taxpro import clock
from taxpro.models import User

# R19's words live in the vocabulary; these names stay importable from here for the services
# and tests that ask the selectors what a practitioner is told.
__all__ = ["CONTACT_TAXPAYER", "NO_STATUS_STATES", "request_status_for_practitioner"]


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


def active_authorizations_for_practitioner(
    *, practitioner: User, linked: Iterable[CafRecord] | None = None
) -> QuerySet[Authorization]:
    """R7: every active row on the practitioner's linked CAF numbers, whatever created it.

    The CAF numbers are named as values, not a subquery: with one linked number PostgreSQL then
    walks the index ``ledger_active_by_caf_page`` in the list's order and stops after the page,
    joining the taxpayer and CAF record to those rows only, whatever the size of the book.
    ``linked``: the practitioner's linked CAF records when the caller has read them already
    (``caf_numbers_linked_to``), sparing the query."""
    linked_ids = (
        [record.pk for record in linked]
        if linked is not None
        else list(caf_numbers_linked_to(user=practitioner).values_list("pk", flat=True))
    )
    return (
        Authorization.objects.active()
        .filter(caf_record_id__in=linked_ids)
        .select_related("taxpayer", "caf_record")
        .order_by("-starts_at", "-id")
    )


def linked_caf_numbers_with_active_counts(*, practitioner: User) -> list[CafRecord]:
    """R7: the practitioner's linked CAF records, each with ``active_authorizations``, the
    number of active rows on it, counted in the same query (one per record, on the index
    ``ledger_active_by_caf_page``) instead of a second COUNT over the same rows."""
    active_on_record = (
        Authorization.objects.active()
        .filter(caf_record_id=OuterRef("pk"))
        .order_by()
        .values("caf_record_id")
        .annotate(rows=Count("id"))
        .values("rows")
    )
    return list(
        caf_numbers_linked_to(user=practitioner).annotate(
            active_authorizations=Coalesce(
                Subquery(active_on_record, output_field=IntegerField()), 0
            )
        )
    )


def recent_requests_with_total(
    *, practitioner: User, shown: int
) -> tuple[list[AuthorizationRequest], int]:
    """R20: the practitioner's ``shown`` most recent submitted requests and how many they have
    sent in all, in one query (the total is a window over every row, counted before the limit)."""
    rows: list[AuthorizationRequest] = list(
        requests_submitted_by(practitioner=practitioner).annotate(
            submitted_total=Window(Count("id"))
        )[:shown]
    )
    return rows, (int(getattr(rows[0], "submitted_total")) if rows else 0)  # noqa: B009


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


def request_for_practitioner(*, practitioner: User, public_id: uuid.UUID) -> AuthorizationRequest:
    """R45: one of the practitioner's own submitted requests; anyone else's raises
    ``AuthorizationRequest.DoesNotExist``."""
    return (
        requests_submitted_by(practitioner=practitioner)
        .prefetch_related("modules")
        .get(public_id=public_id)
    )


def active_authorizations_filtered(
    *,
    practitioner: User,
    kind: str = "",
    caf_number: str = "",
    name: str = "",
    channel: str = "",
) -> QuerySet[Authorization]:
    """R7 with the list's filters (kind, the channel that created it, one of the linked CAF
    numbers, taxpayer name: a person's or a business's)."""
    rows = active_authorizations_for_practitioner(practitioner=practitioner)
    if kind:
        rows = rows.filter(kind=kind)
    if channel:
        rows = rows.filter(channel=channel)
    if caf_number:
        rows = rows.filter(caf_record__caf_number=caf_number)
    if name:
        rows = rows.filter(taxpayer__name__icontains=name)
    return rows


def authorizations_for_practitioner(
    *, practitioner: User, ids: list[uuid.UUID]
) -> list[Authorization]:
    """R45: the rows ``ids`` (public ids) name, each on the practitioner's linked CAF numbers,
    ended or not.

    A withdrawal asks for this first. One id that is not theirs (someone else's, or none at
    all) makes the whole selection not exist: ``Authorization.DoesNotExist``."""
    rows = list(
        Authorization.objects.filter(
            public_id__in=ids, caf_record__in=caf_numbers_linked_to(user=practitioner)
        )
        .select_related("taxpayer", "caf_record")
        .order_by("taxpayer__name", "matter", "period", "kind", "id")
    )
    if len(rows) != len(set(ids)):
        raise Authorization.DoesNotExist("No such authorization.")
    return rows


def practitioner_notices(*, practitioner: User) -> QuerySet[PractitionerNotice]:
    """The practitioner's notices, newest first (an index in this order)."""
    return (
        PractitionerNotice.objects.filter(practitioner=practitioner)
        .select_related("request")
        .order_by("-created_at", "-id")
    )
