"""The one-page upload of a Form 2848 or 8821 (R34): every question the form asks, in
fieldsets, turned into the channel's FormData. The TIN is never sent back to the page (R46);
the view keeps it encrypted between tries."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms

from authorizations.forms_channel.data import (
    FormData,
    FormMatter,
    FormRepresentative,
    FormTaxpayer,
    RetainedAuthorization,
)
from authorizations.models import FORM_KIND, FormType, SignatureKind
from caf.models import DesignationCode
from taxpro.errors import TinInvalid
from taxpro.form_fields import (
    AddressFields,
    IndividualTinField,
    PersonNameField,
    PlainTextField,
    StateField,
)
from taxpro.tins import HolderKind, tin_parse

MATTER_ROWS = 3  # line 3 rows on the page; a form with more is uploaded as more forms
YEAR_SPAN_MAX = 20


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


class FormTinField(IndividualTinField):
    """The taxpayer's SSN, ITIN or EIN as typed, never shown again (R46); which of them it may
    be depends on the kind of taxpayer, so the form's clean checks it."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "Taxpayer identification number (SSN, ITIN or EIN)")
        kwargs.setdefault("required", False)  # a number kept from the last try may stand in
        kwargs.setdefault("help_text", "9 digits, with or without dashes, as on line 1.")
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        return forms.CharField.to_python(self, value) or ""


def _date(label: str) -> forms.DateField:
    """A date from the form; a missing one is the pre-check's to name (R39a)."""
    return forms.DateField(
        label=label,
        required=False,
        help_text="For example: 2026-11-20.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )


def _radios(label: str, choices: Any, required_message: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={"required": required_message},
    )


class UploadForm(forms.Form):
    """Everything but the address blocks and line 3 rows, which are their own prefixed forms."""

    form_type = _radios(
        "Which form are you uploading?", FormType.choices, "Choose Form 2848 or Form 8821."
    )
    taxpayer_kind = _radios(
        "Is the taxpayer a person or a business?",
        HolderKind.choices,
        "Say whether the taxpayer is an individual or a business.",
    )
    tin = FormTinField()
    taxpayer_name = PersonNameField(label="Taxpayer's name, as on the form", max_length=150)
    signer_title = PlainTextField(
        label="Title of the person who signed for the business (businesses only)",
        max_length=60,
        required=False,
        help_text="For example: president, member, trustee.",
    )
    # The representative or designee (line 2 of either form).
    rep_name = PersonNameField(label="Name", max_length=150)
    rep_caf_number = PlainTextField(
        label="CAF number (optional)",
        max_length=12,
        required=False,
        help_text="9 digits, with or without dashes. Leave it empty if they have none: one is"
        " assigned when the form is recorded.",
    )
    rep_ptin = PlainTextField(label="PTIN (optional)", max_length=9, required=False)
    rep_receives_notices = _yes("Send them copies of notices")
    rep_designation = forms.ChoiceField(
        label="Designation (Form 2848, Part II)",
        choices=[("", "- Select -"), *DesignationCode.choices],
        required=False,
    )
    rep_jurisdiction = StateField(
        label="Licensing jurisdiction (Form 2848, Part II)", required=False
    )
    rep_license_number = PlainTextField(
        label="License, bar or enrollment number (Form 2848, Part II)",
        max_length=40,
        required=False,
    )
    rep_signed_on = _date("Date the representative signed Part II (Form 2848)")
    specific_use = _yes(
        "Line 4 is checked: specific use not recorded on the CAF",
        help_text="The form is kept but not recorded.",
    )
    retention_box = _yes("The retention box is checked: prior authorizations are kept")
    retained = PlainTextField(
        label="Prior authorizations to keep (one a line)",
        required=False,
        max_length=2000,
        help_text="The CAF number, the form and the period (year and month it ends), for"
        " example: 0300-12345 1040 202312.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
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

    def clean_rep_caf_number(self) -> str:
        typed = self.cleaned_data.get("rep_caf_number", "")
        digits = typed.replace("-", "").replace(" ", "")
        if digits and not re.fullmatch(r"[0-9]{9}", digits):
            raise forms.ValidationError(
                "Enter the CAF number as 9 digits, or leave it empty if there is none."
            )
        return digits

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        tin, kind = cleaned.get("tin", ""), cleaned.get("taxpayer_kind")
        if tin and kind:
            try:
                cleaned["tin"] = tin_parse(tin, holder_kind=kind).digits
            except TinInvalid as error:
                self.add_error("tin", error.message)
        kind_of_form = cleaned.get("form_type")
        retained: list[RetainedAuthorization] = []
        for line in cleaned.get("retained", "").splitlines():
            parts = line.replace(",", " ").split()
            if not parts:
                continue
            caf = parts[0].replace("-", "") if parts else ""
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
            if kind_of_form:
                retained.append(
                    RetainedAuthorization(
                        caf_number=caf,
                        matter=parts[1].upper(),
                        period=parts[2],
                        kind=FORM_KIND[FormType(kind_of_form)],
                    )
                )
        cleaned["retained_rows"] = tuple(retained)
        return cleaned


class FileForm(forms.Form):
    """The check page's one question: the signed form itself (R34)."""

    file = forms.FileField(
        label="The signed form",
        help_text="One file: PDF, JPG or GIF, at most 15 MB.",
        error_messages={
            "required": "Choose the signed form to upload.",
            "empty": "The file is empty. Choose the signed form.",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.gif"}),
    )


class TaxpayerAddress(AddressFields):
    """The taxpayer's address, as on line 1 of the form."""


class RepresentativeAddress(AddressFields):
    """The representative's or designee's address, as on line 2 of the form."""


class MatterRow(forms.Form):
    """One row of line 3: a form code, the matter as written, and its periods."""

    form_code = PlainTextField(
        label="Tax form number", max_length=10, required=False, help_text="For example: 941."
    )
    description = PlainTextField(
        label="Type of tax or matter, as written", max_length=100, required=False
    )
    period_kind = forms.ChoiceField(
        label="Periods", choices=PeriodKind.CHOICES, initial=PeriodKind.ANNUAL
    )
    first_year = forms.IntegerField(
        label="First year", required=False, min_value=1900, max_value=2100
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

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not (data.get("form_code") or data.get("description") or data.get("first_year"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.is_blank:
            return cleaned
        first, last = cleaned.get("first_year"), cleaned.get("last_year")
        if not cleaned.get("form_code"):
            self.add_error("form_code", "Enter the tax form number of this row, for example 941.")
        if first is None:
            if "first_year" not in self.errors:
                self.add_error("first_year", "Enter the first year of this row's periods.")
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


def form_data_of(
    form: UploadForm,
    taxpayer_address: TaxpayerAddress,
    rep_address: RepresentativeAddress,
    rows: list[MatterRow],
    *,
    tin: str,
) -> FormData:
    """The keyed data of a page whose every part is valid."""
    data = form.cleaned_data
    is_2848 = data["form_type"] == FormType.F2848
    rep = FormRepresentative(
        name=data["rep_name"],
        address=rep_address.postal_address(),
        caf_number=data["rep_caf_number"],
        ptin=data["rep_ptin"],
        receives_notices=data["rep_receives_notices"],
        designation=data["rep_designation"] if is_2848 else "",
        jurisdiction=data["rep_jurisdiction"] if is_2848 else "",
        license_number=data["rep_license_number"] if is_2848 else "",
        signed_on=data["rep_signed_on"] if is_2848 else None,
    )
    return FormData(
        form_type=data["form_type"],
        taxpayer=FormTaxpayer(
            kind=data["taxpayer_kind"],
            tin=tin,
            name=data["taxpayer_name"],
            address=taxpayer_address.postal_address(),
            signer_title=data["signer_title"] if data["taxpayer_kind"] == "business" else "",
        ),
        representatives=(rep,),
        matters=tuple(row.matter() for row in rows if not row.is_blank),
        specific_use=data["specific_use"],
        retention_box=data["retention_box"],
        retained=data["retained_rows"],
        signature_kind=data["signature_kind"],
        taxpayer_signed_on=data["taxpayer_signed_on"],
        remote_without_prior_relationship=data["remote_without_prior_relationship"],
        identity_attested=data["identity_attested"],
    )
