"""The cost of being signed in (issue 12): a signed-in request reads the session and the user,
and the user's query answers the second-factor check too. The check still holds on every
request, for sessions signed in through allauth's backend and Django's alike."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from taxpro.models import User
from tests.factories import PASSWORD, current_totp_code

pytestmark = pytest.mark.django_db

PAGE = "/pro/notices/"


def _queries_of(client: Client, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return [query["sql"] for query in queries]


def _sign_in_with_both_factors(client: Client, user: User) -> None:
    client.post("/auth/login/", {"login": user.email, "password": PASSWORD})
    response = client.post("/auth/2fa/authenticate/", {"code": current_totp_code(user.totp_secret)})
    assert response.status_code == 302


def test_the_second_factor_check_costs_no_query_of_its_own(
    client: Client, practitioner_user: User
) -> None:
    _sign_in_with_both_factors(client, practitioner_user)
    client.get(PAGE)  # the session's stamps are written once
    sqls = _queries_of(client, PAGE)
    assert not [sql for sql in sqls if sql.lstrip().startswith('SELECT 1 AS "a" FROM "mfa_')]
    user_queries = [sql for sql in sqls if 'FROM "taxpro_user"' in sql]
    assert len(user_queries) == 1
    assert '"mfa_authenticator"' in user_queries[0]


@pytest.mark.parametrize("how", ["sign-in form", "force_login"])
def test_removing_the_second_factor_counts_from_the_next_request(
    client: Client, practitioner_user: User, how: str
) -> None:
    """Nothing about the second factor is kept between requests: with the authenticator gone,
    the very next data page sends the practitioner to set one up (whichever backend signed
    them in)."""
    if how == "force_login":
        client.force_login(practitioner_user)
    else:
        _sign_in_with_both_factors(client, practitioner_user)
    assert client.get(PAGE).status_code == 200
    Authenticator.objects.filter(user=practitioner_user).delete()
    assert client.get(PAGE)["Location"] == "/auth/2fa/"
