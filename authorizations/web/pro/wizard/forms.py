"""One form per wizard step. Each refuses bad input with a sentence next to the field."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict
from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.text import format_lazy

from authorizations.errors import PeriodRefused
from authorizations.models import RequestKind
from authorizations.periods import Matter, allowed_periods, format_period, parse_periods
from caf.errors import CafError
from caf.models import CafRecord
from caf.numbers import caf_number_parse
from caf.selectors import Eligibility
from taxpro.addresses import US_STATES_AND_DC, state_refusal
from taxpro.form_fields import (
    ABBREVIATIONS_HINT_LINKED,
    ONLINE_HINT,
    IndividualTinField,
    PersonNameField,
    PlainTextField,
    PostalAddressForm,
    StateField,
    ZipCodeField,
    text_for_keeping,
)
from taxpro.tins import HolderKind, Tin, tin_parse

MAX_MATTER_ROWS = 20
OTHER_CAF = "other"
_MARKUP = re.compile(r"[<>{}\[\]]")
# What is kept of one value of a matter row (its longest value is a period, YYYYMM).
ROW_VALUE_LIMIT = 20

KIND_HELP = {
    RequestKind.POA: (
        "Power of attorney (Form 2848): you may represent the taxpayer before the IRS for the "
        "matters and periods below, and see their tax information for them."
    ),
    RequestKind.TIA: (
        "Tax information authorization (Form 8821): you may see the taxpayer's tax information "
        "for the matters and periods below. You cannot represent them."
    ),
}


def refuse_markup(value: str, *, what: str) -> str:
    """Markup characters are refused (invisible and control ones already are, by
    :class:`PlainTextField`)."""
    if _MARKUP.search(value):
        raise forms.ValidationError(f"Enter the {what} without the characters < > {{ }} [ ].")
    return value


def _text(label: str, *, max_length: int, required: bool = True, **kwargs: Any) -> PlainTextField:
    return PlainTextField(label=label, max_length=max_length, required=required, **kwargs)


class AddressFields(PostalAddressForm):
    """Street, apartment, city, state (50 states and DC) and ZIP (R10, R11), with the shared
    fields and the shared ZIP/state check of :mod:`taxpro.form_fields`."""

    line1 = _text(
        "Street address",
        max_length=100,
        help_text=ABBREVIATIONS_HINT_LINKED,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    line2 = _text(
        "Apartment, suite or unit (optional)",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    city = _text(
        "City", max_length=60, widget=forms.TextInput(attrs={"autocomplete": "address-level2"})
    )
    # R10/R3: only the 50 states and DC can be chosen; a territory or APO/FPO is told why.
    state = StateField(blank="- Select a state -", help_text=ONLINE_HINT)
    zip_code = ZipCodeField(help_text="5 digits, or ZIP+4 such as 12345-6789.")

    def clean_line1(self) -> str:
        return refuse_markup(self.cleaned_data["line1"], what="street address")

    def clean_line2(self) -> str:
        return refuse_markup(self.cleaned_data["line2"], what="apartment or unit")

    def clean_city(self) -> str:
        return refuse_markup(self.cleaned_data["city"], what="city")


class RepresentativeForm(AddressFields):
    """Step 1: which CAF number (a linked one, or typed with the name and address of record) and
    which kind of request (R1-R3)."""

    field_order = ["caf_choice", "caf_number", "name", "line1", "line2", "city", "state"]

    caf_choice = forms.ChoiceField(label="Your CAF number", widget=forms.RadioSelect)
    caf_number = _text(
        "CAF number",
        max_length=20,
        required=False,
        help_text=format_lazy(
            '9 digits, for example 0300-12345. <a href="{}#cannot-find-it">Cannot find yours?</a>',
            reverse_lazy("help_caf_numbers"),
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    name = PersonNameField(label="Your name as on the CAF file", required=False)
    kind = forms.ChoiceField(label="Kind of request", widget=forms.RadioSelect)

    def __init__(
        self,
        *args: Any,
        records: list[CafRecord],
        poa: Eligibility,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.records = {record.caf_number: record for record in records}
        choices = [
            (record.caf_number, f"{record.caf_number_display}, {record.name}") for record in records
        ]
        choices.append((OTHER_CAF, "Another CAF number assigned to me (enter it below)"))
        self._choice_field("caf_choice").choices = choices
        if not records:
            self.fields["caf_choice"].initial = OTHER_CAF
        # The typed address is needed only for "another CAF number".
        for name in ("line1", "city", "state", "zip_code"):
            self.fields[name].required = False
        self.fields["line1"].label = "Street address of record"
        # R1, R2: a power of attorney is offered only to the designations that allow it.
        kinds = [RequestKind.POA, RequestKind.TIA] if poa else [RequestKind.TIA]
        self._choice_field("kind").choices = [(kind.value, KIND_HELP[kind]) for kind in kinds]
        self.fields["kind"].error_messages["invalid_choice"] = (
            poa.reason or "Choose the kind of request from the list."
        )
        self.poa = poa

    def _choice_field(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field

    def clean_caf_number(self) -> str:
        value = self.cleaned_data["caf_number"]
        if not value:
            return ""
        try:
            return caf_number_parse(value)
        except CafError as error:
            raise forms.ValidationError(str(error)) from error

    def clean_name(self) -> str:
        return refuse_markup(self.cleaned_data["name"], what="name")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        choice = data.get("caf_choice")
        if choice == OTHER_CAF:
            required = {
                "caf_number": "Enter your CAF number.",
                "name": "Enter your name as it is on the CAF file.",
                "line1": "Enter the street address of record.",
                "city": "Enter the city.",
                "state": "Select the state.",
                "zip_code": "Enter the ZIP code.",
            }
            for name, message in required.items():
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, message)
        elif choice in self.records:
            # The CAF file's own name and address: they match by construction (R3).
            record = self.records[choice]
            if record.state not in US_STATES_AND_DC:
                # R3: said in words here, not later as a mismatch with the CAF file.
                self.add_error(
                    "caf_choice",
                    f"The CAF address of record of {record.caf_number_display} cannot be used "
                    f"online. {state_refusal(record.state)}",
                )
            data.update(
                caf_number=record.caf_number, name=record.name, **asdict(record.postal_address)
            )
        return data


class TaxpayerForm(AddressFields):
    """Step 2: the taxpayer's name, SSN or ITIN and address, as on their record (R10-R13a)."""

    field_order = ["name", "tin", "line1", "line2", "city", "state", "zip_code"]

    name = PersonNameField(
        label="Taxpayer's full name",
        help_text="As on their tax return.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    # R46: the shared TIN field never sends the number back to the page, even with errors.
    tin = IndividualTinField(max_length=40, help_text="9 digits. You may type dashes: 123-45-6789.")

    def __init__(self, *args: Any, stored_tin_last4: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line1"].label = "Street address"
        if stored_tin_last4:
            # R46: only the last four digits of the kept TIN are shown; blank keeps it.
            self._keep_tin(stored_tin_last4)
        self.parsed_tin: Tin | None = None

    def _keep_tin(self, last4: str) -> None:
        field = self.fields["tin"]
        assert isinstance(field, IndividualTinField)
        field.required = False
        field.kept_last4 = last4

    def clean_name(self) -> str:
        return refuse_markup(self.cleaned_data["name"], what="name")

    def clean_tin(self) -> str:
        value = self.cleaned_data["tin"]
        if value == "":
            return ""
        # The field refused other-script digits, invisible characters and EINs (R13a, R10).
        self.parsed_tin = tin_parse(value, holder_kind=HolderKind.INDIVIDUAL)
        # Kept encrypted in the draft even when another answer is wrong: the page says so.
        self._keep_tin(self.parsed_tin.last4)
        return ""  # never kept in cleaned_data (R46): the view reads ``form.parsed_tin``


def period_choices(matter: str, today: dt.date) -> list[tuple[str, str]]:
    """R14-R16: the periods ``matter`` may name, newest first, as the form shows them."""
    if matter not in Matter.values:
        return []
    periods = reversed(allowed_periods(matter=matter, today=today))
    if matter == Matter.CIVIL_PENALTY:
        return [(p, format_period(matter=matter, period=p)) for p in periods]
    return [(p[:4], p[:4]) for p in periods]


class MatterRowForm(forms.Form):
    """One tax matter and its periods: a first period and an optional last one (R17: a range
    is expanded to explicit periods)."""

    matter = forms.ChoiceField(
        label="Tax matter",
        choices=[("", "- Select a tax matter -"), *Matter.choices],
        error_messages={
            "required": "Select a tax matter.",
            "invalid_choice": "Choose the tax matter from the list.",
        },
    )
    period_from = PlainTextField(
        label="First period",
        max_length=6,
        widget=forms.Select,
        error_messages={"required": "Select the first period for this tax matter."},
    )
    period_to = PlainTextField(
        label="Last period (optional, for a range)",
        max_length=6,
        required=False,
        widget=forms.Select,
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        if self.is_bound:
            matter = self.data.get(self.add_prefix("matter"), "")
        else:
            matter = self.initial.get("matter", "")
        choices = period_choices(str(matter), today)
        blank = "- Select a year -" if matter != Matter.CIVIL_PENALTY else "- Select a quarter -"
        self.fields["period_from"].widget.choices = [("", blank), *choices]
        self.fields["period_to"].widget.choices = [("", "- Same as the first -"), *choices]
        self.periods: list[str] = []

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        matter, first, last = data.get("matter"), data.get("period_from"), data.get("period_to")
        if not matter or "period_from" in self.errors or "period_to" in self.errors:
            return data
        if not first:
            self.add_error("period_from", "Select the first period for this tax matter.")
            return data
        text = first if not last or last == first else f"{first}-{last}"
        try:
            self.periods = parse_periods(matter=matter, text=text, today=self.today)
        except PeriodRefused as error:
            self.add_error("period_from", str(error))
        return data


class NoticesForm(forms.Form):
    """Step 4: copies of notices (R25 is applied when the taxpayer approves)."""

    receives_notices = forms.ChoiceField(
        label="Do you want copies of the IRS notices sent to this taxpayer?",
        choices=[("yes", "Yes, send me copies of notices"), ("no", "No")],
        widget=forms.RadioSelect,
        help_text="At most two representatives can receive copies of notices for each tax "
        "matter and period. That limit is checked later, when the taxpayer approves: if two "
        "others already receive copies, the approval is refused with a message saying so.",
        error_messages={"required": "Select yes or no."},
    )


# What the taxpayer asked of the representative, by kind (R1, R23): a TIA lets them see the
# taxpayer's information, never act for them.
_ASKED: dict[str, str] = {
    RequestKind.POA: "asked me to represent them and act for them",
    RequestKind.TIA: "asked me to receive and inspect their tax information",
}


def declaration(kind: str) -> str:
    """The representative's declaration for a request of ``kind`` (R4)."""
    asked = _ASKED.get(kind, _ASKED[RequestKind.POA])
    return (
        "I am the representative named above and the CAF number is assigned to me. The taxpayer "
        f"{asked} for these tax matters and periods. What I entered is true, correct and "
        "complete to the best of my knowledge."
    )


class DeclarationForm(forms.Form):
    """Step 5: the representative's declaration, required to submit (R4)."""

    declaration = forms.BooleanField(
        label="I make this declaration",
        error_messages={"required": "Confirm the declaration to send the request."},
    )


class MattersForm:
    """Step 3: the rows of tax matters, each a :class:`MatterRowForm` with prefix ``row-N``.

    Rows are a plain list of dicts, so "Add another matter" and "Remove" are list edits and the
    draft keeps the rows as typed (R42)."""

    row_keys = ("matter", "period_from", "period_to")

    def __init__(
        self, *, rows: list[dict[str, Any]], today: dt.date, bound: bool, rows_dropped: int = 0
    ) -> None:
        self.rows = [self._clean_row(row) for row in rows[:MAX_MATTER_ROWS]]
        self.bound = bound
        self.today = today
        self.forms = [self._row_form(index, row) for index, row in enumerate(self.rows)]
        self.missing_rows = False
        # Rows posted past the limit: not kept, and the page says so instead of saying nothing.
        self.rows_dropped = rows_dropped + max(0, len(rows) - MAX_MATTER_ROWS)

    @classmethod
    def _clean_row(cls, row: dict[str, Any]) -> dict[str, str]:
        # Bounded, and judged as typed: the fields refuse what they cannot take.
        return {key: str(row.get(key, "") or "")[:ROW_VALUE_LIMIT] for key in cls.row_keys}

    @classmethod
    def rows_for_keeping(cls, rows: list[dict[str, str]]) -> list[dict[str, str]]:
        """Rows as the draft keeps them (R42), without what PostgreSQL cannot store (NUL)."""
        return [
            {key: text_for_keeping(row.get(key, ""), limit=ROW_VALUE_LIMIT) for key in cls.row_keys}
            for row in rows
        ]

    def _row_form(self, index: int, row: dict[str, str]) -> MatterRowForm:
        prefix = f"row-{index}"
        if self.bound:
            data = {f"{prefix}-{key}": value for key, value in row.items()}
            return MatterRowForm(data=data, prefix=prefix, today=self.today)
        return MatterRowForm(initial=row, prefix=prefix, today=self.today)

    @classmethod
    def posted_row_count(cls, post: Any) -> int:
        try:
            return max(0, int(post.get("row_count", "1")))
        except (TypeError, ValueError):
            return 1

    @classmethod
    def rows_from_post(cls, post: Any) -> list[dict[str, str]]:
        count = min(cls.posted_row_count(post), MAX_MATTER_ROWS)
        return [
            cls._clean_row({key: post.get(f"row-{index}-{key}", "") for key in cls.row_keys})
            for index in range(count)
        ]

    @classmethod
    def from_post(cls, post: Any, *, today: dt.date) -> MattersForm:
        """The rows posted, judged; rows past the limit that hold an answer are counted so the
        page can say they were not kept."""
        dropped = sum(
            1
            for index in range(MAX_MATTER_ROWS, min(cls.posted_row_count(post), 1000))
            if any(post.get(f"row-{index}-{key}") for key in cls.row_keys)
        )
        return cls(rows=cls.rows_from_post(post), today=today, bound=True, rows_dropped=dropped)

    @property
    def too_many_rows_message(self) -> str:
        dropped = self.rows_dropped
        if not dropped:
            return ""
        rows = "1 row" if dropped == 1 else f"{dropped} rows"
        return (
            f"A request can have at most {MAX_MATTER_ROWS} rows of tax matters, so {rows} after "
            f"row {MAX_MATTER_ROWS} {'was' if dropped == 1 else 'were'} not kept. Send another "
            "request for those tax matters, or use a range of periods in one row."
        )

    @staticmethod
    def new_row() -> dict[str, str]:
        return {"matter": Matter.INCOME_1040.value, "period_from": "", "period_to": ""}

    def is_valid(self) -> bool:
        self.missing_rows = not self.forms
        rows_valid = all([form.is_valid() for form in self.forms])
        return bool(self.forms) and rows_valid and not self.rows_dropped

    @property
    def errors(self) -> bool:
        return self.bound and (
            self.missing_rows or bool(self.rows_dropped) or any(form.errors for form in self.forms)
        )

    def answers(self) -> dict[str, Any]:
        return {
            "rows": [
                {**row, "periods": form.periods}
                for row, form in zip(self.rows, self.forms, strict=True)
            ]
        }

    def raw_answers(self) -> dict[str, Any]:
        return {"rows": self.rows_for_keeping(self.rows)}
