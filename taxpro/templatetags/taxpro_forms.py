"""How a field's error is said, in the field's own words: Django's bare "This field is required."
names no field, which an error summary must (the summary links to the field but a screen-reader
list of errors is read without it)."""

from __future__ import annotations

from django import template
from django.forms import BoundField

register = template.Library()

REQUIRED = "This field is required."
TYPED = {"text", "email", "password", "number", "url", "tel", "textarea", "date", "time", "search"}
CHOSEN_ONE = {"select", "radioselect", "nullbooleanselect"}
CHOSEN_MANY = {"checkboxselectmultiple", "selectmultiple"}
# Labels that begin with a name, not a common word: their first letter keeps its case.
PROPER_STARTS = ("Social Security", "Form ", "Publication ", "Puerto Rico", "Eastern Time")


def label_in_sentence(label: str) -> str:
    """ "Legal name" -> "legal name"; "ZIP code", "SSN or ITIN", "Social Security number" keep
    their capitals: acronyms and names are not lower-cased mid-sentence."""
    label = label.strip().rstrip(":")
    first_word = label.split(" ", 1)[0]
    if not label or first_word.isupper() or label.startswith(PROPER_STARTS):
        return label
    if len(first_word) > 1 and any(ch.isupper() for ch in first_word[1:]):
        return label  # "eFile", "McDonald": mixed case is a name
    second_word = label.split()[1] if " " in label else ""
    if second_word[:1].isupper() and not second_word.isupper():
        return label  # "Income Tax (Form 1040)", "Civil Penalty": a tax matter's name
    return label[0].lower() + label[1:]


# ``{{ label|in_sentence }}``: a label inside a sentence ("Change your CAF number").
register.filter("in_sentence", label_in_sentence)


@register.filter
def error_message(field: BoundField, error: str) -> str:
    """The message for ``error`` on ``field``, naming the field when Django's would not."""
    if str(error) != REQUIRED:
        return str(error)
    label = str(field.label or "").strip()
    if not label:
        return str(error)
    kind = field.widget_type
    if kind in TYPED:
        return f"Enter {label_in_sentence(label)}."
    if label.endswith("?"):
        return f"Answer the question: {label}"
    if kind in CHOSEN_ONE:
        return f"Choose {label_in_sentence(label)}."
    if kind in CHOSEN_MANY:
        return f"Choose at least one: {label_in_sentence(label)}."
    if kind == "checkbox":
        return f"Check the box to continue: {label}"
    return f"Give {label_in_sentence(label)}."
