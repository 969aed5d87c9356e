"""Wrong-kind 403s, session lifetime (30 minutes idle, 12 hours in all) and no-store caching."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from taxpro import clock
from taxpro.models import User
from taxpro.session_lifetime import SESSION_LAST_SEEN_KEY, SESSION_STARTED_KEY
from tests.authorizations.conftest import make_rep, make_taxpayer, submit
from tests.factories import enrol_totp

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
