"""Forms of the practitioner's lists: the filters of Requests and Active authorizations, and the
selection of authorizations to withdraw (R29).

Filters are GET forms: a value that does not validate gets a message beside its field and the
list is simply not filtered by it (quality.md: bad input gets a clear message, never a 500).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from authorizations.models import RequestKind
from authorizations.vocabulary import CHANNEL_FILTERS, REQUEST_STATUS_FILTERS
from caf.models import CafRecord
from taxpayers.vocabulary import HOLDER_KIND_FILTERS

NAME_MAX_LENGTH = 150  # the longest legal name the master file holds
DATE_FORMATS = ["%m/%d/%Y", "%Y-%m-%d"]
DATE_HINT = "Use MM/DD/YYYY, for example 03/15/2026."
# A page shows 25 rows; a selection larger than this was not made on a page of ours.
MAX_SELECTION = 200


class _FilterForm(forms.Form):
    """A GET form whose valid fields filter the list even when another field is in error."""

    def valid_filters(self) -> dict[str, Any]:
        if not self.is_bound:
            return {}
        self.is_valid()  # fills cleaned_data with every field that did validate
        return {key: value for key, value in self.cleaned_data.items() if value not in ("", None)}


def _name_field(label: str = "Taxpayer name contains") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=NAME_MAX_LENGTH,
        error_messages={
            "max_length": f"Enter a name of {NAME_MAX_LENGTH} characters or fewer.",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=DATE_FORMATS,
        help_text=DATE_HINT,
        error_messages={"invalid": f"Enter a real date. {DATE_HINT}"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )


class RequestFilterForm(_FilterForm):
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status")]
        + [(key, label) for key, (label, _states) in REQUEST_STATUS_FILTERS.items()],
        error_messages={"invalid_choice": "Choose a status from the list."},
    )
    name = _name_field()
    submitted_from = _date_field("Submitted from")
    submitted_to = _date_field("Submitted to")

    def add_prefix(self, field_name: str) -> str:
        # The query string uses the short names ?from= and ?to= that people can read.
        return {"submitted_from": "from", "submitted_to": "to"}.get(field_name, field_name)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start: dt.date | None = cleaned.get("submitted_from")
        end: dt.date | None = cleaned.get("submitted_to")
        if start and end and end < start:
            self.add_error(
                "submitted_to", "The end date must be the same as or after the start date."
            )
            cleaned.pop("submitted_to", None)
        return cleaned


class AuthorizationFilterForm(_FilterForm):
    kind = forms.ChoiceField(
        label="Kind",
        required=False,
        choices=[("", "POA and TIA"), *RequestKind.choices],
        error_messages={"invalid_choice": "Choose a kind from the list."},
    )
    channel = forms.ChoiceField(
        label="How it came",
        required=False,
        choices=[("", "Online and forms"), *CHANNEL_FILTERS.items()],
        error_messages={"invalid_choice": "Choose online or forms from the list."},
    )
    caf = forms.ChoiceField(
        label="CAF number",
        required=False,
        error_messages={"invalid_choice": "Choose one of your linked CAF numbers."},
    )
    name = _name_field()

    def __init__(
        self, data: Any = None, *, caf_records: Iterable[CafRecord] = (), **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        records = list(caf_records)
        caf_field = self.fields["caf"]
        assert isinstance(caf_field, forms.ChoiceField)
        caf_field.choices = [("", "All linked CAF numbers")] + [
            (r.caf_number, r.caf_number_display) for r in records
        ]
        if len(records) < 2:
            # One CAF number: nothing to choose between, so no field to fill.
            del self.fields["caf"]


class ClientFilterForm(_FilterForm):
    """The clients list's filters (R7: individuals and businesses alike)."""

    name = _name_field("Client name contains")
    holder = forms.ChoiceField(
        label="Individuals or businesses",
        required=False,
        choices=[("", "Individuals and businesses"), *HOLDER_KIND_FILTERS.items()],
        error_messages={"invalid_choice": "Choose individuals or businesses from the list."},
    )


class _IdListField(forms.Field):
    """Authorizations' public ids from checkboxes: UUIDs only, each once, a bounded number."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[uuid.UUID]:
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        ids: set[uuid.UUID] = set()
        for item in value:
            text = str(item).strip()
            try:
                if not text.isascii() or len(text) > 36:
                    raise ValueError(text)
                ids.add(uuid.UUID(text))
            except ValueError:
                raise ValidationError("The selection was not understood. Select again.") from None
        return sorted(ids)

    def validate(self, value: list[uuid.UUID]) -> None:
        if not value:
            raise ValidationError("Select at least one authorization to withdraw.")
        if len(value) > MAX_SELECTION:
            raise ValidationError(f"Select {MAX_SELECTION} authorizations or fewer at a time.")


class WithdrawSelectionForm(forms.Form):
    """R29: which authorizations to withdraw; ``ids`` repeats once per checked row."""

    ids = _IdListField(label="Authorizations to withdraw")
