"""Client information pages: the list of clients (R7), a client's information in scope only
(R32), every view logged (R33), nobody else's client by id (R45), gone once ended (R29, R30)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authorizations.models import Authorization, InformationAccess
from authorizations.services import authorization_revoke, authorization_withdraw
from taxpayers.services import TransactionLine, account_module_post
from taxpro import clock
from tests.authorizations.conftest import approve_and_record, make_taxpayer, submit
from tests.factories import UserFactory
from tests.taxpayers.factories import BusinessTaxpayerFactory, TaxpayerFactory
from tests.views.pro_support import insert_authorization, practitioner, signed_in_as

pytestmark = pytest.mark.django_db

INDEX = reverse("authorizations_pro:clients")
IN_SCOPE = ("1040", "202412")
OUT_OF_SCOPE = ("1040", "202312")


def _detail(public_id: uuid.UUID) -> str:
    return reverse("authorizations_pro:client", args=[public_id])


def _html(response) -> str:
    return response.content.decode()


def post_module(taxpayer, form: str, period: str, amount: str, description: str) -> None:
    account_module_post(
        taxpayer=taxpayer,
        form=form,
        period=period,
        transactions=[
            TransactionLine(
                posted_on=dt.date(int(period[:4]) + 1, 4, 15),
                code="150",
                description=description,
                amount=Decimal(amount),
            )
        ],
    )


@pytest.fixture
def rep():
    return practitioner()


@pytest.fixture
def client_of_rep(client: Client, rep) -> Client:
    return signed_in_as(client, rep)


@pytest.fixture
def authorized(rep):
    """A taxpayer who authorized ``rep`` for 2024 income tax, with 2023 on file too."""
    taxpayer = make_taxpayer()
    now = clock.now()
    approve_and_record(submit(rep, taxpayer, modules=[IN_SCOPE], now=now), now=now)
    post_module(taxpayer, *IN_SCOPE, "1234.56", "Tax assessed in scope")
    post_module(taxpayer, *OUT_OF_SCOPE, "999.99", "Tax assessed out of scope")
    return taxpayer


# --- Access (R45) ----------------------------------------------------------------------------


@pytest.mark.parametrize("url", [INDEX, _detail(uuid.UUID(int=1))])
def test_anonymous_is_sent_to_sign_in(client: Client, url) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("url", [INDEX, _detail(uuid.UUID(int=1))])
def test_a_taxpayer_gets_403(client: Client, url) -> None:
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403


def test_r45_another_practitioners_client_is_not_found(client: Client, authorized) -> None:
    other = practitioner()
    signed_in_as(client, other)
    assert client.get(_detail(authorized.public_id)).status_code == 404
    assert client.get(_detail(uuid.uuid4())).status_code == 404
    assert not InformationAccess.objects.exists()


def test_r45_the_owner_sees_their_client(client_of_rep: Client, authorized) -> None:
    assert client_of_rep.get(_detail(authorized.public_id)).status_code == 200


def test_only_get(client_of_rep: Client, authorized) -> None:
    assert client_of_rep.post(_detail(authorized.public_id)).status_code == 405
    assert client_of_rep.post(INDEX).status_code == 405


# --- The list (R7) ---------------------------------------------------------------------------


def test_r7_without_a_linked_caf_number_the_page_explains(client: Client) -> None:
    rep = practitioner(linked=False)
    signed_in_as(client, rep)
    html = _html(client.get(INDEX))
    assert "first link a CAF number" in html
    assert reverse("caf_pro:profile") in html


def test_empty_list_says_so(client_of_rep: Client) -> None:
    assert "You have no clients" in _html(client_of_rep.get(INDEX))


def test_r7_r43_clients_are_listed_with_masked_tins(client_of_rep: Client, rep, authorized) -> None:
    stranger = TaxpayerFactory(name="Not My Client")
    insert_authorization(practitioner(), stranger)  # on someone else's CAF number
    business = BusinessTaxpayerFactory(name="Business Client LLC")
    insert_authorization(rep, business, channel="form")
    html = _html(client_of_rep.get(INDEX))
    assert authorized.name in html
    assert authorized.tin_masked in html
    assert authorized.tin_reveal() not in html
    assert _detail(authorized.public_id) in html
    assert "Not My Client" not in html
    # R7: businesses too, whichever channel authorized them, each with its kind in words and
    # its EIN masked its own way (R43, R46).
    assert "Business Client LLC" in html
    assert '<td data-label="Individual or business">Business</td>' in html
    assert '<td data-label="Individual or business">Individual</td>' in html
    assert f"EIN {business.tin_masked}" in html
    assert business.tin_reveal() not in html
    assert business.tin_reveal().replace("-", "") not in html
    assert "Showing 1 to 2 of 2 clients." in html


def test_r7_number_of_active_authorizations_counts_active_rows_only(
    client_of_rep: Client, rep
) -> None:
    taxpayer = TaxpayerFactory(name="Counted Client")
    for year in (2021, 2022, 2023):
        insert_authorization(rep, taxpayer, period=f"{year}12")
    insert_authorization(rep, taxpayer, period="202412", kind="tia")
    ended = insert_authorization(rep, taxpayer, period="202012")
    authorization_withdraw(authorization_id=ended.pk, practitioner=rep.user)
    html = _html(client_of_rep.get(INDEX))
    assert '<td data-label="Active authorizations">4</td>' in html


def _list_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(INDEX)
    assert response.status_code == 200
    return len(queries)


def test_list_queries_are_constant_at_1_and_200_clients(client_of_rep: Client, rep) -> None:
    insert_authorization(rep, TaxpayerFactory())
    one = _list_queries(client_of_rep)
    for _ in range(199):
        insert_authorization(rep, TaxpayerFactory())
    many = _list_queries(client_of_rep)
    assert one == many
    html = _html(client_of_rep.get(INDEX))
    assert "Showing 1 to 25 of 200 clients." in html
    assert "Page 8" in html
    assert "Showing 176 to 200 of 200 clients." in _html(client_of_rep.get(INDEX + "?page=8"))
    # A page number that is not one answers the nearest page, never a 500.
    assert client_of_rep.get(INDEX + "?page=abc").status_code == 200
    assert client_of_rep.get(INDEX + "?page=99999").status_code == 200


def test_htmx_asks_for_the_list_region_only(client_of_rep: Client, authorized) -> None:
    html = _html(client_of_rep.get(INDEX, headers={"HX-Request": "true"}))
    assert html.lstrip().startswith('<div id="client-list">')
    assert "<h1>" not in html


# --- A client's information (R32, R33) -------------------------------------------------------


def test_r32_only_the_modules_in_scope_are_shown(client_of_rep: Client, authorized) -> None:
    html = _html(client_of_rep.get(_detail(authorized.public_id)))
    assert "Income Tax (Form 1040), 2024" in html
    assert "$1,234.56" in html
    assert "Tax assessed in scope" in html
    assert "Tax assessed out of scope" not in html
    assert "$999.99" not in html
    assert "2023" not in html.split("Balances and transactions")[1]
    assert authorized.tin_reveal() not in html  # R43
    assert "This view is recorded" in html


def test_r33_each_view_is_logged(client_of_rep: Client, rep, authorized) -> None:
    client_of_rep.get(_detail(authorized.public_id))
    client_of_rep.get(_detail(authorized.public_id))
    rows = list(InformationAccess.objects.all())
    assert len(rows) == 2
    assert {(r.practitioner_id, r.taxpayer_id, r.form, r.period) for r in rows} == {
        (rep.user.pk, authorized.pk, *IN_SCOPE)
    }
    assert all(r.caf_record_id == rep.caf_record.pk for r in rows)


def test_r32_scope_without_account_data_says_so(client_of_rep: Client, rep) -> None:
    taxpayer = TaxpayerFactory(name="No Data Yet")
    insert_authorization(rep, taxpayer, matter="civil_penalty", period="202403")
    html = _html(client_of_rep.get(_detail(taxpayer.public_id)))
    assert "There is no account information yet" in html
    assert "Quarter ending March 2024 (Q1)" in html  # the scope is shown
    assert not InformationAccess.objects.exists()


def test_r29_r32_gone_once_withdrawn(client_of_rep: Client, rep, authorized) -> None:
    row = Authorization.objects.active().get(taxpayer=authorized)
    authorization_withdraw(authorization_id=row.pk, practitioner=rep.user)
    assert client_of_rep.get(_detail(authorized.public_id)).status_code == 404
    assert authorized.name not in _html(client_of_rep.get(INDEX))
    assert not InformationAccess.objects.exists()


def test_r30_r32_gone_once_revoked(client_of_rep: Client, authorized) -> None:
    row = Authorization.objects.active().get(taxpayer=authorized)
    authorization_revoke(authorization_id=row.pk, taxpayer_id=authorized.pk, actor=authorized.user)
    assert client_of_rep.get(_detail(authorized.public_id)).status_code == 404
    assert not InformationAccess.objects.exists()


def test_detail_is_not_cached(client_of_rep: Client, authorized) -> None:
    response = client_of_rep.get(_detail(authorized.public_id))
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("amount", "said"),
    [
        ("1234.56", "Balance due: $1,234.56"),
        ("-310.00", "Credit (overpaid): $310.00"),
        ("0.00", "Nothing is due: the balance is $0.00"),
    ],
)
def test_a_balance_says_what_it_means_never_a_negative_amount_due(
    client: Client, amount: str, said: str
) -> None:
    rep = practitioner()
    taxpayer = make_taxpayer()
    now = clock.now()
    approve_and_record(submit(rep, taxpayer, modules=[IN_SCOPE], now=now), now=now)
    post_module(taxpayer, *IN_SCOPE, amount, "Balance line")
    html = _html(signed_in_as(client, rep).get(_detail(taxpayer.public_id)))
    assert said in html
    assert "Balance due: -" not in html
