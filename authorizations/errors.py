"""Domain errors of the authorizations app: each carries a sentence a user can read."""

from __future__ import annotations

from taxpro.errors import DomainError


class AuthorizationError(DomainError):
    """Base class: ``str(error)`` is shown to the user as it is."""


class PeriodRefused(AuthorizationError):
    """A tax matter or period the online channel does not accept (R14-R17)."""


class RequestRefused(AuthorizationError):
    """A request cannot be submitted, cancelled, approved or rejected as asked."""


class ApprovalRefused(RequestRefused):
    """The taxpayer cannot approve this request now (R25, R26, expiry, already decided)."""


class AuthorizationNotActive(AuthorizationError):
    """Withdrawing or revoking an authorization that has already ended."""


class FormRefused(AuthorizationError):
    """An uploaded form (or a clerk's action on one) refused: a bad file, the pre-check's
    problems (R39a, each in ``problems``), a duplicate (R39), or a queue action not allowed."""

    def __init__(
        self, message: str, *, field: str | None = None, problems: tuple[object, ...] = ()
    ) -> None:
        super().__init__(message, field=field)
        self.problems = problems


class DuplicateForm(FormRefused):
    """R39: the same form (file or content) is still waiting to be processed; ``existing`` is
    the waiting form, so the API can give its address to the practitioner who uploaded it."""

    def __init__(self, message: str, *, existing: object) -> None:
        super().__init__(message, field="file")
        self.existing = existing


class DuplicateRequest(RequestRefused):
    """The same request is already waiting for the taxpayer (issue 14, R47's spirit): sending it
    again would change nothing. ``existing`` is the waiting request."""

    def __init__(self, message: str, *, existing: object) -> None:
        super().__init__(message)
        self.existing = existing
