"""The webhook pages' forms. The address is checked by the service (one place for its rules);
a refusal comes back as this form's error at the field."""

from __future__ import annotations

from django import forms

from authorizations.webhooks.addresses import MAX_URL_LENGTH
from authorizations.webhooks.events import WebhookEventType
from taxpro.form_fields import PlainTextField

EVENTS_HELP = (
    "Each event is sent to this address, signed, as soon as it happens. Requests closed "
    "without a status are those the taxpayer rejected or that could not be processed: you are "
    "not told which, so contact the taxpayer."
)


def _events_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label="Events to send",
        choices=WebhookEventType.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=EVENTS_HELP,
        error_messages={
            "required": "Choose at least one event to be sent.",
            "invalid_choice": "Choose the events from the list.",
        },
    )


class EndpointForm(forms.Form):
    url = forms.CharField(
        label="Endpoint address",
        max_length=MAX_URL_LENGTH,
        help_text="The https:// address of your practice software that receives the events.",
        error_messages={
            "required": "Enter the address of your endpoint.",
            "max_length": f"The address must be {MAX_URL_LENGTH} characters or fewer.",
        },
        widget=forms.TextInput(attrs={"autocomplete": "url", "spellcheck": "false"}),
    )
    description = PlainTextField(
        label="Description (optional)",
        required=False,
        max_length=100,
        help_text="A name to tell your endpoints apart, such as the software's name.",
        error_messages={"max_length": "The description must be 100 characters or fewer."},
    )
    events = _events_field()


class EventsForm(forms.Form):
    events = _events_field()
