"""The ledger: recording, supersession and order independence (R21, R23, R24, R27, R28)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from authorizations import services
from authorizations.models import (
    Authorization,
    AuthorizationRequest,
    EndReason,
    RequestKind,
    RequestState,
)
from caf.models import PracticeStatus
from taxpro.models import AuditEvent
from taxpro.service_hours.services import maintenance_window_schedule
from tests.authorizations.conftest import (
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
from tests.personas import staff_clerk

pytestmark = pytest.mark.django_db

SECOND = dt.timedelta(seconds=1)


def active_cafs(taxpayer, module=INCOME_2024, kind=RequestKind.POA) -> set[str]:
    return set(
        Authorization.objects.active()
        .filter(taxpayer=taxpayer, matter=module[0], period=module[1], kind=kind)
        .values_list("caf_record__caf_number", flat=True)
    )


def test_r21_an_approved_request_is_recorded_on_the_ledger(cpa, taxpayer) -> None:
    req = approve_and_record(submit(cpa, taxpayer, modules=[INCOME_2024, INCOME_2023]))
    assert req.state == RequestState.RECORDED
    rows = Authorization.objects.filter(request=req)
    assert {(r.matter, r.period) for r in rows} == {INCOME_2024, INCOME_2023}
    assert all(r.ends_at is None and r.caf_record == cpa.caf_record for r in rows)


def test_r23_a_later_day_revokes_the_prior_authorization_for_the_same_module_and_kind(
    cpa, agent, taxpayer
) -> None:
    first = approve_and_record(submit(cpa, taxpayer))
    second = approve_and_record(
        submit(agent, taxpayer, now=TUESDAY_NOON + DAY), now=TUESDAY_NOON + DAY
    )
    assert active_cafs(taxpayer) == {agent.caf_record.caf_number}
    ended = Authorization.objects.get(request=first)
    assert ended.end_reason == EndReason.SUPERSEDED
    assert ended.ended_by_request == second


def test_r23_a_poa_never_revokes_a_tia_nor_a_tia_a_poa(cpa, agent, taxpayer) -> None:
    approve_and_record(submit(cpa, taxpayer, kind=RequestKind.TIA))
    later = TUESDAY_NOON + DAY
    approve_and_record(submit(agent, taxpayer, kind=RequestKind.POA, now=later), now=later)
    assert active_cafs(taxpayer, kind=RequestKind.TIA) == {cpa.caf_record.caf_number}
    assert active_cafs(taxpayer, kind=RequestKind.POA) == {agent.caf_record.caf_number}


def test_r23_other_periods_are_untouched(cpa, agent, taxpayer) -> None:
    approve_and_record(submit(cpa, taxpayer, modules=[INCOME_2023]))
    later = TUESDAY_NOON + DAY
    approve_and_record(submit(agent, taxpayer, modules=[INCOME_2024], now=later), now=later)
    assert active_cafs(taxpayer, module=INCOME_2023) == {cpa.caf_record.caf_number}


def test_r24_same_day_approvals_do_not_revoke_each_other(cpa, agent, taxpayer) -> None:
    approve_and_record(submit(cpa, taxpayer))
    approve_and_record(submit(agent, taxpayer), now=TUESDAY_NOON + dt.timedelta(hours=3))
    assert active_cafs(taxpayer) == {cpa.caf_record.caf_number, agent.caf_record.caf_number}


def test_r24_same_day_means_the_calendar_day_in_eastern_time(cpa, agent, taxpayer) -> None:
    # 23:30 ET on Tuesday is already Wednesday in UTC: still the same day for the rules.
    late_tuesday = dt.datetime(2026, 11, 24, 23, 30, tzinfo=TUESDAY_NOON.tzinfo)
    approve_and_record(submit(cpa, taxpayer), now=TUESDAY_NOON)
    approve_and_record(submit(agent, taxpayer, now=late_tuesday), now=late_tuesday)
    assert active_cafs(taxpayer) == {cpa.caf_record.caf_number, agent.caf_record.caf_number}


def test_r27_a_late_recorded_approval_is_recorded_as_already_superseded(
    cpa, agent, taxpayer
) -> None:
    early = submit(cpa, taxpayer)
    approve(early, now=TUESDAY_NOON)  # signed Tuesday, not yet recorded
    later_day = TUESDAY_NOON + DAY
    late = approve_and_record(submit(agent, taxpayer, now=later_day), now=later_day)
    services.request_record(request_id=early.pk, now=later_day + dt.timedelta(hours=1))
    row = Authorization.objects.get(request=early)
    assert row.ends_at is not None
    assert row.end_reason == EndReason.SUPERSEDED
    assert row.ended_by_request == late
    assert active_cafs(taxpayer) == {agent.caf_record.caf_number}


def test_r27_recording_twice_leaves_one_set_of_rows(cpa, taxpayer) -> None:
    req = submit(cpa, taxpayer, modules=[INCOME_2024, INCOME_2023])
    approve(req)
    first = services.request_record(request_id=req.pk, now=TUESDAY_NOON + SECOND)
    second = services.request_record(request_id=req.pk, now=TUESDAY_NOON + 2 * SECOND)
    assert (first, second) == (
        services.RecordOutcome.RECORDED,
        services.RecordOutcome.ALREADY_RECORDED,
    )
    assert Authorization.objects.filter(request=req).count() == 2


def test_r27_the_database_refuses_a_second_row_for_a_request_module(cpa, taxpayer) -> None:
    req = approve_and_record(submit(cpa, taxpayer))
    row = Authorization.objects.get(request=req)
    row.pk = None
    row.ends_at, row.end_reason = TUESDAY_NOON + DAY, EndReason.SUPERSEDED
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()


def test_r27_final_ledger_is_the_same_whatever_the_processing_order(db) -> None:
    def run(order: list[int]) -> set[tuple[str, str | None]]:
        taxpayer = make_taxpayer()
        reps = [make_rep(code="c") for _ in range(3)]
        days = [TUESDAY_NOON, TUESDAY_NOON, TUESDAY_NOON + DAY]
        reqs = [submit(rep, taxpayer, now=day) for rep, day in zip(reps, days, strict=True)]
        for req, day in zip(reqs, days, strict=True):
            approve(req, now=day)
        for index in order:
            services.request_record(request_id=reqs[index].pk, now=TUESDAY_NOON + 2 * DAY)
        return {
            (
                str(reps.index(next(r for r in reps if r.caf_record == row.caf_record))),
                row.end_reason or None,
            )
            for row in Authorization.objects.filter(taxpayer=taxpayer)
        }

    outcomes = {frozenset(run(order)) for order in ([0, 1, 2], [2, 1, 0], [1, 2, 0])}
    assert len(outcomes) == 1
    assert outcomes.pop() == {("0", "superseded"), ("1", "superseded"), ("2", None)}


def _raw(sql: str, params: list[object]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_r28_the_database_refuses_to_delete_a_ledger_row(cpa, taxpayer) -> None:
    row = Authorization.objects.get(request=approve_and_record(submit(cpa, taxpayer)))
    with pytest.raises(IntegrityError, match="append-only"):
        _raw("DELETE FROM authorizations_authorization WHERE id = %s", [row.pk])


def test_r28_the_database_refuses_to_rewrite_an_active_row(cpa, taxpayer) -> None:
    row = Authorization.objects.get(request=approve_and_record(submit(cpa, taxpayer)))
    with pytest.raises(IntegrityError, match="append-only"):
        _raw("UPDATE authorizations_authorization SET period = '202312' WHERE id = %s", [row.pk])
    with pytest.raises(IntegrityError, match="append-only"):
        # Ending it while also moving its start is still a rewrite.
        _raw(
            "UPDATE authorizations_authorization SET ends_at = now(), end_reason = 'error', "
            "starts_at = starts_at - interval '1 day' WHERE id = %s",
            [row.pk],
        )


def test_r28_an_ended_row_never_changes_again(cpa, taxpayer) -> None:
    row = Authorization.objects.get(request=approve_and_record(submit(cpa, taxpayer)))
    services.authorization_withdraw(
        authorization_id=row.pk, practitioner=cpa.user, now=TUESDAY_NOON + DAY
    )
    with pytest.raises(IntegrityError, match="append-only"):
        _raw(
            "UPDATE authorizations_authorization SET end_reason = 'revoked' WHERE id = %s", [row.pk]
        )


def test_r28_ending_an_active_row_is_the_one_update_allowed(cpa, taxpayer) -> None:
    row = Authorization.objects.get(request=approve_and_record(submit(cpa, taxpayer)))
    _raw(
        "UPDATE authorizations_authorization SET ends_at = now() + interval '1 day', "
        "end_reason = 'error', ended_by_label = 'staff' WHERE id = %s",
        [row.pk],
    )
    row.refresh_from_db()
    assert row.end_reason == EndReason.ERROR


def test_r28_who_was_authorized_on_a_date_is_a_query(cpa, agent, taxpayer) -> None:
    approve_and_record(submit(cpa, taxpayer))
    later = TUESDAY_NOON + DAY
    approve_and_record(submit(agent, taxpayer, now=later), now=later)
    on_tuesday = Authorization.objects.in_force_on(TUESDAY_NOON + dt.timedelta(hours=2))
    on_wednesday = Authorization.objects.in_force_on(later + dt.timedelta(hours=2))
    assert {r.caf_record_id for r in on_tuesday} == {cpa.caf_record.pk}
    assert {r.caf_record_id for r in on_wednesday} == {agent.caf_record.pk}


def test_r28_the_audit_trail_refuses_update_and_delete(cpa, taxpayer) -> None:
    approve_and_record(submit(cpa, taxpayer))

    event = AuditEvent.objects.first()
    with pytest.raises(IntegrityError, match="append-only"):
        _raw("UPDATE authorizations_auditevent SET action = 'x' WHERE id = %s", [event.pk])
    with pytest.raises(IntegrityError, match="append-only"):
        _raw("DELETE FROM authorizations_auditevent WHERE id = %s", [event.pk])


def test_r42_recording_waits_while_closed_and_the_opening_drains_in_signing_order(
    cpa, agent, taxpayer
) -> None:
    saturday_night = dt.datetime(2026, 11, 28, 22, 0, tzinfo=TUESDAY_NOON.tzinfo)
    first = submit(cpa, taxpayer, now=TUESDAY_NOON)
    second = submit(agent, taxpayer, now=TUESDAY_NOON)
    # Taxpayers are not closed out (R42): they sign while the portal is closed.
    approve(second, now=saturday_night)
    approve(first, now=saturday_night + dt.timedelta(minutes=5))
    assert (
        services.request_record(request_id=second.pk, now=saturday_night + SECOND)
        == services.RecordOutcome.WAITING_FOR_OPENING
    )
    sunday_opening = dt.datetime(2026, 11, 29, 10, 0, 30, tzinfo=TUESDAY_NOON.tzinfo)
    event = services.service_transitions_record(now=sunday_opening)
    again = services.service_transitions_record(now=sunday_opening + dt.timedelta(minutes=1))
    assert event.pk == again.pk and event.kind == "opened"
    assert event.at == dt.datetime(2026, 11, 29, 10, 0, tzinfo=TUESDAY_NOON.tzinfo)

    recorded = list(
        AuditEvent.objects.filter(action="request.recorded")
        .order_by("id")
        .values_list("object_id", flat=True)
    )
    assert recorded == [str(second.pk), str(first.pk)]
    assert AuthorizationRequest.objects.filter(state=RequestState.RECORDED).count() == 2


def test_r42_closing_is_recorded_once_at_its_boundary(db) -> None:
    saturday_night = dt.datetime(2026, 11, 28, 21, 0, tzinfo=TUESDAY_NOON.tzinfo)
    a = services.service_transitions_record(now=saturday_night + dt.timedelta(minutes=3))
    b = services.service_transitions_record(now=saturday_night + dt.timedelta(hours=2))
    assert a.pk == b.pk and a.kind == "closed" and a.at == saturday_night


def _standing_lost(rep, *, now: dt.datetime) -> None:
    """Staff record a suspension for ``rep``'s CAF record (the admin action's service)."""
    services.caf_practice_status_change(
        caf_record=rep.caf_record, status=PracticeStatus.SUSPENDED, actor=staff_clerk(), now=now
    )


def test_r3a_recording_refuses_a_representative_no_longer_in_good_standing(cpa, taxpayer) -> None:
    req = approve(submit(cpa, taxpayer))
    _standing_lost(cpa, now=TUESDAY_NOON + SECOND)
    outcome = services.request_record(request_id=req.pk, now=TUESDAY_NOON + 2 * SECOND)
    assert outcome == services.RecordOutcome.REPRESENTATIVE_NOT_IN_GOOD_STANDING
    req.refresh_from_db()
    # R19: it failed processing; the practitioner is told to contact the taxpayer.
    assert req.state == RequestState.FAILED and "good standing" in req.staff_reason
    assert not Authorization.objects.filter(request=req).exists()
    assert AuditEvent.objects.filter(action="request.failed", object_id=str(req.pk)).exists()
    # Recording again changes nothing.
    assert (
        services.request_record(request_id=req.pk, now=TUESDAY_NOON + 3 * SECOND)
        == services.RecordOutcome.NOT_APPROVED
    )


def test_r3a_the_opening_drain_applies_the_same_standing_check(cpa, agent, taxpayer) -> None:
    saturday_night = dt.datetime(2026, 11, 28, 22, 0, tzinfo=TUESDAY_NOON.tzinfo)
    lost = approve(submit(cpa, taxpayer, now=TUESDAY_NOON), now=saturday_night)
    kept = approve(
        submit(agent, taxpayer, now=TUESDAY_NOON, modules=[INCOME_2023]), now=saturday_night
    )
    _standing_lost(cpa, now=saturday_night + SECOND)
    sunday_opening = dt.datetime(2026, 11, 29, 10, 0, 30, tzinfo=TUESDAY_NOON.tzinfo)
    event = services.service_transitions_record(now=sunday_opening)
    event.refresh_from_db()
    assert event.kind == "opened" and event.drained == 1  # the failed one is not counted
    lost.refresh_from_db()
    kept.refresh_from_db()
    assert lost.state == RequestState.FAILED and kept.state == RequestState.RECORDED
    assert not Authorization.objects.filter(caf_record=cpa.caf_record).active().exists()
    assert active_cafs(taxpayer, INCOME_2023) == {agent.caf_record.caf_number}


def test_r41_r42_a_maintenance_window_scheduled_just_now_holds_recording(cpa, taxpayer) -> None:
    # R41: recording reads the windows in its first statement, on every recording: a window
    # scheduled after one recording holds the next, and its end lets it through.
    req = approve(submit(cpa, taxpayer, now=TUESDAY_NOON), now=TUESDAY_NOON)
    window = maintenance_window_schedule(
        starts_at=TUESDAY_NOON + SECOND,
        ends_at=TUESDAY_NOON + dt.timedelta(hours=1),
        actor=staff_clerk(),
        now=TUESDAY_NOON,
    )
    during = window.starts_at + dt.timedelta(minutes=5)
    assert services.request_record(request_id=req.pk, now=during) == (
        services.RecordOutcome.WAITING_FOR_OPENING
    )
    assert not Authorization.objects.filter(request=req).exists()
    assert services.request_record(request_id=req.pk, now=window.ends_at) == (
        services.RecordOutcome.RECORDED
    )


def test_r21_recording_sends_nine_statements_whatever_the_modules(cpa, taxpayer) -> None:
    # Issue 12: the recording path's statements are what bench/recording.py compares with
    # pgbench; one more per module (or a window query of its own) is a regression. Three locks
    # (the windows read in the first), one read of the modules with their ledger rows, the
    # ledger INSERT, the request's UPDATE, its audit event, the practitioner's notice, and
    # (issue 14) the one look for webhook endpoints that want the "recorded" event.
    one = approve(submit(cpa, taxpayer, modules=[INCOME_2024]))
    three = approve(
        submit(cpa, make_taxpayer(), modules=[INCOME_2024, INCOME_2023, ("1040", "202212")])
    )
    for req in (one, three):
        with CaptureQueriesContext(connection) as sent:
            assert services.request_record(request_id=req.pk) == services.RecordOutcome.RECORDED
        statements = [
            q["sql"]
            for q in sent.captured_queries
            if not q["sql"].startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT"))
        ]
        assert len(statements) == 9, statements
        assert any("webhook" in sql for sql in statements), statements
