"""Domain errors of the taxpayer master file. Each message is a sentence a user can read."""

from __future__ import annotations

from taxpro.errors import DomainError


class TaxpayerError(DomainError):
    """Base class of the taxpayer master file's refusals."""


class TaxpayerMismatch(TaxpayerError):
    """R12: the details do not match. The message never says which field failed."""


class MismatchRateLimited(TaxpayerError):
    """R12: too many mismatches from one practitioner in the last hour."""
