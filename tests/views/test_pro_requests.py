"""The practitioner's Requests list, request detail and cancel (R18, R19, R20, R45, R47)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authorizations.models import AuthorizationRequest, RequestState
from authorizations.vocabulary import CONTACT_TAXPAYER
from taxpro import clock
from taxpro.models import AuditEvent
from tests.authorizations.conftest import make_taxpayer, submit
from tests.factories import UserFactory
from tests.views.pro_support import (
    insert_request,
    insert_requests,
    named_taxpayer,
    practitioner,
    signed_in_as,
)

pytestmark = pytest.mark.django_db
LIST = reverse("authorizations_pro:requests")


@pytest.fixture
def rep():
    return practitioner()


@pytest.fixture
def client_of_rep(client: Client, rep) -> Client:
    return signed_in_as(client, rep)


def _html(response) -> str:
    return response.content.decode()


# --- Access ----------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client: Client) -> None:
    response = client.get(LIST)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_a_taxpayer_gets_403(client: Client) -> None:
    client.force_login(UserFactory())
    assert client.get(LIST).status_code == 403


def test_r45_another_practitioners_request_is_not_found(client: Client, rep) -> None:
    req = insert_request(rep, make_taxpayer())
    other = practitioner(code="c")
    signed_in_as(client, other)
    assert (
        client.get(reverse("authorizations_pro:request", args=[req.public_id])).status_code == 404
    )
    assert (
        client.get(reverse("authorizations_pro:request_cancel", args=[req.public_id])).status_code
        == 404
    )
    assert (
        client.post(reverse("authorizations_pro:request_cancel", args=[req.public_id])).status_code
        == 404
    )
    req.refresh_from_db()
    assert req.state == RequestState.PENDING
    assert "Pat Example" not in _html(client.get(LIST))


def test_anonymous_and_taxpayer_cannot_open_a_request(client: Client, rep) -> None:
    req = insert_request(rep, make_taxpayer())
    url = reverse("authorizations_pro:request", args=[req.public_id])
    assert client.get(url).status_code == 302
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    assert (
        client.post(reverse("authorizations_pro:request_cancel", args=[req.public_id])).status_code
        == 403
    )


# --- R19, R20: what the list shows ----------------------------------------------------------


def test_r20_the_list_shows_every_submitted_request_newest_first(client_of_rep, rep) -> None:
    older = insert_request(
        rep, named_taxpayer("Older Taxpayer"), submitted_at=clock.now() - dt.timedelta(days=3)
    )
    newer = insert_request(
        rep,
        named_taxpayer("Newer Taxpayer"),
        kind="tia",
        modules=(("1040", "202312"), ("1040", "202412"), ("civil_penalty", "202503")),
    )
    html = _html(client_of_rep.get(LIST))
    assert html.index("Newer Taxpayer") < html.index("Older Taxpayer")
    # R43: masked TINs only.
    assert newer.taxpayer.tin_masked in html
    assert newer.taxpayer.tin_reveal() not in html
    assert older.taxpayer.tin_reveal().replace("-", "") not in html
    assert "Income Tax (Form 1040): 2023, 2024" in html
    assert "Civil Penalty: Quarter ending March 2025 (Q1)" in html
    assert "TIA" in html
    assert f"{newer.expires_at.astimezone(clock.ET):%b %-d, %Y}" in html


@pytest.mark.parametrize(
    ("state", "shown"),
    [
        (RequestState.PENDING, "Pending with the taxpayer"),
        (RequestState.RECORDED, "Recorded"),
        (RequestState.EXPIRED, "Expired"),
        (RequestState.CANCELLED, "Cancelled"),
    ],
)
def test_r19_the_practitioner_sees_these_statuses(client_of_rep, rep, state, shown) -> None:
    req = insert_request(rep, make_taxpayer(), state=state)
    assert shown in _html(client_of_rep.get(LIST))
    assert shown in _html(
        client_of_rep.get(reverse("authorizations_pro:request", args=[req.public_id]))
    )


@pytest.mark.parametrize("state", [RequestState.REJECTED, RequestState.FAILED])
def test_r19_rejected_and_failed_show_no_status_and_never_the_reason(
    client_of_rep, rep, state
) -> None:
    req = insert_request(
        rep, make_taxpayer(), state=state, staff_reason="Secret reason kept for staff"
    )
    for url in (LIST, reverse("authorizations_pro:request", args=[req.public_id])):
        html = _html(client_of_rep.get(url))
        assert CONTACT_TAXPAYER in html
        assert "Secret reason" not in html
        assert "Rejected" not in html
        assert "rejected" not in html
        assert "failed" not in html.lower().replace("no status", "")


def test_r19_cancelling_a_rejected_request_does_not_name_its_state(client_of_rep, rep) -> None:
    req = insert_request(rep, make_taxpayer(), state=RequestState.REJECTED)
    response = client_of_rep.post(
        reverse("authorizations_pro:request_cancel", args=[req.public_id]), follow=True
    )
    html = _html(response)
    assert "Only a pending request can be cancelled" in html
    assert "rejected" not in html.lower()
    page = _html(
        client_of_rep.get(reverse("authorizations_pro:request_cancel", args=[req.public_id]))
    )
    assert "cannot be cancelled" in page
    assert "rejected" not in page.lower()


def test_an_empty_list_says_so(client_of_rep) -> None:
    assert "You have not sent any requests yet." in _html(client_of_rep.get(LIST))


# --- Filters ---------------------------------------------------------------------------------


@pytest.fixture
def mixed(rep):
    now = clock.now()
    return {
        "pending": insert_request(rep, named_taxpayer("Alice Pending"), submitted_at=now),
        "recorded": insert_request(
            rep,
            named_taxpayer("Bob Recorded"),
            state=RequestState.RECORDED,
            submitted_at=now - dt.timedelta(days=10),
        ),
        "rejected": insert_request(
            rep,
            named_taxpayer("Carol Rejected"),
            state=RequestState.REJECTED,
            submitted_at=now - dt.timedelta(days=40),
        ),
        "failed": insert_request(
            rep,
            named_taxpayer("Dan Failed"),
            state=RequestState.FAILED,
            submitted_at=now - dt.timedelta(days=41),
        ),
    }


def test_filter_by_status(client_of_rep, mixed) -> None:
    html = _html(client_of_rep.get(LIST, {"status": "recorded"}))
    assert "Bob Recorded" in html
    assert "Alice Pending" not in html
    html = _html(client_of_rep.get(LIST, {"status": "contact"}))
    assert "Carol Rejected" in html and "Dan Failed" in html
    assert "Alice Pending" not in html and "Bob Recorded" not in html


def test_filter_by_name_and_dates(client_of_rep, mixed) -> None:
    html = _html(client_of_rep.get(LIST, {"name": "alice"}))
    assert "Alice Pending" in html and "Bob Recorded" not in html
    today = clock.today_et()
    start = today - dt.timedelta(days=15)
    html = _html(client_of_rep.get(LIST, {"from": f"{start:%m/%d/%Y}"}))
    assert "Alice Pending" in html and "Bob Recorded" in html
    assert "Carol Rejected" not in html
    end = today - dt.timedelta(days=5)
    html = _html(client_of_rep.get(LIST, {"from": f"{start:%Y-%m-%d}", "to": f"{end:%Y-%m-%d}"}))
    assert "Bob Recorded" in html and "Alice Pending" not in html


def test_htmx_gets_only_the_list_region(client_of_rep, mixed) -> None:
    response = client_of_rep.get(LIST, {"status": "pending"}, headers={"HX-Request": "true"})
    html = _html(response)
    assert html.lstrip().startswith('<div id="request-list"')
    assert "<html" not in html
    assert "Alice Pending" in html and "Bob Recorded" not in html
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"status": "sneaky"}, "Choose a status from the list."),
        ({"from": "2025-13-45"}, "Enter a real date."),
        ({"to": "yesterday"}, "Enter a real date."),
        ({"name": "x" * 500}, "Enter a name of 150 characters or fewer."),
        ({"name": "bad\x00name"}, "Null characters are not allowed."),
        ({"from": "03/10/2026", "to": "03/01/2026"}, "The end date must be the same"),
    ],
)
def test_bad_filter_values_get_a_message_and_do_not_filter(
    client_of_rep, mixed, query, message
) -> None:
    response = client_of_rep.get(LIST, query)
    assert response.status_code == 200
    html = _html(response)
    assert message in html
    assert "There is a problem" in html
    assert "<title>Error:" in html
    # The field in error does not filter: every request is still listed.
    for name in ("Alice Pending", "Bob Recorded", "Carol Rejected", "Dan Failed"):
        assert name in html


def test_a_good_filter_still_applies_beside_a_bad_one(client_of_rep, mixed) -> None:
    html = _html(client_of_rep.get(LIST, {"status": "recorded", "from": "not a date"}))
    assert "Enter a real date." in html
    assert "Bob Recorded" in html and "Alice Pending" not in html


def test_markup_in_a_filter_is_shown_as_text(client_of_rep, mixed) -> None:
    html = _html(client_of_rep.get(LIST, {"name": "<script>alert(1)</script>"}))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


# --- Pagination and queries ------------------------------------------------------------------


def test_pagination_keeps_the_filters(client_of_rep, rep) -> None:
    insert_requests(rep, 60)
    html = _html(client_of_rep.get(LIST, {"status": "pending"}))
    assert "Showing 1 to 25 of 60 requests" in html
    assert "?status=pending&amp;page=2" in html
    html = _html(client_of_rep.get(LIST, {"status": "pending", "page": "3"}))
    assert "Showing 51 to 60 of 60 requests" in html
    # A page that is not one gives the nearest page, not an error.
    assert client_of_rep.get(LIST, {"page": "999"}).status_code == 200
    assert client_of_rep.get(LIST, {"page": "abc"}).status_code == 200


def _queries(client: Client, url: str, **params: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
        assert response.status_code == 200
    return len(captured)


def test_the_list_runs_a_constant_number_of_queries(client_of_rep, rep) -> None:
    insert_requests(rep, 1)
    client_of_rep.get(LIST)  # warm the session
    one = _queries(client_of_rep, LIST)
    insert_requests(rep, 199)
    assert AuthorizationRequest.objects.filter(practitioner=rep.user).count() == 200
    assert _queries(client_of_rep, LIST) == one
    assert _queries(client_of_rep, LIST, status="pending", name="pat") == one


# --- Detail and cancel (R18, R47) ------------------------------------------------------------


def test_the_detail_shows_what_was_submitted(client_of_rep, rep) -> None:
    req = submit(rep, make_taxpayer(), modules=[("1040", "202412")], now=clock.now())
    html = _html(client_of_rep.get(reverse("authorizations_pro:request", args=[req.public_id])))
    assert req.taxpayer.name in html
    assert req.taxpayer.tin_masked in html
    assert "Income Tax (Form 1040): 2024" in html
    assert rep.caf_record.caf_number_display in html
    assert "Expires on" in html
    assert "Cancel this request" in html


def test_cancel_asks_first_then_cancels_once(client_of_rep, rep) -> None:
    req = submit(rep, make_taxpayer(), now=clock.now())
    url = reverse("authorizations_pro:request_cancel", args=[req.public_id])
    confirm = client_of_rep.get(url)
    assert "Yes, cancel this request" in _html(confirm)
    req.refresh_from_db()
    assert req.state == RequestState.PENDING  # GET changes nothing

    response = client_of_rep.post(url, follow=True)
    assert "You cancelled your request" in _html(response)
    req.refresh_from_db()
    assert req.state == RequestState.CANCELLED

    # R47: the doubled POST has no second effect and says why.
    again = client_of_rep.post(url, follow=True)
    assert again.status_code == 200
    assert "Only a pending request can be cancelled; this one is cancelled." in _html(again)
    assert AuditEvent.objects.filter(action="request.cancelled", object_id=str(req.pk)).count() == 1


def test_cancel_needs_csrf(rep) -> None:
    req = submit(rep, make_taxpayer(), now=clock.now())
    client = Client(enforce_csrf_checks=True)
    client.force_login(rep.user)
    assert (
        client.post(reverse("authorizations_pro:request_cancel", args=[req.public_id])).status_code
        == 403
    )
    req.refresh_from_db()
    assert req.state == RequestState.PENDING


def test_a_recorded_request_cannot_be_cancelled(client_of_rep, rep) -> None:
    req = insert_request(rep, make_taxpayer(), state=RequestState.RECORDED)
    html = _html(
        client_of_rep.post(
            reverse("authorizations_pro:request_cancel", args=[req.public_id]), follow=True
        )
    )
    assert "the taxpayer has already approved this one" in html
    req.refresh_from_db()
    assert req.state == RequestState.RECORDED


def test_access_matrix_for_cancel(client: Client, rep, staff_user) -> None:
    req = insert_request(rep, make_taxpayer())
    url = reverse("authorizations_pro:request_cancel", args=[req.public_id])
    response = client.post(url)
    assert response.status_code == 302  # anonymous: to sign-in
    assert reverse("account_login") in response["Location"]
    client.force_login(staff_user)
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert client.get(reverse("authorizations_pro:request", args=[uuid.uuid4()])).status_code == 403
    req.refresh_from_db()
    assert req.state == RequestState.PENDING


def test_r45_a_request_id_that_does_not_exist_is_not_found(client_of_rep) -> None:
    assert (
        client_of_rep.get(reverse("authorizations_pro:request", args=[uuid.uuid4()])).status_code
        == 404
    )
    assert (
        client_of_rep.post(
            reverse("authorizations_pro:request_cancel", args=[uuid.uuid4()])
        ).status_code
        == 404
    )


def test_wrong_methods_are_refused(client_of_rep, rep) -> None:
    req = insert_request(rep, make_taxpayer())
    assert client_of_rep.post(LIST).status_code == 405
    assert (
        client_of_rep.post(reverse("authorizations_pro:request", args=[req.public_id])).status_code
        == 405
    )
    assert (
        client_of_rep.delete(
            reverse("authorizations_pro:request_cancel", args=[req.public_id])
        ).status_code
        == 405
    )
