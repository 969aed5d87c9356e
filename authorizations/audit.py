"""Kept for imports written before services became a package."""

from authorizations.services.audit import audit_record

__all__ = ["audit_record"]
