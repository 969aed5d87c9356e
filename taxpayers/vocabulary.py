"""The words users read for the master file's codes: letters as the taxpayer knows them, and
what a taxpayer's number is called. Templates reach them through ``{% load taxpayers_words %}``.
"""

from __future__ import annotations

from taxpayers.models import SECRET_LETTER_KINDS, LetterKind
from taxpro.tins import HolderKind

# Plain words for each kind of letter, as a taxpayer would say them.
NOTICE_KIND_WORDS: dict[str, str] = {
    LetterKind.WITHDRAWAL_NOTICE: "A representative withdrew",
    LetterKind.REVOCATION_NOTICE: "An authorization was revoked",
    LetterKind.REMINDER: "Reminder",
    LetterKind.VERIFICATION_CODE: "Code to connect your account",
    LetterKind.OTHER: "Letter",
}


def notice_kind_words(kind: str) -> str:
    return NOTICE_KIND_WORDS.get(kind, "Letter")


def notice_body_is_secret(kind: str) -> bool:
    """A code letter holds a secret that must reach the taxpayer by mail only: the page never
    shows its body, or knowing the password would be enough to skip the mailing."""
    return kind in SECRET_LETTER_KINDS


# A business's number is an EIN; a person's is a TIN as the lists say it (SSN or ITIN).
TIN_NAME: dict[str, str] = {HolderKind.BUSINESS: "EIN", HolderKind.INDIVIDUAL: "TIN"}


def tin_name(holder_kind: str) -> str:
    return TIN_NAME.get(holder_kind, "TIN")


# What kind of taxpayer it is, in a word (a list's column), and the plural a filter offers.
HOLDER_KIND_WORDS: dict[str, str] = {
    HolderKind.INDIVIDUAL: "Individual",
    HolderKind.BUSINESS: "Business",
}
HOLDER_KIND_FILTERS: dict[str, str] = {
    HolderKind.INDIVIDUAL.value: "Individuals",
    HolderKind.BUSINESS.value: "Businesses",
}


def holder_kind_words(holder_kind: str) -> str:
    return HOLDER_KIND_WORDS.get(holder_kind, "Taxpayer")
