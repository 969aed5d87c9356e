"""Forms of the taxpayer's own pages: proving who they are, and entering the mailed code.

Only the *format* is checked here (R13a for the TIN); whether the answers match a record is the
service's business, and its answer never says which field was wrong.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from taxpayers.services import IDENTITY_CODE_DIGITS, IdentityAnswers
from taxpro import clock
from taxpro.form_fields import (
    AddressFields,
    IndividualTinField,
    PersonNameField,
    PlainTextField,
)


def _ascii_number(value: str, *, what: str, low: int, high: int) -> int:
    if not (value.isascii() and value.isdigit()):
        raise forms.ValidationError(f"Enter the {what} with the digits 0 to 9.")
    number = int(value)
    if not low <= number <= high:
        raise forms.ValidationError(f"Enter a {what} from {low} to {high}.")
    return number


class IdentityForm(AddressFields):
    """One page of questions whose answers are on the taxpayer's last tax return."""

    field_order = ["name", "tin", "dob_month", "dob_day", "dob_year"]

    name = PersonNameField(label="Full name", help_text="As it appears on your last tax return.")
    tin = IndividualTinField()
    dob_month = PlainTextField(
        label="Month",
        max_length=2,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "bday-month"}),
    )
    dob_day = PlainTextField(
        label="Day",
        max_length=2,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "bday-day"}),
    )
    dob_year = PlainTextField(
        label="Year",
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "bday-year"}),
    )
    DATE_FIELDS = ("dob_month", "dob_day", "dob_year")

    def clean_dob_month(self) -> int:
        return _ascii_number(self.cleaned_data["dob_month"], what="month", low=1, high=12)

    def clean_dob_day(self) -> int:
        return _ascii_number(self.cleaned_data["dob_day"], what="day", low=1, high=31)

    def clean_dob_year(self) -> int:
        this_year = clock.today_et().year
        return _ascii_number(self.cleaned_data["dob_year"], what="year", low=1900, high=this_year)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if all(name in cleaned for name in self.DATE_FIELDS):
            try:
                born = dt.date(cleaned["dob_year"], cleaned["dob_month"], cleaned["dob_day"])
            except ValueError:
                self.add_error("dob_day", "Enter a date of birth that is a real date.")
            else:
                if born > clock.today_et():
                    self.add_error("dob_year", "Enter a date of birth in the past.")
                cleaned["date_of_birth"] = born
        return cleaned

    def answers(self) -> IdentityAnswers:
        data = self.cleaned_data
        return IdentityAnswers(
            tin=data["tin"],
            name=data["name"],
            date_of_birth=data["date_of_birth"],
            address=self.postal_address(),
        )


class IdentityCodeForm(forms.Form):
    code = PlainTextField(
        label="Code from the letter",
        max_length=20,
        help_text=f"{IDENTITY_CODE_DIGITS} digits, printed in the letter we mailed to you.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
