"""Taxpayer identification numbers: validation (R13a) and masking (R43).

A TIN is exactly nine ASCII digits; dashes are allowed on input and dropped. Anything else is
refused, never converted: python-stdnum quietly turns fullwidth and other-script digits into
ASCII, so the ASCII check runs first and stdnum only sees clean input.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.db import models
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.us import ein as stdnum_ein
from stdnum.us import itin as stdnum_itin
from stdnum.us import ssn as stdnum_ssn

from taxpro.errors import TinInvalid


class TinType(models.TextChoices):
    SSN = "ssn", "SSN"
    ITIN = "itin", "ITIN"
    EIN = "ein", "EIN"


class HolderKind(models.TextChoices):
    """Whom a TIN (a taxpayer, a CAF number) belongs to: a person or a business."""

    INDIVIDUAL = "individual", "Individual"
    BUSINESS = "business", "Business"


_ASCII_SHAPE = re.compile(r"[0-9-]+")
# An EIN as it is written: two digits, a dash, seven digits.
_EIN_SHAPE = re.compile(r"[0-9]{2}-[0-9]{7}")
# R13a: ITIN 4th-5th digits 50-65 were opened by the IRS in 2011; stdnum's us.itin predates
# that and knows only 70-88, 90-92 and 94-99, so these groups are added to what it accepts.
ITIN_GROUPS_SINCE_2011 = frozenset(f"{group:02d}" for group in range(50, 66))
# Numbers made of one repeated digit (111-11-1111) pass stdnum's ranges but are never issued;
# the advertising range 987-65-4320..4329 has an ITIN's first digit and a 2011 ITIN group.
_NEVER_ISSUED = frozenset(
    [*(str(digit) * 9 for digit in range(10)), *(f"98765432{last}" for last in range(10))]
)

NOT_AN_INDIVIDUAL_TIN = "This is not a valid SSN or ITIN."
EIN_FOR_AN_INDIVIDUAL = (
    "This looks like an EIN, which is a business's number. Enter the person's SSN or ITIN."
)


@dataclass(frozen=True)
class Tin:
    """A validated TIN: ``digits`` is exactly nine ASCII digits. Never log or render it whole."""

    digits: str
    tin_type: TinType

    def __str__(self) -> str:  # R46: a stray f-string or log line shows only the masked form.
        return tin_mask(self.digits, tin_type=self.tin_type)

    __repr__ = __str__

    @property
    def last4(self) -> str:
        return self.digits[-4:]


def _article(noun: str) -> str:
    """ "A TIN", but "An SSN or ITIN": the letters are read out, and S sounds "ess"."""
    return "An" if noun[:1] in set("AEFHILMNORSX") else "A"


def _refuse_foreign_characters(raw: str, noun: str) -> None:
    """R13a: other-script digits, invisible and control characters are refused, not converted."""
    for char in raw:
        if char.isascii() and (char.isdigit() or char == "-"):
            continue
        category = unicodedata.category(char)
        if char == "\ufffd":  # what bytes that are not UTF-8 become on the way in
            raise TinInvalid(f"Part of the {noun} could not be read. Type it again.")
        if char.isdigit() or category == "Nd":
            raise TinInvalid(
                f"Enter the {noun} with the digits 0 to 9 only; other kinds of digits are not "
                "accepted."
            )
        if category in {"Cf", "Cc", "Zl", "Zp"} or char in "\u00ad\ufeff":
            raise TinInvalid(f"The {noun} contains invisible or control characters. Type it again.")
        raise TinInvalid(f"Enter the {noun} as 9 digits, for example 123-45-6789.")


def tin_digits(raw: str, *, noun: str = "TIN") -> str:
    """The nine digits of ``raw``, after refusing anything that is not ASCII digits and dashes.
    ``noun`` is what the messages call the number: the words of the question that asked it."""
    if not isinstance(raw, str):
        raise TinInvalid(f"Enter the {noun} as 9 digits, for example 123-45-6789.")
    raw = raw.strip(" ")  # Plain spaces around the number are harmless; nothing else is.
    _refuse_foreign_characters(raw, noun)
    if not _ASCII_SHAPE.fullmatch(raw):
        raise TinInvalid(f"Enter the {noun} as 9 digits, for example 123-45-6789.")
    digits = raw.replace("-", "")
    if len(digits) != 9:
        raise TinInvalid(f"{_article(noun)} {noun} has exactly 9 digits.")
    return digits


def ssn_is_valid(digits: str) -> bool:
    """R13a through python-stdnum: never 000, 666 or 9xx, no 00 group or 0000 serial, and not a
    published number (078-05-1120 and the like; the 987-65-432x advertising range starts with
    9). Repeated digits are refused here as well."""
    return digits not in _NEVER_ISSUED and stdnum_ssn.is_valid(digits)


def itin_is_valid(digits: str) -> bool:
    """R13a: starts with 9 and the 4th-5th digits are 50-65, 70-88, 90-92 or 94-99."""
    if digits in _NEVER_ISSUED:
        return False
    if stdnum_itin.is_valid(digits):
        return True
    return digits.startswith("9") and digits[3:5] in ITIN_GROUPS_SINCE_2011


def ein_is_valid(digits: str) -> bool:
    """An EIN has a known campus prefix; stdnum knows the list. Input is already plain ASCII."""
    try:
        stdnum_ein.validate(digits)
    except StdnumValidationError:
        return False
    return True


def tin_parse(raw: str, *, holder_kind: str = HolderKind.INDIVIDUAL, noun: str = "TIN") -> Tin:
    """Validate ``raw`` for a holder of ``holder_kind`` and return the :class:`Tin`.

    Individuals have an SSN or an ITIN (an ITIN starts with 9); businesses have an EIN (R13a:
    an EIN is for businesses only). Raises :class:`TinInvalid` with a readable sentence that
    calls the number ``noun``, as the question that asked for it did.
    """
    digits = tin_digits(raw, noun=noun)
    if holder_kind == HolderKind.BUSINESS:
        if not ein_is_valid(digits):
            raise TinInvalid("This is not a valid EIN.")
        return Tin(digits=digits, tin_type=TinType.EIN)
    if _EIN_SHAPE.fullmatch(raw.strip(" ")):
        # R13a: an EIN is for businesses only; written NN-NNNNNNN it is not read as an SSN.
        raise TinInvalid(EIN_FOR_AN_INDIVIDUAL)
    if digits.startswith("9"):
        if not itin_is_valid(digits):
            raise TinInvalid(NOT_AN_INDIVIDUAL_TIN)
        return Tin(digits=digits, tin_type=TinType.ITIN)
    if not ssn_is_valid(digits):
        raise TinInvalid(NOT_AN_INDIVIDUAL_TIN)
    return Tin(digits=digits, tin_type=TinType.SSN)


def tin_mask(digits_or_last4: str, *, tin_type: str = TinType.SSN) -> str:
    """R43: only the last four digits show: ``***-**-1234`` (or ``**-***1234`` for an EIN)."""
    last4 = digits_or_last4[-4:]
    if tin_type == TinType.EIN:
        return f"**-***{last4}"
    return f"***-**-{last4}"
