"""Writing the audit trail (R44). Every service that changes state calls :func:`audit_record`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models

from taxpro import clock
from taxpro.models import AuditEvent


def audit_record(
    *,
    action: str,
    obj: models.Model | None,
    actor: Any | None = None,
    actor_label: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> AuditEvent:
    """Record that ``actor`` (a user) or ``actor_label`` (the worker, the scheduler) did ``action``.

    ``before`` and ``after`` hold plain JSON values; never a whole TIN (R46). ``obj`` is None
    only when there is no row to name (a sign-in attempt for an e-mail address with no account).
    """
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        occurred_at=now or clock.now(),
        actor=actor if is_person else None,
        actor_label=actor_label or ("" if is_person else "system"),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        before=before or {},
        after=after or {},
    )
