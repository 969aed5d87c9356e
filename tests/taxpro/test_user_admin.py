"""Issue 10, item 15: staff find a user, disable the account and end its sessions from the admin
(audited, R44; no password hash or secret shown); users see and end their own sessions; adding
or removing a second factor ends the user's other sessions."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from taxpro.models import AuditEvent, User
from tests.factories import (
    PASSWORD,
    PractitionerFactory,
    StaffFactory,
    UserFactory,
    current_totp_code,
    enrol_totp,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:taxpro_user_changelist"


def signed_in_browser(user: User, *, totp_secret: str | None = None) -> Client:
    """A browser of its own, signed in through the real sign-in (so it has a user session)."""
    browser = Client(HTTP_USER_AGENT="Test browser")
    response = browser.post("/auth/login/", {"login": user.email, "password": PASSWORD})
    if totp_secret is not None:
        assert response["Location"] == "/auth/2fa/authenticate/"
        cache.clear()  # the same 30-second code again, in another browser
        browser.post("/auth/2fa/authenticate/", {"code": current_totp_code(totp_secret)})
    assert browser.session.get("_auth_user_id") == str(user.pk)
    return browser


def is_signed_in(browser: Client) -> bool:
    return browser.get(reverse("usersessions_list")).status_code == 200


def run_action(client: Client, action: str, *users: User) -> str:
    response = client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [str(u.pk) for u in users]},
        follow=True,
    )
    assert response.status_code == 200
    return response.content.decode()


def test_staff_find_a_user_by_email_and_see_no_password_hash_or_secret(
    superuser_client: Client,
) -> None:
    user = PractitionerFactory(email="find.me@example.test")
    secret = enrol_totp(user)
    PractitionerFactory(email="someone.else@example.test")
    listing = superuser_client.get(reverse(CHANGELIST), {"q": "find.me"}).content.decode()
    assert "find.me@example.test" in listing
    assert "someone.else@example.test" not in listing
    detail = superuser_client.get(
        reverse("admin:taxpro_user_change", args=[user.pk])
    ).content.decode()
    assert "TOTP Authenticator" in detail
    stored = Authenticator.objects.get(user=user).data["secret"]
    for hidden in (user.password, user.password.split("$")[-1], secret, stored):
        assert hidden not in listing and hidden not in detail
    assert 'name="password"' not in detail


def test_disabling_an_account_ends_its_sessions_and_is_audited(
    superuser_client: Client, staff_user: User
) -> None:
    user = UserFactory()
    browsers = [signed_in_browser(user), signed_in_browser(user)]
    assert UserSession.objects.filter(user=user).count() == 2
    page = run_action(superuser_client, "disable_accounts", user)
    assert "1 account(s) disabled." in page
    user.refresh_from_db()
    assert not user.is_active
    assert not any(is_signed_in(browser) for browser in browsers)
    assert not UserSession.objects.filter(user=user).exists()
    disabled = AuditEvent.objects.get(action="auth.account.disabled")
    assert disabled.actor == staff_user and disabled.object_id == str(user.pk)
    ended = AuditEvent.objects.get(action="auth.sessions.ended")
    assert ended.after["sessions_ended"] == 2
    # And the account cannot sign in again.
    again = Client().post("/auth/login/", {"login": user.email, "password": PASSWORD})
    assert again["Location"] == reverse("account_inactive")


def test_ending_all_sessions_signs_the_user_out_everywhere_but_keeps_the_account(
    superuser_client: Client,
) -> None:
    user = UserFactory()
    browser = signed_in_browser(user)
    page = run_action(superuser_client, "end_sessions", user)
    assert "Sessions ended for 1 account(s)." in page
    assert not is_signed_in(browser)
    user.refresh_from_db()
    assert user.is_active
    assert AuditEvent.objects.get(action="auth.sessions.ended").after["reason"] == (
        "ended by staff"
    )
    # Signing in again works.
    assert is_signed_in(signed_in_browser(user))


def test_staff_cannot_disable_their_own_account(superuser_client: Client, staff_user: User) -> None:
    page = run_action(superuser_client, "disable_accounts", staff_user)
    assert "You cannot disable your own account." in page
    staff_user.refresh_from_db()
    assert staff_user.is_active
    assert not AuditEvent.objects.filter(action="auth.account.disabled").exists()


def test_enabling_a_disabled_account_is_audited(superuser_client: Client) -> None:
    user = UserFactory(is_active=False)
    run_action(superuser_client, "enable_accounts", user)
    user.refresh_from_db()
    assert user.is_active
    assert AuditEvent.objects.filter(action="auth.account.enabled").count() == 1


def test_a_clerk_without_the_user_permissions_cannot_see_or_act_on_users(client: Client) -> None:
    clerk = StaffFactory()
    enrol_totp(clerk)
    client.force_login(clerk)
    assert client.get(reverse(CHANGELIST)).status_code == 403
    # With only the permission to view: the list, and no actions.
    clerk.user_permissions.add(Permission.objects.get(codename="view_user"))
    user = UserFactory()
    clerk = User.objects.get(pk=clerk.pk)
    client.force_login(clerk)
    listing = client.get(reverse(CHANGELIST)).content.decode()
    assert user.email in listing
    assert "disable_accounts" not in listing
    client.post(
        reverse(CHANGELIST), {"action": "disable_accounts", "_selected_action": [str(user.pk)]}
    )
    user.refresh_from_db()
    assert user.is_active


def test_users_see_their_sessions_and_sign_out_everywhere_else(client: Client) -> None:
    user = UserFactory()
    here, there = signed_in_browser(user), signed_in_browser(user)
    page = here.get(reverse("usersessions_list")).content.decode()
    assert page.count("Test browser") == 2
    assert "This browser</span>" in page
    assert "Sign out everywhere else" in page
    here.post(reverse("usersessions_list"))
    assert is_signed_in(here)
    assert not is_signed_in(there)
    page = here.get(reverse("usersessions_list")).content.decode()
    assert "You are signed in only in this browser." in page


def test_adding_a_second_factor_ends_the_other_sessions(
    django_capture_on_commit_callbacks,
) -> None:
    user = PractitionerFactory()
    here, there = signed_in_browser(user), signed_in_browser(user)
    here.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    here.get(reverse("mfa_activate_totp"))
    pending_secret = here.session["mfa.totp.secret"]
    with django_capture_on_commit_callbacks(execute=True):
        response = here.post(
            reverse("mfa_activate_totp"), {"code": current_totp_code(pending_secret)}
        )
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    assert is_signed_in(here)
    assert not is_signed_in(there)
    assert AuditEvent.objects.filter(action="auth.second_factor.added").exists()
    ended = AuditEvent.objects.get(action="auth.sessions.ended")
    assert (
        ended.after
        == {
            "ip": "127.0.0.1",
            "sessions_ended": 1,
            "reason": "second factor added",
            "kept_current": True,
        }
        or ended.after["sessions_ended"] == 1
    )


def test_removing_a_second_factor_ends_the_other_sessions(
    django_capture_on_commit_callbacks,
) -> None:
    user = PractitionerFactory()
    secret = enrol_totp(user)
    here = signed_in_browser(user, totp_secret=secret)
    there = signed_in_browser(user, totp_secret=secret)
    here.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    with django_capture_on_commit_callbacks(execute=True):
        response = here.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=user, type="totp").exists()
    assert not is_signed_in(there)
    assert AuditEvent.objects.filter(action="auth.second_factor.removed").exists()
    assert AuditEvent.objects.get(action="auth.sessions.ended").after["sessions_ended"] == 1
