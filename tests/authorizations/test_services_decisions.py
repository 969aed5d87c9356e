"""Deciding requests: approve, reject, cancel, expire.

Rules: R18, R19, R21, R22, R25, R26, R31, R44, R45, R47.
"""

from __future__ import annotations

import datetime as dt
from itertools import combinations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from authorizations import selectors, services
from authorizations.errors import ApprovalRefused, RequestRefused
from authorizations.models import Authorization, AuthorizationRequest, RequestKind, RequestState
from authorizations.services import decisions
from caf.models import CafRecord
from taxpayers.models import Letter, LetterKind
from taxpro.models import AuditEvent
from tests.authorizations.conftest import (
    CONSENT,
    DAY,
    INCOME_2023,
    INCOME_2024,
    TUESDAY_NOON,
    approve,
    approve_and_record,
    make_rep,
    make_taxpayer,
    submit,
)
from tests.page_text import rule_ids_read

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


def test_r18_a_submitted_request_is_pending_and_expires_after_21_days(cpa, taxpayer) -> None:
    req = submit(cpa, taxpayer)
    assert req.state == RequestState.PENDING
    assert req.expires_at == TUESDAY_NOON + 21 * DAY


def test_r18_the_taxpayer_is_reminded_5_days_before_expiry_once(cpa, taxpayer) -> None:
    req = submit(cpa, taxpayer)
    early = services.requests_expire_and_remind(now=TUESDAY_NOON + 15 * DAY)
    assert early.reminded == 0
    due = services.requests_expire_and_remind(now=TUESDAY_NOON + 16 * DAY)
    again = services.requests_expire_and_remind(now=TUESDAY_NOON + 17 * DAY)
    assert (due.reminded, again.reminded) == (1, 0)
    letters = Letter.objects.filter(taxpayer=taxpayer, kind=LetterKind.REMINDER)
    assert letters.count() == 1
    req.refresh_from_db()
    assert req.state == RequestState.PENDING


def test_r18_a_pending_request_expires_and_then_cannot_be_approved(cpa, taxpayer) -> None:
    req = submit(cpa, taxpayer)
    with pytest.raises(ApprovalRefused, match="expired"):
        approve(req, now=TUESDAY_NOON + 21 * DAY)
    result = services.requests_expire_and_remind(now=TUESDAY_NOON + 21 * DAY)
    assert result.expired == 1
    assert services.requests_expire_and_remind(now=TUESDAY_NOON + 22 * DAY).expired == 0
    req.refresh_from_db()
    assert req.state == RequestState.EXPIRED
    with pytest.raises(ApprovalRefused, match="expired"):
        approve(req, now=TUESDAY_NOON + 22 * DAY)


def test_r18_the_practitioner_cancels_only_a_pending_request(cpa, taxpayer) -> None:
    req = submit(cpa, taxpayer)
    services.request_cancel(request_id=req.pk, practitioner=cpa.user, now=TUESDAY_NOON + HOUR)
    req.refresh_from_db()
    assert req.state == RequestState.CANCELLED
    with pytest.raises(RequestRefused, match="Only a pending request"):
        services.request_cancel(request_id=req.pk, practitioner=cpa.user)
    with pytest.raises(ApprovalRefused, match="cancelled"):
        approve(req, now=TUESDAY_NOON + 2 * HOUR)


def test_r19_rejected_and_failed_requests_show_no_status(cpa, taxpayer) -> None:
    req = submit(cpa, taxpayer)
    assert selectors.request_status_for_practitioner(req) == "Pending with the taxpayer"
    services.request_reject(
        request_id=req.pk, taxpayer_id=taxpayer.pk, actor=taxpayer.user, now=TUESDAY_NOON + HOUR
    )
    req.refresh_from_db()
    assert selectors.request_status_for_practitioner(req) == selectors.CONTACT_TAXPAYER
    assert req.staff_reason  # kept for staff
    req.state = RequestState.FAILED
    assert selectors.request_status_for_practitioner(req) == selectors.CONTACT_TAXPAYER
    recorded = approve_and_record(submit(cpa, taxpayer))
    assert selectors.request_status_for_practitioner(recorded) == "Recorded"


def test_r20_a_practitioner_sees_only_the_requests_they_submitted(cpa, agent, taxpayer) -> None:
    mine = submit(cpa, taxpayer)
    submit(agent, taxpayer)
    assert list(selectors.requests_submitted_by(practitioner=cpa.user)) == [mine]


def test_r22_consent_evidence_is_kept_with_the_approval(cpa, taxpayer) -> None:
    req = approve(submit(cpa, taxpayer))
    req.refresh_from_db()
    assert req.signed_at == TUESDAY_NOON
    assert req.signed_on == TUESDAY_NOON.date()
    assert (req.consent_ip, req.consent_user_agent) == ("127.0.0.1", "pytest")
    assert req.consent_text_version == services.CONSENT_TEXT_VERSION
    assert req.consent_second_factor is True


def test_r25_an_approval_that_would_make_a_third_notice_recipient_is_refused(taxpayer) -> None:
    reps = [make_rep(code="c") for _ in range(3)]
    approve_and_record(submit(reps[0], taxpayer, notices=True))
    approve(submit(reps[1], taxpayer, notices=True, kind=RequestKind.TIA))
    third = submit(reps[2], taxpayer, notices=True)
    with pytest.raises(ApprovalRefused, match="two is the limit"):
        approve(third, now=TUESDAY_NOON + HOUR)
    third.refresh_from_db()
    assert third.state == RequestState.PENDING


def test_r25_recipients_the_approval_would_revoke_do_not_count(taxpayer) -> None:
    reps = [make_rep(code="c") for _ in range(3)]
    approve_and_record(submit(reps[0], taxpayer, notices=True))
    approve_and_record(submit(reps[1], taxpayer, notices=True))
    # A day later a POA for the same module ends both (R23), so it would be the only recipient.
    later = TUESDAY_NOON + DAY
    req = approve_and_record(submit(reps[2], taxpayer, notices=True, now=later), now=later)
    assert req.state == RequestState.RECORDED


def test_r25_a_request_without_notice_copies_is_not_limited(taxpayer) -> None:
    reps = [make_rep(code="c") for _ in range(3)]
    approve_and_record(submit(reps[0], taxpayer, notices=True))
    approve_and_record(submit(reps[1], taxpayer, notices=True))
    assert approve(submit(reps[2], taxpayer, notices=False)).state == RequestState.APPROVED


def test_r26_a_same_day_correction_from_the_same_caf_waits_until_tomorrow(cpa, taxpayer) -> None:
    approve_and_record(submit(cpa, taxpayer, modules=[INCOME_2024]))
    correction = submit(cpa, taxpayer, modules=[INCOME_2024, INCOME_2023], now=TUESDAY_NOON + HOUR)
    with pytest.raises(ApprovalRefused, match="from Wednesday, November 25, 2026"):
        approve(correction, now=TUESDAY_NOON + 2 * HOUR)
    later = TUESDAY_NOON + DAY
    approve_and_record(correction, now=later)
    active = Authorization.objects.active().filter(taxpayer=taxpayer)
    assert {(a.request_id, a.period) for a in active} == {
        (correction.pk, "202412"),
        (correction.pk, "202312"),
    }


def test_r26_other_periods_from_the_same_caf_are_not_held_back(cpa, taxpayer) -> None:
    approve_and_record(submit(cpa, taxpayer, modules=[INCOME_2024]))
    other = submit(cpa, taxpayer, modules=[INCOME_2023], now=TUESDAY_NOON + HOUR)
    assert services.correction_approvable_from(other, now=TUESDAY_NOON + HOUR) is None
    assert approve(other, now=TUESDAY_NOON + 2 * HOUR).state == RequestState.APPROVED


def test_r26_the_practitioner_is_told_from_which_day_a_correction_can_be_approved(
    cpa, taxpayer
) -> None:
    approve_and_record(submit(cpa, taxpayer, modules=[INCOME_2024]))
    correction = submit(cpa, taxpayer, modules=[INCOME_2024], now=TUESDAY_NOON + HOUR)
    when = services.correction_approvable_from(correction, now=TUESDAY_NOON + HOUR)
    assert when == dt.date(2026, 11, 25)  # the day after the approval, in ET
    assert services.correction_approvable_from(correction, now=TUESDAY_NOON + DAY) is None


def test_r31_the_preview_shows_what_the_approval_will_revoke(cpa, agent, taxpayer) -> None:
    approve_and_record(submit(cpa, taxpayer, modules=[INCOME_2024, INCOME_2023]))
    approve_and_record(submit(agent, taxpayer, kind=RequestKind.TIA))
    later = TUESDAY_NOON + DAY
    newcomer = make_rep(code="c")
    req = submit(newcomer, taxpayer, modules=[INCOME_2024], now=later)
    preview = selectors.revocation_preview(request_id=req.pk, taxpayer_id=taxpayer.pk, now=later)
    assert [(p.caf_number, p.period, p.kind) for p in preview] == [
        (cpa.caf_record.caf_number, "202412", RequestKind.POA)
    ]
    same_day = submit(make_rep(code="c"), taxpayer, now=TUESDAY_NOON + HOUR)
    assert (
        selectors.revocation_preview(
            request_id=same_day.pk, taxpayer_id=taxpayer.pk, now=TUESDAY_NOON + HOUR
        )
        == []
    )


def test_r44_every_state_change_of_a_request_is_audited(cpa, taxpayer) -> None:
    req = approve_and_record(submit(cpa, taxpayer))
    events = AuditEvent.objects.filter(
        object_type="authorizations.authorizationrequest", object_id=str(req.pk)
    ).order_by("id")
    assert [e.action for e in events] == [
        "request.submitted",
        "request.approved",
        "request.recorded",
    ]
    approved = events[1]
    assert approved.actor == taxpayer.user
    assert approved.before == {"state": "pending"}
    assert approved.after["state"] == "approved"
    assert events[2].actor is None and events[2].actor_label


def test_r45_nobody_decides_another_taxpayers_request(cpa, taxpayer) -> None:
    req = submit(cpa, taxpayer)
    stranger = make_taxpayer()
    with pytest.raises(AuthorizationRequest.DoesNotExist):
        services.request_approve(
            request_id=req.pk,
            taxpayer_id=stranger.pk,
            actor=stranger.user,
            consent=CONSENT,
            now=TUESDAY_NOON,
        )
    with pytest.raises(AuthorizationRequest.DoesNotExist):
        services.request_reject(
            request_id=req.pk, taxpayer_id=stranger.pk, actor=stranger.user, now=TUESDAY_NOON
        )
    with pytest.raises(AuthorizationRequest.DoesNotExist):
        services.request_cancel(request_id=req.pk, practitioner=make_rep().user)
    req.refresh_from_db()
    assert req.state == RequestState.PENDING


def test_r47_a_replayed_approval_has_exactly_one_effect(cpa, taxpayer) -> None:
    req = submit(cpa, taxpayer)
    approve(req)
    with pytest.raises(ApprovalRefused, match="already approved"):
        approve(req, now=TUESDAY_NOON + dt.timedelta(seconds=2))
    assert AuditEvent.objects.filter(action="request.approved").count() == 1
    req.refresh_from_db()
    assert req.signed_at == TUESDAY_NOON


def test_r47_a_rejected_request_cannot_then_be_approved(cpa, taxpayer) -> None:
    req = submit(cpa, taxpayer)
    services.request_reject(request_id=req.pk, taxpayer_id=taxpayer.pk, actor=taxpayer.user)
    with pytest.raises(ApprovalRefused, match="already rejected"):
        approve(req)


def test_r25_the_count_does_not_depend_on_whether_the_worker_has_recorded_yet(taxpayer) -> None:
    reps = [make_rep(code="c") for _ in range(3)]
    approve_and_record(submit(reps[0], taxpayer, notices=True))  # Tuesday, POA
    wednesday = TUESDAY_NOON + DAY
    # Wednesday's POA will end Tuesday's once recorded; it is still waiting for the worker.
    approve(submit(reps[1], taxpayer, notices=True, now=wednesday), now=wednesday)
    tia = submit(reps[2], taxpayer, notices=True, kind=RequestKind.TIA, now=wednesday)
    assert approve(tia, now=wednesday + HOUR).state == RequestState.APPROVED


@pytest.mark.parametrize("status", ["suspended", "disbarred"])
def test_r3a_a_representative_out_of_standing_since_sending_is_refused_at_approval(
    cpa, taxpayer, status
) -> None:
    req = submit(cpa, taxpayer)
    CafRecord.objects.filter(pk=cpa.caf_record.pk).update(practice_status=status)
    # The review page says so, in words, before the taxpayer signs; it writes nothing.
    preview = services.request_approval_refusal(request_id=req.pk, taxpayer_id=taxpayer.pk)
    assert preview is not None and "no longer allowed to represent" in preview
    assert rule_ids_read(preview) == []
    req.refresh_from_db()
    assert req.state == RequestState.PENDING
    with pytest.raises(ApprovalRefused, match="no longer allowed to represent"):
        approve(req, now=TUESDAY_NOON + HOUR)
    req.refresh_from_db()
    # The request ends as processing failed (R18), no status for the practitioner (R19).
    assert req.state == RequestState.FAILED
    assert req.signed_at is None
    assert status in req.staff_reason
    assert selectors.request_status_for_practitioner(req) != "Pending with the taxpayer"
    assert not Authorization.objects.filter(taxpayer=taxpayer).exists()
    failed = AuditEvent.objects.get(action="request.failed", object_id=str(req.pk))
    assert failed.actor == taxpayer.user
    # A second try is refused as already ended, and changes nothing.
    with pytest.raises(ApprovalRefused, match="could not be processed"):
        approve(req, now=TUESDAY_NOON + 2 * HOUR)
    assert AuditEvent.objects.filter(action="request.failed").count() == 1


def test_r3a_a_representative_in_good_standing_is_not_refused(cpa, taxpayer) -> None:
    req = submit(cpa, taxpayer)
    assert services.request_approval_refusal(request_id=req.pk, taxpayer_id=taxpayer.pk) is None
    approve(req)
    req.refresh_from_db()
    assert req.state == RequestState.APPROVED


def test_r25_r27_the_count_takes_the_worst_state_while_an_earlier_approval_waits(taxpayer) -> None:
    """Found by the ledger's state machine: Tuesday's two POAs with notices are in force; a
    third representative's POA approved on Wednesday would end them, but the worker lost it.
    A TIA with notices from that representative on Thursday, recorded first, would put three
    recipients on the ledger until the sweeper records Wednesday's POA: refused."""
    reps = [make_rep(code="c") for _ in range(3)]
    approve_and_record(submit(reps[0], taxpayer, notices=True))
    approve_and_record(submit(reps[1], taxpayer, notices=True))
    wednesday, thursday = TUESDAY_NOON + DAY, TUESDAY_NOON + 2 * DAY
    approve(submit(reps[2], taxpayer, notices=True, now=wednesday), now=wednesday)
    tia = submit(reps[2], taxpayer, notices=True, kind=RequestKind.TIA, now=thursday)
    with pytest.raises(ApprovalRefused, match="two is the limit"):
        approve(tia, now=thursday + HOUR)
    # Once Wednesday's POA is on the ledger (it ended both Tuesday rows), the TIA is approved.
    services.approvals_drain(now=thursday + 2 * HOUR)
    assert approve(tia, now=thursday + 3 * HOUR).state == RequestState.APPROVED


_DAYS = st.dates(min_value=dt.date(2026, 1, 5), max_value=dt.date(2026, 1, 9))
_WAITING = st.lists(
    st.tuples(st.sampled_from(["poa", "tia"]), _DAYS, st.booleans(), st.integers(1, 6)),
    max_size=7,
)
_ROWS = st.lists(
    st.tuples(
        st.sampled_from(["poa", "tia"]),
        _DAYS,
        st.sampled_from([None, dt.datetime(2026, 1, 9, tzinfo=dt.UTC)]),
        st.booleans(),
        st.integers(1, 6),
    ),
    max_size=6,
)


@given(rows=_ROWS, waiting=_WAITING, kind=st.sampled_from(["poa", "tia"]), today=_DAYS)
def test_r25_r27_the_states_tried_find_the_same_worst_as_every_subset(
    rows, waiting, kind, today
) -> None:
    """R25: the approval check tries one state per kind and day, not every subset of the
    approvals still waiting; the worst it finds is the worst of every subset."""
    req = AuthorizationRequest(kind=kind, caf_record_id=7)

    def worst(states) -> int:
        return max(len(decisions._recipients_given(req, today, rows, s)) for s in states)

    every_subset = [c for n in range(len(waiting) + 1) for c in combinations(waiting, n)]
    assert worst(decisions._states_worth_trying(waiting)) == worst(every_subset)
