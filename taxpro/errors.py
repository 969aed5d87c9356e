"""The one base for domain errors: a sentence a user can read, and the field it belongs to."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal the web edge turns into a message or a form error, never a 500."""

    field: str | None = None

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field
