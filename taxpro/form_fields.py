"""Form fields every app's pages share: plain text with no invisible characters, the states."""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms

from taxpro.addresses import STATE_NAMES

STATE_CHOICES = [
    ("", "- Select -"),
    *sorted(
        STATE_NAMES.items(),
        key=lambda choice: choice[1],
    ),
]


def refuse_invisible(value: str) -> str:
    """Invisible and control characters (zero-width spaces, bidi overrides) are refused: they
    cannot be seen, so the person could never tell why their answers do not match."""
    if any(unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"} for char in value):
        raise forms.ValidationError("Remove the invisible or control characters and type it again.")
    return value.strip()


class PlainTextField(forms.CharField):
    def clean(self, value: Any) -> str:
        return refuse_invisible(str(super().clean(value) or ""))
