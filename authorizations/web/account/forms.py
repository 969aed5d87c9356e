"""Forms of the taxpayer's Authorizations pages: one question per page."""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms

NAME_MAX_LENGTH = 150


def _comparable(name: str) -> str:
    """Case, width and spacing do not matter when comparing a typed name."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


class ApproveForm(forms.Form):
    """R21: an explicit electronic signature: the declaration ticked and the name typed."""

    declaration = forms.BooleanField(
        label="I have read the declaration and I agree to it",
        error_messages={"required": "Tick the box to confirm you agree to the declaration."},
    )
    signature = forms.CharField(
        label="Type your full name to sign",
        help_text="Type your name as it appears on your tax records.",
        max_length=NAME_MAX_LENGTH,
        error_messages={
            "required": "Type your full name to sign.",
            "max_length": f"Your name must be {NAME_MAX_LENGTH} characters or fewer.",
        },
    )

    def __init__(self, *args: Any, expected_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expected_name = expected_name
        self.fields["signature"].widget.attrs["autocomplete"] = "name"

    def clean_signature(self) -> str:
        typed: str = self.cleaned_data["signature"]
        if not typed.isprintable():
            raise forms.ValidationError("Type your name with letters, spaces and punctuation only.")
        if _comparable(typed) != _comparable(self.expected_name):
            raise forms.ValidationError(
                "The name you typed does not match the name on your tax records. "
                "Type your full name as it appears on your tax records."
            )
        return typed
