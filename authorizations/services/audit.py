"""The audit writer lives in :mod:`authorizations.audit`, outside this package, so that the caf
and taxpayers services can call it without importing every authorizations service."""

from authorizations.audit import audit_record

__all__ = ["audit_record"]
