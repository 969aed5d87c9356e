"""The processing page's forms (R34b): the checklist before recording, and a rejection with its
reasons from the fixed list and a note."""

from __future__ import annotations

from typing import Any

from django import forms

from authorizations.models import FormType, RejectionReason, UploadedForm
from taxpro.form_fields import text_refusal

NOTE_MAX_LENGTH = 1000

# What the clerk checks on the file against the keyed data before recording it.
CHECKLIST: tuple[tuple[str, str], ...] = (
    ("one_form", "The file is one legible form, for one taxpayer"),
    ("taxpayer", "The taxpayer's name, TIN and address match the keyed data"),
    ("representatives", "Each representative's name, address and CAF number match"),
    ("matters", "Line 3's forms and periods match, with no general reference"),
    ("signatures", "The form is signed and dated, and no date is later than its receipt"),
)
DESIGNATIONS_CHECK = ("designations", "Part II names a designation and jurisdiction for each")
RETENTION_CHECK = ("retention", "The authorizations to keep are attached to the form")


def checklist_for(form: UploadedForm) -> list[tuple[str, str]]:
    items = list(CHECKLIST)
    if form.form_type == FormType.F2848:
        items.append(DESIGNATIONS_CHECK)
    if form.data.get("retention_box"):
        items.append(RETENTION_CHECK)
    return items


class RecordForm(forms.Form):
    checked = forms.MultipleChoiceField(
        label="Checklist",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Check every item on the list before recording the form."},
    )

    def __init__(self, *args: Any, uploaded: UploadedForm, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checklist = checklist_for(uploaded)
        field = self.fields["checked"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = self.checklist
        field.help_text = "Compare the file with the keyed data, item by item."

    def clean_checked(self) -> list[str]:
        checked: list[str] = self.cleaned_data["checked"]
        if len(set(checked)) != len(self.checklist):
            raise forms.ValidationError(
                "Check every item on the list before recording the form. If one does not "
                "hold, reject the form instead."
            )
        return checked


class NoteField(forms.CharField):
    """Text of several lines: each line through the site's text check (no invisible or control
    characters, nothing unreadable), the line breaks kept as the clerk typed them."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["strip"] = False
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value) or ""
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        for line in lines:
            refusal = text_refusal(line)
            if refusal is not None:
                raise forms.ValidationError(refusal)
        return "\n".join(line.rstrip() for line in lines).strip()


class RejectForm(forms.Form):
    reasons = forms.MultipleChoiceField(
        label="Reasons for rejecting the form",
        choices=RejectionReason.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose every reason that applies. The representatives get them in a letter.",
        error_messages={
            "required": "Choose at least one reason for rejecting the form.",
            "invalid_choice": "Choose the reasons from the list.",
        },
    )
    note = NoteField(
        label="Note to the representatives (optional)",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"It goes in the letter as you write it. At most {NOTE_MAX_LENGTH} characters.",
        error_messages={
            "max_length": f"Write the note in at most {NOTE_MAX_LENGTH} characters.",
        },
    )
