"""CAF number input (R5): nine ASCII digits; dashes and spaces allowed on input only."""

from __future__ import annotations

import re

from caf.errors import CafNumberInvalid

_SHAPE = re.compile(r"[0-9][0-9 -]*")


def caf_number_parse(raw: str) -> str:
    """The nine stored digits of ``raw``; other-script digits and invisible characters refused."""
    text = (raw or "").strip(" ")
    if not text.isascii() or not _SHAPE.fullmatch(text):
        raise CafNumberInvalid("Enter the CAF number as 9 digits, for example 0300-12345.")
    digits = text.replace("-", "").replace(" ", "")
    if len(digits) != 9:
        raise CafNumberInvalid("A CAF number has exactly 9 digits.")
    return digits
