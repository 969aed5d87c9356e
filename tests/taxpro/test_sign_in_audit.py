"""Issue 10, items 8 and 14: sign-ins, failures, lockouts, second-factor use and failures and
step-ups are audit events (R44) staff can search, and none holds a password, code or secret."""

from __future__ import annotations

import json
import logging

import pytest
from allauth.account import app_settings as account_settings
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from taxpro.mfa_secrets import mfa_secret_decrypt
from taxpro.models import AuditEvent, User
from taxpro.sign_in_audit import typed_login
from tests.factories import PASSWORD, PractitionerFactory, UserFactory, current_totp_code

pytestmark = pytest.mark.django_db

WRONG_PASSWORD = "not-the-password-at-all"


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def trail_text() -> str:
    """Every audit event as staff (or a dump) would read it."""
    return json.dumps(
        list(AuditEvent.objects.values("action", "actor_label", "object_id", "before", "after")),
        default=str,
    )


def wrong_code(secret: str) -> str:
    return f"{(int(current_totp_code(secret)) + 1) % 1_000_000:06d}"


def totp_secret(user: User) -> str:
    stored = Authenticator.objects.get(user=user, type="totp").data["secret"]
    return mfa_secret_decrypt(stored)


def password_step(client: Client, email: str, password: str = PASSWORD) -> object:
    return client.post("/auth/login/", {"login": email, "password": password})


def test_a_sign_in_with_password_and_totp_is_recorded_without_the_code(
    client: Client, practitioner_user: User
) -> None:
    password_step(client, practitioner_user.email)
    code = current_totp_code(practitioner_user.totp_secret)
    response = client.post("/auth/2fa/authenticate/", {"code": code})
    assert response["Location"] == "/pro/"
    assert actions() == ["auth.second_factor.used", "auth.sign_in.succeeded"]
    (signed_in,) = events("auth.sign_in.succeeded")
    assert signed_in.actor == practitioner_user
    assert signed_in.object_id == str(practitioner_user.pk)
    assert signed_in.after["methods"] == ["password", "totp"]
    assert signed_in.after["ip"] == "127.0.0.1"
    assert events("auth.second_factor.used")[0].after["type"] == "totp"
    text = trail_text()
    assert code not in text and PASSWORD not in text
    assert practitioner_user.totp_secret not in text


def test_a_taxpayer_sign_in_and_sign_out_are_recorded(client: Client, taxpayer_user: User) -> None:
    password_step(client, taxpayer_user.email)
    client.post("/auth/logout/")
    assert actions() == ["auth.sign_in.succeeded", "auth.sign_out"]
    assert events("auth.sign_in.succeeded")[0].after["methods"] == ["password"]
    assert events("auth.sign_out")[0].actor == taxpayer_user


def test_a_wrong_password_is_recorded_against_the_account_without_the_password(
    client: Client, taxpayer_user: User, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="taxpro.sign_in")
    response = password_step(client, taxpayer_user.email.upper(), WRONG_PASSWORD)
    assert response.status_code == 200
    (failed,) = events("auth.sign_in.failed")
    assert failed.object_type == "taxpro.user"
    assert failed.object_id == str(taxpayer_user.pk)
    assert failed.actor is None and failed.actor_label == "sign-in attempt"
    assert failed.after["email"] == taxpayer_user.email.lower()
    assert WRONG_PASSWORD not in trail_text()
    # Logged too, by account id and address; no e-mail address or password in the log.
    assert f"auth.sign_in.failed user={taxpayer_user.pk} ip=127.0.0.1" in caplog.text
    assert WRONG_PASSWORD not in caplog.text and "@" not in caplog.text


def test_an_unknown_email_address_is_recorded_with_no_account(client: Client) -> None:
    password_step(client, "nobody@example.test", WRONG_PASSWORD)
    (failed,) = events("auth.sign_in.failed")
    assert failed.object_id == "" and failed.after["email"] == "nobody@example.test"


def test_a_password_typed_into_the_login_box_is_never_recorded(client: Client) -> None:
    # The sign-in form refuses a login that is not an e-mail address before any check, and the
    # audit keeps a typed login only when it is one.
    password_step(client, "Tr0ub4dor&3-secret", WRONG_PASSWORD)
    assert "Tr0ub4dor" not in trail_text()
    assert typed_login("Tr0ub4dor&3-secret") == "(not an e-mail address)"
    assert typed_login(" Someone@Example.TEST ") == "someone@example.test"


def test_failed_attempts_are_rate_limited_per_account_and_per_address() -> None:
    # Issue 10, item 8: allauth's limit on failed attempts (passwords and second-factor codes
    # alike) is on; an empty or missing ACCOUNT_RATE_LIMITS entry would turn it off silently.
    rates = account_settings.RATE_LIMITS["login_failed"]
    assert rates and "/key" in rates and "/ip" in rates


def test_five_wrong_passwords_lock_the_account_and_the_lockout_is_recorded(
    client: Client, taxpayer_user: User
) -> None:
    for _ in range(5):
        password_step(client, taxpayer_user.email, WRONG_PASSWORD)
    assert actions() == ["auth.sign_in.failed"] * 5 + ["auth.sign_in.locked_out"]
    (locked,) = events("auth.sign_in.locked_out")
    assert locked.object_id == str(taxpayer_user.pk)
    # Locked: even the right password is refused now, before it is checked.
    response = password_step(client, taxpayer_user.email)
    assert response.status_code == 200
    assert "Too many failed" in response.content.decode()
    assert client.get("/account/").status_code == 302
    assert "auth.sign_in.succeeded" not in actions()


def test_wrong_second_factor_codes_are_recorded_then_locked(
    client: Client, practitioner_user: User
) -> None:
    password_step(client, practitioner_user.email)
    secret = practitioner_user.totp_secret
    tried = [wrong_code(secret)]
    for _ in range(5):
        client.post("/auth/2fa/authenticate/", {"code": tried[0]})
    failed = events("auth.second_factor.failed")
    assert len(failed) == 5
    assert failed[0].object_id == str(practitioner_user.pk)
    assert failed[0].after["type"] == "totp"
    (locked,) = events("auth.second_factor.locked_out")
    assert locked.after["email"] == practitioner_user.email.lower()
    # Locked: the right code is refused too, and nothing signs in.
    response = client.post("/auth/2fa/authenticate/", {"code": current_totp_code(secret)})
    assert response.status_code == 200
    assert client.get("/pro/").status_code == 302
    assert "auth.sign_in.succeeded" not in actions()
    assert tried[0] not in trail_text()


def test_a_step_up_with_the_password_is_recorded_and_so_is_a_failed_one(
    client: Client, taxpayer_user: User
) -> None:
    password_step(client, taxpayer_user.email)
    client.post(reverse("account_reauthenticate"), {"password": WRONG_PASSWORD})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    (failed,) = events("auth.step_up.failed")
    (succeeded,) = events("auth.step_up.succeeded")
    assert failed.actor == taxpayer_user and failed.after["method"] == "password"
    assert succeeded.actor == taxpayer_user and succeeded.after["method"] == "password"
    assert "auth.sign_in.failed" not in actions()
    assert WRONG_PASSWORD not in trail_text()


def test_a_step_up_with_the_second_factor_is_recorded_and_so_is_a_failed_one(
    signed_in, practitioner_user: User
) -> None:
    client = signed_in(practitioner_user)
    secret = totp_secret(practitioner_user)
    client.post(reverse("mfa_reauthenticate"), {"code": wrong_code(secret)})
    client.post(reverse("mfa_reauthenticate"), {"code": current_totp_code(secret)})
    (failed,) = events("auth.step_up.failed")
    (succeeded,) = events("auth.step_up.succeeded")
    assert failed.after["method"] == "mfa" and failed.after["type"] == "totp"
    assert succeeded.after["method"] == "mfa" and succeeded.after["type"] == "totp"
    assert "auth.second_factor.used" not in actions()
    assert "auth.second_factor.failed" not in actions()


def test_staff_filter_the_audit_trail_to_sign_in_events_and_search_by_email(
    superuser_client: Client,
) -> None:
    someone = UserFactory(email="findme@example.test")
    other = PractitionerFactory(email="other@example.test")
    for user in (someone, other):
        Client().post("/auth/login/", {"login": user.email, "password": WRONG_PASSWORD})
    url = reverse("admin:taxpro_auditevent_changelist")

    page = superuser_client.get(url, {"sign_in": "auth.sign_in.failed"}).content.decode()
    assert page.count("auth.sign_in.failed") >= 2
    assert "auth.sign_in.succeeded" not in page.split("</form>")[-1]

    page = superuser_client.get(url, {"q": "findme@example.test"}).content.decode()
    assert "findme@example.test" in page
    assert "other@example.test" not in page
    # The filter lists every kind of sign-in event in words.
    assert "Second factor locked after too many failures" in page
