"""A request's move from one state to the next (R18), saved and audited in one place."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from authorizations.models import AuthorizationRequest, RequestState
from authorizations.services.webhooks import webhook_events_emit
from taxpro.audit import audit_record


def request_state_move(
    req: AuthorizationRequest,
    *,
    to: RequestState,
    now: dt.datetime,
    actor: object | None = None,
    actor_label: str = "",
    also_saved: Sequence[str] = (),
    audited: Mapping[str, object] | None = None,
) -> None:
    """Move a locked ``req`` to ``to`` and write the audit event named after it ("request.<to>").

    The caller has already set the fields named in ``also_saved`` (saved with the state);
    ``audited`` adds to the event's "after" beside the new state.
    """
    before = {"state": req.state}
    req.state = to
    req.save(update_fields=["state", *also_saved])
    audit_record(
        action=f"request.{to.value}",
        obj=req,
        actor=actor,
        actor_label=actor_label,
        before=before,
        after={"state": to, **(audited or {})},
        now=now,
    )
    webhook_events_emit(subject=req, now=now)  # issue 14: the outbox, in this transaction
