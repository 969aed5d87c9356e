"""The audit trail (R44) as the caf and taxpayers apps call it.

``authorizations`` owns the trail, and its services package imports these apps' services;
importing ``authorizations.audit`` at module level here would close an import cycle. So the
writer is looked up when called.
"""

from __future__ import annotations

from typing import Any


def audit_record(**kwargs: Any) -> Any:
    """Forward to ``authorizations.audit.audit_record`` (keyword-only: action, obj, actor, ...)."""
    from authorizations.audit import audit_record as write

    return write(**kwargs)
