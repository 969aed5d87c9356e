"""Domain errors of the taxpayer master file. Each message is a sentence a user can read."""

from __future__ import annotations

from taxpro.errors import DomainError


class TaxpayerError(DomainError):
    """Base class of the taxpayer master file's refusals."""


class TinInvalid(TaxpayerError):
    """R13a: the TIN is not 9 ASCII digits of an allowed kind. Input validation, not a match."""

    field = "tin"


class AddressRefused(TaxpayerError):
    """R10: the address cannot be used (territory, military, foreign, unreadable)."""

    field = "address"


class TaxpayerMismatch(TaxpayerError):
    """R12: the details do not match. The message never says which field failed."""


class MismatchRateLimited(TaxpayerError):
    """R12: too many mismatches from one practitioner in the last hour."""
