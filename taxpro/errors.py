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


class ValueRefused(DomainError):
    """A value that is wrong in itself, whoever typed it and whatever it is for: a TIN that is
    not one, an address the portal cannot use. Shared by every app (taxpro.tins, .addresses)."""


class TinInvalid(ValueRefused):
    """R13a: the TIN is not 9 ASCII digits of an allowed kind. Input validation, not a match."""

    field = "tin"


class AddressRefused(ValueRefused):
    """R10: the address cannot be used (territory, military, foreign, unreadable)."""

    field = "address"
