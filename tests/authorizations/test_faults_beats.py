"""Two beat processes at once (quality.md, "Faults"): each scheduled job's effect happens once.

stack.md says run exactly one beat, and that a second one doubles every schedule. This test runs
two real ``celery beat`` processes against one private Redis, with a real worker of two pool
children (so that the doubled messages also run at the same moment), every beat entry of
taxpro/celery.py due each second (tests/authorizations/beat_every_second.py). Meanwhile:

- the service is closed for maintenance and taxpayers approve; staff then end the maintenance
  now (R40, R42): the closing and the opening are each recorded once, and each approval that
  waited is recorded once, by exactly one job run (the opening's drain or a sweep);
- some pending requests are past their expiry and some are due a reminder (R18): each expires
  once and each taxpayer gets one reminder letter.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter

import pytest

from authorizations.models import AuthorizationRequest, RequestState
from taxpayers.models import Letter, LetterKind
from taxpro import clock
from taxpro.models import AuditEvent, ServiceEvent, ServiceEventKind
from taxpro.service_hours.services import maintenance_window_move, maintenance_window_schedule
from tests.authorizations.conftest import approve, make_rep, make_taxpayer, submit
from tests.authorizations.factories import AuthorizationRequestFactory
from tests.authorizations.fault_support import (
    CeleryBeat,
    PrivateRedis,
    Worker,
    wait_for,
)
from tests.authorizations.test_faults import Population, check_ledger, report
from tests.personas import staff_clerk

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("service_open"),
]

APPROVALS = 8
EXPIRED = 6
REMINDED = 6
BEAT_APP = "tests.authorizations.beat_every_second"
JOBS = ("sweep-approvals", "service-transitions", "expire-requests")
# After the opening, each beat sends each job at least this many times before the test looks.
SENDS_AFTER_OPENING = 3

_SUCCEEDED = re.compile(r"Task ([\w.]+)\[[^\]]+\] succeeded in [0-9.e-]+s: '?([\w ]+)'?")
_RECEIVED = re.compile(r"Task ([\w.]+)\[[^\]]+\] received")
_RUN = re.compile(
    r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): INFO/ForkPoolWorker-\d+\] "
    r"Task [\w.]+\.(\w+)\[[^\]]+\] succeeded in ([0-9.e-]+)s",
    re.M,
)


def worker_results(worker: Worker) -> tuple[Counter[tuple[str, str]], Counter[str]]:
    """(task, result) of every task the worker finished, and how many of each it received."""
    text = worker.log_text()
    finished = Counter(
        (task.rsplit(".", 1)[-1], result) for task, result in _SUCCEEDED.findall(text)
    )
    received = Counter(task.rsplit(".", 1)[-1] for task in _RECEIVED.findall(text))
    return finished, received


def overlapping_runs(worker: Worker) -> Counter[str]:
    """Pairs of runs of the same task that were running at the same moment (both pool
    children at once), per task: how often the doubled messages really ran side by side."""
    text = worker.log_text()
    runs: dict[str, list[tuple[float, float]]] = {}
    for stamp, task, seconds in _RUN.findall(text):
        ended = dt.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp()
        runs.setdefault(task, []).append((ended - float(seconds), ended))
    overlaps: Counter[str] = Counter()
    for task, spans in runs.items():
        spans.sort()
        for n, (_, end) in enumerate(spans):
            overlaps[task] += sum(1 for start, _ in spans[n + 1 :] if start < end)
    return overlaps


def pending_requests(count: int, *, age_days: int) -> list[AuthorizationRequest]:
    """Pending requests sent ``age_days`` ago, each to its own taxpayer."""
    sent = clock.now() - dt.timedelta(days=age_days)
    return [AuthorizationRequestFactory(created_at=sent) for _ in range(count)]


@pytest.mark.timeout(240)
def test_r42_r18_two_beats_at_once_each_scheduled_effect_happens_once(
    private_redis: PrivateRedis, tmp_path
) -> None:
    clerk = staff_clerk()
    rep = make_rep(code="b")
    pop = Population(
        requests=[submit(rep, make_taxpayer(), now=clock.now()) for _ in range(APPROVALS)]
    )
    ids = [r.pk for r in pop.requests]
    # R18 with the default 21 days and a reminder 5 days before: 22 days old has expired,
    # 17 days old expires in 4 days and is due its reminder.
    overdue = pending_requests(EXPIRED, age_days=22)
    due_reminder = pending_requests(REMINDED, age_days=17)

    now = clock.now()
    window = maintenance_window_schedule(
        starts_at=now - dt.timedelta(minutes=1),
        ends_at=now + dt.timedelta(hours=1),
        reason="Fault test: two beats",
        actor=clerk,
    )
    for req in pop.requests:
        approve(req, now=clock.now())  # R42: signed while closed, they wait for the opening

    worker = Worker(redis_url=private_redis.url, log=tmp_path / "worker.log", concurrency=2)
    beats = [
        CeleryBeat(app_module=BEAT_APP, redis_url=private_redis.url, workdir=tmp_path, name=name)
        for name in ("beat-1", "beat-2")
    ]
    try:
        worker.start()
        for beat in beats:
            beat.start()

        def both_beats_sent(times: int, since: list[Counter[str]] | None = None) -> bool:
            for n, beat in enumerate(beats):
                sent = beat.sent()
                if any(sent[job] - (since[n][job] if since else 0) < times for job in JOBS):
                    return False
            return True

        def closing_seen() -> bool:
            finished, _ = worker_results(worker)
            fast_paths = sum(n for (task, _), n in finished.items() if task == "record_request")
            return (
                fast_paths == APPROVALS
                and ServiceEvent.objects.filter(kind=ServiceEventKind.CLOSED).exists()
            )

        # While closed: both beats at work, the closing recorded, every fast path told to wait.
        assert wait_for(lambda: both_beats_sent(2) and closing_seen(), 90), worker.log_tail()
        still_waiting = AuthorizationRequest.objects.filter(
            pk__in=ids, state=RequestState.APPROVED
        ).count()

        # Staff end the maintenance now: the next ticks of both beats see the opening.
        opened_at = clock.now()
        maintenance_window_move(
            window=window, starts_at=window.starts_at, ends_at=opened_at, actor=clerk
        )
        sent_at_opening = [beat.sent() for beat in beats]
        started = time.monotonic()

        def all_done() -> bool:
            return (
                both_beats_sent(SENDS_AFTER_OPENING, sent_at_opening)
                and not AuthorizationRequest.objects.filter(
                    pk__in=ids, state=RequestState.APPROVED
                ).exists()
                and not AuthorizationRequest.objects.filter(
                    pk__in=[r.pk for r in overdue], state=RequestState.PENDING
                ).exists()
            )

        assert wait_for(all_done, 120), worker.log_tail()
        settled_seconds = time.monotonic() - started
        # Whatever both beats sent is run before counting: they stop, the queue drains.
        for beat in beats:
            beat.stop()
        assert wait_for(private_redis.queue_drained, 60), worker.log_tail()
    finally:
        for beat in beats:
            beat.stop()
        worker.stop()

    events = Counter(ServiceEvent.objects.values_list("kind", "at"))
    opening = ServiceEvent.objects.get(kind=ServiceEventKind.OPENED, at=opened_at)
    finished, received = worker_results(worker)
    recorded_by = {
        "opening drain": opening.drained,
        "sweeps": worker.sweeps_recorded(),
        "fast path": finished[("record_request", "recorded")],
    }
    figures = check_ledger(pop)
    expired_events = Counter(
        AuditEvent.objects.filter(
            action="request.expired", object_id__in=[str(r.pk) for r in overdue]
        ).values_list("object_id", flat=True)
    )
    reminders = Counter(
        Letter.objects.filter(
            kind=LetterKind.REMINDER, taxpayer__in=[r.taxpayer_id for r in due_reminder]
        ).values_list("taxpayer_id", flat=True)
    )
    sent = [beat.sent() for beat in beats]
    report(
        "two beats at once",
        sent_by_beat=[{job: s[job] for job in JOBS} for s in sent],
        tasks_received={job: received[job] for job in sorted(received)},
        runs_side_by_side=dict(overlapping_runs(worker)),
        service_events=len(events),
        service_events_recorded_twice=sum(1 for n in events.values() if n > 1),
        approvals=APPROVALS,
        waiting_when_opened=still_waiting,
        recorded_by=recorded_by,
        duplicate_rows=figures.duplicate_rows,
        recorded_twice=figures.recorded_twice,
        expired=len(expired_events),
        expired_twice=sum(1 for n in expired_events.values() if n > 1),
        reminded=len(reminders),
        reminded_twice=sum(1 for n in reminders.values() if n > 1),
        settled_seconds_after_opening=round(settled_seconds, 1),
    )
    # Both beats really did double every job.
    assert all(s[job] >= 2 + SENDS_AFTER_OPENING for s in sent for job in JOBS)
    assert events == {
        (ServiceEventKind.CLOSED, window.starts_at): 1,
        (ServiceEventKind.OPENED, opened_at): 1,
    }
    assert still_waiting == APPROVALS  # nothing was recorded while closed (R42)
    assert figures.lost == figures.duplicate_rows == figures.recorded_twice == 0
    assert figures.wrong_row_count == 0
    # Each approval recorded by exactly one job run, however many runs there were.
    assert sum(recorded_by.values()) == APPROVALS, recorded_by
    assert recorded_by["fast path"] == 0  # the fast path ran while closed: it waited
    assert expired_events == {str(r.pk): 1 for r in overdue}
    assert reminders == {r.taxpayer_id: 1 for r in due_reminder}
