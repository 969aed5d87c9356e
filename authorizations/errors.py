"""Domain errors of the authorizations app: each carries a sentence a user can read."""

from __future__ import annotations


class AuthorizationError(Exception):
    """Base class: ``str(error)`` is shown to the user as it is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        # The form field the message belongs to, where there is one ("taxpayer.tin").
        self.field = field


class PeriodRefused(AuthorizationError):
    """A tax matter or period the online channel does not accept (R14-R17)."""


class RequestRefused(AuthorizationError):
    """A request cannot be submitted, cancelled, approved or rejected as asked."""


class ApprovalRefused(RequestRefused):
    """The taxpayer cannot approve this request now (R25, R26, expiry, already decided)."""


class AuthorizationNotActive(AuthorizationError):
    """Withdrawing or revoking an authorization that has already ended."""
