"""One form per step of the forms wizard (R34): the questions a signed Form 2848 or 8821
answers, each refusing bad input with a sentence next to its field. The TIN is never sent back
to the page (R46): the step keeps it encrypted in the draft and names it by its last four.

The representatives and the line 3 rows are lists of row forms (:class:`RowList`): "Add
another" and "Remove" are list edits, so the draft keeps the rows as typed (R42)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from django import forms

from authorizations.forms_channel.data import FormMatter, FormRepresentative, RetainedAuthorization
from authorizations.models import FORM_KIND, FormType, SignatureKind
from caf.models import DesignationCode
from taxpro.errors import TinInvalid
from taxpro.form_fields import (
    AddressFields,
    IndividualTinField,
    PersonNameField,
    PlainTextField,
    StateField,
    text_for_keeping,
)
from taxpro.tins import HolderKind, Tin, tin_parse

YEAR_SPAN_MAX = 20
# Form 2848 has room for four representatives on line 2, Form 8821 for its designees; more
# need another form.
MAX_REPRESENTATIVES = 4
# Line 3 rows kept on one upload: enough for any form, and bounded (a continuation page).
MAX_MATTER_ROWS = 20
# What is kept of one typed value that is not valid yet (R42): enough, and bounded.
ROW_VALUE_LIMIT = 200
YES_NO = (("yes", "Yes"), ("no", "No"))


class PeriodKind:
    ANNUAL = "annual"
    QUARTERLY = "quarterly"
    FISCAL = "fiscal"
    CHOICES = (
        (ANNUAL, "Calendar years"),
        (QUARTERLY, "Quarters (for example, Form 941)"),
        (FISCAL, "Fiscal years ending in the month chosen"),
    )


MONTH_CHOICES = [("", "- Select -")] + [
    (str(m), dt.date(2000, m, 1).strftime("%B")) for m in range(1, 13)
]


def expand_periods(kind: str, first: int, last: int, fiscal_month: int | None) -> tuple[str, ...]:
    """R17, R36: the explicit periods (``YYYYMM`` of the month each ends) of a line 3 row."""
    periods: list[str] = []
    for year in range(first, last + 1):
        if kind == PeriodKind.QUARTERLY:
            periods += [f"{year}{month:02d}" for month in (3, 6, 9, 12)]
        elif kind == PeriodKind.FISCAL:
            periods.append(f"{year}{fiscal_month or 12:02d}")
        else:
            periods.append(f"{year}12")
    return tuple(periods)


def _yes(label: str, **kwargs: Any) -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False, **kwargs)


def _radios(label: str, choices: Any, required_message: str, **kwargs: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={"required": required_message, "invalid_choice": required_message},
        **kwargs,
    )


def _date(label: str) -> forms.DateField:
    """A date from the form; a missing one is the pre-check's to name (R39a)."""
    return forms.DateField(
        label=label,
        required=False,
        help_text="For example: 2026-11-20.",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the date as on the form, for example 2026-11-20."},
    )


def typed_values(form: forms.Form, post: Mapping[str, Any]) -> dict[str, Any]:
    """What was typed into ``form`` (never its TIN, R46), each value bounded and without the
    characters nobody can see (PostgreSQL refuses NUL): kept in the draft as typed (R42)."""
    kept: dict[str, Any] = {}
    for name, field in form.fields.items():
        if name == "tin":
            continue
        key = form.add_prefix(name)
        limit = max(ROW_VALUE_LIMIT, getattr(field, "max_length", None) or 0)
        if isinstance(field, forms.MultipleChoiceField):
            values = post.getlist(key) if hasattr(post, "getlist") else post.get(key, [])
            kept[name] = [text_for_keeping(v, limit=ROW_VALUE_LIMIT) for v in values][:20]
        else:
            kept[name] = text_for_keeping(post.get(key, ""), limit=limit)
    return kept


# --- Steps with one form -----------------------------------------------------------------------


class FormTypeForm(forms.Form):
    form_type = _radios(
        "Which form are you uploading?", FormType.choices, "Choose Form 2848 or Form 8821."
    )


class FormTinField(IndividualTinField):
    """The taxpayer's SSN, ITIN or EIN as typed, never shown again (R46); which of them it may
    be depends on the kind of taxpayer, so the form's clean checks it."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "Taxpayer identification number (SSN, ITIN or EIN)")
        kwargs.setdefault("required", False)  # a number kept in the draft may stand in
        kwargs.setdefault("help_text", "9 digits, with or without dashes, as on line 1.")
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        return forms.CharField.to_python(self, value) or ""


class TaxpayerForm(AddressFields):
    """Line 1: the taxpayer, a person (SSN or ITIN) or a business (EIN, R36), with the title of
    whoever signed for a business."""

    field_order = ["taxpayer_kind", "tin", "name", "more_than_one", "signer_title"]

    taxpayer_kind = _radios(
        "Is the taxpayer a person or a business?",
        HolderKind.choices,
        "Say whether the taxpayer is an individual or a business.",
    )
    tin = FormTinField()
    name = PersonNameField(label="Taxpayer's name, as on the form", max_length=150)
    # R34: one taxpayer per form; a form naming two is caught here, not by a clerk weeks later
    # (R39a). Unticked means the one taxpayer above.
    more_than_one = _yes(
        "Line 1 names more than one taxpayer",
        help_text="For example, a married couple who file jointly.",
    )
    signer_title = PlainTextField(
        label="Title of the person who signed for the business (businesses only)",
        max_length=60,
        required=False,
        help_text="For example: president, member, trustee.",
    )

    def __init__(self, *args: Any, kept_tin: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # R46: the TIN kept in the draft stands in when none is typed; the page learns only
        # its last four digits (R43).
        self.kept_tin = kept_tin
        self.fields["tin"].kept_last4 = kept_tin[-4:] if kept_tin else ""  # type: ignore[attr-defined]
        self.parsed_tin: Tin | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind, typed = cleaned.get("taxpayer_kind"), cleaned.get("tin", "")
        if "tin" in self.errors:
            return cleaned
        if not typed and not self.kept_tin:
            self.add_error("tin", "Enter the taxpayer's SSN, ITIN or EIN from line 1.")
        elif kind:
            try:
                self.parsed_tin = tin_parse(typed or self.kept_tin, holder_kind=kind)
            except TinInvalid as error:
                self.add_error(
                    "tin",
                    error.message
                    if typed
                    else f"The number you entered before does not fit: {error.message}",
                )
        if kind != HolderKind.BUSINESS:
            cleaned["signer_title"] = ""
        return cleaned


class SpecificUseForm(forms.Form):
    specific_use = _radios(
        "Is line 4 (specific use not recorded on the CAF) checked?",
        YES_NO,
        "Say whether line 4 is checked.",
        help_text="A form for a specific use is kept but not recorded.",
    )


# Form 2848, line 5a: the acts the taxpayer adds; 5b: the acts they take away.
ACT_CHOICES = (
    ("isp", "Access my IRS records via an Intermediate Service Provider"),
    ("disclose", "Authorize disclosure to third parties"),
    ("substitute", "Substitute or add representative(s)"),
    ("sign_return", "Sign a return"),
)


class ActsForm(forms.Form):
    added = forms.MultipleChoiceField(
        label="Additional acts authorized (line 5a): check each box checked on the form",
        choices=ACT_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose the acts from the list."},
    )
    other = PlainTextField(
        label="Other acts authorized, as written on line 5a (optional)",
        max_length=200,
        required=False,
    )
    removed = PlainTextField(
        label="Specific acts not authorized, as written on line 5b (optional)",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def acts(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"added": list(data["added"]), "other": data["other"], "removed": data["removed"]}


class RetentionForm(forms.Form):
    retention_box = _radios(
        "Is the retention box checked (prior authorizations stay in force)?",
        YES_NO,
        "Say whether the retention box is checked.",
    )
    retained = PlainTextField(
        label="Prior authorizations to keep (one a line)",
        required=False,
        max_length=2000,
        help_text="The CAF number, the form and the period (year and month it ends), for"
        " example: 0300-12345 1040 202312.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, form_type: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.form_type = form_type

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        rows: list[RetainedAuthorization] = []
        if cleaned.get("retention_box") != "yes":
            cleaned["retained_rows"] = ()
            return cleaned
        kind = FORM_KIND.get(FormType(self.form_type)) if self.form_type else None
        for line in cleaned.get("retained", "").splitlines():
            parts = line.replace(",", " ").split()
            if not parts:
                continue
            caf = parts[0].replace("-", "")
            if (
                len(parts) != 3
                or not re.fullmatch(r"[0-9]{9}", caf)
                or not re.fullmatch(r"[0-9]{6}", parts[2])
            ):
                self.add_error(
                    "retained",
                    f"Write \u201c{line.strip()[:40]}\u201d as a CAF number, a form and a period,"
                    " for example: 0300-12345 1040 202312.",
                )
                break
            rows.append(
                RetainedAuthorization(
                    caf_number=caf, matter=parts[1].upper(), period=parts[2], kind=str(kind or "")
                )
            )
        cleaned["retained_rows"] = tuple(rows)
        return cleaned


class SignatureForm(forms.Form):
    signature_kind = _radios(
        "How did the taxpayer sign?", SignatureKind.choices, "Choose ink or electronic."
    )
    taxpayer_signed_on = _date("Date the taxpayer signed")
    remote_without_prior_relationship = _yes(
        "The taxpayer signed electronically and remotely, and I had no prior relationship with them"
    )
    identity_attested = _yes(
        "I checked the taxpayer's identity (photo ID; name, TIN, address, date of birth) before"
        " this upload"
    )


class FileForm(forms.Form):
    """The last question: the signed form itself (R34)."""

    file = forms.FileField(
        label="The signed form",
        help_text="One file: PDF, JPG or GIF, at most 15 MB.",
        required=False,  # a file kept in the draft stands in
        error_messages={"empty": "The file is empty. Choose the signed form."},
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.gif"}),
    )


# --- Steps with rows ---------------------------------------------------------------------------


class RepresentativeRowForm(AddressFields):
    """One representative (Form 2848) or designee (Form 8821) of line 2, with, on a 2848, their
    Part II designation, jurisdiction, license number and signature date."""

    field_order = ["name", "caf_number", "ptin"]

    name = PersonNameField(label="Name", max_length=150)
    caf_number = PlainTextField(
        label="CAF number (optional)",
        max_length=12,
        required=False,
        help_text="9 digits, with or without dashes. Leave it empty if they have none: one is"
        " assigned when the form is recorded.",
    )
    ptin = PlainTextField(
        label="PTIN (optional)", max_length=9, required=False, help_text="For example: P01234567."
    )
    receives_notices = _yes("Send them copies of notices")
    designation = forms.ChoiceField(
        label="Designation (Part II)",
        choices=[("", "- Select -"), *DesignationCode.choices],
        required=False,
        error_messages={"invalid_choice": "Choose the designation from the list."},
    )
    jurisdiction = StateField(label="Licensing jurisdiction (Part II)", required=False)
    license_number = PlainTextField(
        label="License, bar or enrollment number (Part II)", max_length=40, required=False
    )
    signed_on = _date("Date they signed Part II")

    PART_II = ("designation", "jurisdiction", "license_number", "signed_on")

    def __init__(self, *args: Any, form_type: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_2848 = form_type == FormType.F2848
        if not self.is_2848:
            for name in self.PART_II:  # an 8821's designees have no Part II
                del self.fields[name]

    def clean_caf_number(self) -> str:
        digits = self.cleaned_data.get("caf_number", "").replace("-", "").replace(" ", "")
        if digits and not re.fullmatch(r"[0-9]{9}", digits):
            raise forms.ValidationError(
                "Enter the CAF number as 9 digits, or leave it empty if there is none."
            )
        return digits

    def clean_ptin(self) -> str:
        ptin = self.cleaned_data.get("ptin", "").upper()
        if ptin and not re.fullmatch(r"P[0-9]{8}", ptin):
            raise forms.ValidationError("Enter the PTIN as P and 8 digits, for example P01234567.")
        return ptin

    def representative(self) -> FormRepresentative:
        data = self.cleaned_data
        return FormRepresentative(
            name=data["name"],
            address=self.postal_address(),
            caf_number=data["caf_number"],
            ptin=data["ptin"],
            receives_notices=data["receives_notices"],
            designation=data.get("designation", "") if self.is_2848 else "",
            jurisdiction=data.get("jurisdiction", "") if self.is_2848 else "",
            license_number=data.get("license_number", "") if self.is_2848 else "",
            signed_on=data.get("signed_on") if self.is_2848 else None,
        )


class MatterRowForm(forms.Form):
    """One row of line 3: a form code, the matter as written, and its periods."""

    form_code = PlainTextField(
        label="Tax form number",
        max_length=10,
        help_text="For example: 941.",
        error_messages={"required": "Enter the tax form number of this row, for example 941."},
    )
    description = PlainTextField(
        label="Type of tax or matter, as written (optional)", max_length=100, required=False
    )
    period_kind = forms.ChoiceField(
        label="Periods",
        choices=PeriodKind.CHOICES,
        initial=PeriodKind.ANNUAL,
        error_messages={"invalid_choice": "Choose the kind of periods from the list."},
    )
    first_year = forms.IntegerField(
        label="First year",
        min_value=1900,
        max_value=2100,
        error_messages={"required": "Enter the first year of this row's periods."},
    )
    last_year = forms.IntegerField(
        label="Last year (optional)", required=False, min_value=1900, max_value=2100
    )
    fiscal_month = forms.TypedChoiceField(
        label="Month the fiscal year ends (fiscal years only)",
        choices=MONTH_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,
    )

    def __init__(self, *args: Any, form_type: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("first_year"), cleaned.get("last_year")
        if first is None:
            return cleaned
        last = last if last is not None else first
        if last < first:
            self.add_error("last_year", "The last year must be the first year or later.")
        elif last - first >= YEAR_SPAN_MAX:
            self.add_error("last_year", f"A row may span at most {YEAR_SPAN_MAX} years.")
        if cleaned.get("period_kind") == PeriodKind.FISCAL and not cleaned.get("fiscal_month"):
            self.add_error("fiscal_month", "Choose the month the fiscal year ends.")
        cleaned["last_year"] = last
        return cleaned

    def matter(self) -> FormMatter:
        data = self.cleaned_data
        first, last = data["first_year"], data["last_year"]
        kind = data["period_kind"]
        written = f"{first}" if first == last else f"{first}-{last}"
        return FormMatter(
            form_code=data["form_code"].upper(),
            description=data["description"],
            periods=expand_periods(kind, first, last, data.get("fiscal_month")),
            periods_as_written=f"{written} ({dict(PeriodKind.CHOICES)[kind].split(' (')[0]})",
        )


class RowList:
    """A step of rows, each a row form with prefix ``<prefix>-N``: built from rows of typed
    values (dicts), so adding and removing rows are list edits and the draft keeps them as
    typed. Rows past ``limit`` are not kept, and the page says how many."""

    row_class: ClassVar[type[forms.Form]]
    prefix: ClassVar[str]
    limit: ClassVar[int]
    noun: ClassVar[str]  # "representative", "row of line 3"
    missing_message: ClassVar[str]

    def __init__(
        self,
        *,
        rows: list[dict[str, Any]],
        bound: bool,
        form_type: str,
        rows_dropped: int = 0,
    ) -> None:
        self.rows = rows[: self.limit]
        self.bound = bound
        self.form_type = form_type
        self.forms = [self._row_form(index, row) for index, row in enumerate(self.rows)]
        self.rows_dropped = rows_dropped + max(0, len(rows) - self.limit)
        self.missing_rows = False
        self.list_errors: list[str] = []

    @classmethod
    def keys(cls, form_type: str) -> list[str]:
        return list(cls.row_class(form_type=form_type).fields)  # type: ignore[call-arg]

    def _row_form(self, index: int, row: dict[str, Any]) -> forms.Form:
        prefix = f"{self.prefix}-{index}"
        if self.bound:
            data = {f"{prefix}-{key}": value for key, value in row.items()}
            return self.row_class(data=data, prefix=prefix, form_type=self.form_type)  # type: ignore[call-arg]
        return self.row_class(initial=row, prefix=prefix, form_type=self.form_type)  # type: ignore[call-arg]

    @classmethod
    def posted_row_count(cls, post: Mapping[str, Any]) -> int:
        try:
            return max(0, int(post.get("row_count", "1")))
        except (TypeError, ValueError):
            return 1

    @classmethod
    def rows_from_post(cls, post: Mapping[str, Any], *, form_type: str) -> list[dict[str, Any]]:
        """The rows as posted, each value bounded but judged as typed: the fields refuse what
        they cannot take (an invisible character is refused, not quietly dropped)."""
        count = min(cls.posted_row_count(post), cls.limit)
        rows = []
        for index in range(count):
            form = cls.row_class(prefix=f"{cls.prefix}-{index}", form_type=form_type)  # type: ignore[call-arg]
            row: dict[str, Any] = {}
            for name, field in form.fields.items():
                # One character past the longest answer, so an over-long one stays over-long.
                limit = max(ROW_VALUE_LIMIT, getattr(field, "max_length", None) or 0) + 1
                value = post.get(form.add_prefix(name), "")
                row[name] = value[:limit] if isinstance(value, str) else ""
            rows.append(row)
        return rows

    @classmethod
    def from_post(cls, post: Mapping[str, Any], *, form_type: str) -> RowList:
        keys = cls.keys(form_type)
        dropped = sum(
            1
            for index in range(cls.limit, min(cls.posted_row_count(post), 1000))
            if any(post.get(f"{cls.prefix}-{index}-{key}") for key in keys)
        )
        return cls(
            rows=cls.rows_from_post(post, form_type=form_type),
            bound=True,
            form_type=form_type,
            rows_dropped=dropped,
        )

    @classmethod
    def new_row(cls) -> dict[str, Any]:
        return {}

    @property
    def too_many_rows_message(self) -> str:
        dropped = self.rows_dropped
        if not dropped:
            return ""
        rows = f"1 {self.noun}" if dropped == 1 else f"{dropped} {self.noun}s"
        return (
            f"A form can have at most {self.limit} {self.noun}s here, so {rows} after number "
            f"{self.limit} {'was' if dropped == 1 else 'were'} not kept. Upload another form"
            " for the rest."
        )

    def is_valid(self) -> bool:
        self.missing_rows = not self.forms
        rows_valid = all([form.is_valid() for form in self.forms])
        return bool(self.forms) and rows_valid and not self.rows_dropped and not self.list_errors

    @property
    def errors(self) -> bool:
        return self.bound and (
            self.missing_rows
            or bool(self.rows_dropped)
            or bool(self.list_errors)
            or any(form.errors for form in self.forms)
        )

    def add_error(self, field: str | None, message: str) -> None:
        """A pre-check problem about the list as a whole (R39a)."""
        self.list_errors.append(message)

    def raw_answers(self) -> dict[str, Any]:
        """The rows as the draft keeps them (R42), without what PostgreSQL cannot store."""
        return {
            "rows": [
                {key: text_for_keeping(value, limit=ROW_VALUE_LIMIT) for key, value in row.items()}
                for row in self.rows
            ]
        }


class RepresentativesForm(RowList):
    row_class = RepresentativeRowForm
    prefix = "rep"
    limit = MAX_REPRESENTATIVES
    noun = "representative"
    missing_message = "Add at least one representative or designee."

    def representatives(self) -> tuple[FormRepresentative, ...]:
        return tuple(form.representative() for form in self.forms)  # type: ignore[attr-defined]


class MattersForm(RowList):
    row_class = MatterRowForm
    prefix = "matter"
    limit = MAX_MATTER_ROWS
    noun = "row"
    missing_message = "Add at least one tax matter with its periods."

    @classmethod
    def new_row(cls) -> dict[str, Any]:
        return {"period_kind": PeriodKind.ANNUAL}

    def matters(self) -> tuple[FormMatter, ...]:
        return tuple(form.matter() for form in self.forms)  # type: ignore[attr-defined]
