"""Domain errors of the CAF app. Each message is a sentence a user can read."""

from __future__ import annotations

from taxpro.errors import DomainError


class CafError(DomainError):
    """Base class of the CAF app's refusals."""


class CafNumberInvalid(CafError):
    """R5: not nine ASCII digits."""

    field = "caf_number"


class DesignationRefused(CafError):
    """R1: e.g. a CPA without a state license."""


class CafLinkRefused(CafError):
    """R6: the CAF number cannot be linked (name/TIN mismatch, linked to someone else...)."""


class PinRefused(CafError):
    """R6 step 2: wrong, expired or locked PIN."""

    field = "pin"


class CafIssueRefused(CafError):
    """R8: the practitioner cannot be issued a CAF number."""


class RequestNotAllowed(CafError):
    """R1-R3: the practitioner may not make this kind of request with this CAF number."""
