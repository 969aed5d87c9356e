"""The practitioner's Active authorizations: list (R7), withdraw (R29, R45, R47), CSV export."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authorizations.models import Authorization, Channel, EndReason
from authorizations.web.pro.csv_export import spreadsheet_safe
from taxpayers.models import Letter, LetterKind
from taxpro.models import AuditEvent
from tests.authorizations.conftest import approve_and_record, make_taxpayer, submit
from tests.factories import UserFactory
from tests.taxpayers.factories import BusinessTaxpayerFactory
from tests.views.pro_support import (
    insert_authorization,
    insert_authorizations,
    link_another_caf_number,
    named_taxpayer,
    practitioner,
    signed_in_as,
)

pytestmark = pytest.mark.django_db
LIST = reverse("authorizations_pro:authorizations")
CSV = reverse("authorizations_pro:authorizations_csv")
WITHDRAW = reverse("authorizations_pro:authorizations_withdraw")


@pytest.fixture
def rep():
    return practitioner()


@pytest.fixture
def client_of_rep(client: Client, rep) -> Client:
    return signed_in_as(client, rep)


def _html(response) -> str:
    return response.content.decode()


# --- Access and R7 ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", [LIST, CSV, WITHDRAW])
def test_anonymous_is_sent_to_sign_in(client: Client, url) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("url", [LIST, CSV, WITHDRAW])
def test_a_taxpayer_gets_403(client: Client, url) -> None:
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    assert client.post(WITHDRAW, {"ids": ["1"]}).status_code == 403


def test_r7_without_a_linked_caf_number_the_page_says_what_linking_unlocks(client: Client) -> None:
    unlinked = practitioner(linked=False)
    signed_in_as(client, unlinked)
    html = _html(client.get(LIST))
    assert "link a CAF number" in html
    assert reverse("caf_pro:profile") in html
    assert client.get(CSV).status_code == 302


def test_r7_every_active_row_on_linked_caf_numbers_whatever_created_it(client_of_rep, rep) -> None:
    online = approve_and_record(submit(rep, named_taxpayer("Olive Online")))
    business = BusinessTaxpayerFactory(name="Forms Widgets LLC")
    insert_authorization(rep, business, kind="tia", matter="941", period="202403", channel="form")
    second = link_another_caf_number(rep)
    insert_authorization(rep, named_taxpayer("Second Caf"), caf_record=second)
    stranger = practitioner(code="c")
    insert_authorization(stranger, named_taxpayer("Not Yours"))
    ended = insert_authorization(rep, named_taxpayer("Ended Already"))
    Authorization.objects.filter(pk=ended.pk).update(
        ends_at=ended.starts_at, end_reason=EndReason.WITHDRAWN
    )

    html = _html(client_of_rep.get(LIST))
    assert "Olive Online" in html and "Forms Widgets LLC" in html and "Second Caf" in html
    assert "Not Yours" not in html and "Ended Already" not in html
    # The channel in words: the online request, or the form the row was recorded from.
    assert '<td data-label="Channel">Form 8821</td>' in html
    assert '<td data-label="Channel">Online</td>' in html
    assert "Quarter ending March 2024 (Q1)" in html
    assert "Form 941" in html
    assert rep.caf_record.caf_number_display in html and second.caf_number_display in html
    # R43: masked numbers only; the EIN is masked its own way.
    assert online.taxpayer.tin_masked in html
    assert online.taxpayer.tin_reveal() not in html
    assert business.tin_masked in html
    # Individuals and businesses alike link to their client information page (R32).
    assert reverse("authorizations_pro:client", args=[online.taxpayer.public_id]) in html
    assert reverse("authorizations_pro:client", args=[business.public_id]) in html


def test_an_empty_list_says_so(client_of_rep) -> None:
    assert "There are no active authorizations" in _html(client_of_rep.get(LIST))


# --- Filters ---------------------------------------------------------------------------------


@pytest.fixture
def mixed(rep):
    second = link_another_caf_number(rep)
    insert_authorization(rep, named_taxpayer("Alice Poa"), kind="poa")
    insert_authorization(rep, named_taxpayer("Bob Tia"), kind="tia")
    insert_authorization(rep, named_taxpayer("Carol Second"), caf_record=second)
    return second


def test_filter_by_kind_caf_and_name(client_of_rep, mixed) -> None:
    html = _html(client_of_rep.get(LIST, {"kind": "tia"}))
    assert "Bob Tia" in html and "Alice Poa" not in html
    html = _html(client_of_rep.get(LIST, {"caf": mixed.caf_number}))
    assert "Carol Second" in html and "Alice Poa" not in html
    html = _html(client_of_rep.get(LIST, {"name": "ALICE"}))
    assert "Alice Poa" in html and "Bob Tia" not in html


def test_the_caf_filter_appears_only_with_several_linked_numbers(client: Client) -> None:
    one = practitioner()
    signed_in_as(client, one)
    insert_authorization(one, make_taxpayer())
    assert 'name="caf"' not in _html(client.get(LIST))


def test_htmx_gets_only_the_list_region(client_of_rep, mixed) -> None:
    response = client_of_rep.get(LIST, {"kind": "tia"}, headers={"HX-Request": "true"})
    html = _html(response)
    assert html.lstrip().startswith('<div id="authorization-list"')
    assert "Bob Tia" in html and "Alice Poa" not in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"kind": "everything"}, "Choose a kind from the list."),
        ({"caf": "123456789"}, "Choose one of your linked CAF numbers."),
        ({"name": "y" * 300}, "Enter a name of 150 characters or fewer."),
    ],
)
def test_bad_filter_values_get_a_message_and_do_not_filter(
    client_of_rep, mixed, query, message
) -> None:
    response = client_of_rep.get(LIST, query)
    assert response.status_code == 200
    html = _html(response)
    assert message in html
    for name in ("Alice Poa", "Bob Tia", "Carol Second"):
        assert name in html


# --- Pagination and constant queries ---------------------------------------------------------


def test_pagination_keeps_the_filters(client_of_rep, rep) -> None:
    insert_authorizations(rep, 60)
    html = _html(client_of_rep.get(LIST, {"kind": "poa"}))
    assert "Showing 1 to 25 of 30 active authorizations" in html
    assert "?kind=poa&amp;page=2" in html


def test_a_page_past_the_end_of_a_counted_list_shows_its_last_page(client_of_rep, rep) -> None:
    insert_authorizations(rep, 30)
    with CaptureQueriesContext(connection) as captured:
        html = _html(client_of_rep.get(LIST, {"page": "99"}))
    assert "Showing 26 to 30 of 30 active authorizations." in html
    # Below the cap the list was counted once, capped; the last page needs no second count.
    assert sum("COUNT(" in q["sql"].upper() for q in captured.captured_queries) == 1


def test_a_book_past_the_count_cap_is_paged_without_counting_it(
    client_of_rep, rep, monkeypatch
) -> None:
    """quality.md: the first page costs the same whatever the size of the book. Past the cap
    (1,000 in production; 30 here) the list says "more than", and its links go one page ahead."""
    monkeypatch.setattr("taxpro.paging.COUNT_CAP", 30)
    insert_authorizations(rep, 60)
    first = _html(client_of_rep.get(LIST))
    assert "Showing 1 to 25 of more than 30 active authorizations." in first
    assert "<caption>Active authorizations, page 1</caption>" in first
    assert 'aria-label="Page 2"' in first and 'aria-label="Page 3"' not in first
    assert "usa-pagination__next-page" in first
    with CaptureQueriesContext(connection) as captured:
        client_of_rep.get(LIST)
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 31" in counts[0]

    second = _html(client_of_rep.get(LIST, {"page": "2"}))
    assert "Showing 26 to 50 of more than 30 active authorizations." in second
    assert 'aria-label="Page 1"' in second and 'aria-label="Page 3"' in second
    assert "usa-pagination__overflow" in second and 'aria-label="Page …"' not in second
    last = _html(client_of_rep.get(LIST, {"page": "3"}))
    assert "Showing 51 to 60 of more than 30 active authorizations." in last
    assert "usa-pagination__next-page" not in last
    # A page past the end (an old bookmark) shows the last one, as below the cap.
    beyond = _html(client_of_rep.get(LIST, {"page": "40"}))
    assert "Showing 51 to 60 of more than 30" in beyond
    filtered = _html(client_of_rep.get(LIST, {"kind": "poa"}))
    assert "Showing 1 to 25 of 30 active authorizations that match the filters." in filtered


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200
        if url == CSV:
            response.content  # noqa: B018 - the body is where the rows are read
    return len(captured)


@pytest.mark.parametrize("url", [LIST, f"{LIST}?kind=poa&name=e", CSV])
def test_constant_queries_at_1_and_200_rows(client_of_rep, rep, url) -> None:
    insert_authorizations(rep, 1)
    client_of_rep.get(url)  # warm the session
    one = _queries(client_of_rep, url)
    insert_authorizations(rep, 200)
    assert Authorization.objects.active().count() == 201
    assert _queries(client_of_rep, url) == one


# --- Withdraw (R29, R45, R47) ----------------------------------------------------------------


@pytest.fixture
def two_rows(rep):
    first = approve_and_record(submit(rep, named_taxpayer("First Client")))
    second = approve_and_record(submit(rep, named_taxpayer("Second Client"), kind="tia"))
    return [Authorization.objects.get(request=first), Authorization.objects.get(request=second)]


def test_r29_the_confirmation_lists_exactly_what_will_be_withdrawn(client_of_rep, two_rows) -> None:
    response = client_of_rep.get(WITHDRAW, {"ids": [str(two_rows[0].public_id)]})
    html = _html(response)
    assert response.status_code == 200
    assert "Withdraw from 1 authorization?" in html
    assert "First Client" in html and "Second Client" not in html
    assert "ends as soon as you confirm" in html
    assert "sent a notice" in html
    assert f'name="ids" value="{two_rows[0].public_id}"' in html
    assert Authorization.objects.active().count() == 2  # a GET changes nothing


def test_r29_withdrawing_several_ends_them_at_once_and_notifies_each_taxpayer(
    client_of_rep, two_rows
) -> None:
    ids = [str(row.public_id) for row in two_rows]
    response = client_of_rep.post(WITHDRAW, {"ids": ids}, follow=True)
    assert response.redirect_chain[-1][0] == LIST
    html = _html(response)
    assert "You withdrew 2 authorizations." in html
    assert "First Client" not in html.split("You withdrew")[1]
    for row in two_rows:
        row.refresh_from_db()
        assert row.end_reason == EndReason.WITHDRAWN
        assert Letter.objects.filter(
            taxpayer=row.taxpayer, kind=LetterKind.WITHDRAWAL_NOTICE
        ).exists()


def test_r47_a_doubled_withdrawal_has_one_effect(client_of_rep, two_rows) -> None:
    ids = [str(two_rows[0].public_id)]
    client_of_rep.post(WITHDRAW, {"ids": ids})
    again = client_of_rep.post(WITHDRAW, {"ids": ids}, follow=True)
    assert again.status_code == 200
    assert "Nothing was withdrawn. These authorizations had already ended" in _html(again)
    assert Letter.objects.filter(kind=LetterKind.WITHDRAWAL_NOTICE).count() == 1
    assert (
        AuditEvent.objects.filter(
            action="authorization.withdrawn", object_id=str(two_rows[0].pk)
        ).count()
        == 1
    )


def test_r47_a_selection_with_one_ended_row_changes_nothing(client_of_rep, two_rows) -> None:
    client_of_rep.post(WITHDRAW, {"ids": [str(two_rows[0].public_id)]})
    response = client_of_rep.post(
        WITHDRAW, {"ids": [str(row.public_id) for row in two_rows]}, follow=True
    )
    assert "Nothing was withdrawn" in _html(response)
    two_rows[1].refresh_from_db()
    assert two_rows[1].ends_at is None


def test_r45_another_practitioners_row_smuggled_in_is_not_found(
    client_of_rep, rep, two_rows
) -> None:
    stranger = practitioner(code="c")
    theirs = insert_authorization(stranger, make_taxpayer())
    ids = [str(two_rows[0].public_id), str(theirs.public_id)]
    assert client_of_rep.get(WITHDRAW, {"ids": ids}).status_code == 404
    assert client_of_rep.post(WITHDRAW, {"ids": ids}).status_code == 404
    assert Authorization.objects.active().count() == 3  # nothing changed, mine included
    assert not Letter.objects.filter(kind=LetterKind.WITHDRAWAL_NOTICE).exists()
    # Issue 10: each attempt is audited, naming only the row that is not theirs.
    refused = AuditEvent.objects.filter(action="access.refused_not_owner")
    assert refused.count() == 2
    assert set(refused.values_list("object_id", flat=True)) == {str(theirs.pk)}
    assert {event.actor for event in refused} == {rep.user}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Select at least one authorization to withdraw."),
        ({"ids": ["abc"]}, "The selection was not understood."),
        ({"ids": ["١٢"]}, "The selection was not understood."),
        ({"ids": [str(uuid.uuid4()) for _ in range(259)]}, "Select 200 authorizations or fewer"),
    ],
)
def test_a_bad_selection_gets_a_message_and_changes_nothing(
    client_of_rep, two_rows, data, message
) -> None:
    for method in (client_of_rep.get, client_of_rep.post):
        response = method(WITHDRAW, data, follow=True)
        assert response.status_code == 200
        assert message in _html(response)
    assert Authorization.objects.active().count() == 2


def test_withdraw_needs_csrf(rep, two_rows) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(rep.user)
    assert client.post(WITHDRAW, {"ids": [str(two_rows[0].public_id)]}).status_code == 403
    assert Authorization.objects.active().count() == 2


# --- CSV -------------------------------------------------------------------------------------


def _rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_the_csv_is_an_attachment_with_masked_tins(client_of_rep, rep, two_rows) -> None:
    response = client_of_rep.get(CSV)
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="active-')
    rows = _rows(response)
    assert rows[0][0] == "Taxpayer"
    assert len(rows) == 3
    body = response.content.decode()
    for row in two_rows:
        assert row.taxpayer.tin_masked in body
        assert row.taxpayer.tin_reveal() not in body
        assert row.taxpayer.tin_reveal().replace("-", "") not in body


def test_the_csv_honours_the_filters(client_of_rep, mixed) -> None:
    rows = _rows(client_of_rep.get(CSV, {"kind": "tia"}))
    assert [r[0] for r in rows[1:]] == ["Bob Tia"]


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("http://evil.test","click")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"],
)
def test_the_csv_defuses_formulas(client_of_rep, rep, name) -> None:
    insert_authorization(rep, named_taxpayer(name), channel=Channel.FORM)
    rows = _rows(client_of_rep.get(CSV))
    assert rows[1][0] == "'" + name


def test_spreadsheet_safe_covers_tab_and_carriage_return() -> None:
    assert spreadsheet_safe("\tx") == "'\tx"
    assert spreadsheet_safe("\rx") == "'\rx"
    assert spreadsheet_safe("Plain Name") == "Plain Name"


def test_r45_only_another_practitioners_row_is_not_found(client_of_rep) -> None:
    stranger = practitioner(code="c")
    theirs = insert_authorization(stranger, make_taxpayer())
    assert client_of_rep.get(WITHDRAW, {"ids": [str(theirs.public_id)]}).status_code == 404
    assert client_of_rep.post(WITHDRAW, {"ids": [str(theirs.public_id)]}).status_code == 404
    assert client_of_rep.post(WITHDRAW, {"ids": [str(uuid.uuid4())]}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.ends_at is None


def test_a_forms_channel_row_for_a_business_can_be_withdrawn(client_of_rep, rep) -> None:
    business = BusinessTaxpayerFactory()
    row = insert_authorization(rep, business, matter="941", period="202406", channel="form")
    response = client_of_rep.post(WITHDRAW, {"ids": [str(row.public_id)]}, follow=True)
    assert "You withdrew 1 authorization." in _html(response)
    assert Letter.objects.filter(taxpayer=business, kind=LetterKind.WITHDRAWAL_NOTICE).exists()


def test_a_staff_user_gets_403(client: Client, staff_user) -> None:
    client.force_login(staff_user)
    for url in (LIST, CSV, WITHDRAW):
        assert client.get(url).status_code == 403
