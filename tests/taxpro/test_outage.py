"""A database that does not answer: a friendly 503 page from every page, never a 500.

The database here is really unreachable: this process's connection is pointed at a loopback
port nobody listens on, so every query fails as it does while PostgreSQL restarts. The fault
test with a real restart under load is tests/authorizations/test_faults_postgres.py.
"""

from __future__ import annotations

import contextlib

import pytest
from django.db import DatabaseError, InterfaceError, OperationalError
from django.test import Client

from taxpro.outage import is_database_outage
from tests.authorizations.fault_support import django_connection_to, free_port

OUTAGE_HEADING = "Sorry, the service is unavailable right now"


def database_unreachable() -> contextlib.AbstractContextManager[None]:
    return django_connection_to("127.0.0.1", str(free_port()))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/", "/account/", "/pro/", "/auth/login/", "/accessibility/"])
def test_every_page_is_a_friendly_503_while_the_database_is_unreachable(
    path: str, taxpayer_user
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(taxpayer_user)
    with database_unreachable():
        response = client.get(path)
        posted = client.post(path, {"anything": "typed"})
    for answer in (response, posted):
        body = answer.content.decode()
        assert answer.status_code == 503
        assert OUTAGE_HEADING in body
        assert "Traceback" not in body and "typed" not in body
        assert answer["Retry-After"] == "30"
        assert "no-store" in answer["Cache-Control"]


@pytest.mark.django_db(transaction=True)
def test_the_portal_answers_again_once_the_database_is_back(taxpayer_user) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(taxpayer_user)
    with database_unreachable():
        assert client.get("/account/").status_code == 503
    assert client.get("/account/").status_code == 200


def test_an_outage_is_recognised_through_the_exceptions_it_caused() -> None:
    try:
        try:
            raise OperationalError("the database system is starting up")
        except OperationalError as exc:
            raise RuntimeError("while rendering") from exc
    except RuntimeError as outer:
        assert is_database_outage(outer)
    assert is_database_outage(InterfaceError("connection already closed"))
    assert not is_database_outage(DatabaseError("a constraint"))
    assert not is_database_outage(ValueError("a bug"))
    assert not is_database_outage(None)
