from __future__ import annotations

from typing import Any

from allauth.account.forms import LoginForm, SignupForm
from allauth.core import context
from django import forms

from taxpro.models import UserKind

SIGNUP_KINDS = [
    (
        UserKind.PRACTITIONER.value,
        "I am a tax professional (attorney, CPA, enrolled agent or other)",
    ),
    (UserKind.TAXPAYER.value, "I am a taxpayer"),
]


class PortalSignupForm(SignupForm):
    kind = forms.ChoiceField(
        label="Who is this account for?",
        choices=SIGNUP_KINDS,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who this account is for."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            # /pro/signup/ and /account/signup/ arrive with ?kind=...: preselect that answer.
            request = getattr(context, "request", None)
            kind = request.GET.get("kind") if request is not None else None
            if kind in dict(SIGNUP_KINDS):
                self.initial["kind"] = kind
        # Reorder so the question about the kind of account comes first.
        self.order_fields(["kind", "email", "password1", "password2"])


class PortalLoginForm(LoginForm):
    """allauth's sign-in form, with the "Forgot your password?" link moved out of the password's
    hint: there it sat between the two inputs, so typing the e-mail address, Tab and Enter
    opened the reset page. The sign-in page offers the link after the button instead."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = ""
