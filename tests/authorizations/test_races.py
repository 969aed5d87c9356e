"""Races on the ledger: real threads, each with its own database connection (R25, R27, R29).

Every thread opens its connection first, then waits at a barrier, so that all of them hit the
database at once; each closes its connection at the end. The services lock the taxpayer row,
then the request, then ledger rows, and the partial unique indexes back that up: whatever the
interleaving, the ledger must hold exactly the rows the rules give (quality.md: 0 duplicates).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from functools import partial

import pytest
from django.db import connection

from authorizations import services
from authorizations.errors import ApprovalRefused, AuthorizationNotActive
from authorizations.models import (
    Authorization,
    AuthorizationRequest,
    EndReason,
    RequestKind,
    RequestState,
)
from taxpayers.models import Letter, LetterKind
from taxpro.models import AuditEvent
from tests.authorizations.conftest import (
    CONSENT,
    DAY,
    INCOME_2023,
    INCOME_2024,
    TUESDAY_NOON,
    Rep,
    approve,
    approve_and_record,
    make_rep,
    make_taxpayer,
    submit,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

THREADS = 16
SECOND = dt.timedelta(seconds=1)


@pytest.fixture(autouse=True)
def _threads_are_the_workers(monkeypatch) -> None:
    # request_approve hands each approval to Celery after commit; here the threads record
    # themselves, and nothing should reach a broker that a worker on another database reads.
    monkeypatch.setattr(
        "authorizations.services.recording.enqueue_recording", lambda request_id: None
    )


def at_once(jobs: list[Callable[[], object]]) -> list[object]:
    """Run each job in its own thread and connection, all released together. Returns each
    job's result, or the exception it raised."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(index: int, job: Callable[[], object]) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            results[index] = job()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


def reps(count: int) -> list[Rep]:
    return [make_rep(code="bc"[i % 2]) for i in range(count)]


def assert_one_row_per_request_module() -> None:
    """R27: no duplicates, and every recorded request has exactly its modules' rows."""
    rows = Counter(Authorization.objects.values_list("request_id", "matter", "period"))
    assert [key for key, count in rows.items() if count > 1] == []
    expected = {
        (module.request_id, module.matter, module.period)
        for req in AuthorizationRequest.objects.filter(state=RequestState.RECORDED)
        for module in req.modules.all()
    }
    assert set(rows) == expected


def active_by_module_kind(taxpayer) -> dict[tuple[str, str, str], set[int]]:
    active: dict[tuple[str, str, str], set[int]] = defaultdict(set)
    for row in Authorization.objects.active().filter(taxpayer=taxpayer):
        active[(row.matter, row.period, row.kind)].add(row.caf_record_id)
    return dict(active)


def active_the_rules_give(taxpayer) -> dict[tuple[str, str, str], set[int]]:
    """R23/R24 from the committed requests: the latest signing day's representatives, per
    module and kind (nobody withdrew or revoked here)."""
    signed: dict[tuple[str, str, str], list[tuple[dt.date, int]]] = defaultdict(list)
    for req in AuthorizationRequest.objects.filter(taxpayer=taxpayer, state=RequestState.RECORDED):
        for module in req.modules.all():
            signed[(module.matter, module.period, req.kind)].append(
                (req.signed_on, req.caf_record_id)
            )
    return {
        key: {caf for day, caf in pairs if day == max(d for d, _ in pairs)}
        for key, pairs in signed.items()
    }


def approve_then_record(
    req: AuthorizationRequest, *, signed_at: dt.datetime, recorded_at: dt.datetime
) -> services.RecordOutcome:
    """The taxpayer signs; the worker records (both at once in other threads)."""
    taxpayer = req.taxpayer
    services.request_approve(
        request_id=req.pk,
        taxpayer_id=taxpayer.pk,
        actor=taxpayer.user,
        consent=CONSENT,
        now=signed_at,
    )
    return services.request_record(request_id=req.pk, now=recorded_at)


def test_r27_racing_approvals_for_the_same_modules_leave_exactly_the_rules_rows() -> None:
    """16 representatives' approvals, approved and recorded at once, round after round.

    In each round half the approvals were signed on one day and half on the next (a backlog
    being worked through), both kinds, both modules: the later day's must end the earlier day's
    of the same kind (R23), the same day's coexist (R24), whatever the interleaving (R27).
    """
    taxpayer = make_taxpayer()
    people = reps(THREADS)
    rounds = [(0, 1), (2, 3), (6, 7)]  # day offsets from Tuesday: weekdays, the portal open
    for first, second in rounds:
        requests, signing = [], []
        for i, rep in enumerate(people):
            day = TUESDAY_NOON + (first if i % 2 else second) * DAY
            kind = RequestKind.POA if i % 4 < 2 else RequestKind.TIA
            requests.append(
                submit(
                    rep,
                    taxpayer,
                    modules=[INCOME_2024, INCOME_2023],
                    kind=kind,
                    now=TUESDAY_NOON + first * DAY,
                )
            )
            signing.append(day + i * SECOND)
        worked_at = TUESDAY_NOON + second * DAY + dt.timedelta(hours=2)

        jobs = [
            partial(approve_then_record, req, signed_at=signed, recorded_at=worked_at + i * SECOND)
            for i, (req, signed) in enumerate(zip(requests, signing, strict=True))
        ]
        results = at_once(jobs)
        assert results == [services.RecordOutcome.RECORDED] * THREADS
        assert_one_row_per_request_module()
        expected = active_the_rules_give(taxpayer)
        assert active_by_module_kind(taxpayer) == expected
        # The later day's 8 representatives, split 4 POA and 4 TIA, on each module.
        assert sorted(len(cafs) for cafs in expected.values()) == [4, 4, 4, 4]
    assert Authorization.objects.count() == len(rounds) * THREADS * 2
    assert (
        not Authorization.objects.filter(ends_at__isnull=False)
        .exclude(end_reason=EndReason.SUPERSEDED)
        .exists()
    )


def test_r27_recording_the_same_approval_at_once_leaves_one_set_of_rows() -> None:
    taxpayer = make_taxpayer()
    (rep,) = reps(1)
    req = submit(rep, taxpayer, modules=[INCOME_2024, INCOME_2023])
    approve(req)
    results = at_once(
        [
            lambda i=i: services.request_record(request_id=req.pk, now=TUESDAY_NOON + i * SECOND)
            for i in range(THREADS)
        ]
    )
    assert Counter(results) == {
        services.RecordOutcome.RECORDED: 1,
        services.RecordOutcome.ALREADY_RECORDED: THREADS - 1,
    }
    req.refresh_from_db()
    assert req.state == RequestState.RECORDED
    assert_one_row_per_request_module()
    assert Authorization.objects.filter(request=req).count() == 2
    assert AuditEvent.objects.filter(action="request.recorded").count() == 1


def test_r29_withdrawing_the_same_authorization_at_once_succeeds_once() -> None:
    """Eight authorizations, each withdrawn by two threads at once: one wins, one is told it
    has ended, and the taxpayer gets one letter per authorization."""
    taxpayer = make_taxpayer()
    people = reps(THREADS // 2)
    rows = [
        Authorization.objects.get(request=approve_and_record(submit(rep, taxpayer)))
        for rep in people
    ]
    later = TUESDAY_NOON + DAY
    jobs = [
        lambda row=row, rep=rep, i=i: services.authorization_withdraw(
            authorization_id=row.pk, practitioner=rep.user, now=later + i * SECOND
        )
        for row, rep in zip(rows, people, strict=True)
        for i in range(2)
    ]
    results = at_once(jobs)
    for pair in zip(results[::2], results[1::2], strict=True):
        assert sorted(type(result).__name__ for result in pair) == [
            "Authorization",
            "AuthorizationNotActive",
        ], pair
    assert all(isinstance(r, Authorization | AuthorizationNotActive) for r in results)
    assert not Authorization.objects.active().exists()
    assert set(Authorization.objects.values_list("end_reason", flat=True)) == {EndReason.WITHDRAWN}
    assert Letter.objects.filter(kind=LetterKind.WITHDRAWAL_NOTICE).count() == len(rows)
    assert AuditEvent.objects.filter(action="authorization.withdrawn").count() == len(rows)


def test_r29_r30_a_withdrawal_racing_a_revocation_ends_the_row_once() -> None:
    """The representative withdraws while the taxpayer revokes: whichever wins, one ending,
    one letter, and the loser is told the authorization has ended."""
    taxpayer = make_taxpayer()
    people = reps(THREADS // 2)
    rows = [
        Authorization.objects.get(request=approve_and_record(submit(rep, taxpayer)))
        for rep in people
    ]
    later = TUESDAY_NOON + DAY
    jobs: list[Callable[[], object]] = []
    for row, rep in zip(rows, people, strict=True):
        jobs.append(
            lambda row=row, rep=rep: services.authorization_withdraw(
                authorization_id=row.pk, practitioner=rep.user, now=later
            )
        )
        jobs.append(
            lambda row=row: services.authorization_revoke(
                authorization_id=row.pk, taxpayer_id=taxpayer.pk, actor=taxpayer.user, now=later
            )
        )
    results = at_once(jobs)
    for row, pair in zip(rows, zip(results[::2], results[1::2], strict=True), strict=True):
        winners = [r for r in pair if isinstance(r, Authorization)]
        losers = [r for r in pair if isinstance(r, AuthorizationNotActive)]
        assert (len(winners), len(losers)) == (1, 1), pair
        row.refresh_from_db()
        assert row.end_reason == winners[0].end_reason
    assert not Authorization.objects.active().exists()
    letters = Letter.objects.filter(
        kind__in=[LetterKind.WITHDRAWAL_NOTICE, LetterKind.REVOCATION_NOTICE]
    )
    assert letters.count() == len(rows)


def test_r25_racing_approvals_with_notices_make_at_most_two_recipients() -> None:
    """Eight representatives asking for copies of notices for the same module, approved at once
    on the same day: the taxpayer row lock serialises them, so two pass and six are refused."""
    taxpayer = make_taxpayer()
    people = reps(8)
    requests = [submit(rep, taxpayer, notices=True) for rep in people]
    results = at_once(
        [
            lambda req=req, i=i: approve(req, now=TUESDAY_NOON + i * SECOND)
            for i, req in enumerate(requests)
        ]
    )
    approved = [r for r in results if isinstance(r, AuthorizationRequest)]
    refused = [r for r in results if isinstance(r, ApprovalRefused)]
    assert len(approved) <= 2
    assert len(approved) == 2, "nobody else receives notices, so the first two must pass"
    assert len(refused) == len(people) - 2
    assert all("two is the limit" in str(error) for error in refused)
    assert (
        AuthorizationRequest.objects.filter(
            state=RequestState.APPROVED, receives_notices=True
        ).count()
        == 2
    )
    assert services.approvals_drain(now=TUESDAY_NOON + dt.timedelta(hours=1)) == 2
    recipients = set(
        Authorization.objects.active()
        .filter(receives_notices=True)
        .values_list("caf_record_id", flat=True)
    )
    assert len(recipients) == 2
