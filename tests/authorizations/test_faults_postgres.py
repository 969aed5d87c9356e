"""PostgreSQL restarted ``immediate`` while taxpayers approve (quality.md, "Faults").

What must hold: no partial writes, no duplicates; a friendly 503 while it is down; recovered
within 30 s. The test never touches the machine's PostgreSQL: it starts a cluster of its own
(initdb into a temporary directory, Unix socket only), copies the test database into it with the
people and requests built here, and runs gunicorn (production settings, two workers) and a real
Celery worker against that cluster. Taxpayers approve over HTTP from several threads, as a
browser would: the approve page, then the signed form. Once a quarter of them have been told
their approval succeeded, and two transactions are known to be half way (a recording that has
inserted a ledger row, and an approval on the web, each waiting on a row lock the test holds),
the cluster is stopped ``-m immediate`` (every backend killed, no checkpoint: a crash), kept
down for FAULT_PG_OUTAGE_SECONDS (5 by default; quality.md's figures were also measured at 30)
while the clients keep trying, and started again (crash recovery); the clients carry on until
each approval is done, like a person pressing reload.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client

from authorizations.models import Authorization, AuthorizationRequest, RequestState
from taxpro.celery import app
from taxpro.models import AuditEvent
from tests.authorizations.conftest import make_rep
from tests.authorizations.fault_support import (
    Beat,
    PrivateRedis,
    Reply,
    RowLocks,
    WebServer,
    Worker,
    blocked_by,
    django_connection_to,
    get,
    pg_connect,
    post,
    process_named,
    wait_for,
)
from tests.authorizations.private_postgres import PrivatePostgres
from tests.authorizations.test_faults import Population, build, check_ledger, report
from tests.views.decisions_support import step_up

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("service_open"),
]

CLIENTS = 4
APPROVALS = 24
PG_OUTAGE_SECONDS = float(os.environ.get("FAULT_PG_OUTAGE_SECONDS", "5"))
SWEEP_INTERVAL = float(app.conf.beat_schedule["sweep-approvals"]["schedule"])
# What the outage page says (templates/503_database.html); a 500 page or a traceback never.
OUTAGE_HEADING = "Sorry, the service is unavailable right now"
# R47: what a replayed approval is told (a first POST saved although its answer was the 503).
ALREADY_APPROVED = "You already approved this request"
# A person pressing reload after an error page.
RELOAD_PAUSE = 0.2


@dataclass
class Approver:
    """A taxpayer signed in (and recently re-authenticated) with one request to approve."""

    request_id: int
    public_id: uuid.UUID  # what the approval URLs name
    name: str
    cookies: dict[str, str]
    outcome: str = ""  # "told approved", "told already approved", or "" while unfinished


def approvers(pop: Population) -> list[Approver]:
    """A signed-in (and recently re-authenticated) taxpayer for each request of ``pop``; the
    sessions live in the test database, which is copied into the private cluster."""
    people = []
    for req in pop.requests:
        user = req.taxpayer.user
        client = Client()
        client.force_login(user)
        step_up(client, user)  # a POA asks for it (quality.md, step-up)
        csrf = secrets.token_hex(16)  # Django accepts its unmasked 32-character secret
        cookies = {
            settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value,
            settings.CSRF_COOKIE_NAME: csrf,
        }
        people.append(Approver(req.pk, req.public_id, req.taxpayer.name, cookies))
    return people


@dataclass
class Visit:
    method: str
    path: str
    status: int  # 0: no HTTP answer at all
    started: float
    ended: float
    friendly: bool  # the outage page, with no traceback


@dataclass
class Load:
    """CLIENTS threads approving, each person to the end; every response kept."""

    port: int
    people: list[Approver]
    deadline: float
    visits: list[Visit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    threads: list[threading.Thread] = field(default_factory=list)

    def _visit(self, method: str, path: str, person: Approver, body: str = "") -> Reply | None:
        started = time.monotonic()
        try:
            if method == "GET":
                reply: Reply | None = get(self.port, path, cookies=person.cookies)
            else:
                reply = post(self.port, path, cookies=person.cookies, body=body)
        except OSError:
            reply = None
        ended = time.monotonic()
        status = reply.status if reply else 0
        friendly = bool(
            reply
            and reply.status == 503
            and OUTAGE_HEADING in reply.body
            and "Traceback" not in reply.body
        )
        with self.lock:
            self.visits.append(Visit(method, path, status, started, ended, friendly))
        return reply

    def _approve(self, person: Approver) -> None:
        path = f"/account/authorizations/requests/{person.public_id}/approve/"
        done = f"/account/authorizations/requests/{person.public_id}/"
        body = urlencode(
            {
                "csrfmiddlewaretoken": person.cookies[settings.CSRF_COOKIE_NAME],
                "declaration": "on",
                "signature": person.name,
            }
        )
        while time.monotonic() < self.deadline:
            page = self._visit("GET", path, person)
            if page is None or page.status != 200:
                time.sleep(RELOAD_PAUSE)
                continue
            sent = self._visit("POST", path, person, body)
            if sent is not None and sent.status == 302 and sent.headers["Location"] == done:
                person.outcome = "told approved"
                self._visit("GET", done, person)
                return
            if sent is not None and sent.status == 200 and ALREADY_APPROVED in sent.body:
                person.outcome = "told already approved"
                return
            time.sleep(RELOAD_PAUSE)

    def _client(self, mine: list[Approver]) -> None:
        for person in mine:
            self._approve(person)

    def start(self) -> None:
        self.threads = [
            threading.Thread(target=self._client, args=(self.people[n::CLIENTS],), daemon=True)
            for n in range(CLIENTS)
        ]
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        """Until every client is done, or the deadline."""
        for thread in self.threads:
            thread.join(max(0.0, self.deadline - time.monotonic()))

    def stop(self) -> None:
        """No client starts another request; each ends within one (bounded by its timeout)."""
        self.deadline = time.monotonic()
        self.join()

    def told(self, outcome: str = "told approved") -> int:
        return sum(1 for p in self.people if p.outcome == outcome)


def half_written(people: list[Approver]) -> int:
    """Requests (read from the private cluster) whose state, signature, audit trail and ledger
    rows do not tell one story: a write that was cut in half."""
    ids = [p.request_id for p in people]
    rows = Counter(
        Authorization.objects.filter(request_id__in=ids).values_list("request_id", flat=True)
    )
    modules = Counter(
        AuthorizationRequest.objects.filter(pk__in=ids).values_list(
            "modules__request_id", flat=True
        )
    )
    approvals = Counter(
        AuditEvent.objects.filter(
            action="request.approved", object_id__in=[str(i) for i in ids]
        ).values_list("object_id", flat=True)
    )
    broken = 0
    for req in AuthorizationRequest.objects.filter(pk__in=ids):
        approved = req.state in {RequestState.APPROVED, RequestState.RECORDED}
        recorded = req.state == RequestState.RECORDED
        if (
            approved != (req.signed_at is not None)
            or approvals[str(req.pk)] != int(approved)
            or recorded != (req.recorded_at is not None)
            or rows[req.pk] != (modules[req.pk] if recorded else 0)
        ):
            broken += 1
    return broken


def unrecorded(request_ids: list[int]) -> int:
    return (
        AuthorizationRequest.objects.filter(pk__in=request_ids)
        .exclude(state=RequestState.RECORDED)
        .count()
    )


@pytest.mark.timeout(300)
def test_r21_postgres_restarted_immediate_under_load_503_while_down_nothing_partial_or_lost(
    private_redis: PrivateRedis, tmp_path
) -> None:
    # Two victims first in line, so that two transactions are cut by the crash for certain:
    # - a recording, after its first insert: it inserts the 2023 row, then waits to end the
    #   prior 2024 authorization (R23) on a row lock the test holds;
    # - an approval on the web, inside its transaction: the taxpayer's row, locked first, is
    #   held too, so the taxpayer's POST is in flight when PostgreSQL dies.
    pop = build(make_rep(code="b"), make_rep(code="c"), victims=2, bystanders=APPROVALS - 2)
    pop.requests.sort(key=lambda r: r.pk not in pop.victims)
    people = approvers(pop)
    pg = PrivatePostgres()
    web = worker = watcher = load = None
    locks = RowLocks()
    try:
        pg.start()
        database_url = pg.clone_test_database()
        with django_connection_to(pg.socket_dir):
            for pk, victim in pop.victims.items():
                locks.hold(pk, victim.table, victim.row_id)
            watcher = pg_connect()
            watcher.autocommit = True
        web = WebServer(
            database_url=database_url, redis_url=private_redis.url, log=tmp_path / "web.log"
        )
        worker = Worker(
            redis_url=private_redis.url, log=tmp_path / "worker.log", database_url=database_url
        )
        worker.start()
        web.start()
        beat = Beat(SWEEP_INTERVAL)
        load = Load(web.port, people, deadline=time.monotonic() + 180)
        load.start()

        waiting: dict[str, str] = {}  # whose transaction waits ("worker", "web") -> its query

        def both_cut_and_load_on() -> bool:
            waiting.clear()
            for application_name, _, query in blocked_by(locks, watcher):
                is_worker = process_named(worker.children(), application_name) is not None
                waiting["worker" if is_worker else "web"] = query
            return load.told() >= APPROVALS // 4 and len(waiting) == 2

        assert wait_for(both_cut_and_load_on, 90), (
            waiting,
            load.told(),
            [p.outcome for p in people[:4]],
            watcher.execute(
                "SELECT application_name, state, wait_event_type, left(query, 120) "
                "FROM pg_stat_activity WHERE datname = current_database()"
            ).fetchall(),
            worker.log_tail(),
        )
        # The recording has inserted its first row and waits to end the prior one.
        assert waiting["worker"].lstrip().upper().startswith("UPDATE"), waiting
        open_transactions = watcher.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND xact_start IS NOT NULL AND pid <> pg_backend_pid()"
        ).fetchone()[0] - len(locks.held())  # less the test's own lock holders
        told_before = load.told()
        stopping_at = time.monotonic()
        pg.stop_immediate()
        down_at = time.monotonic()
        # The outage itself lasts a fixed time: this is the fault, not a wait for a result.
        while time.monotonic() - down_at < PG_OUTAGE_SECONDS:
            beat.tick()
            time.sleep(0.1)
        restart_at = time.monotonic()
        pg.start_again()
        back_at = time.monotonic()
        # Worst luck: beat's sweep was lost to the outage just now; the next is an interval away.
        beat.worst_phase_from(back_at)

        def web_answers() -> bool:
            with load.lock:
                return any(v.started >= back_at and v.status in {200, 302} for v in load.visits)

        assert wait_for(web_answers, 60), web.log_tail()
        with load.lock:
            web_back = min(
                v.ended - back_at
                for v in load.visits
                if v.started >= back_at and v.status in {200, 302}
            )
        load.join()

        with django_connection_to(pg.socket_dir):
            told = [p.request_id for p in people if p.outcome == "told approved"]
            recorded_in = None
            while time.monotonic() - back_at < 90:
                beat.tick()
                if unrecorded(told) == 0:
                    recorded_in = time.monotonic() - back_at
                    break
                time.sleep(0.1)
            lost = unrecorded(told)
            figures = check_ledger(pop)
            broken = half_written(people)
    finally:
        if load is not None:
            load.stop()
        locks.release_all()
        if watcher is not None:
            watcher.close()
        for process in (web, worker):
            if process is not None:
                process.stop()
        pg.cleanup()

    visits = load.visits
    # Down: from the end of the stop to the start command. While it starts (crash recovery)
    # an answer may be either: the page, once PostgreSQL accepts, or the 503 before that.
    during = [v for v in visits if v.started >= down_at and v.ended <= restart_at]
    starting = [v for v in visits if v.started >= restart_at and v.ended <= back_at]
    after = [v for v in visits if v.started >= back_at]
    # Sent before the crash, answered after it: the approval whose transaction was cut.
    cut = [v for v in visits if v.method == "POST" and v.started < stopping_at < v.ended]
    statuses = Counter(v.status for v in visits)
    unfriendly = [v for v in visits if v.status >= 500 and not v.friendly]
    report(
        "postgres restarted immediate under load",
        outage_seconds=round(restart_at - down_at, 1),
        restart_seconds=round(back_at - restart_at, 2),
        responses=len(visits),
        statuses=dict(sorted(statuses.items())),
        responses_while_down=len(during),
        friendly_503_while_down=sum(v.friendly for v in during),
        while_starting=dict(Counter(v.status for v in starting)),
        max_seconds_while_down=round(max((v.ended - v.started for v in during), default=0), 3),
        status_503_after_return=sum(v.status == 503 for v in after),
        unfriendly_5xx=len(unfriendly),
        transactions_open_at_stop=open_transactions,
        posts_cut_by_the_crash=[v.status for v in cut],
        told_approved_before_stop=told_before,
        told_approved=load.told(),
        told_already_approved=load.told("told already approved"),
        unfinished=sum(1 for p in people if not p.outcome),
        lost=lost,
        unrecorded=figures.lost,
        duplicate_rows=figures.duplicate_rows,
        recorded_twice=figures.recorded_twice,
        wrong_row_count=figures.wrong_row_count,
        priors_wrong=figures.priors_wrong,
        half_written=broken,
        web_back_seconds=round(web_back, 2),
        recorded_seconds_after_return_worst_beat_phase=(
            None if recorded_in is None else round(recorded_in, 2)
        ),
        recorded_by_sweeper=worker.sweeps_recorded(),
    )
    assert during, "no page was asked for while PostgreSQL was down"
    assert all(v.friendly for v in during), Counter(v.status for v in during)
    assert unfriendly == [] and statuses[500] == statuses[0] == 0  # always an HTTP answer
    # The victim's approval waits on a lock the test holds, so its transaction is cut for
    # certain and must be answered with the friendly 503. A bystander's POST in flight at the
    # stop may have committed and been answered (302) in the moment PostgreSQL took to die;
    # any other answer to a POST in flight is a failure.
    assert any(v.friendly for v in cut), [v.status for v in cut]
    assert all(v.friendly or v.status == 302 for v in cut), [v.status for v in cut]
    assert all(p.outcome for p in people)  # every taxpayer got their approval through
    assert broken == figures.duplicate_rows == figures.recorded_twice == 0
    assert figures.wrong_row_count == figures.priors_wrong == 0
    assert lost == figures.lost == 0
    assert web_back <= 30
    assert recorded_in is not None and recorded_in <= 30, worker.log_tail()
