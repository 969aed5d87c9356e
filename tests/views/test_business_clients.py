"""Business taxpayers and form-channel rows wherever the practitioner sees the ledger: the
clients list and a business's information (R7, R32, R33, R45, R43/R46 for the EIN), the Active
authorizations list and its CSV file with the channel shown, and the home's count.

Form-channel rows are made by the factories as the CAF unit records them: a recorded uploaded
form, and no online request (R34b)."""

from __future__ import annotations

import csv
import io
import re
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authorizations.models import Authorization, Channel, InformationAccess
from authorizations.services import authorization_withdraw
from taxpayers.models import Letter, LetterKind
from taxpro.models import AuditEvent
from tests.authorizations.conftest import approve_and_record, submit
from tests.taxpayers.factories import BusinessTaxpayerFactory, TaxpayerFactory
from tests.views.pro_support import (
    insert_authorization,
    post_account_module,
    practitioner,
    signed_in_as,
)

pytestmark = pytest.mark.django_db

CLIENTS = reverse("authorizations_pro:clients")
LIST = reverse("authorizations_pro:authorizations")
CSV = reverse("authorizations_pro:authorizations_csv")
HOME = reverse("practitioner_home")
# Form 941 quarters the business authorized, and one it did not (R32).
Q1, Q2, Q3 = "202503", "202506", "202509"
# Form 1120 for a fiscal year ending in June (R36): one authorized, the year before not.
FY_2025, FY_2024 = "202506", "202406"


def _detail(public_id: uuid.UUID) -> str:
    return reverse("authorizations_pro:client", args=[public_id])


def _html(response) -> str:
    return response.content.decode()


@pytest.fixture
def rep():
    return practitioner()


@pytest.fixture
def client_of_rep(client: Client, rep) -> Client:
    return signed_in_as(client, rep)


@pytest.fixture
def business(rep):
    """A business that authorized ``rep`` on forms: a Form 2848 for two 941 quarters and a
    Form 8821 for the 1120 fiscal year ending June 2025; its account has more than that."""
    business = BusinessTaxpayerFactory(name="Harbor Works Inc")
    insert_authorization(rep, business, matter="941", period=Q1, channel=Channel.FORM)
    insert_authorization(rep, business, matter="941", period=Q2, channel=Channel.FORM)
    insert_authorization(
        rep, business, kind="tia", matter="1120", period=FY_2025, channel=Channel.FORM
    )
    post_account_module(business, "941", Q1, [("150", "Return filed, first quarter", "4200.00")])
    post_account_module(
        business,
        "941",
        Q2,
        [("150", "Return filed, second quarter", "3900.00"), ("670", "Payment", "-3900.00")],
    )
    post_account_module(business, "941", Q3, [("150", "Return filed, third quarter", "5100.00")])
    post_account_module(
        business, "1120", FY_2025, [("150", "Corporate return filed FY2025", "12500.00")]
    )
    post_account_module(
        business, "1120", FY_2024, [("150", "Corporate return filed FY2024", "9999.00")]
    )
    return business


# --- The clients list (R7) -------------------------------------------------------------------


def test_r7_the_clients_list_has_individuals_and_businesses_in_words(
    client_of_rep: Client, rep, business
) -> None:
    person = TaxpayerFactory(name="Ada Individual")
    approve_and_record(submit(rep, person))
    html = _html(client_of_rep.get(CLIENTS))
    assert "Showing 1 to 2 of 2 clients." in html
    # By name, whatever the kind.
    assert html.index("Ada Individual") < html.index("Harbor Works Inc")
    assert '<td data-label="Individual or business">Business</td>' in html
    assert '<td data-label="Individual or business">Individual</td>' in html
    assert '<td data-label="Active authorizations">3</td>' in html
    assert _detail(business.public_id) in html and _detail(person.public_id) in html


def test_r43_r46_a_business_is_listed_with_its_ein_masked_never_whole(
    client_of_rep: Client, business
) -> None:
    html = _html(client_of_rep.get(CLIENTS))
    assert f"EIN {business.tin_masked}" in html
    assert business.tin_masked.startswith("**-***")
    digits = business.tin_reveal().replace("-", "")
    for shape in (digits, f"{digits[:2]}-{digits[2:]}"):
        assert shape not in html


def test_r7_the_clients_list_filters_by_kind_and_name(client_of_rep: Client, rep, business) -> None:
    insert_authorization(rep, TaxpayerFactory(name="Ada Individual"))
    insert_authorization(
        rep, BusinessTaxpayerFactory(name="Second Bakery LLC"), matter="1120", channel="form"
    )
    html = _html(client_of_rep.get(CLIENTS, {"holder": "business"}))
    assert "Harbor Works Inc" in html and "Second Bakery LLC" in html
    assert "Ada Individual" not in html
    assert "Showing 1 to 2 of 2 clients that match the filters." in html
    html = _html(client_of_rep.get(CLIENTS, {"holder": "individual"}))
    assert "Ada Individual" in html and "Harbor Works Inc" not in html
    html = _html(client_of_rep.get(CLIENTS, {"name": "bakery", "holder": "business"}))
    assert "Second Bakery LLC" in html and "Harbor Works Inc" not in html
    html = _html(client_of_rep.get(CLIENTS, {"name": "nobody at all"}))
    assert "No clients match the filters." in html
    assert "Clear the filters" in html


def test_a_bad_kind_filter_gets_a_message_and_does_not_filter(
    client_of_rep: Client, rep, business
) -> None:
    insert_authorization(rep, TaxpayerFactory(name="Ada Individual"))
    response = client_of_rep.get(CLIENTS, {"holder": "<b>corp</b>", "name": "x" * 200})
    assert response.status_code == 200
    html = _html(response)
    assert "Choose individuals or businesses from the list." in html
    assert "Enter a name of 150 characters or fewer." in html
    assert "Harbor Works Inc" in html and "Ada Individual" in html
    assert "<b>corp</b>" not in html


@pytest.mark.parametrize("typed", ["Harbor\x00Works", "Harbor\u202eWorks", "\ufffd" * 151])
def test_bad_input_in_the_clients_name_filter_never_answers_500(
    client_of_rep: Client, business, typed: str
) -> None:
    response = client_of_rep.get(CLIENTS, {"name": typed})
    assert response.status_code == 200
    assert "Harbor Works Inc" in _html(response) or "No clients match" in _html(response)


def test_the_clients_filter_answers_htmx_with_the_list_region(
    client_of_rep: Client, business
) -> None:
    html = _html(client_of_rep.get(CLIENTS, {"holder": "business"}, headers={"HX-Request": "true"}))
    assert html.lstrip().startswith('<div id="client-list">')
    assert "Harbor Works Inc" in html and "<h1>" not in html


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_lists_cost_the_same_queries_with_1_and_200_businesses_and_form_rows(
    client_of_rep: Client, rep
) -> None:
    insert_authorization(rep, BusinessTaxpayerFactory(), matter="941", channel=Channel.FORM)
    one = (_queries(client_of_rep, CLIENTS), _queries(client_of_rep, LIST))
    for n in range(199):
        taxpayer = BusinessTaxpayerFactory() if n % 2 else TaxpayerFactory()
        insert_authorization(rep, taxpayer, channel=Channel.FORM if n % 4 else Channel.ONLINE)
    assert (_queries(client_of_rep, CLIENTS), _queries(client_of_rep, LIST)) == one
    assert "Showing 1 to 25 of 200 clients." in _html(client_of_rep.get(CLIENTS))


# --- A business's information (R32, R33, R45) --------------------------------------------------


def test_r32_a_business_shows_its_authorized_quarters_and_fiscal_year_with_balances(
    client_of_rep: Client, business
) -> None:
    html = _html(client_of_rep.get(_detail(business.public_id)))
    assert "Harbor Works Inc: tax information" in html
    assert "<dt>EIN</dt><dd>**-***" in html and business.tin_reveal() not in html
    assert "<dt>Individual or business</dt><dd>Business</dd>" in html
    # Quarters and fiscal years read as what they are, never as a bare year (R36).
    assert "Quarter ending March 2025 (Q1)" in html
    assert "Quarter ending June 2025 (Q2)" in html
    assert "Fiscal year ending June 2025" in html
    assert "Balance due: $4,200.00" in html
    assert "Return filed, first quarter" in html
    assert "Nothing is due: the balance is $0.00" in html  # Q2 was paid
    assert "Corporate return filed FY2025" in html and "$12,500.00" in html
    # The scope says which channel authorized each row: here, the forms.
    assert '<td data-label="Channel">Form 2848</td>' in html
    assert '<td data-label="Channel">Form 8821</td>' in html


def test_r32_a_941_quarter_not_authorized_is_not_shown(client_of_rep: Client, business) -> None:
    html = _html(client_of_rep.get(_detail(business.public_id)))
    assert "Quarter ending September 2025 (Q3)" not in html
    assert "Return filed, third quarter" not in html and "$5,100.00" not in html
    # Nor the fiscal year before the authorized one.
    assert "Fiscal year ending June 2024" not in html
    assert "Corporate return filed FY2024" not in html and "$9,999.00" not in html


def test_r33_each_view_of_a_business_is_logged_as_for_individuals(
    client_of_rep: Client, rep, business
) -> None:
    client_of_rep.get(_detail(business.public_id))
    client_of_rep.get(_detail(business.public_id))
    rows = list(InformationAccess.objects.order_by("id"))
    assert len(rows) == 6  # two views of three modules in scope
    assert {(r.form, r.period) for r in rows} == {("941", Q1), ("941", Q2), ("1120", FY_2025)}
    assert {(r.practitioner_id, r.taxpayer_id, r.caf_record_id) for r in rows} == {
        (rep.user.pk, business.pk, rep.caf_record.pk)
    }


def _without_nonces(html: bytes) -> bytes:
    """Each page has its own CSP nonce and CSRF token; nothing else may differ."""
    html = re.sub(rb'nonce="[^"]*"', b"", html)
    html = re.sub(rb'"X-CSRFToken"\s*:\s*"[^"]*"', b"", html)
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", html)


def test_r45_another_practitioners_business_is_a_404_identical_to_a_missing_one(
    client: Client, business
) -> None:
    other = practitioner(code="c")
    signed_in_as(client, other)
    theirs = client.get(_detail(business.public_id))
    missing = client.get(_detail(uuid.uuid4()))
    assert (theirs.status_code, missing.status_code) == (404, 404)
    assert _without_nonces(theirs.content) == _without_nonces(missing.content)
    assert "Harbor Works Inc" not in _html(theirs)
    assert not InformationAccess.objects.exists()
    assert "Harbor Works Inc" not in _html(client.get(CLIENTS))
    # Asking for someone else's client is audited (quality.md); a made-up id is not.
    refusals = AuditEvent.objects.filter(action="access.refused_not_owner", actor=other.user)
    assert refusals.count() == 1


def test_r29_r32_a_withdrawn_form_row_leaves_the_business_out_of_scope(
    client_of_rep: Client, rep, business
) -> None:
    for row in Authorization.objects.active().filter(taxpayer=business, matter="941"):
        authorization_withdraw(authorization_id=row.pk, practitioner=rep.user)
    html = _html(client_of_rep.get(_detail(business.public_id)))
    assert "Quarter ending March 2025 (Q1)" not in html
    assert "Fiscal year ending June 2025" in html  # what is still active stays in scope
    # R29: the business is told, in words that name the quarter.
    letters = Letter.objects.filter(taxpayer=business, kind=LetterKind.WITHDRAWAL_NOTICE)
    assert letters.count() == 2
    assert any("Quarter ending March 2025 (Q1)" in letter.body for letter in letters)
    row = Authorization.objects.active().get(taxpayer=business)
    authorization_withdraw(authorization_id=row.pk, practitioner=rep.user)
    assert client_of_rep.get(_detail(business.public_id)).status_code == 404


# --- Active authorizations, its CSV and the home (R7) ----------------------------------------


def test_r7_a_form_channel_row_without_a_request_is_listed_with_its_channel(
    client_of_rep: Client, rep, business
) -> None:
    assert not Authorization.objects.filter(channel=Channel.FORM, request__isnull=False).exists()
    html = _html(client_of_rep.get(LIST))
    assert "Showing 1 to 3 of 3 active authorizations." in html
    assert html.count('<td data-label="Channel">Form 2848</td>') == 2
    assert html.count('<td data-label="Channel">Form 8821</td>') == 1
    assert f"EIN {business.tin_masked}" in html
    assert _detail(business.public_id) in html
    # What a checkbox says for a business's quarter (and the confirmation page).
    assert "Harbor Works Inc, Form 941 Employer&#x27;s Quarterly Federal Tax, Quarter" in html


def test_r7_the_list_filters_by_channel(client_of_rep: Client, rep, business) -> None:
    approve_and_record(submit(rep, TaxpayerFactory(name="Olive Online")))
    html = _html(client_of_rep.get(LIST, {"channel": "form"}))
    assert "Harbor Works Inc" in html and "Olive Online" not in html
    assert "Showing 1 to 3 of 3 active authorizations that match the filters." in html
    html = _html(client_of_rep.get(LIST, {"channel": "online"}))
    assert "Olive Online" in html and "Harbor Works Inc" not in html
    html = _html(client_of_rep.get(LIST, {"channel": "fax"}))
    assert "Choose online or forms from the list." in html
    assert "Olive Online" in html and "Harbor Works Inc" in html
    html = _html(client_of_rep.get(LIST, {"channel": "form", "name": "harbor", "kind": "tia"}))
    assert "Showing 1 to 1 of 1 active authorization that match the filters." in html


def _csv_rows(response) -> list[dict[str, str]]:
    text = response.content.decode("utf-8").lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def test_r7_r43_the_csv_names_the_channel_and_the_business_with_its_ein_masked(
    client_of_rep: Client, rep, business
) -> None:
    approve_and_record(submit(rep, TaxpayerFactory(name="Olive Online")))
    response = client_of_rep.get(CSV)
    rows = _csv_rows(response)
    assert len(rows) == 4
    harbor = [row for row in rows if row["Taxpayer"] == "Harbor Works Inc"]
    assert sorted(row["Channel"] for row in harbor) == ["Form 2848", "Form 2848", "Form 8821"]
    assert {row["Individual or business"] for row in harbor} == {"Business"}
    assert {row["TIN (last four)"] for row in harbor} == {business.tin_masked}
    assert sorted(row["Period"] for row in harbor) == [
        "Fiscal year ending June 2025",
        "Quarter ending June 2025 (Q2)",
        "Quarter ending March 2025 (Q1)",
    ]
    (olive,) = [row for row in rows if row["Taxpayer"] == "Olive Online"]
    assert (olive["Channel"], olive["Individual or business"]) == ("Online", "Individual")
    assert business.tin_reveal() not in response.content.decode()
    assert business.tin_reveal().replace("-", "") not in response.content.decode()
    # The filters apply to the file as to the page.
    online_only = _csv_rows(client_of_rep.get(CSV, {"channel": "online"}))
    assert {row["Taxpayer"] for row in online_only} == {"Olive Online"}


def test_r7_the_home_counts_form_channel_rows_too(client_of_rep: Client, rep, business) -> None:
    approve_and_record(submit(rep, TaxpayerFactory()))
    html = " ".join(_html(client_of_rep.get(HOME)).split())
    assert "4 active authorizations on your linked CAF number." in html
