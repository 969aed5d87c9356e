"""Reads for the request wizard: a practitioner's own drafts (R45) and what they may ask (R1-R3)."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from authorizations.models import RequestDraft
from caf.models import CafRecord, PracticeStatus
from caf.selectors import (
    Eligibility,
    caf_numbers_linked_to,
    practitioner_may_request,
    practitioner_profile_of,
)
from taxpro.models import User
from taxpro.not_found import get_or_404
from taxpro.tins import HolderKind


def drafts_for(*, practitioner: User) -> QuerySet[RequestDraft]:
    """The practitioner's unfinished drafts (not submitted, not discarded), newest first."""
    return RequestDraft.objects.owned_by(practitioner).unfinished().order_by("-updated_at", "-id")


def draft_for(*, practitioner: User, public_id: uuid.UUID) -> RequestDraft:
    """The practitioner's own draft, submitted or not; anyone else's is a 404 (R45), audited
    at the one place every such 404 passes (taxpro.not_found)."""
    return get_or_404(_own_draft, practitioner=practitioner, public_id=public_id)


def _own_draft(*, practitioner: User, public_id: uuid.UUID) -> RequestDraft:
    return (
        RequestDraft.objects.owned_by(practitioner)
        .select_related("submitted_request")
        .get(public_id=public_id)
    )


def linked_caf_records(*, practitioner: User) -> list[CafRecord]:
    """R7: the CAF numbers the practitioner may pick from instead of typing one."""
    return list(caf_numbers_linked_to(user=practitioner))


def poa_eligibility(*, practitioner: User, records: list[CafRecord] | None = None) -> Eligibility:
    """R1-R3: may the practitioner ask for a power of attorney online at all?

    The rule lives in :func:`caf.selectors.practitioner_may_request`; with a linked CAF number we
    ask it directly. Without one, only the designations can be judged (the CAF number is checked
    again at submission), so we ask about a stand-in record that carries the profile's own TIN.
    """
    if records is None:
        records = linked_caf_records(practitioner=practitioner)
    first_refusal: Eligibility | None = None
    for record in records:
        eligibility = practitioner_may_request(
            user=practitioner, representation=True, caf_record=record
        )
        if eligibility:
            return eligibility
        first_refusal = first_refusal or eligibility
    if first_refusal is not None:
        return first_refusal
    profile = practitioner_profile_of(user=practitioner)
    if profile is None:
        return Eligibility(allowed=False, reason="Complete your profile first.")
    stand_in = CafRecord(
        holder_kind=HolderKind.INDIVIDUAL,
        tin_hash=profile.tin_hash,
        state="DC",  # only the designations are judged here; the CAF address is at submission
        practice_status=PracticeStatus.GOOD_STANDING,
    )
    return practitioner_may_request(user=practitioner, representation=True, caf_record=stand_in)
