"""/api/v1/requests: the wizard's rules through the API (R1-R4, R10-R20, R46, R47), and the
API's own: idempotency keys, duplicates refused with the waiting request's address, problem
documents (RFC 9457)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.test import Client

from authorizations.api import paging
from authorizations.models import ApiIdempotencyKey, AuthorizationRequest, RequestState
from authorizations.services.api import idempotency_keys_purge
from caf.models import PracticeStatus
from taxpayers.services.master_file import MISMATCH_MESSAGE
from taxpro import clock
from taxpro.models import AuditEvent, MaintenanceWindow
from tests.api.support import call, request_body, token_for
from tests.authorizations.conftest import INCOME_2023, INCOME_2024, make_rep, make_taxpayer
from tests.factories import enrol_totp
from tests.views.decisions_support import record_now, submit_now

pytestmark = pytest.mark.django_db

URL = "/api/v1/requests"
PROBLEM = "application/problem+json"


@pytest.fixture
def cpa():
    rep = make_rep(code="b")
    enrol_totp(rep.user)
    return rep


@pytest.fixture
def taxpayer():
    return make_taxpayer()


@pytest.fixture
def token(cpa) -> str:
    return token_for(cpa.user)


def _no_tin_in(response, taxpayer) -> None:
    # R46: the whole TIN is never sent back, in any answer.
    digits = taxpayer.tin_reveal()
    text = response.content.decode()
    assert digits not in text
    assert f"{digits[:3]}-{digits[3:5]}-{digits[5:]}" not in text


def test_r18_a_request_sent_by_api_is_pending_audited_and_answered_without_the_tin(
    client: Client, cpa, taxpayer, token
) -> None:
    response = call(client, "post", URL, token=token, body=request_body(cpa, taxpayer))
    assert response.status_code == 201, response.content
    body = response.json()
    req = AuthorizationRequest.objects.get(public_id=body["id"])
    assert req.practitioner == cpa.user and req.state == RequestState.PENDING
    assert response["Location"] == body["url"] == f"{URL}/{req.public_id}"
    assert body["status"] == "pending" and body["taxpayer"]["tin_last4"] == taxpayer.tin_last4
    assert body["modules"] == [{"matter": "1040", "period": "202412"}]
    assert AuditEvent.objects.filter(action="request.submitted", object_id=str(req.pk)).exists()
    _no_tin_in(response, taxpayer)


def test_r47_the_same_idempotency_key_and_body_replay_the_answer_and_send_once(
    client: Client, cpa, taxpayer, token
) -> None:
    body = request_body(cpa, taxpayer)
    first = call(client, "post", URL, token=token, body=body, key="key-1")
    again = call(client, "post", URL, token=token, body=body, key="key-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert AuthorizationRequest.objects.count() == 1


def test_the_same_idempotency_key_with_another_body_is_a_422_problem(
    client: Client, cpa, taxpayer, token
) -> None:
    call(client, "post", URL, token=token, body=request_body(cpa, taxpayer), key="key-1")
    other = request_body(cpa, taxpayer, modules=(INCOME_2023,))
    response = call(client, "post", URL, token=token, body=other, key="key-1")
    assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    assert response.json()["type"].endswith("/idempotency-key-reused")
    assert AuthorizationRequest.objects.count() == 1


def test_idempotency_keys_belong_to_the_token_owner(client: Client, cpa, taxpayer, token) -> None:
    """Another practitioner using the same key gets their own answer, not the first one's."""
    other = make_rep(code="b")
    enrol_totp(other.user)
    mine = call(client, "post", URL, token=token, body=request_body(cpa, taxpayer), key="k")
    theirs = call(
        client,
        "post",
        URL,
        token=token_for(other.user),
        body=request_body(other, taxpayer),
        key="k",
    )
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]


def test_a_key_older_than_a_day_is_forgotten(client: Client, cpa, taxpayer, token) -> None:
    body = request_body(cpa, taxpayer)
    call(client, "post", URL, token=token, body=body, key="old")
    ApiIdempotencyKey.objects.update(created_at=clock.now() - dt.timedelta(hours=25))
    again = call(client, "post", URL, token=token, body=body, key="old")
    # Claimed afresh: the call runs again, and this time meets the waiting duplicate.
    assert again.status_code == 409
    assert "Idempotent-Replayed" not in again


def test_r47_a_post_without_an_idempotency_key_is_refused_and_changes_nothing(
    client: Client, cpa, taxpayer, token
) -> None:
    response = call(client, "post", URL, token=token, body=request_body(cpa, taxpayer), key=None)
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM
    assert response.json()["type"].endswith("/idempotency-key-missing")
    assert not AuthorizationRequest.objects.exists()


def test_a_duplicate_of_a_waiting_request_is_refused_with_its_address(
    client: Client, cpa, taxpayer, token
) -> None:
    first = call(client, "post", URL, token=token, body=request_body(cpa, taxpayer))
    audits = AuditEvent.objects.filter(action="request.submitted").count()
    again = call(client, "post", URL, token=token, body=request_body(cpa, taxpayer))
    assert again.status_code == 409 and again["Content-Type"] == PROBLEM
    problem = again.json()
    assert problem["type"].endswith("/duplicate-request")
    assert problem["existing"] == first.json()["url"] == again["Location"]
    assert AuthorizationRequest.objects.count() == 1
    assert AuditEvent.objects.filter(action="request.submitted").count() == audits
    # A request that adds a period is no duplicate; nor is the other kind.
    more = request_body(cpa, taxpayer, modules=(INCOME_2024, INCOME_2023))
    assert call(client, "post", URL, token=token, body=more).status_code == 201
    tia = request_body(cpa, taxpayer, kind="tia")
    assert call(client, "post", URL, token=token, body=tia).status_code == 201


def test_r12_a_mismatch_is_one_message_naming_no_field_and_never_the_tin(
    client: Client, cpa, taxpayer, token
) -> None:
    body = request_body(cpa, taxpayer)
    body["taxpayer"]["name"] = "Someone Else"
    response = call(client, "post", URL, token=token, body=body)
    assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["detail"] == MISMATCH_MESSAGE and "errors" not in problem
    _no_tin_in(response, taxpayer)
    assert not AuthorizationRequest.objects.exists()


def test_r12_mismatches_are_rate_limited_through_the_api_too(
    client: Client, cpa, taxpayer, token, settings
) -> None:
    settings.TAXPAYER_MISMATCH_LIMIT_PER_HOUR = 2
    body = request_body(cpa, taxpayer)
    body["taxpayer"]["name"] = "Someone Else"
    answers = [call(client, "post", URL, token=token, body=body).status_code for _ in range(3)]
    assert answers == [422, 422, 429]
    # Even the right details wait now: the check cannot be used to probe.
    right = call(client, "post", URL, token=token, body=request_body(cpa, taxpayer))
    assert right.status_code == 429 and right["Retry-After"]


def test_r13a_a_malformed_tin_is_told_at_its_field_and_not_echoed(
    client: Client, cpa, taxpayer, token
) -> None:
    body = request_body(cpa, taxpayer)
    body["taxpayer"]["tin"] = "666-12-3456"
    response = call(client, "post", URL, token=token, body=body)
    assert response.status_code == 422
    problem = response.json()
    assert [e["field"] for e in problem["errors"]] == ["taxpayer.tin"]
    assert "666" not in response.content.decode()


def test_r3_a_caf_number_out_of_good_standing_is_refused_at_the_representative(
    client: Client, cpa, taxpayer, token
) -> None:
    cpa.caf_record.practice_status = PracticeStatus.SUSPENDED
    cpa.caf_record.save()
    response = call(client, "post", URL, token=token, body=request_body(cpa, taxpayer))
    assert response.status_code == 422
    assert "not in good standing" in response.json()["detail"]
    assert not AuthorizationRequest.objects.exists()
    assert AuditEvent.objects.filter(action="request.refused_out_of_standing").count() == 1


def test_r4_a_token_sends_only_with_its_owners_caf_number(client: Client, taxpayer) -> None:
    owner, colleague = make_rep(code="b"), make_rep(code="b")
    body = request_body(colleague, taxpayer)  # the colleague's CAF number, name and address
    response = call(client, "post", URL, token=token_for(owner.user), body=body)
    assert response.status_code == 422
    assert not AuthorizationRequest.objects.exists()


def test_r17_no_period_is_no_request_and_bad_input_is_told_at_the_field(
    client: Client, cpa, taxpayer, token
) -> None:
    empty = call(client, "post", URL, token=token, body=request_body(cpa, taxpayer, modules=()))
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "modules"
    body = request_body(cpa, taxpayer)
    body["taxpayer"]["name"] = "Jane\u202eDoe"  # an RTL override, as test_bad_input sends
    response = call(client, "post", URL, token=token, body=body)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "taxpayer.name",
            "detail": "Remove the invisible or control characters and type it again.",
        }
    ]
    not_json = call(client, "post", URL, token=token, raw=b"\xff{not json")
    assert not_json.status_code in (400, 422) and not_json["Content-Type"] == PROBLEM
    assert not AuthorizationRequest.objects.exists()


def test_r19_the_list_and_each_request_say_only_the_statuses_the_practitioner_may_see(
    client: Client, cpa, taxpayer, token
) -> None:
    pending = submit_now(cpa, taxpayer, modules=(INCOME_2023,))
    rejected = submit_now(cpa, make_taxpayer(), modules=(INCOME_2024,))
    AuthorizationRequest.objects.filter(pk=rejected.pk).update(
        state=RequestState.REJECTED, decided_at=clock.now()
    )
    recorded = submit_now(cpa, make_taxpayer(), modules=(INCOME_2024,))
    record_now(recorded)
    listed = call(client, "get", URL, token=token).json()
    statuses = {item["id"]: item["status"] for item in listed["items"]}
    assert statuses == {
        str(pending.public_id): "pending",
        str(rejected.public_id): "no_status",
        str(recorded.public_id): "recorded",
    }
    one = call(client, "get", f"{URL}/{rejected.public_id}", token=token).json()
    assert one["status"] == "no_status" and "reject" not in json.dumps(one).lower()
    assert one["status_text"] == "No status is available. Contact the taxpayer."
    only = call(client, "get", f"{URL}?status=no_status", token=token).json()["items"]
    assert [item["id"] for item in only] == [str(rejected.public_id)]
    bad = call(client, "get", f"{URL}?status=rejected", token=token)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"


def test_r20_the_list_pages_with_a_cursor_and_misses_nothing(
    client: Client, cpa, token, monkeypatch
) -> None:
    monkeypatch.setattr(paging, "PAGE_SIZE", 2)
    sent = [submit_now(cpa, make_taxpayer()) for _ in range(5)]
    seen: list[str] = []
    url: str | None = URL
    while url:
        page = call(client, "get", url, token=token).json()
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        url = page["next"]
    assert sorted(seen) == sorted(str(r.public_id) for r in sent) and len(seen) == 5
    forged = call(client, "get", f"{URL}?cursor=abc", token=token)
    assert forged.status_code == 422 and forged.json()["errors"][0]["field"] == "cursor"


def test_r18_cancel_a_pending_request_once(client: Client, cpa, taxpayer, token) -> None:
    req = submit_now(cpa, taxpayer)
    url = f"{URL}/{req.public_id}/cancel"
    first = call(client, "post", url, token=token)
    assert first.status_code == 200 and first.json()["status"] == "cancelled"
    again = call(client, "post", url, token=token)  # a new key: a second, refused, cancel
    assert again.status_code == 409 and again["Content-Type"] == PROBLEM
    req.refresh_from_db()
    assert req.state == RequestState.CANCELLED
    assert AuditEvent.objects.filter(object_id=str(req.pk), action__contains="cancel").count() >= 1


def test_r42_outside_the_hours_the_api_answers_a_503_problem_with_retry_after(
    client: Client, cpa, taxpayer, token
) -> None:
    now = clock.now()
    MaintenanceWindow.objects.create(
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=1),
        reason="Staff note.",
    )
    for method in ("get", "post"):
        response = call(client, method, URL, token=token, body=request_body(cpa, taxpayer))
        assert response.status_code == 503 and response["Content-Type"] == PROBLEM
        assert 3600 - 120 <= int(response["Retry-After"]) <= 3600
        problem = response.json()
        assert (
            "scheduled maintenance" in problem["detail"] and "Staff note" not in problem["detail"]
        )
    assert not AuthorizationRequest.objects.exists()


def test_throttles_per_token_answer_429_problems_with_retry_after(
    client: Client, cpa, taxpayer, token, settings
) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "api_call": "3/m/key"}
    answers = [call(client, "get", URL, token=token) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[-1]["Content-Type"] == PROBLEM and int(answers[-1]["Retry-After"]) >= 1
    assert AuditEvent.objects.filter(action="throttled", after__limit="api_call").count() == 1
    # Another token of the same practitioner counts on its own.
    assert call(client, "get", URL, token=token_for(cpa.user)).status_code == 200


def test_the_wizards_send_throttle_holds_for_the_api(client: Client, cpa, token, settings) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "request_submit": "2/m/user"}
    answers = [
        call(client, "post", URL, token=token, body=request_body(cpa, make_taxpayer())).status_code
        for _ in range(3)
    ]
    assert answers == [201, 201, 429]
    assert AuthorizationRequest.objects.count() == 2


def test_r47_a_second_call_while_the_first_is_answered_waits_with_409(
    client: Client, cpa, taxpayer, token
) -> None:
    body = json.dumps(request_body(cpa, taxpayer)).encode()
    fingerprint = hashlib.sha256(f"POST {URL}\n".encode() + body).hexdigest()
    ApiIdempotencyKey.objects.create(
        owner=cpa.user, key="busy", fingerprint=fingerprint, created_at=clock.now()
    )
    response = call(client, "post", URL, token=token, raw=body, key="busy")
    assert response.status_code == 409 and response["Retry-After"] == "1"
    assert response.json()["type"].endswith("/idempotency-key-in-progress")
    assert not AuthorizationRequest.objects.exists()


def test_keys_past_their_day_are_purged() -> None:
    rep = make_rep(code="b")
    old = clock.now() - dt.timedelta(hours=25)
    ApiIdempotencyKey.objects.create(owner=rep.user, key="a", fingerprint="x", created_at=old)
    ApiIdempotencyKey.objects.create(
        owner=rep.user, key="b", fingerprint="x", created_at=clock.now()
    )
    assert idempotency_keys_purge() == 1
    assert list(ApiIdempotencyKey.objects.values_list("key", flat=True)) == ["b"]
