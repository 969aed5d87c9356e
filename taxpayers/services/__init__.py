"""Writes to the taxpayer master file (``master_file``) and a taxpayer proving who they are
(``identity``). Import from here: ``from taxpayers.services import letter_send``."""

from __future__ import annotations

from taxpayers.services.identity import (
    IDENTITY_CODE_DIGITS,
    IDENTITY_CODE_LIFETIME,
    IDENTITY_MISMATCH_MESSAGE,
    IDENTITY_RESEND_AFTER,
    IDENTITY_WINDOW,
    IdentityAlreadyVerified,
    IdentityAnswers,
    IdentityCodeRefused,
    IdentityMismatch,
    IdentityRateLimited,
    identity_check_start,
    identity_code_confirm,
)
from taxpayers.services.master_file import (
    MISMATCH_MESSAGE,
    MISMATCH_WINDOW,
    TransactionLine,
    account_module_post,
    letter_send,
    taxpayer_account_attach,
    taxpayer_create,
    taxpayer_match,
)

__all__ = [
    "IDENTITY_CODE_DIGITS",
    "IDENTITY_CODE_LIFETIME",
    "IDENTITY_MISMATCH_MESSAGE",
    "IDENTITY_RESEND_AFTER",
    "IDENTITY_WINDOW",
    "MISMATCH_MESSAGE",
    "MISMATCH_WINDOW",
    "IdentityAlreadyVerified",
    "IdentityAnswers",
    "IdentityCodeRefused",
    "IdentityMismatch",
    "IdentityRateLimited",
    "TransactionLine",
    "account_module_post",
    "identity_check_start",
    "identity_code_confirm",
    "letter_send",
    "taxpayer_account_attach",
    "taxpayer_create",
    "taxpayer_match",
]
