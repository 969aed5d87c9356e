"""Forms of the Profile and CAF numbers pages. Only the *format* is checked here (R5, R13a);
whether a CAF number is yours, a PIN is right or a designation is complete is the services'
business, and their refusals come back as errors on these forms."""

from __future__ import annotations

from django import forms

from caf.errors import CafNumberInvalid
from caf.models import DesignationCode
from caf.numbers import caf_number_parse
from caf.services import PIN_DIGITS
from taxpro.form_fields import (
    STATE_CHOICES,
    AddressFields,
    IndividualTinField,
    PersonNameField,
    PlainTextField,
)


class ProfileCreateForm(AddressFields):
    """Who the practitioner is for CAF purposes: what a CAF number is matched against (R6)."""

    field_order = ["legal_name", "tin"]

    legal_name = PersonNameField(
        label="Legal name", help_text="Exactly as it appears on your CAF record."
    )
    tin = IndividualTinField()
    # This page's wording of the unit line (the identity page says "Apartment, suite or unit").
    address_line2 = PlainTextField(
        label="Suite or unit (optional)",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )


DESIGNATION_CHOICES = [("", "- Select -")] + [
    (code, f"{label} ({code})") for code, label in DesignationCode.choices
]


class DesignationForm(forms.Form):
    """One Form 2848 Part II designation (R1, R2)."""

    code = forms.ChoiceField(
        label="Designation",
        choices=DESIGNATION_CHOICES,
        error_messages={
            "required": "Select a designation.",
            "invalid_choice": "Select a designation from the list.",
        },
    )
    jurisdiction = forms.ChoiceField(
        label="Licensing jurisdiction (attorneys and CPAs)",
        # The states by name, as the address questions list them (the codes are what is kept).
        choices=[("", "- None -"), *STATE_CHOICES[1:]],
        required=False,
        error_messages={"invalid_choice": "Select one of the 50 states or DC."},
    )
    number = PlainTextField(
        label="License or enrollment number",
        max_length=40,
        required=False,
        help_text="Attorneys and CPAs: your license number. Enrolled agents, actuaries and "
        "retirement plan agents: your enrollment number.",
    )


class CafNumberForm(forms.Form):
    """R6 step 1: the CAF number to link (R5: 9 digits; dashes allowed)."""

    caf_number = PlainTextField(
        label="CAF number",
        max_length=20,
        help_text="9 digits, with or without a dash. For example: 0300-12345.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
        error_messages={"required": "Enter your CAF number."},
    )

    def clean_caf_number(self) -> str:
        try:
            return caf_number_parse(self.cleaned_data["caf_number"])
        except CafNumberInvalid as error:
            raise forms.ValidationError(error.message) from error


class PinForm(forms.Form):
    """R6 step 2: the PIN from the letter."""

    pin = PlainTextField(
        label="PIN from the letter",
        max_length=20,
        help_text=f"The {PIN_DIGITS}-digit PIN printed in the letter we mailed.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
        error_messages={"required": "Enter the PIN from the letter."},
    )

    def clean_pin(self) -> str:
        pin = str(self.cleaned_data["pin"]).strip().replace(" ", "")
        if not (pin.isascii() and pin.isdigit() and len(pin) == PIN_DIGITS):
            raise forms.ValidationError(
                f"Enter the PIN as {PIN_DIGITS} digits, exactly as printed in the letter."
            )
        return pin
