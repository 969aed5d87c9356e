"""What the practitioner's forms pages read (R39b): their own forms, each open form's place in
the CAF unit's line, and the median time forms have taken lately."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db.models import (
    Aggregate,
    Case,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)

from authorizations.models import (
    FORM_IN_LINE_STATES,
    FormDraft,
    FormState,
    UploadedForm,
)
from taxpro import clock
from taxpro.models import User

# R39b: "lately" is the forms decided in this many days.
MEDIAN_WINDOW_DAYS = 30


class _CountOf(Subquery):
    """How many rows a subquery has, as one integer column."""

    template = "(SELECT count(*) FROM (%(subquery)s) _ahead)"
    output_field = IntegerField()


class _Median(Aggregate):
    """PostgreSQL's exact median of an expression."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def forms_of(*, practitioner: User) -> QuerySet[UploadedForm]:
    """The practitioner's uploads, newest first, each open one with ``queue_place`` (1 = next):
    one query whatever the number of rows, the count read on the queue's partial index."""
    ahead = UploadedForm.objects.filter(state__in=FORM_IN_LINE_STATES).filter(
        Q(received_at__lt=OuterRef("received_at"))
        | Q(received_at=OuterRef("received_at"), id__lt=OuterRef("id"))
    )
    place: Any = _CountOf(ahead.order_by().values("id")) + 1
    return (
        UploadedForm.objects.filter(practitioner=practitioner)
        .annotate(
            queue_place=Case(
                When(state__in=FORM_IN_LINE_STATES, then=place),
                default=None,
                output_field=IntegerField(),
            )
        )
        .order_by("-received_at", "-id")
    )


def form_of(*, practitioner: User, public_id: uuid.UUID) -> UploadedForm:
    """One of the practitioner's forms; another's does not exist for them (R45)."""
    return forms_of(practitioner=practitioner).get(public_id=public_id)


def median_processing_time(*, now: dt.datetime | None = None) -> dt.timedelta | None:
    """R39b: the median time from receipt to decision of the forms decided lately (recorded or
    rejected in the last MEDIAN_WINDOW_DAYS days), or None when there were none."""
    now = now or clock.now()
    taken = ExpressionWrapper(F("decided_at") - F("received_at"), output_field=DurationField())
    median: dt.timedelta | None = UploadedForm.objects.filter(
        state__in=(FormState.RECORDED, FormState.REJECTED),
        decided_at__gte=now - dt.timedelta(days=MEDIAN_WINDOW_DAYS),
    ).aggregate(median=_Median(taken))["median"]
    return median


def form_drafts_of(*, practitioner: User) -> QuerySet[FormDraft]:
    """The practitioner's unfinished upload drafts, most recently saved first."""
    return FormDraft.objects.owned_by(practitioner).unfinished().order_by("-updated_at", "-id")


def form_draft_of(*, practitioner: User, public_id: uuid.UUID) -> FormDraft:
    """One of the practitioner's own upload drafts, uploaded or not; another's does not exist
    for them (R45)."""
    return (
        FormDraft.objects.owned_by(practitioner)
        .select_related("submitted_form")
        .get(public_id=public_id)
    )
