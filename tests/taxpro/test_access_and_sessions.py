"""Wrong-kind 403s, session lifetime (30 minutes idle, 12 hours in all) and no-store caching."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from authorizations.models import RequestState
from authorizations.web.pro.wizard.steps import raw_answers_of
from taxpro import clock
from taxpro.models import User
from taxpro.session_lifetime import SESSION_LAST_SEEN_KEY, SESSION_STARTED_KEY
from tests.authorizations.conftest import make_rep, make_taxpayer, submit
from tests.factories import PASSWORD, current_totp_code, enrol_totp
from tests.views.wizard_support import drafting_representative, step_url, taxpayer_answers

pytestmark = pytest.mark.django_db


def test_a_taxpayer_on_the_practitioner_side_gets_a_clear_403(signed_in, taxpayer_user) -> None:
    response = signed_in(taxpayer_user).get("/pro/")
    assert response.status_code == 403
    assert "for tax professionals" in response.content.decode()
    assert "taxpayer account" in response.content.decode()


def test_a_practitioner_on_the_taxpayer_side_gets_a_clear_403(signed_in, practitioner_user) -> None:
    response = signed_in(practitioner_user).get("/account/")
    assert response.status_code == 403
    assert "taxpayers" in response.content.decode()


def test_staff_are_not_practitioners_or_taxpayers(signed_in, staff_user) -> None:
    client = signed_in(staff_user)
    assert client.get("/pro/").status_code == 403
    assert client.get("/account/").status_code == 403


def _age_session(client: Client, *, idle: dt.timedelta, total: dt.timedelta) -> None:
    """Time travel: move the session's stamps into the past instead of sleeping."""
    session = client.session
    now = clock.now().timestamp()
    session[SESSION_STARTED_KEY] = now - total.total_seconds()
    session[SESSION_LAST_SEEN_KEY] = now - idle.total_seconds()
    session.save()


def test_a_session_idle_for_29_minutes_is_still_signed_in(signed_in, taxpayer_user) -> None:
    client = signed_in(taxpayer_user)
    _age_session(client, idle=dt.timedelta(minutes=29), total=dt.timedelta(hours=1))
    assert client.get("/account/").status_code == 200


def test_a_session_idle_for_30_minutes_is_signed_out(signed_in, taxpayer_user) -> None:
    client = signed_in(taxpayer_user)
    _age_session(client, idle=dt.timedelta(minutes=30), total=dt.timedelta(hours=1))
    response = client.get("/account/", follow=True)
    assert response.redirect_chain[0][0].startswith("/auth/login/")
    assert "30 minutes without activity" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_activity_keeps_a_session_alive_but_not_past_12_hours(signed_in, taxpayer_user) -> None:
    client = signed_in(taxpayer_user)
    _age_session(client, idle=dt.timedelta(minutes=1), total=dt.timedelta(hours=11, minutes=59))
    assert client.get("/account/").status_code == 200
    _age_session(client, idle=dt.timedelta(minutes=1), total=dt.timedelta(hours=12))
    response = client.get("/account/")
    assert response.status_code == 302
    assert client.get("/account/").status_code == 302


def test_an_expired_session_under_htmx_redirects_the_whole_page(signed_in, taxpayer_user) -> None:
    client = signed_in(taxpayer_user)
    _age_session(client, idle=dt.timedelta(hours=1), total=dt.timedelta(hours=1))
    response = client.get("/account/", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/auth/login/"


def test_signed_in_pages_are_never_stored(signed_in, taxpayer_user: User) -> None:
    response = signed_in(taxpayer_user).get("/account/")
    assert "no-store" in response["Cache-Control"]


def test_a_forged_host_header_is_refused(client: Client) -> None:
    response = client.get("/", headers={"host": "evil.example.com"})
    assert response.status_code == 400


def test_the_front_door_and_accessibility_guide_need_no_sign_in(client: Client) -> None:
    assert client.get("/").status_code == 200
    assert client.get("/accessibility/").status_code == 200


def test_wrong_methods_are_refused_not_crashed(client: Client) -> None:
    assert client.post("/").status_code == 405
    assert client.delete("/healthz").status_code == 405


def test_unknown_pages_get_the_404_page(client: Client) -> None:
    response = client.get("/no/such/page/")
    assert response.status_code == 404


def test_r9_both_homes_say_addresses_cannot_be_changed_here(
    signed_in, practitioner_user, taxpayer_user
) -> None:
    page = signed_in(practitioner_user).get("/pro/").content.decode()
    assert "CAF address of record cannot be changed in this portal" in page
    page = signed_in(taxpayer_user).get("/account/").content.decode()
    assert "address of record cannot be changed in this portal" in page


def test_the_practitioner_home_shows_real_requests(signed_in, db) -> None:

    rep = make_rep(code="b")
    enrol_totp(rep.user)
    taxpayer = make_taxpayer()
    submit(rep, taxpayer)
    page = signed_in(rep.user).get("/pro/").content.decode()
    assert taxpayer.name in page
    assert "Pending with the taxpayer" in page
    assert rep.caf_record.caf_number_display in page
    page = signed_in(taxpayer.user).get("/account/").content.decode()
    assert rep.caf_record.name in page


# --- A POST after the timeout (issue 10): nothing typed is lost --------------------------------


def _sign_in_again(client: Client, location: str, user: User, *, totp_secret: str = "") -> str:
    """Sign in through the pages from where the timeout sent the user; where do they land?"""
    assert location.startswith("/auth/login/?next=")
    page = client.get(location)
    assert page.status_code == 200
    response = client.post(location, {"login": user.email, "password": PASSWORD})
    if totp_secret:
        assert response["Location"] == "/auth/2fa/authenticate/"
        code = current_totp_code(totp_secret)
        response = client.post("/auth/2fa/authenticate/", {"code": code})
    assert response.status_code == 302
    return response["Location"]


def test_a_wizard_step_sent_after_the_idle_timeout_keeps_its_answers_in_the_draft(
    client: Client,
) -> None:
    rep, draft = drafting_representative(client)
    taxpayer = make_taxpayer()
    _age_session(client, idle=dt.timedelta(minutes=31), total=dt.timedelta(hours=1))
    answers = taxpayer_answers(taxpayer, city="Port\x00land")  # a NUL is dropped, not a 500
    response = client.post(step_url(draft, "taxpayer"), answers)
    step = step_url(draft, "taxpayer")
    assert response.status_code == 302
    assert response["Location"] == f"/auth/login/?next={step}"
    draft.refresh_from_db()
    kept = raw_answers_of(draft, "taxpayer") or {}  # kept as typed, judged when sent again
    assert kept["name"] == taxpayer.name and kept["city"] == "Portland"
    assert draft.taxpayer_tin_ciphertext  # the TIN is kept encrypted, never in the answers
    assert taxpayer.tin_reveal() not in str(draft.data)
    # The sign-in page says why, and that the answers were kept.
    login = client.get(response["Location"]).content.decode()
    assert "30 minutes without activity" in login and "What you entered was kept" in login
    # After the password and the second factor, the practitioner is back on the step.
    landed = _sign_in_again(
        client, response["Location"], rep.user, totp_secret=rep.user.totp_secret
    )
    assert landed == step
    page = client.get(landed).content.decode()
    assert f'value="{taxpayer.name}"' in page
    assert taxpayer.tin_reveal() not in page


def test_any_post_after_the_timeout_is_not_carried_out_and_sign_in_returns_to_the_page(
    client: Client,
) -> None:
    rep, taxpayer = make_rep(), make_taxpayer()
    req = submit(rep, taxpayer)
    client.force_login(taxpayer.user)
    _age_session(client, idle=dt.timedelta(minutes=30), total=dt.timedelta(hours=1))
    page = reverse("authorizations_account:reject", args=[req.public_id])
    response = client.post(page)
    req.refresh_from_db()
    assert req.state == RequestState.PENDING
    login = client.get(response["Location"]).content.decode()
    assert "What you sent was not carried out" in login
    assert _sign_in_again(client, response["Location"], taxpayer.user) == page
    assert client.get(page).status_code == 200


def test_a_forged_post_after_the_timeout_keeps_nothing() -> None:
    client = Client(enforce_csrf_checks=True)
    _rep, draft = drafting_representative(client)
    _age_session(client, idle=dt.timedelta(minutes=31), total=dt.timedelta(hours=1))
    response = client.post(step_url(draft, "taxpayer"), taxpayer_answers(make_taxpayer()))
    assert response.status_code == 302 and response["Location"].startswith("/auth/login/")
    draft.refresh_from_db()
    assert draft.data == {} and not draft.taxpayer_tin_ciphertext


def test_a_sign_out_sent_after_the_timeout_does_not_return_to_the_sign_out_page(
    signed_in, taxpayer_user
) -> None:
    client = signed_in(taxpayer_user)
    _age_session(client, idle=dt.timedelta(minutes=30), total=dt.timedelta(hours=1))
    response = client.post("/auth/logout/")
    assert response.status_code == 302 and response["Location"] == "/auth/login/"
