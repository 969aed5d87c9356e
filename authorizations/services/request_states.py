"""A request's or a form's move from one state to the next (R18, R44), saved, audited and told
to webhooks in one place."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Required, TypedDict, Unpack

from authorizations.models import AuthorizationRequest, FormState, RequestState, UploadedForm
from authorizations.services.webhooks import webhook_events_emit
from taxpro.audit import audit_record


class MoveDetails(TypedDict, total=False):
    """What a move says besides its state: when (required), who, the fields the caller has
    already set and that are saved with the state, and what the audit event's "after" adds."""

    now: Required[dt.datetime]
    actor: object | None
    actor_label: str
    also_saved: Sequence[str]
    audited: Mapping[str, object] | None


def state_move(
    subject: AuthorizationRequest | UploadedForm,
    *,
    to: RequestState | FormState,
    action: str,
    **details: Unpack[MoveDetails],
) -> None:
    """Move a locked request or form to ``to``, save it, write the audit event ``action`` and
    the webhook event, all in the caller's transaction (the outbox, issue 14)."""
    now = details["now"]
    before = {"state": subject.state}
    subject.state = to
    subject.save(update_fields=["state", *details.get("also_saved", ())])
    audit_record(
        action=action,
        obj=subject,
        actor=details.get("actor"),
        actor_label=details.get("actor_label", ""),
        before=before,
        after={"state": to, **(details.get("audited") or {})},
        now=now,
    )
    webhook_events_emit(subject=subject, now=now)


def request_state_move(
    req: AuthorizationRequest, *, to: RequestState, **details: Unpack[MoveDetails]
) -> None:
    """``state_move`` for a request, its audit event named after the state ("request.<to>")."""
    state_move(req, to=to, action=f"request.{to.value}", **details)
