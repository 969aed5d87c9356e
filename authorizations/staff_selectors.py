"""Reads for the CAF unit's pages (R34b): the queue's counts, the forms a clerk holds, and one
form as a clerk may open it."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import Count, Q

from authorizations.clerks import VIEW_PERMISSION
from authorizations.models import FormState, UploadedForm
from taxpro.models import User


def _in_line(now: dt.datetime) -> Q:
    # The queue's own rule (services.forms): a form whose lease ran out is back in its place.
    return Q(state=FormState.WAITING) | Q(state=FormState.IN_REVIEW, lease_expires_at__lte=now)


@dataclass(frozen=True)
class QueueSummary:
    waiting: int
    in_review: int
    recording: int  # decided, the worker has not put it on the ledger yet
    recorded: int
    rejected: int
    withdrawn: int
    oldest_waiting: UploadedForm | None


def form_queue_summary(*, now: dt.datetime) -> QueueSummary:
    """How many forms are in each state, and the one first in line. Two queries."""
    counts = UploadedForm.objects.aggregate(
        waiting=Count("id", filter=_in_line(now)),
        in_review=Count("id", filter=Q(state=FormState.IN_REVIEW, lease_expires_at__gt=now)),
        recording=Count("id", filter=Q(state=FormState.RECORDING)),
        recorded=Count("id", filter=Q(state=FormState.RECORDED)),
        rejected=Count("id", filter=Q(state=FormState.REJECTED)),
        withdrawn=Count("id", filter=Q(state=FormState.WITHDRAWN)),
    )
    oldest = (
        UploadedForm.objects.filter(_in_line(now))
        .order_by("received_at", "id")
        .only("public_id", "form_type", "received_at", "taxpayer_name")
        .first()
    )
    return QueueSummary(oldest_waiting=oldest, **counts)


def forms_held_by(*, clerk: User, now: dt.datetime) -> list[UploadedForm]:
    return list(
        UploadedForm.objects.filter(
            state=FormState.IN_REVIEW, clerk=clerk, lease_expires_at__gt=now
        ).order_by("received_at", "id")
    )


def form_is_held_by(form: UploadedForm, clerk: User, now: dt.datetime) -> bool:
    return (
        form.state == FormState.IN_REVIEW
        and form.clerk_id == clerk.pk
        and form.lease_expires_at is not None
        and form.lease_expires_at > now
    )


def form_for_clerk(*, user: User, public_id: uuid.UUID, now: dt.datetime) -> UploadedForm:
    """R45 for staff: the form the clerk holds, or any form for a clerk with the permission to
    view them all; else ``DoesNotExist``, as if there were none."""
    form = UploadedForm.objects.select_related("practitioner").get(public_id=public_id)
    if form_is_held_by(form, user, now) or user.has_perm(VIEW_PERMISSION):
        return form
    raise UploadedForm.DoesNotExist("No such form.")
