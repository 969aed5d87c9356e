"""OAuth 2.0 for practice software (issue 14): authorization code with PKCE, consent behind the
second factor and a step-up, tokens hashed at rest, listed and revoked on the profile's
software page; every grant, use and revocation audited (R4, R44, R45)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from oauth2_provider.models import AccessToken, Application, RefreshToken

from taxpro import clock
from taxpro.models import AuditEvent, MaintenanceWindow
from tests.api.support import REDIRECT_URI, call, software, token_for
from tests.authorizations.conftest import make_rep, make_taxpayer
from tests.factories import enrol_totp
from tests.page_text import visible_text
from tests.views.decisions_support import step_up

pytestmark = pytest.mark.django_db

RULE_ID = re.compile(r"\bR\d{1,2}[a-z]?\b")


@pytest.fixture
def cpa():
    rep = make_rep(code="b")
    enrol_totp(rep.user)
    return rep


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _authorize_url(app: Application, challenge: str | None, scope: str = "requests:read") -> str:
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": "state-123",
    }
    if challenge:
        query |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    return f"/oauth/authorize/?{urlencode(query)}"


def _consent(browser: Client, app: Application, challenge: str, *, allow: bool, scope: str):
    url = _authorize_url(app, challenge, scope)
    page = browser.get(url)
    assert page.status_code == 200, page.status_code
    form = {
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "client_id": app.client_id,
        "state": "state-123",
        "response_type": "code",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    if allow:
        form["allow"] = "on"
    return browser.post(url, form)


def _code_from(response) -> str:
    assert response.status_code == 302, response.status_code
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    query = parse_qs(location.query)
    assert query["state"] == ["state-123"]
    return query["code"][0]


def _exchange(code: str, verifier: str, app: Application):
    return Client().post(
        "/oauth/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": app.client_id,
            "code_verifier": verifier,
        },
    )


def test_r4_the_oauth_dance_with_pkce_gives_software_a_token_for_the_consenting_practitioner(
    client: Client, cpa
) -> None:
    client.force_login(cpa.user)
    # The practitioner registers their software on the profile's software page.
    registered = client.post(
        "/pro/profile/software/", {"name": "Ledger Desk", "redirect_uri": REDIRECT_URI}
    )
    assert registered.status_code == 302
    app = Application.objects.get(name="Ledger Desk")
    assert app.user == cpa.user and app.client_type == Application.CLIENT_PUBLIC
    assert AuditEvent.objects.filter(action="api.application_registered").count() == 1

    verifier, challenge = _pkce()
    # The consent page waits for the practitioner to prove it is them again (step-up).
    first = client.get(_authorize_url(app, challenge))
    assert first.status_code == 302 and "/reauthenticate/" in first["Location"]
    step_up(client, cpa.user)
    page = client.get(_authorize_url(app, challenge, "requests:read requests:write"))
    text = visible_text(page.content.decode())
    assert "Allow Ledger Desk to act for you?" in text
    assert "Send requests to taxpayers and cancel pending ones" in text
    assert not RULE_ID.search(text)
    # The answer redirects to the software: the page's form-action allows its origin only.
    assert "form-action 'self' https://software.example;" in page["Content-Security-Policy"]

    scope = "requests:read requests:write"
    code = _code_from(_consent(client, app, challenge, allow=True, scope=scope))
    assert AuditEvent.objects.filter(action="api.grant_consented", actor=cpa.user).count() == 1

    wrong = _exchange(code, "x" * 50, app)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"

    # A new code, the right verifier: the software gets its tokens.
    code = _code_from(_consent(client, app, challenge, allow=True, scope=scope))
    tokens = _exchange(code, verifier, app)
    assert tokens.status_code == 200, tokens.content
    issued = tokens.json()
    assert issued["token_type"] == "Bearer" and issued["expires_in"] <= 900
    assert set(issued["scope"].split()) == {"requests:read", "requests:write"}
    # Tokens are kept at rest as their checksum only.
    stored = AccessToken.objects.get(user=cpa.user)
    assert stored.token == "" and issued["access_token"] not in str(stored.__dict__)
    assert RefreshToken.objects.get(user=cpa.user).token == ""
    issued_events = AuditEvent.objects.filter(action="api.token_issued", actor=cpa.user)
    assert issued_events.get().after["grant_type"] == "authorization_code"

    api = Client()
    listed = call(api, "get", "/api/v1/requests", token=issued["access_token"])
    assert listed.status_code == 200 and listed.json() == {"items": [], "next": None}
    used = AuditEvent.objects.filter(action="api.token_used", actor=cpa.user)
    call(api, "get", "/api/v1/requests", token=issued["access_token"])
    assert used.count() == 1  # the first use of the day

    # The refresh token is rotated: the old one is refused afterwards.
    refreshed = Client().post(
        "/oauth/token/",
        {
            "grant_type": "refresh_token",
            "refresh_token": issued["refresh_token"],
            "client_id": app.client_id,
        },
    )
    assert (
        refreshed.status_code == 200
        and refreshed.json()["refresh_token"] != issued["refresh_token"]
    )
    again_token = refreshed.json()["access_token"]
    again = call(api, "get", "/api/v1/requests", token=again_token)
    assert again.status_code == 200
    reused = Client().post(
        "/oauth/token/",
        {
            "grant_type": "refresh_token",
            "refresh_token": issued["refresh_token"],
            "client_id": app.client_id,
        },
    )
    assert reused.status_code == 400
    assert issued_events.count() == 2  # the code's and the refresh's
    # A refresh token used twice means it leaked: its whole family ends (reuse protection).
    assert call(api, "get", "/api/v1/requests", token=again_token).status_code == 401


def test_r44_software_giving_a_token_back_ends_it_and_is_audited(cpa) -> None:
    app = software()
    token = token_for(cpa.user, application=app)
    given_back = Client().post("/oauth/revoke_token/", {"token": token, "client_id": app.client_id})
    assert given_back.status_code == 200
    assert call(Client(), "get", "/api/v1/requests", token=token).status_code == 401
    assert AuditEvent.objects.filter(action="api.token_revoked", actor=cpa.user).count() == 1


def test_an_authorization_request_without_pkce_is_refused(client: Client, cpa) -> None:
    app = software()
    client.force_login(cpa.user)
    step_up(client, cpa.user)
    response = client.get(_authorize_url(app, None))
    # Sent back to the software with the error, or shown on the page: never a consent form.
    if response.status_code == 302:
        assert "error=invalid_request" in response["Location"]
    else:
        assert b"Allow " not in response.content
    assert not AccessToken.objects.exists()


def test_the_implicit_and_password_grants_are_refused(client: Client, cpa) -> None:
    app = software()
    client.force_login(cpa.user)
    step_up(client, cpa.user)
    query = urlencode(
        {"response_type": "token", "client_id": app.client_id, "redirect_uri": REDIRECT_URI}
    )
    implicit = client.get(f"/oauth/authorize/?{query}")
    assert implicit.status_code in (200, 302, 400)
    assert "access_token" not in implicit.get("Location", "")
    password = Client().post(
        "/oauth/token/",
        {
            "grant_type": "password",
            "username": cpa.user.email,
            "password": "x",
            "client_id": app.client_id,
        },
    )
    assert password.status_code in (400, 401)
    assert not AccessToken.objects.exists()


def test_declining_gives_the_software_no_code(client: Client, cpa) -> None:
    app = software()
    client.force_login(cpa.user)
    step_up(client, cpa.user)
    _verifier, challenge = _pkce()
    response = _consent(client, app, challenge, allow=False, scope="requests:read")
    assert response.status_code == 302 and "error=access_denied" in response["Location"]
    assert "code=" not in response["Location"]
    assert not AuditEvent.objects.filter(action="api.grant_consented").exists()


def test_only_a_signed_in_practitioner_sees_the_consent_page(client: Client) -> None:
    app = software()
    _verifier, challenge = _pkce()
    anonymous = client.get(_authorize_url(app, challenge))
    assert anonymous.status_code == 302 and "/auth/login/" in anonymous["Location"]
    taxpayer = make_taxpayer()
    client.force_login(taxpayer.user)
    assert client.get(_authorize_url(app, challenge)).status_code == 403


def test_r44_revoking_on_the_software_page_ends_the_tokens_and_is_audited(
    client: Client, cpa
) -> None:
    app = software()
    token = token_for(cpa.user, application=app)
    client.force_login(cpa.user)
    page = client.get("/pro/profile/software/")
    text = visible_text(page.content.decode())
    assert "Practice Suite" in text and "1 active token" in text
    # R45: another practitioner cannot revoke it; the answer is the page for nothing there.
    other = make_rep(code="b")
    enrol_totp(other.user)
    intruder = Client()
    intruder.force_login(other.user)
    assert (
        intruder.post("/pro/profile/software/revoke/", {"client_id": app.client_id}).status_code
        == 404
    )
    assert call(Client(), "get", "/api/v1/requests", token=token).status_code == 200

    response = client.post("/pro/profile/software/revoke/", {"client_id": app.client_id})
    assert response.status_code == 302
    assert call(Client(), "get", "/api/v1/requests", token=token).status_code == 401
    assert AuditEvent.objects.filter(action="api.access_revoked", actor=cpa.user).count() == 1


def test_the_software_page_refuses_an_address_that_is_not_https(client: Client, cpa) -> None:
    client.force_login(cpa.user)
    response = client.post(
        "/pro/profile/software/", {"name": "Desk", "redirect_uri": "http://software.example/"}
    )
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    assert "There is a problem" in text and "https://" in text
    assert not Application.objects.exists()
    assert client.get("/pro/profile/").content.count(b"/pro/profile/software/") >= 1


def test_r42_the_consent_page_is_closed_outside_the_hours(client: Client, cpa) -> None:
    now = clock.now()
    MaintenanceWindow.objects.create(
        starts_at=now - dt.timedelta(minutes=1), ends_at=now + dt.timedelta(hours=1), reason="x"
    )
    client.force_login(cpa.user)
    step_up(client, cpa.user)
    _verifier, challenge = _pkce()
    response = client.get(_authorize_url(software(), challenge))
    assert response.status_code == 503 and response["Retry-After"]
    assert "is closed" in visible_text(response.content.decode())


@pytest.mark.parametrize(
    "model", ["application", "accesstoken", "refreshtoken", "grant", "idtoken"]
)
def test_r44_staff_see_the_authorization_servers_rows_and_never_write_them(
    client: Client, staff_user, cpa, model: str
) -> None:
    """A token made in the admin would act for a practitioner who never consented (R4)."""
    app = software()
    token_for(cpa.user, application=app)
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    listed = client.get(reverse(f"admin:oauth2_provider_{model}_changelist"))
    assert listed.status_code == 200
    assert client.get(reverse(f"admin:oauth2_provider_{model}_add")).status_code == 403
    if model == "application":
        change = client.get(reverse("admin:oauth2_provider_application_change", args=[app.pk]))
        assert change.status_code == 200 and b'name="name"' not in change.content
        deleted = client.post(
            reverse("admin:oauth2_provider_application_delete", args=[app.pk]), {"post": "yes"}
        )
        assert deleted.status_code == 403 and Application.objects.filter(pk=app.pk).exists()


def test_the_consent_page_says_what_the_forms_and_webhooks_scopes_allow(
    client: Client, cpa
) -> None:
    """Every scope the API names is one the practitioner reads in words before allowing it."""
    client.force_login(cpa.user)
    step_up(client, cpa.user)
    app = software(owner=cpa.user)
    _verifier, challenge = _pkce()
    page = client.get(_authorize_url(app, challenge, "forms:read webhooks:manage"))
    assert page.status_code == 200
    text = visible_text(page.content.decode())
    assert "See the forms you uploaded, their place in line and why one was rejected" in text
    assert "Register, change and remove the addresses that are told of changes" in text
    assert not RULE_ID.search(text)
