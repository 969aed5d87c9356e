"""`manage.py seed_demo`: every kind of demo user and a lived-in ledger, idempotently."""

from __future__ import annotations

import io

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command

from authorizations.clerks import CLERKS_GROUP
from authorizations.models import (
    Authorization,
    AuthorizationRequest,
    Channel,
    FormState,
    RequestState,
    UploadedForm,
)
from taxpro.demo import DEMO_USERS
from taxpro.models import User
from tests.authorizations.conftest import private_media  # noqa: F401 - a fixture

# The demo's uploaded forms are written to a private folder of the test's own.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


def counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        AuthorizationRequest.objects.count(),
        Authorization.objects.count(),
        Authenticator.objects.count(),
        UploadedForm.objects.count(),
    )


def test_seed_demo_creates_each_kind_and_a_lived_in_ledger_and_is_idempotent() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    first = counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert counts() == first
    for _who, email, kind in DEMO_USERS:
        assert User.objects.get(email=email).kind == kind
    for email in ("cpa@demo.taxpro.test", "clerk@demo.taxpro.test"):
        assert Authenticator.objects.filter(user__email=email, type="totp").exists()
    states = set(AuthorizationRequest.objects.values_list("state", flat=True))
    assert {
        RequestState.PENDING,
        RequestState.RECORDED,
        RequestState.REJECTED,
        RequestState.FAILED,
    } <= states
    assert Authorization.objects.active().exists()
    assert Authorization.objects.filter(end_reason="superseded").exists()
    assert Authorization.objects.filter(end_reason="withdrawn").exists()


def test_seed_demo_r34b_puts_the_clerk_in_the_group_and_forms_in_each_state() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    clerk = User.objects.get(email="clerk@demo.taxpro.test")
    assert clerk.groups.filter(name=CLERKS_GROUP).exists()
    assert clerk.has_perm("authorizations.process_uploadedform")
    states = sorted(UploadedForm.objects.values_list("state", flat=True))
    assert states == sorted(
        [FormState.WAITING, FormState.IN_REVIEW, FormState.RECORDED, FormState.REJECTED]
    )
    assert Authorization.objects.filter(channel=Channel.FORM).active().exists()
