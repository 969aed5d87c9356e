"""Form fields every app's pages share: the one text cleaner (no invisible, control or
unreadable characters, no emoji, no lookalike letters of another alphabet), the one TIN field
(R13a, never sent back whole: R46), the states, and the postal address questions with the one
ZIP rule and the ZIP/state check."""

from __future__ import annotations

import unicodedata
from typing import Any

from confusable_homoglyphs import confusables
from django import forms
from django.forms.boundfield import BoundField
from django.urls import reverse_lazy
from django.utils.text import format_lazy

from taxpro.addresses import (
    MILITARY_STATES,
    STATE_NAMES,
    US_TERRITORIES,
    PostalAddress,
    state_refusal,
    zip_is_valid,
    zip_state_refusal,
)
from taxpro.errors import TinInvalid
from taxpro.tins import HolderKind, tin_parse

STATE_CHOICES = [
    ("", "- Select -"),
    *sorted(
        STATE_NAMES.items(),
        key=lambda choice: choice[1],
    ),
]

# Characters nobody can see or type on purpose: controls (NUL included), format characters
# (zero-width, bidi overrides), line and paragraph separators, surrogates, private use and
# unassigned code points.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
# What the browser sends in place of bytes that are not UTF-8 (Django decodes with "replace").
UNREADABLE = "\ufffd"

INVISIBLE_MESSAGE = "Remove the invisible or control characters and type it again."
UNREADABLE_MESSAGE = (
    "Part of what you typed could not be read. Type it again with letters, digits and punctuation."
)
SYMBOL_MESSAGE = "Remove the emoji or symbols and type it again with letters and digits."
MIXED_SCRIPT_MESSAGE = (
    "This mixes letters of different alphabets, such as a Cyrillic or Greek letter that looks "
    "like a Latin one. Type it again with the letters of one alphabet."
)


def text_refusal(value: str) -> str | None:
    """Why ``value`` cannot be taken as typed text, in words; None when it can.

    Invisible characters cannot be seen, unreadable ones were lost on the way, emoji are not in
    any record, and a lookalike letter of another alphabet (a Cyrillic "a" in "Jane") makes a
    name that looks right never match: each is told at the question, not later as a mismatch.
    """
    if UNREADABLE in value:
        return UNREADABLE_MESSAGE
    categories = {unicodedata.category(char) for char in value}
    if categories & _INVISIBLE_CATEGORIES:
        return INVISIBLE_MESSAGE
    if "So" in categories:
        return SYMBOL_MESSAGE
    if not value.isascii() and confusables.is_mixed_script(value):
        return MIXED_SCRIPT_MESSAGE
    return None


def clean_text(value: str) -> str:
    """The one text cleaner: ``value`` stripped, or a ValidationError saying what to change."""
    refusal = text_refusal(value)
    if refusal is not None:
        raise forms.ValidationError(refusal)
    return value.strip()


def text_for_keeping(value: Any, *, limit: int) -> str:
    """What is kept of a value typed but not valid yet, so the page can show it again (R42):
    at most ``limit`` characters, without the characters nobody can see (NUL among them, which
    PostgreSQL refuses in text and JSON)."""
    text = value if isinstance(value, str) else ""
    kept = "".join(char for char in text if unicodedata.category(char) not in _INVISIBLE_CATEGORIES)
    return kept[:limit]


class PlainTextField(forms.CharField):
    """Text as a person types it, through the one text cleaner. The cleaner sees the text before
    it is stripped: str.strip() would quietly drop some control characters at either end."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["strip"] = False
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value) or ""
        return clean_text(text) if text else text


class PersonNameField(PlainTextField):
    """A person's full name as a record holds it (150 characters, the browser's "name")."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 150)
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "name"}))
        super().__init__(**kwargs)


class TinInput(forms.TextInput):
    """R46: a TIN is never sent back to the page, not even when the form has errors: like a
    password, the input comes back empty and the hint asks for the number again."""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        return super().get_context(name, None, attrs)


RETYPE_TIN = "For your security, the number you typed is not shown again. Type it again."


class TinBoundField(BoundField):
    """The hint of a TIN question says why the box is empty after an error, or which number is
    kept (by its last four digits, R43)."""

    @property
    def help_text(self) -> str:
        field = self.field
        kept = getattr(field, "kept_last4", "")
        if kept:
            return (
                f"You entered a number ending {kept}. Leave this blank to keep it, or type the "
                "whole number again to change it."
            )
        if self.form.is_bound and self.data:
            return RETYPE_TIN
        return str(field.help_text or "")

    @help_text.setter
    def help_text(self, value: str) -> None:
        """BoundField sets it once from the field; the property above decides each time."""


class IndividualTinField(forms.CharField):
    """A person's SSN or ITIN, as typed. Only the format is checked here (R13a); whether it is
    theirs is the services' business. Its own checks come first: they refuse other-script
    digits and invisible characters with the TIN's words."""

    widget = TinInput
    bound_field_class = TinBoundField

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "Social Security number or ITIN")
        kwargs.setdefault("max_length", 20)
        kwargs["strip"] = False  # R13a: tin_parse refuses control characters instead.
        kwargs.setdefault(
            "help_text", "9 digits, with or without dashes. For example: 123-45-6789."
        )
        kwargs.setdefault(
            "widget",
            TinInput(attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}),
        )
        super().__init__(**kwargs)
        # The last four digits of a number already kept (the wizard's draft), shown in the hint.
        self.kept_last4 = ""

    def to_python(self, value: Any) -> str:
        typed = super().to_python(value) or ""
        if typed:
            try:
                # A person's field asks for an SSN or ITIN; its messages use those words.
                tin_parse(typed, holder_kind=HolderKind.INDIVIDUAL, noun="SSN or ITIN")
            except TinInvalid as error:
                raise forms.ValidationError(error.message) from error
        return typed


ONLINE_HINT = (
    "Only addresses in the 50 states and DC can be used online. Addresses in US territories, "
    "military (APO, FPO, DPO) and foreign addresses need a paper Form 2848 or 8821."
)


class StateField(forms.ChoiceField):
    """The 50 states and DC (R3, R10). A territory or military code is answered with the rule
    in words, not "Select a valid choice"."""

    def __init__(self, *, blank: str = "- Select -", **kwargs: Any) -> None:
        kwargs.setdefault("label", "State")
        kwargs.setdefault("choices", [("", blank), *STATE_CHOICES[1:]])
        messages = {"required": "Select the state.", "invalid_choice": "Select the state."}
        messages.update(kwargs.pop("error_messages", {}))
        super().__init__(error_messages=messages, **kwargs)

    def validate(self, value: Any) -> None:
        code = str(value or "").strip().upper()
        if code in US_TERRITORIES or code in MILITARY_STATES:
            raise forms.ValidationError(state_refusal(code) or "")
        super().validate(value)


ZIP_MESSAGE = "Enter a 5-digit ZIP code, or ZIP+4 such as 12345-6789, with the digits 0 to 9."


class ZipCodeField(PlainTextField):
    """The one ZIP rule: 5 ASCII digits, or ZIP+4. Whether it is in use and in the state chosen
    is checked by :class:`PostalAddressForm`, which knows the state."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "ZIP code")
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
        )
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and not zip_is_valid(value):
            raise forms.ValidationError(ZIP_MESSAGE)


class PostalAddressForm(forms.Form):
    """The base of every form that asks for a postal address (fields ``state`` and
    ``zip_code``): a ZIP code not in use (00000) or not in the state chosen is told at the
    question, in words, instead of failing later as a mismatch with the record (R11)."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        zip_code, state = cleaned.get("zip_code"), cleaned.get("state")
        if zip_code and "zip_code" not in self.errors and "state" not in self.errors:
            refusal = zip_state_refusal(zip_code, state or "")
            if refusal is not None:
                self.add_error("zip_code", refusal)
        return cleaned


# The street address hint. The wizard, where a practitioner types a client's address that must
# match the record, adds a link to the whole list (ABBREVIATIONS_HINT_LINKED); forms where people
# type their own address keep the hint plain, so Tab goes from field to field.
ABBREVIATIONS_HINT = (
    'Approved abbreviations match the full words: "St" is the same as "Street", "Ave" as '
    '"Avenue", "Apt" as "Apartment".'
)
ABBREVIATIONS_HINT_LINKED = format_lazy(
    '{} <a href="{}">See the approved abbreviations</a>.',
    ABBREVIATIONS_HINT,
    reverse_lazy("help_abbreviations"),
)


class AddressFields(PostalAddressForm):
    """The postal address questions (street, unit, city, state, ZIP) as the profile and identity
    pages ask them, checked with the one ZIP rule and the ZIP/state check (R10). A page that
    words the unit line differently redeclares ``address_line2`` only; a form that adds its own
    questions first lists them in ``field_order``."""

    address_line1 = PlainTextField(
        label="Street address",
        max_length=100,
        help_text=ABBREVIATIONS_HINT,
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
    state = StateField(
        error_messages={"required": "Select your state.", "invalid_choice": "Select your state."},
    )
    zip_code = ZipCodeField()

    def postal_address(self) -> PostalAddress:
        data = self.cleaned_data
        return PostalAddress(
            line1=data["address_line1"],
            line2=data["address_line2"],
            city=data["city"],
            state=data["state"],
            zip_code=data["zip_code"],
        )
