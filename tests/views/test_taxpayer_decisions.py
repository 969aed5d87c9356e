"""The taxpayer's Authorizations pages (issue 5): decide on requests, see and revoke.

Rules: R21, R22, R25, R26, R30, R31, R45, R47, and the step-up before a power of attorney.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authorizations import services
from authorizations.models import Authorization, EndReason, RequestKind, RequestState
from caf.models import CafRecord
from taxpayers.models import Letter, LetterKind
from taxpro import clock
from taxpro.models import AuditEvent
from tests.authorizations.factories import AuthorizationFactory
from tests.factories import PractitionerFactory, UserFactory, enrol_totp
from tests.page_text import rule_ids_read
from tests.views.decisions_support import (
    INCOME_2024,
    approve_now,
    insert_ledger_rows,
    insert_pending_requests,
    make_rep,
    make_taxpayer,
    record_now,
    step_up,
    submit_now,
)

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
INCOME_2023 = ("1040", "202312")


@pytest.fixture
def cpa():
    return make_rep(code="b")


@pytest.fixture
def taxpayer():
    return make_taxpayer()


@pytest.fixture
def me(client: Client, taxpayer) -> Client:
    client.force_login(taxpayer.user)
    return client


def url(name: str, public_id: uuid.UUID | None = None) -> str:
    kwargs = {"public_id": public_id} if public_id is not None else None
    return reverse(f"authorizations_account:{name}", kwargs=kwargs)


def text(response) -> str:
    return " ".join(response.content.decode().split())


# --- The index ---------------------------------------------------------------------------


def test_the_index_says_when_there_is_nothing(me) -> None:
    response = me.get(url("index"))
    assert response.status_code == 200
    page = text(response)
    assert "No requests are waiting for your decision" in page
    assert "No one has your permission at the moment" in page
    assert "None of your authorizations has ended" in page


def test_a_pending_request_is_described_in_plain_words(me, cpa, taxpayer) -> None:
    req = submit_now(cpa, taxpayer, kind=RequestKind.POA, notices=True)
    page = text(me.get(url("index")))
    assert cpa.caf_record.name in page
    assert "Certified Public Accountant" in page
    assert f"{cpa.caf_record.city}, {cpa.caf_record.state}" in page
    assert "can represent you and act for you with the IRS for these matters" in page
    assert "Income Tax (Form 1040): 2024" in page
    assert "they would also get copies of the letters" in page
    assert f"{clock.to_et(req.expires_at):%B %-d, %Y}" in page
    assert url("request", req.public_id) in page
    assert "Review this request" in page
    assert cpa.caf_record.caf_number not in page  # no CAF jargon for the taxpayer


@pytest.mark.parametrize(
    ("kind", "name", "declares"),
    [
        (RequestKind.POA, "power of attorney", "to represent me and act for me with the IRS"),
        (RequestKind.TIA, "permission to see your tax information", "to see my tax information"),
    ],
)
def test_r21_r23_each_page_says_the_kind_in_its_own_words(
    me, cpa, taxpayer, kind, name, declares
) -> None:
    """A misspelt word in a template renders as nothing, so each phrase is looked for (R21, R23)."""
    req = submit_now(cpa, taxpayer, kind=kind)
    rep = cpa.caf_record.name
    assert f"{rep} asks for: {name}" in text(me.get(url("index")))
    assert f"{name[0].upper()}{name[1:]}: if you approve, {rep}" in text(
        me.get(url("request", req.public_id))
    )
    step_up(me, taxpayer.user)
    assert f"I authorize {rep} {declares}" in text(me.get(url("approve", req.public_id)))
    assert f"{rep} will not get this {name}." in text(me.get(url("reject", req.public_id)))


def test_a_tia_says_they_cannot_act_for_you(me, cpa, taxpayer) -> None:
    submit_now(cpa, taxpayer, kind=RequestKind.TIA)
    page = text(me.get(url("index")))
    assert "can see your tax information for these matters, but cannot act for you" in page
    assert "they would not get copies" in page


def test_active_and_ended_authorizations_with_plain_reasons(me, cpa, taxpayer) -> None:
    active = submit_now(cpa, taxpayer, modules=[INCOME_2024])
    ended = submit_now(cpa, taxpayer, modules=[INCOME_2023])
    record_now(active)
    record_now(ended)
    row = Authorization.objects.get(request=ended)
    services.authorization_revoke(
        authorization_id=row.pk, taxpayer_id=taxpayer.pk, actor=taxpayer.user
    )
    page = text(me.get(url("index")))
    assert "1 authorization in effect" in page
    live = Authorization.objects.get(request=active)
    assert url("revoke", live.public_id) in page
    assert url("revoke", row.public_id) not in page
    assert "1 authorization that ended" in page
    assert "You revoked it" in page


def test_history_shows_the_most_recent_and_a_link_to_all(me, cpa, taxpayer) -> None:
    insert_ledger_rows(cpa, taxpayer, count=25)
    page = text(me.get(url("index")))
    assert "The 20 most recent of 25 authorizations that ended" in page
    assert "Show all 25 authorizations that ended" in page
    everything = text(me.get(url("index") + "?history=all"))
    assert "25 authorizations that ended" in everything
    assert "Show all" not in everything


def test_the_index_costs_the_same_queries_at_1_and_200_rows(me, cpa, taxpayer) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert me.get(url("index")).status_code == 200
        return len(queries)

    insert_ledger_rows(cpa, taxpayer, count=1)
    insert_pending_requests(cpa, taxpayer, count=1)
    one = count()
    insert_ledger_rows(make_rep(), taxpayer, count=199)
    insert_pending_requests(cpa, taxpayer, count=199)
    assert count() == one


def test_the_index_reads_the_ledger_once_in_force_newest_first_ended_latest_first(
    me, cpa, taxpayer
) -> None:
    """Issue 12: the rows in force and the ended ones come in one query (a UNION ALL); each list
    keeps its own order (in force by start, ended by end, newest first)."""
    now = clock.now()
    in_force = [
        AuthorizationFactory(
            taxpayer=taxpayer, caf_record=cpa.caf_record, period=f"20{year}12", starts_at=now - days
        )
        for year, days in (("10", 3 * DAY), ("11", 1 * DAY), ("12", 2 * DAY))
    ]
    ended = [
        AuthorizationFactory(
            taxpayer=taxpayer,
            caf_record=cpa.caf_record,
            period=f"20{year}12",
            starts_at=now - 9 * DAY,
            ends_at=now - days,
            end_reason=EndReason.WITHDRAWN,
        )
        for year, days in (("13", 5 * DAY), ("14", 4 * DAY), ("15", 6 * DAY))
    ]
    with CaptureQueriesContext(connection) as queries:
        page = text(me.get(url("index")))
    ledger_reads = [q for q in queries if 'FROM "authorizations_authorization"' in q["sql"]]
    assert len(ledger_reads) == 1
    revoke_links = [url("revoke", row.public_id) for row in in_force]
    positions = [page.index(link) for link in revoke_links]
    assert positions[1] < positions[2] < positions[0]  # started 1, 2, 3 days ago
    history = page[page.index("authorizations that ended") :]
    ended_at = [history.index(f"20{year}") for year in ("13", "14", "15")]
    assert ended_at[1] < ended_at[0] < ended_at[2]  # ended 4, 5, 6 days ago
    assert all(url("revoke", row.public_id) not in page for row in ended)


# --- R45: who may open what ----------------------------------------------------------------


@pytest.fixture
def objects(cpa, taxpayer):
    pending = submit_now(cpa, taxpayer)
    recorded = submit_now(cpa, taxpayer, modules=[INCOME_2023])
    record_now(recorded)
    return {
        "request": pending.public_id,
        "approve": pending.public_id,
        "reject": pending.public_id,
        "revoke": Authorization.objects.get(request=recorded).public_id,
    }


@pytest.mark.parametrize("name", ["request", "approve", "reject", "revoke"])
def test_r45_the_owner_sees_each_page(me, objects, name) -> None:
    assert me.get(url(name, objects[name])).status_code == 200


@pytest.mark.parametrize("name", ["request", "approve", "reject", "revoke"])
def test_r45_another_taxpayer_gets_404_and_changes_nothing(client, objects, name) -> None:
    client.force_login(make_taxpayer().user)
    assert client.get(url(name, objects[name])).status_code == 404
    if name != "request":  # the review page only reads (POST there is a 405)
        assert client.post(url(name, objects[name])).status_code == 404
    decided = AuditEvent.objects.filter(
        action__in=["request.approved", "request.rejected"], object_id=str(objects["request"])
    )
    assert not decided.exists()
    assert Authorization.objects.active().count() == 1


@pytest.mark.parametrize("name", ["index", "request", "approve", "reject", "revoke"])
def test_r45_anonymous_is_sent_to_sign_in(client, objects, name) -> None:
    target = url(name, objects.get(name))
    response = client.get(target)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", ["index", "request", "approve", "reject", "revoke"])
def test_r45_a_practitioner_gets_403(client, objects, name) -> None:
    practitioner = PractitionerFactory()
    enrol_totp(practitioner)  # past the second-factor gate, so the 403 is the page's own
    client.force_login(practitioner)
    assert client.get(url(name, objects.get(name))).status_code == 403


@pytest.mark.parametrize("name", ["index", "request", "approve", "reject", "revoke"])
def test_an_unverified_taxpayer_is_sent_to_verify(client, objects, name) -> None:
    client.force_login(UserFactory())  # a taxpayer account with no tax record attached
    response = client.get(url(name, objects.get(name)))
    assert response.status_code == 302
    assert response["Location"] == reverse("taxpayers_account:verify")


# --- The review page and R31 -------------------------------------------------------------


def test_r31_nothing_will_be_revoked(me, cpa, taxpayer) -> None:
    req = submit_now(cpa, taxpayer)
    page = text(me.get(url("request", req.public_id)))
    assert "Nothing will be revoked" in page
    assert url("approve", req.public_id) in page and url("reject", req.public_id) in page


def test_r31_the_review_lists_what_approving_ends(me, cpa, taxpayer) -> None:
    other = make_rep(code="c")
    yesterday = clock.now() - DAY
    earlier = submit_now(other, taxpayer, kind=RequestKind.POA, now=yesterday)
    record_now(earlier, now=yesterday)
    tia = submit_now(make_rep(code="c"), taxpayer, kind=RequestKind.TIA, now=yesterday)
    record_now(tia, now=yesterday)  # R23: a POA never revokes a TIA
    req = submit_now(cpa, taxpayer, kind=RequestKind.POA)
    page = text(me.get(url("request", req.public_id)))
    assert "Nothing will be revoked" not in page
    assert (
        f"Power of attorney you gave {other.caf_record.name} for Income Tax (Form 1040), 2024"
        in page
    )
    assert "Permission to see your tax information you gave" not in page


def test_a_decided_request_says_so(me, cpa, taxpayer) -> None:
    req = submit_now(cpa, taxpayer)
    approve_now(req)
    page = text(me.get(url("request", req.public_id)))
    assert "Approved: it is being recorded" in page
    assert url("approve", req.public_id) not in page


# --- Approving: R21, R22, R25, R26, R47, step-up --------------------------------------------


def sign(client: Client, req, taxpayer, **extra) -> object:
    return client.post(
        url("approve", req.public_id),
        {"declaration": "on", "signature": taxpayer.name},
        **extra,
    )


def test_r21_approving_a_tia_needs_no_step_up_and_is_kept(me, cpa, taxpayer) -> None:
    req = submit_now(cpa, taxpayer)
    page = text(me.get(url("approve", req.public_id)))
    assert f"Declaration version {services.CONSENT_TEXT_VERSION}" in page
    response = sign(me, req, taxpayer, REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="U" * 900)
    assert response.status_code == 302
    assert response["Location"] == url("request", req.public_id)
    req.refresh_from_db()
    assert req.state == RequestState.APPROVED
    # R22: consent evidence.
    assert req.consent_ip == "203.0.113.9"
    assert req.consent_user_agent == "U" * 500
    assert req.consent_text_version == services.CONSENT_TEXT_VERSION
    assert req.consent_second_factor is False
    page = text(me.get(response["Location"]))
    assert "It is being recorded" in page
    assert "Approved: it is being recorded" in page


def test_r22_a_second_factor_used_in_the_session_is_kept(me, cpa, taxpayer) -> None:
    req = submit_now(cpa, taxpayer, kind=RequestKind.POA)
    step_up(me, taxpayer.user, method="mfa")
    assert sign(me, req, taxpayer).status_code == 302
    req.refresh_from_db()
    assert req.consent_second_factor is True


def test_step_up_is_required_before_approving_a_poa(me, cpa, taxpayer) -> None:
    req = submit_now(cpa, taxpayer, kind=RequestKind.POA)
    response = me.get(url("approve", req.public_id))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert "next=" in response["Location"]
    posted = sign(me, req, taxpayer)
    assert posted.status_code == 302
    assert posted["Location"].startswith(reverse("account_reauthenticate"))
    req.refresh_from_db()
    assert req.state == RequestState.PENDING
    step_up(me, taxpayer.user)
    assert me.get(url("approve", req.public_id)).status_code == 200
    assert sign(me, req, taxpayer).status_code == 302
    req.refresh_from_db()
    assert req.state == RequestState.APPROVED


def test_step_up_through_the_real_password_page(me, cpa, taxpayer, password) -> None:
    req = submit_now(cpa, taxpayer, kind=RequestKind.POA)
    target = me.get(url("approve", req.public_id))["Location"]
    back = me.post(target, {"password": password})
    assert back.status_code == 302
    assert back["Location"] == url("approve", req.public_id)
    assert me.get(back["Location"]).status_code == 200


def test_the_signature_must_be_ticked_and_typed(me, cpa, taxpayer) -> None:
    req = submit_now(cpa, taxpayer)
    response = me.post(url("approve", req.public_id), {"signature": "<b>Someone\u202eElse</b>"})
    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page
    assert "Tick the box to confirm you agree to the declaration" in page
    assert "Type your name with letters" in page or "does not match" in page
    req.refresh_from_db()
    assert req.state == RequestState.PENDING
    wrong = text(
        me.post(url("approve", req.public_id), {"declaration": "on", "signature": "Nobody"})
    )
    assert "does not match the name on your tax records" in wrong
    assert 'value="Nobody"' in wrong  # what they typed is kept


def test_r47_a_doubled_approval_has_one_effect(me, cpa, taxpayer) -> None:
    req = submit_now(cpa, taxpayer)
    assert sign(me, req, taxpayer).status_code == 302
    again = sign(me, req, taxpayer)
    assert again.status_code == 200
    assert "You already approved this request" in text(again)
    assert AuditEvent.objects.filter(action="request.approved", object_id=str(req.pk)).count() == 1


@pytest.mark.parametrize(
    ("arrange", "expected"),
    [
        ("expired", "expired on"),
        ("cancelled", "The representative cancelled this request"),
        ("rejected", "This request was already rejected"),
    ],
)
def test_approving_a_request_no_longer_waiting_says_why(
    me, cpa, taxpayer, arrange, expected
) -> None:
    now = clock.now()
    if arrange == "expired":
        req = submit_now(cpa, taxpayer, now=now - 22 * DAY)
    else:
        req = submit_now(cpa, taxpayer)
    if arrange == "cancelled":
        services.request_cancel(request_id=req.pk, practitioner=cpa.user)
    if arrange == "rejected":
        services.request_reject(request_id=req.pk, taxpayer_id=taxpayer.pk, actor=taxpayer.user)
    get_page = text(me.get(url("approve", req.public_id)))
    assert "no longer waiting for your decision" in get_page
    assert "Approve and sign" not in get_page
    response = sign(me, req, taxpayer)
    assert response.status_code == 200
    assert expected in text(response)
    req.refresh_from_db()
    assert req.state != RequestState.APPROVED


def test_r25_a_third_notice_recipient_is_refused_in_words(me, taxpayer) -> None:
    reps = [make_rep(code="c") for _ in range(3)]
    record_now(submit_now(reps[0], taxpayer, kind=RequestKind.POA, notices=True))
    record_now(submit_now(reps[1], taxpayer, kind=RequestKind.TIA, notices=True))
    third = submit_now(reps[2], taxpayer, kind=RequestKind.TIA, notices=True)
    step_up(me, taxpayer.user)
    response = sign(me, third, taxpayer)
    assert response.status_code == 200
    page = text(response)
    assert "You cannot approve this request" in page
    assert "two is the limit" in page
    # Signing again could only be refused again: the page offers Reject and the way back.
    assert "Approve and sign" not in page
    assert reverse("authorizations_account:reject", args=[third.public_id]) in page
    third.refresh_from_db()
    assert third.state == RequestState.PENDING


def test_r25_r26_the_refusal_is_shown_before_the_taxpayer_signs(me, cpa, taxpayer) -> None:
    record_now(submit_now(cpa, taxpayer))
    correction = submit_now(cpa, taxpayer)
    tomorrow = clock.today_et() + DAY
    expected = f"You can approve this corrected request from {tomorrow:%A, %B %-d, %Y}"
    review = text(me.get(reverse("authorizations_account:request", args=[correction.public_id])))
    assert expected in review
    assert reverse("authorizations_account:approve", args=[correction.public_id]) not in review
    approve_page = text(
        me.get(reverse("authorizations_account:approve", args=[correction.public_id]))
    )
    assert expected in approve_page
    assert "Approve and sign" not in approve_page
    correction.refresh_from_db()
    assert correction.state == RequestState.PENDING


def test_an_approvable_request_has_no_warning_and_offers_to_sign(me, cpa, taxpayer) -> None:
    req = submit_now(cpa, taxpayer)
    review = text(me.get(reverse("authorizations_account:request", args=[req.public_id])))
    assert "You cannot approve this request now" not in review
    assert reverse("authorizations_account:approve", args=[req.public_id]) in review
    assert "Approve and sign" in text(
        me.get(reverse("authorizations_account:approve", args=[req.public_id]))
    )


def test_r26_a_same_day_correction_says_from_which_date(me, cpa, taxpayer) -> None:
    record_now(submit_now(cpa, taxpayer))
    correction = submit_now(cpa, taxpayer)
    response = sign(me, correction, taxpayer)
    assert response.status_code == 200
    tomorrow = clock.today_et() + DAY
    assert f"You can approve this corrected request from {tomorrow:%A, %B %-d, %Y}" in text(
        response
    )
    correction.refresh_from_db()
    assert correction.state == RequestState.PENDING


# --- Rejecting and revoking: R30, R47 -------------------------------------------------------


def test_r47_reject_confirms_then_has_one_effect(me, cpa, taxpayer) -> None:
    req = submit_now(cpa, taxpayer)
    assert "Reject this request" in text(me.get(url("reject", req.public_id)))
    first = me.post(url("reject", req.public_id))
    assert first.status_code == 302 and first["Location"] == url("index")
    assert "You rejected the request" in text(me.get(first["Location"]))
    second = me.post(url("reject", req.public_id), follow=True)
    assert "This request was already rejected" in text(second)
    assert AuditEvent.objects.filter(action="request.rejected", object_id=str(req.pk)).count() == 1
    req.refresh_from_db()
    assert req.state == RequestState.REJECTED


def test_r30_r47_revoke_confirms_then_has_one_effect(me, cpa, taxpayer) -> None:
    req = submit_now(cpa, taxpayer, kind=RequestKind.POA)
    record_now(req)
    row = Authorization.objects.get(request=req)
    page = text(me.get(url("revoke", row.public_id)))
    assert cpa.caf_record.name in page
    assert "Income Tax (Form 1040)" in page and "2024" in page
    assert "We will send" in page and "a notice" in page
    first = me.post(url("revoke", row.public_id), follow=True)
    assert "We will send them a notice" in text(first)
    second = me.post(url("revoke", row.public_id), follow=True)
    assert "This authorization already ended on" in text(second)
    row.refresh_from_db()
    assert row.end_reason == EndReason.REVOKED
    assert Letter.objects.filter(kind=LetterKind.REVOCATION_NOTICE).count() == 1
    assert "has already ended" in text(me.get(url("revoke", row.public_id)))


def test_every_state_change_refuses_get_without_effect_and_wrong_methods(me, cpa, taxpayer) -> None:
    req = submit_now(cpa, taxpayer)
    assert me.put(url("approve", req.public_id)).status_code == 405
    assert me.post(url("index")).status_code == 405
    assert me.post(url("request", req.public_id)).status_code == 405
    req.refresh_from_db()
    assert req.state == RequestState.PENDING


def test_posts_need_a_csrf_token(cpa, taxpayer) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(taxpayer.user)
    req = submit_now(cpa, taxpayer)
    assert strict.post(url("reject", req.public_id)).status_code == 403
    req.refresh_from_db()
    assert req.state == RequestState.PENDING


# --- R3a: standing checked again at the approval ---------------------------------------------


def test_r3a_the_review_says_in_words_that_a_suspended_representative_cannot_be_approved(
    me, cpa, taxpayer
) -> None:
    req = submit_now(cpa, taxpayer, kind=RequestKind.TIA)
    CafRecord.objects.filter(pk=cpa.caf_record.pk).update(practice_status="suspended")
    review = text(me.get(url("request", req.public_id)))
    assert "no longer allowed to represent" in review
    assert url("approve", req.public_id) not in review
    approve_page = text(me.get(url("approve", req.public_id)))
    assert "no longer allowed to represent" in approve_page
    assert "Approve and sign" not in approve_page
    assert rule_ids_read(approve_page) == []
    req.refresh_from_db()
    assert req.state == RequestState.PENDING  # showing the page changes nothing


def test_r3a_an_approval_signed_after_the_representative_was_disbarred_is_refused(
    me, cpa, taxpayer
) -> None:
    req = submit_now(cpa, taxpayer, kind=RequestKind.TIA)
    assert "Approve and sign" in text(me.get(url("approve", req.public_id)))
    CafRecord.objects.filter(pk=cpa.caf_record.pk).update(practice_status="disbarred")
    response = sign(me, req, taxpayer)
    assert response.status_code == 200
    assert "no longer allowed to represent" in text(response)
    req.refresh_from_db()
    assert req.state == RequestState.FAILED
    assert not Authorization.objects.filter(taxpayer=taxpayer).exists()
