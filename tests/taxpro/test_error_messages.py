"""A required field left empty is named in its error, in the field's own words: acronyms and names
keep their capitals, questions and choices are said as such (issue 13)."""

from __future__ import annotations

import pytest
from django import forms

from taxpro.templatetags.taxpro_forms import error_message, label_in_sentence


class Example(forms.Form):
    legal_name = forms.CharField(label="Legal name")
    tin = forms.CharField(label="SSN or ITIN")
    zip_code = forms.CharField(label="ZIP code")
    ssn = forms.CharField(label="Social Security number")
    state = forms.ChoiceField(label="State", choices=[("", "- Select -"), ("PA", "Pennsylvania")])
    kind = forms.ChoiceField(
        label="Who is this account for?", choices=[("a", "A")], widget=forms.RadioSelect
    )
    designation = forms.ChoiceField(
        label="Designation", choices=[("b", "CPA")], widget=forms.RadioSelect
    )
    declaration = forms.BooleanField(label="I declare that the answers are true")


@pytest.fixture
def form() -> Example:
    bound = Example(data={})
    assert not bound.is_valid()
    return bound


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("legal_name", "Enter legal name."),
        ("tin", "Enter SSN or ITIN."),
        ("zip_code", "Enter ZIP code."),
        ("ssn", "Enter Social Security number."),
        ("state", "Choose state."),
        ("kind", "Answer the question: Who is this account for?"),
        ("designation", "Choose designation."),
        ("declaration", "Check the box to continue: I declare that the answers are true"),
    ],
)
def test_a_required_error_names_its_field(form: Example, name: str, message: str) -> None:
    field = form[name]
    assert error_message(field, field.errors[0]) == message


def test_other_errors_are_said_as_written(form: Example) -> None:
    assert error_message(form["tin"], "Enter 9 digits.") == "Enter 9 digits."


@pytest.mark.parametrize(
    ("label", "said"),
    [
        ("City", "city"),
        ("CAF number", "CAF number"),
        ("McCarthy rule", "McCarthy rule"),
        # The check step's "Change" links name a tax matter by its title, capitals and all.
        ("Income Tax (Form 1040)", "Income Tax (Form 1040)"),
        ("Civil Penalty", "Civil Penalty"),
        ("Taxpayer's name", "taxpayer's name"),
    ],
)
def test_labels_keep_their_acronyms_and_names(label: str, said: str) -> None:
    assert label_in_sentence(label) == said


def test_labels_in_a_sentence_keep_acronyms_for_screen_readers() -> None:
    # "Change your caf number" was read out; the check step's links use this filter.
    assert label_in_sentence("Your CAF number") == "your CAF number"
    assert label_in_sentence("Social Security number or ITIN") == "Social Security number or ITIN"
