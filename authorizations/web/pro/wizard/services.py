"""Every write of the wizard: create, save a step, discard, submit (R42, R46, R47)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from authorizations.errors import AuthorizationError, RequestRefused
from authorizations.models import AuthorizationRequest, RequestDraft
from authorizations.services.drafts import draft_locked_for_sending, draft_start, draft_wipe
from authorizations.services.submission import Representative, TaxpayerDetails, request_submit
from authorizations.web.pro.wizard.steps import postal_address_of
from caf.errors import CafError
from caf.selectors import caf_record_for_request
from taxpro import clock
from taxpro.audit import audit_record
from taxpro.models import User
from taxpro.tin_crypto import tin_decrypt


def draft_create(*, practitioner: User, now: dt.datetime | None = None) -> RequestDraft:
    """A new draft; an untouched one is reused, so a doubled "Start" makes one draft (R47)."""
    with transaction.atomic():
        draft, _created = draft_start(
            untouched=RequestDraft.objects.owned_by(practitioner)
            .unfinished()
            .filter(data={}, taxpayer_tin_ciphertext=""),
            practitioner=practitioner,
            now=now or clock.now(),
        )
        return draft


def draft_caf_number_check(
    *,
    draft: RequestDraft,
    practitioner: User,
    answers: dict[str, Any],
    now: dt.datetime | None = None,
) -> str | None:
    """R1-R3 at the representative step: does the CAF number typed, with the name and address,
    match the CAF file for a number assigned to this practitioner? None when it does, else the
    one refusal sentence (the same whoever holds the number, R12's spirit). Each refusal is an
    audit event, so staff can see a practitioner trying CAF numbers."""
    try:
        caf_record_for_request(
            user=practitioner,
            representation=answers.get("kind") == "poa",
            caf_number=answers.get("caf_number", ""),
            name=answers.get("name", ""),
            address=postal_address_of(answers),
        )
    except CafError as error:
        audit_record(
            action="request.caf_number_refused",
            obj=draft,
            actor=practitioner,
            after={"caf_number": answers.get("caf_number", ""), "reason": error.message},
            now=now,
        )
        return error.message
    return None


def draft_caf_number_throttled(
    *, draft: RequestDraft, practitioner: User, now: dt.datetime | None = None
) -> None:
    """The practitioner had too many CAF numbers refused this hour: the refusal to check more
    is itself an audit event (quality.md: throttling leaves a trace)."""
    audit_record(
        action="request.caf_number_throttled",
        obj=draft,
        actor=practitioner,
        after={"limit_per_hour": settings.CAF_CHECK_REFUSALS_PER_HOUR},
        now=now,
    )


def draft_discard(*, draft: RequestDraft, now: dt.datetime | None = None) -> bool:
    """Wipe an unsubmitted draft's answers. False when it was already discarded or sent (R47)."""
    return draft_wipe(draft=draft, now=now or clock.now())


@dataclass(frozen=True)
class Submitted:
    request: AuthorizationRequest
    already: bool  # True when this draft had been sent before (a doubled submit, R47)


def draft_submit(
    *, draft: RequestDraft, practitioner: User, now: dt.datetime | None = None
) -> Submitted:
    """Send the draft through :func:`request_submit`, once (R47).

    The draft row is locked, so two submits of the same draft queue: the second finds it sent
    and returns the same request. A refusal is raised after the block commits, so a counted
    taxpayer mismatch (R12) is kept.
    """
    refusal: AuthorizationError | None = None
    with transaction.atomic():
        locked, sent = draft_locked_for_sending(
            draft=draft,
            practitioner=practitioner,
            sent_as=AuthorizationRequest,
            refusal=RequestRefused,
            noun="request",
        )
        if sent is not None:
            return Submitted(request=sent, already=True)
        data = locked.data
        rep, taxpayer = data.get("representative", {}), data.get("taxpayer", {})
        if not locked.taxpayer_tin_ciphertext:
            raise RequestRefused("Enter the taxpayer's SSN or ITIN.", field="taxpayer.tin")
        modules = [
            (row["matter"], period)
            for row in data.get("matters", {}).get("rows", [])
            for period in row.get("periods", [])
        ]
        try:
            req = request_submit(
                practitioner=practitioner,
                kind=rep.get("kind", ""),
                representative=Representative(
                    caf_number=rep.get("caf_number", ""),
                    name=rep.get("name", ""),
                    address=postal_address_of(rep),
                ),
                taxpayer=TaxpayerDetails(
                    tin=tin_decrypt(locked.taxpayer_tin_ciphertext),
                    name=taxpayer.get("name", ""),
                    address=postal_address_of(taxpayer),
                ),
                modules=modules,
                receives_notices=data.get("notices", {}).get("receives_notices") == "yes",
                now=now,
            )
        except AuthorizationError as error:  # RequestRefused, PeriodRefused
            refusal = error
        else:
            locked.submitted_request = req
            locked.updated_at = req.submitted_at or clock.now()
            locked.save(update_fields=["submitted_request", "updated_at"])
            return Submitted(request=req, already=False)
    assert refusal is not None
    raise refusal
