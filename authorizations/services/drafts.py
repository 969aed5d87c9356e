"""The draft operations both wizards share (style.md: pretix's checkout flow keeps its steps'
answers in one place): start a draft once, keep a step's answers (valid or as typed), discard,
and lock one for sending it once.

A draft of a request (``RequestDraft``) and a draft of an upload (``FormDraft``) keep their
answers alike: per step in ``data``, what was typed on a step not valid yet under :data:`RAW`
(R42), the TIN encrypted in its own column and only its last four digits under :data:`TIN`
(R43, R46). What differs (the file of an upload, the audit of its events, how each is sent)
stays in each wizard's own services.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import models

from authorizations.errors import AuthorizationError
from authorizations.models import FormDraft, RequestDraft
from taxpro import clock
from taxpro.models import User
from taxpro.tin_crypto import tin_encrypt
from taxpro.tins import Tin

# Where the draft's JSON keeps what was typed on a step that is not valid yet (R42).
RAW = "raw"
# Where it keeps the last four digits and the kind of the TIN (R43); the TIN is encrypted.
TIN = "tin"


def draft_start[AnyDraft: (RequestDraft, FormDraft)](
    *, untouched: models.QuerySet[AnyDraft], practitioner: User, now: dt.datetime
) -> tuple[AnyDraft, bool]:
    """The practitioner's first ``untouched`` draft and False, else a new one and True: a
    doubled "Start" makes one draft (R47). Run inside the caller's transaction: the
    practitioner's row is locked so two starts queue behind each other."""
    User.objects.select_for_update().filter(pk=practitioner.pk).first()
    found = untouched.first()
    if found is not None:
        return found, False
    draft = untouched.create(
        public_id=uuid.uuid4(), owner=practitioner, data={}, created_at=now, updated_at=now
    )
    return draft, True


def draft_save_answers[AnyDraft: (RequestDraft, FormDraft)](
    *,
    draft: AnyDraft,
    step: str,
    answers: dict[str, Any],
    valid: bool,
    tin: Tin | None = None,
    now: dt.datetime | None = None,
) -> AnyDraft:
    """Keep a step's answers. Valid ones complete the step; otherwise they are kept as typed,
    so nothing is lost (R42), and the step stays incomplete until it is posted valid.
    ``answers`` never hold a TIN (R46): a parsed one goes to its encrypted column. Only a draft
    not yet sent is written."""
    data = dict(draft.data)
    raw = dict(data.get(RAW, {}))
    if valid:
        data[step] = answers
        raw.pop(step, None)
    else:
        raw[step] = answers
    data[RAW] = raw
    draft.data = data
    draft.updated_at = now or clock.now()
    fields = ["data", "updated_at"]
    if tin is not None:
        # R46: the number only encrypted; the JSON keeps the last four for masking (R43).
        draft.taxpayer_tin_ciphertext = tin_encrypt(tin.digits)
        data[TIN] = {"last4": tin.last4, "type": str(tin.tin_type)}
        fields.append("taxpayer_tin_ciphertext")
    type(draft).objects.unsent().filter(pk=draft.pk).update(
        **{name: getattr(draft, name) for name in fields}
    )
    return draft


def draft_wipe[AnyDraft: (RequestDraft, FormDraft)](
    *,
    draft: AnyDraft,
    now: dt.datetime,
    **also: Any,
) -> bool:
    """Wipe an unsent draft's answers and TIN, keeping the row so a doubled "Discard" is told
    so (R47); ``also`` names more columns to clear. False when already discarded or sent."""
    changed = (
        type(draft)
        .objects.unfinished()
        .filter(pk=draft.pk)
        .update(data={}, taxpayer_tin_ciphertext="", discarded_at=now, updated_at=now, **also)
    )
    return bool(changed)


def draft_locked_for_sending[AnyDraft: (RequestDraft, FormDraft), Sent: models.Model](
    *,
    draft: AnyDraft,
    practitioner: User,
    sent_as: type[Sent],
    refusal: type[AuthorizationError],
    noun: str,
) -> tuple[AnyDraft, Sent | None]:
    """The start of sending a draft, inside the caller's transaction: the draft's row locked,
    and what it was sent as already (a ``sent_as``), else None. The lock makes a second send of
    the same draft wait for the first, then find it sent (R47); only its owner sends it (R4). A
    discarded draft is refused (``refusal``), as "Start a new ``noun``"."""
    locked = type(draft).objects.select_for_update().get(pk=draft.pk, owner=practitioner)
    if locked.sent_id is not None:
        # No join above: after waiting for the lock, Postgres re-reads the draft row but not a
        # joined row created meanwhile, so what it was sent as is fetched in its own statement.
        return locked, sent_as._default_manager.get(pk=locked.sent_id)
    if locked.discarded_at is not None:
        raise refusal(f"This draft was discarded. Start a new {noun}.")
    return locked, None
