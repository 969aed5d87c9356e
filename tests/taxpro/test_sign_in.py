"""Signing in, for each kind of user, and the second factor that practitioners and staff need."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client

from taxpro.models import User, UserKind
from tests.factories import PASSWORD, StaffFactory, current_totp_code

pytestmark = pytest.mark.django_db


def sign_in(client: Client, user: User) -> object:
    return client.post("/auth/login/", {"login": user.email, "password": PASSWORD})


def test_taxpayer_signs_in_with_email_and_password_and_lands_on_their_account(
    client: Client, taxpayer_user: User
) -> None:
    response = sign_in(client, taxpayer_user)
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert client.get("/account/").status_code == 200


def test_practitioner_signs_in_with_password_then_second_factor(
    client: Client, practitioner_user: User
) -> None:
    response = sign_in(client, practitioner_user)
    assert response["Location"] == "/auth/2fa/authenticate/"
    # Not signed in yet: the data pages still send them to sign in.
    assert client.get("/pro/").status_code == 302
    response = client.post(
        "/auth/2fa/authenticate/", {"code": current_totp_code(practitioner_user.totp_secret)}
    )
    assert response["Location"] == "/pro/"
    assert client.get("/pro/").status_code == 200


def test_a_wrong_second_factor_code_does_not_sign_in(
    client: Client, practitioner_user: User
) -> None:
    sign_in(client, practitioner_user)
    good = current_totp_code(practitioner_user.totp_secret)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    response = client.post("/auth/2fa/authenticate/", {"code": wrong})
    assert response.status_code == 200
    assert client.get("/pro/").status_code == 302


def test_staff_sign_in_with_second_factor_and_reach_the_admin(
    client: Client, staff_user: User
) -> None:
    sign_in(client, staff_user)
    response = client.post(
        "/auth/2fa/authenticate/", {"code": current_totp_code(staff_user.totp_secret)}
    )
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_sign_up_chooses_the_kind_and_requires_a_verified_email(client: Client) -> None:
    response = client.get("/pro/signup/")
    assert response["Location"] == "/auth/signup/?kind=practitioner"
    response = client.post(
        "/auth/signup/",
        {
            "kind": "practitioner",
            "email": "new.cpa@example.test",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.cpa@example.test")
    assert user.kind == UserKind.PRACTITIONER
    assert not user.is_staff
    # Mandatory verification: a letter with a link, and no session until it is followed.
    assert len(mail.outbox) == 1
    assert client.get("/pro/").status_code == 302
    link = re.search(r"https?://[^\s]+/auth/confirm-email/[^\s]+", mail.outbox[0].body)
    assert link is not None


def test_sign_up_refuses_a_missing_kind_and_staff_cannot_be_chosen(client: Client) -> None:
    for kind in ("", "staff"):
        response = client.post(
            "/auth/signup/",
            {
                "kind": kind,
                "email": "someone@example.test",
                "password1": "a-long-and-unusual-passphrase",
                "password2": "a-long-and-unusual-passphrase",
            },
        )
        assert response.status_code == 200
        assert not User.objects.filter(email="someone@example.test").exists()


def test_signing_in_issues_a_new_session_key(client: Client, taxpayer_user: User) -> None:
    client.get("/auth/login/")
    before = client.session.session_key
    sign_in(client, taxpayer_user)
    assert client.session.session_key != before


def test_practitioner_without_second_factor_is_sent_to_enrol_before_any_data(
    client: Client, practitioner_without_mfa: User
) -> None:
    response = sign_in(client, practitioner_without_mfa)
    # Password alone signs them in, but every data page sends them to set up a second factor.
    assert client.get("/pro/")["Location"] == "/auth/2fa/"
    assert client.get("/auth/2fa/").status_code == 200
    assert response.status_code == 302


def test_staff_without_second_factor_cannot_reach_the_admin(client: Client, db) -> None:

    clerk = StaffFactory()
    sign_in(client, clerk)
    assert client.get("/admin/")["Location"] == "/auth/2fa/"
    assert not Authenticator.objects.filter(user=clerk).exists()


def test_the_admin_sign_in_goes_through_the_portal_sign_in(client: Client) -> None:
    response = client.get("/admin/")
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/login/")


def test_a_practitioner_can_never_be_staff(db) -> None:

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="x@example.test", kind=UserKind.PRACTITIONER, is_staff=True)


def test_the_side_you_sign_up_from_is_preselected(client: Client) -> None:
    page = client.get("/auth/signup/?kind=taxpayer").content.decode()
    assert re.search(r'value="taxpayer"[^>]*\bchecked\b', page)
    assert not re.search(r'value="practitioner"[^>]*\bchecked\b', page)
    page = client.get("/auth/signup/?kind=staff").content.decode()
    assert not re.search(r"\bchecked\b", page)
