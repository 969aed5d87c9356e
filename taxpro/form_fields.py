"""Form fields every app's pages share: plain text with no invisible characters, the states, and
the postal address questions with the one ZIP rule."""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms

from taxpro.addresses import STATE_NAMES, PostalAddress, zip_is_valid
from taxpro.errors import TinInvalid
from taxpro.tins import HolderKind, tin_parse

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


class PersonNameField(PlainTextField):
    """A person's full name as a record holds it (150 characters, the browser's "name")."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 150)
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "name"}))
        super().__init__(**kwargs)


class IndividualTinField(PlainTextField):
    """A person's SSN or ITIN, as typed. Only the format is checked here (R13a); whether it is
    theirs is the services' business."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "Social Security number or ITIN")
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "help_text", "9 digits, with or without dashes. For example: 123-45-6789."
        )
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"})
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        typed = super().clean(value)
        try:
            tin_parse(typed, holder_kind=HolderKind.INDIVIDUAL)
        except TinInvalid as error:
            raise forms.ValidationError(error.message) from error
        return typed


class AddressFields(forms.Form):
    """The postal address questions (street, unit, city, state, ZIP) as the profile and identity
    pages ask them, checked with the one ZIP rule (R10). A page that words the unit line
    differently redeclares ``address_line2`` only; a form that adds its own questions first lists
    them in ``field_order``."""

    address_line1 = PlainTextField(
        label="Street address",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    address_line2 = PlainTextField(
        label="Apartment, suite or unit (optional)",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    city = PlainTextField(
        label="City",
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    state = forms.ChoiceField(
        label="State",
        choices=STATE_CHOICES,
        error_messages={"required": "Select your state.", "invalid_choice": "Select your state."},
    )
    zip_code = PlainTextField(
        label="ZIP code",
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )

    def clean_zip_code(self) -> str:
        value: str = self.cleaned_data["zip_code"]
        if not zip_is_valid(value):
            raise forms.ValidationError(
                "Enter a 5-digit ZIP code, or ZIP+4, with the digits 0 to 9."
            )
        return value

    def postal_address(self) -> PostalAddress:
        data = self.cleaned_data
        return PostalAddress(
            line1=data["address_line1"],
            line2=data["address_line2"],
            city=data["city"],
            state=data["state"],
            zip_code=data["zip_code"],
        )
