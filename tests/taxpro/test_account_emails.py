"""The e-mails allauth sends on our behalf speak as the portal: its name, no host name, no
"user <name>" (issue 13). After confirming, the sign-in message names nobody."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client

from tests.factories import PASSWORD, UserFactory


def test_the_sign_up_confirmation_letter_names_the_portal_not_a_host_or_a_user(
    client: Client, db
) -> None:
    client.post(
        "/auth/signup/",
        {
            "kind": "taxpayer",
            "email": "dmitri@example.test",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
        },
    )
    assert len(mail.outbox) == 1
    letter = mail.outbox[0]
    assert letter.subject.startswith("[Tax Pro Portal] ")
    assert "Tax Pro Portal" in letter.body
    assert "Hello from" not in letter.body
    assert "testserver" not in letter.body.split("http")[0]  # no host name before the link
    assert "dmitri" not in letter.body.replace("dmitri@example.test", "")
    assert re.search(r"https?://\S+/auth/confirm-email/\S+", letter.body)


def test_the_password_reset_letter_names_the_portal(client: Client, db) -> None:
    user = UserFactory()
    client.post("/auth/password/reset/", {"email": user.email})
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "Tax Pro Portal" in body
    assert "Hello from" not in body
    assert "username" not in body


def test_signing_in_greets_nobody_by_name(client: Client, db) -> None:
    user = UserFactory(email="dmitri@example.test")
    response = client.post("/auth/login/", {"login": user.email, "password": PASSWORD}, follow=True)
    text = response.content.decode()
    assert "Successfully signed in as" not in text
    assert "You are signed in." in text
