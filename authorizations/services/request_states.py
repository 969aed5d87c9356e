"""A request's or a form's move from one state to the next (R18, R44), saved, audited and told
to webhooks in one place."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from authorizations.models import AuthorizationRequest, FormState, RequestState, UploadedForm
from authorizations.services.webhooks import webhook_events_emit
from taxpro.audit import audit_record


def state_move(
    subject: AuthorizationRequest | UploadedForm,
    *,
    to: RequestState | FormState,
    action: str,
    now: dt.datetime,
    actor: object | None = None,
    actor_label: str = "",
    also_saved: Sequence[str] = (),
    audited: Mapping[str, object] | None = None,
) -> None:
    """Move a locked request or form to ``to``, save it, write the audit event ``action`` and
    the webhook event, all in the caller's transaction (the outbox, issue 14).

    The caller has already set the fields named in ``also_saved`` (saved with the state);
    ``audited`` adds to the event's "after" beside the new state.
    """
    before = {"state": subject.state}
    subject.state = to
    subject.save(update_fields=["state", *also_saved])
    audit_record(
        action=action,
        obj=subject,
        actor=actor,
        actor_label=actor_label,
        before=before,
        after={"state": to, **(audited or {})},
        now=now,
    )
    webhook_events_emit(subject=subject, now=now)


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
    """``state_move`` for a request, its audit event named after the state ("request.<to>")."""
    state_move(
        req,
        to=to,
        action=f"request.{to.value}",
        now=now,
        actor=actor,
        actor_label=actor_label,
        also_saved=also_saved,
        audited=audited,
    )
