"""Model-based tests of the CAF ledger: the real services on PostgreSQL against a reference model.

The reference model is a few lines of pure Python that say what the rules want (R23, R24, R25,
R26, R27, R29, R30); the state machine drives the services with random steps and, after every
step, compares the database with the model and checks the ledger's own invariants (R25, R27,
R28). Run more examples with ``LEDGER_EXAMPLES=2000``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import ClassVar

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from authorizations import services
from authorizations.errors import ApprovalRefused, AuthorizationNotActive, RequestRefused
from authorizations.models import (
    Authorization,
    AuthorizationRequest,
    EndReason,
    RequestKind,
    RequestState,
)
from taxpayers.models import Taxpayer
from taxpro.clock import ET, today_et
from tests.authorizations.conftest import (
    CONSENT,
    DAY,
    INCOME_2023,
    INCOME_2024,
    TUESDAY_NOON,
    Rep,
    make_rep,
    make_taxpayer,
    submit,
)

pytestmark = pytest.mark.django_db

# The quality bar is at least 200 examples under `make test` (CI); `make test-fast` runs a few
# (HYPOTHESIS_PROFILE=fast); LEDGER_EXAMPLES=2000 or HYPOTHESIS_PROFILE=long for a long run.
_PROFILE_EXAMPLES = {"fast": 20, "long": 2000}
EXAMPLES = int(
    os.environ.get("LEDGER_EXAMPLES")
    or _PROFILE_EXAMPLES.get(os.environ.get("HYPOTHESIS_PROFILE", ""), 200)
)
SECOND = dt.timedelta(seconds=1)
MODULES = (INCOME_2024, INCOME_2023)
KINDS = (RequestKind.POA, RequestKind.TIA)
EXPIRY = dt.timedelta(days=21)  # R18's setting
REMINDER = dt.timedelta(days=5)
# Most requests go to one taxpayer and ask for notices, so that R25 and R26 bite often.
TAXPAYER = st.sampled_from([0, 0, 0, 1])
NOTICES = st.sampled_from([True, True, False])
SUBMISSION = st.tuples(
    st.integers(0, 3),
    TAXPAYER,
    st.sampled_from(KINDS),
    st.sets(st.sampled_from(MODULES), min_size=1),
    NOTICES,
)

# A ledger row is named by its request and module: (request id, matter, period).
RowKey = tuple[int, str, str]

# The columns a ledger row is born with and keeps for ever (R28), and the ones ending it sets.
BIRTH_COLUMNS = (
    "request_id",
    "taxpayer_id",
    "caf_record_id",
    "kind",
    "matter",
    "period",
    "receives_notices",
    "channel",
    "signed_at",
    "signed_on",
    "starts_at",
)
END_COLUMNS = ("ends_at", "end_reason", "ended_by_user_id", "ended_by_request_id", "ended_by_label")


# --- The reference model ------------------------------------------------------------------------


@dataclass
class ModelRequest:
    pk: int
    rep: int
    taxpayer: int
    kind: str
    modules: frozenset[tuple[str, str]]
    notices: bool
    expires_at: dt.datetime
    state: str = RequestState.PENDING
    signed_on: dt.date | None = None
    signed_at: dt.datetime | None = None
    reminded: bool = False


@dataclass
class LedgerModel:
    """What the rules say, without the database."""

    requests: dict[int, ModelRequest] = field(default_factory=dict)
    # R29/R30: rows a representative withdrew or a taxpayer revoked; they never come back.
    ended_by_party: dict[RowKey, str] = field(default_factory=dict)

    def recorded(self) -> list[ModelRequest]:
        return [r for r in self.requests.values() if r.state == RequestState.RECORDED]

    def all_rows(self) -> set[RowKey]:
        return {(r.pk, *m) for r in self.recorded() for m in r.modules}

    def latest_signing_days(self) -> dict[tuple[int, tuple[str, str], str], dt.date]:
        latest: dict[tuple[int, tuple[str, str], str], dt.date] = {}
        for r in self.recorded():
            assert r.signed_on is not None
            for module in r.modules:
                key = (r.taxpayer, module, r.kind)
                latest[key] = max(latest.get(key, r.signed_on), r.signed_on)
        return latest

    def active(self) -> set[RowKey]:
        """R23/R24/R27: per taxpayer, module and kind, the rows of the latest signing day among
        recorded approvals (same day coexist, a later day ends earlier ones, whatever the order
        they were recorded in), less the rows withdrawn or revoked (R29, R30)."""
        latest = self.latest_signing_days()
        return {
            (r.pk, *module)
            for r in self.recorded()
            for module in r.modules
            if r.signed_on == latest[(r.taxpayer, module, r.kind)]
            and (r.pk, *module) not in self.ended_by_party
        }

    def end_reasons(self) -> dict[RowKey, str]:
        active = self.active()
        return {
            key: "" if key in active else self.ended_by_party.get(key, EndReason.SUPERSEDED)
            for key in self.all_rows()
        }

    def approval_refusal(self, req: ModelRequest, now: dt.datetime) -> str | None:
        """Why the taxpayer cannot approve ``req`` at ``now`` (a phrase of the message), or None."""
        if req.state != RequestState.PENDING:
            return "cannot be approved"
        if req.expires_at <= now:
            return "expired on"
        today = today_et(now)
        signed_today = [
            r
            for r in self.requests.values()
            if r.pk != req.pk
            and r.taxpayer == req.taxpayer
            and r.rep == req.rep
            and r.state in (RequestState.APPROVED, RequestState.RECORDED)
            and r.signed_on == today
        ]
        # R26: a correction for a module approved from this CAF number today waits a day.
        if any(r.modules & req.modules for r in signed_today):
            return "corrected request"
        if req.notices and any(
            len(self.notice_recipients_after(req, module, today)) > 2 for module in req.modules
        ):
            return "two is the limit"  # R25
        return None

    def notice_recipients_after(
        self, req: ModelRequest, module: tuple[str, str], today: dt.date
    ) -> set[int]:
        """R25: who would receive notices for ``module`` once ``req`` (signed today) and every
        approval still waiting are recorded, in whatever order (R27): per kind, only the latest
        signing day's active rows and waiting approvals remain, plus ``req`` itself.
        """
        entries = [
            r
            for r in self.requests.values()
            if r.taxpayer == req.taxpayer
            and module in r.modules
            and r.pk != req.pk
            and r.state in (RequestState.RECORDED, RequestState.APPROVED)
        ]
        latest: dict[str, dt.date] = {req.kind: today}
        for r in entries:
            assert r.signed_on is not None
            latest[r.kind] = max(latest.get(r.kind, r.signed_on), r.signed_on)
        active = {pk for pk, *m in self.active() if tuple(m) == module}
        survivors = {
            r.rep
            for r in entries
            if r.notices
            and r.signed_on == latest[r.kind]
            and (r.state == RequestState.APPROVED or r.pk in active)
        }
        return survivors | {req.rep}


# --- The clock: always inside service hours (R40), so recording never waits -------------------


def in_service_hours(moment: dt.datetime) -> bool:
    """A safe inner part of R40's hours: Monday 08:00 to Saturday 20:00 ET."""
    et = moment.astimezone(ET)
    weekday = et.weekday()
    return (weekday == 0 and et.hour >= 8) or 1 <= weekday <= 4 or (weekday == 5 and et.hour < 20)


def next_weekday_noon(moment: dt.datetime, *, days: int = 1) -> dt.datetime:
    day = moment.astimezone(ET).date() + dt.timedelta(days=days)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(12), tzinfo=ET)


# --- The state machine ---


@dataclass(frozen=True)
class Cast:
    reps: list[Rep]
    taxpayers: list[Taxpayer]

    @classmethod
    def make(cls, *, reps: int) -> Cast:
        # POA-eligible: CPAs (b) and enrolled agents (c), every CAF number linked (R29).
        return cls(
            reps=[make_rep(code="bc"[i % 2]) for i in range(reps)],
            taxpayers=[make_taxpayer(), make_taxpayer()],
        )


@pytest.fixture(autouse=True)
def _fresh_cast() -> Iterator[None]:
    # The cast lives in one test's transaction; the next test makes its own.
    LedgerMachine.cast = None
    yield
    LedgerMachine.cast = None


# --- The state machine --------------------------------------------------------------------------


class LedgerMachine(RuleBasedStateMachine):
    """Random lives of requests and authorizations for 2 taxpayers, 4 representatives, 2 modules
    and both kinds, checked after every step against the reference model.

    R23: a later day's recording ends the same module and kind's earlier rows; a POA never ends
    a TIA. R24: the same day's approvals coexist. R25: at most two notice recipients per module,
    refused at approval time exactly when the model says. R26: a correction waits a day.
    R27: recording is idempotent and order-independent (late records are born superseded;
    the worker may crash and the sweeper catch up). R28: no row is ever rewritten; ending a row
    sets its end columns once.
    """

    # The people, made once per test (inside its transaction) and shared by its examples.
    cast: ClassVar[Cast | None] = None

    def __init__(self) -> None:
        super().__init__()
        if LedgerMachine.cast is None:
            LedgerMachine.cast = Cast.make(reps=4)
        self.reps, self.taxpayers = LedgerMachine.cast.reps, LedgerMachine.cast.taxpayers
        # Each example runs in a savepoint that teardown() rolls back: a clean ledger each time.
        self._example = transaction.atomic()
        self._example.__enter__()
        self.now = TUESDAY_NOON
        self.model = LedgerModel()
        self._ledger: tuple[dt.datetime, list[dict[str, object]]] | None = None
        self.births: dict[int, dict[str, object]] = {}
        self.endings: dict[int, dict[str, object]] = {}

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._example.__exit__(None, None, None)

    def tick(self) -> dt.datetime:
        """Every action happens a second after the last one."""
        self.now += SECOND
        return self.now

    def in_state(self, *states: str) -> list[int]:
        return sorted(pk for pk, r in self.model.requests.items() if r.state in states)

    # --- Steps: the practitioner ---------------------------------------------------------------

    @initialize(first=st.lists(SUBMISSION, min_size=2, max_size=6))
    def first_requests(self, first: list[tuple[int, int, str, set[tuple[str, str]], bool]]) -> None:
        """A few requests to begin with, so that the rules have something to decide on."""
        for submission in first:
            self.submit(*submission)

    @rule(
        rep=st.integers(0, 3),
        taxpayer=TAXPAYER,
        kind=st.sampled_from(KINDS),
        modules=st.sets(st.sampled_from(MODULES), min_size=1),
        notices=NOTICES,
    )
    def submit(
        self, rep: int, taxpayer: int, kind: str, modules: set[tuple[str, str]], notices: bool
    ) -> None:
        now = self.tick()
        req = submit(
            self.reps[rep],
            self.taxpayers[taxpayer],
            modules=sorted(modules),
            kind=kind,
            notices=notices,
            now=now,
        )
        self.model.requests[req.pk] = ModelRequest(
            pk=req.pk,
            rep=rep,
            taxpayer=taxpayer,
            kind=kind,
            modules=frozenset(modules),
            notices=notices,
            expires_at=now + EXPIRY,
        )

    @precondition(lambda self: self.model.requests)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        req = self.model.requests[data.draw(st.sampled_from(sorted(self.model.requests)))]
        now = self.tick()
        if req.state != RequestState.PENDING:
            with pytest.raises(RequestRefused, match="Only a pending request"):
                services.request_cancel(
                    request_id=req.pk, practitioner=self.reps[req.rep].user, now=now
                )
            return
        services.request_cancel(request_id=req.pk, practitioner=self.reps[req.rep].user, now=now)
        req.state = RequestState.CANCELLED

    # --- Steps: the taxpayer --------------------------------------------------------------------

    def _approve(self, req: ModelRequest) -> bool:
        now = self.tick()
        refusal = self.model.approval_refusal(req, now)
        event(f"approve: {refusal or 'approved'}")
        taxpayer = self.taxpayers[req.taxpayer]
        call = {
            "request_id": req.pk,
            "taxpayer_id": taxpayer.pk,
            "actor": taxpayer.user,
            "consent": CONSENT,
            "now": now,
        }
        if refusal is not None:
            with pytest.raises(ApprovalRefused, match=refusal):
                services.request_approve(**call)
            return False
        services.request_approve(**call)
        req.state = RequestState.APPROVED
        req.signed_at, req.signed_on = now, today_et(now)
        return True

    def _record(self, req: ModelRequest) -> None:
        expected = {
            RequestState.APPROVED: services.RecordOutcome.RECORDED,
            RequestState.RECORDED: services.RecordOutcome.ALREADY_RECORDED,
        }.get(RequestState(req.state), services.RecordOutcome.NOT_APPROVED)
        assert services.request_record(request_id=req.pk, now=self.tick()) == expected
        if req.state == RequestState.APPROVED:
            req.state = RequestState.RECORDED
            born_superseded = not any((req.pk, *m) in self.model.active() for m in req.modules)
            event(f"record: {'born superseded' if born_superseded else 'active'}")

    def pick_mostly_pending(self, data: st.DataObject) -> ModelRequest:
        """Mostly a pending request; sometimes any, whose approval must then be refused."""
        pending = self.in_state(RequestState.PENDING)
        pk = data.draw(st.sampled_from(pending * 4 + sorted(self.model.requests)))
        return self.model.requests[pk]

    @precondition(lambda self: self.model.requests)
    @rule(data=st.data())
    def approve(self, data: st.DataObject) -> None:
        """R21: the worker records the approval at once."""
        req = self.pick_mostly_pending(data)
        if self._approve(req):
            self._record(req)

    @precondition(lambda self: self.model.requests)
    @rule(data=st.data())
    def approve_and_crash_the_worker(self, data: st.DataObject) -> None:
        """The approval is durable; its recording is lost until someone records or drains."""
        self._approve(self.pick_mostly_pending(data))

    @precondition(lambda self: self.model.requests)
    @rule(data=st.data())
    def reject(self, data: st.DataObject) -> None:
        req = self.model.requests[data.draw(st.sampled_from(sorted(self.model.requests)))]
        now = self.tick()
        taxpayer = self.taxpayers[req.taxpayer]
        call = {
            "request_id": req.pk,
            "taxpayer_id": taxpayer.pk,
            "actor": taxpayer.user,
            "now": now,
        }
        if req.state != RequestState.PENDING or req.expires_at <= now:
            with pytest.raises(ApprovalRefused):
                services.request_reject(**call)
            return
        services.request_reject(**call)
        req.state = RequestState.REJECTED

    # --- Steps: the worker and the sweeper -----------------------------------------------------

    @precondition(lambda self: self.in_state(RequestState.APPROVED))
    @rule(data=st.data())
    def record_a_waiting_approval(self, data: st.DataObject) -> None:
        """R27: in any order, not necessarily the signing order."""
        pk = data.draw(st.sampled_from(self.in_state(RequestState.APPROVED)))
        self._record(self.model.requests[pk])

    @precondition(lambda self: self.model.requests)
    @rule(data=st.data())
    def record_again(self, data: st.DataObject) -> None:
        """R27: recording twice (or a request that is not approved) changes nothing."""
        self._record(self.model.requests[data.draw(st.sampled_from(sorted(self.model.requests)))])

    @rule()
    def run_the_sweeper(self) -> None:
        waiting = self.in_state(RequestState.APPROVED)
        assert services.approvals_drain(now=self.tick()) == len(waiting)
        for pk in waiting:
            self.model.requests[pk].state = RequestState.RECORDED

    @rule()
    def expire(self) -> None:
        now = self.tick()
        pending = [self.model.requests[pk] for pk in self.in_state(RequestState.PENDING)]
        due = [r for r in pending if not r.reminded and now < r.expires_at <= now + REMINDER]
        overdue = [r for r in pending if r.expires_at <= now]
        result = services.requests_expire_and_remind(now=now)
        event(f"expire: {'some' if overdue else 'none'} expired")
        assert (result.reminded, result.expired) == (len(due), len(overdue))
        for r in due:
            r.reminded = True
        for r in overdue:
            r.state = RequestState.EXPIRED

    # --- Steps: ending authorizations ----------------------------------------------------------

    def _row(self, key: RowKey) -> Authorization:
        pk, matter, period = key
        return Authorization.objects.get(request_id=pk, matter=matter, period=period)

    @precondition(lambda self: self.model.all_rows())
    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        """R29, on any row: an ended one is refused."""
        key = data.draw(st.sampled_from(sorted(self.model.all_rows())))
        rep = self.reps[self.model.requests[key[0]].rep]
        call = {"authorization_id": self._row(key).pk, "practitioner": rep.user, "now": self.tick()}
        if key not in self.model.active():
            with pytest.raises(AuthorizationNotActive):
                services.authorization_withdraw(**call)
            return
        event("withdraw: an active row")
        row = services.authorization_withdraw(**call)
        assert row.end_reason == EndReason.WITHDRAWN
        self.model.ended_by_party[key] = EndReason.WITHDRAWN

    @precondition(lambda self: self.model.active())
    @rule(data=st.data())
    def revoke(self, data: st.DataObject) -> None:
        """R30, on an active row."""
        key = data.draw(st.sampled_from(sorted(self.model.active())))
        taxpayer = self.taxpayers[self.model.requests[key[0]].taxpayer]
        row = services.authorization_revoke(
            authorization_id=self._row(key).pk,
            taxpayer_id=taxpayer.pk,
            actor=taxpayer.user,
            now=self.tick(),
        )
        assert row.end_reason == EndReason.REVOKED
        self.model.ended_by_party[key] = EndReason.REVOKED

    # --- Steps: time -----------------------------------------------------------------------------

    @rule(hours=st.integers(1, 3))
    def a_few_hours_later(self, hours: int) -> None:
        later = self.now + dt.timedelta(hours=hours)
        self.now = later if in_service_hours(later) else next_weekday_noon(self.now)

    @rule()
    def late_evening(self) -> None:
        """23:30 ET is already tomorrow in UTC: the same day for R24 and R26 all the same."""
        late = dt.datetime.combine(self.now.astimezone(ET).date(), dt.time(23, 30), tzinfo=ET)
        if late > self.now and in_service_hours(late):
            self.now = late

    @rule(days=st.sampled_from([1, 1, 1, 3, 10, 22]))
    def days_later(self, days: int) -> None:
        self.now = next_weekday_noon(self.now, days=days)

    # --- Invariants -------------------------------------------------------------------------------

    def ledger(self) -> list[dict[str, object]]:
        # Every step that writes moves the clock (tick), so one read serves a step's invariants.
        if self._ledger is None or self._ledger[0] != self.now:
            rows = list(Authorization.objects.values("id", *BIRTH_COLUMNS, *END_COLUMNS))
            self._ledger = (self.now, rows)
        return self._ledger[1]

    @invariant()
    def request_states_match_the_model(self) -> None:
        """R18, R21, R26: each request's state and signing day, as the model says."""
        states = {
            pk: (state, signed_on)
            for pk, state, signed_on in AuthorizationRequest.objects.values_list(
                "pk", "state", "signed_on"
            )
        }
        assert states == {pk: (r.state, r.signed_on) for pk, r in self.model.requests.items()}

    @invariant()
    def active_set_matches_the_model(self) -> None:
        """R23, R24, R27, R29, R30: the ledger's rows and how each ended, as the model says."""
        db = {
            (row["request_id"], row["matter"], row["period"]): row["end_reason"]
            for row in self.ledger()
        }
        assert db == self.model.end_reasons()

    @invariant()
    def at_most_two_notice_recipients_per_module(self) -> None:
        """R25, across both kinds, on the active ledger."""
        recipients: dict[tuple[object, object, object], set[object]] = defaultdict(set)
        for row in self.ledger():
            if row["ends_at"] is None and row["receives_notices"]:
                module = (row["taxpayer_id"], row["matter"], row["period"])
                recipients[module].add(row["caf_record_id"])
        assert all(len(cafs) <= 2 for cafs in recipients.values()), recipients

    @invariant()
    def one_row_per_request_module_and_exactly_its_modules(self) -> None:
        """R27: a recorded request has one row per module; nothing else has any."""
        rows = defaultdict(list)
        for row in self.ledger():
            rows[row["request_id"]].append((row["matter"], row["period"]))
        expected = {r.pk: sorted(r.modules) for r in self.model.recorded()}
        assert {pk: sorted(modules) for pk, modules in rows.items()} == expected

    @invariant()
    def no_row_is_rewritten(self) -> None:
        """R28: birth columns never change; end columns are set once and never change again."""
        for row in self.ledger():
            birth = {column: row[column] for column in BIRTH_COLUMNS}
            assert self.births.setdefault(row["id"], birth) == birth
            if row["ends_at"] is not None:
                ending = {column: row[column] for column in END_COLUMNS}
                assert self.endings.setdefault(row["id"], ending) == ending
            else:
                assert row["id"] not in self.endings, "an ended row came back (R28)"

    @invariant()
    def superseded_rows_were_ended_by_a_later_day(self) -> None:
        """R24: a row is only ever superseded by an approval signed on a later day."""
        for row in self.ledger():
            if row["end_reason"] == EndReason.SUPERSEDED:
                later = self.model.requests[row["ended_by_request_id"]].signed_on
                assert later is not None and later > row["signed_on"]


LedgerMachine.TestCase.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
TestLedger = LedgerMachine.TestCase


# --- Order independence ---------------------------------------------------------------------------


@pytest.fixture
def trio(db) -> Cast:
    """Three representatives and a taxpayer, shared by the examples of one test."""
    return Cast.make(reps=3)


approvals = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        st.sets(st.sampled_from(MODULES), min_size=1).map(sorted),
        st.integers(0, 2),  # the signing day, from Tuesday
    ),
    min_size=3,
    max_size=3,
)


@settings(
    # 25 by default (each example records three approvals in all six orders, ~0.4 s).
    max_examples=max(EXAMPLES // 8, 10),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(approvals=approvals)
def test_r27_the_final_ledger_is_the_same_in_every_processing_order(trio, approvals) -> None:
    """Three approvals by three representatives, recorded in all six orders: one ledger (R27),
    and the one the model gives (R23, R24)."""
    reps, (taxpayer, _) = trio.reps, trio.taxpayers
    with transaction.atomic():  # each example rolls back
        model = LedgerModel()
        requests = []
        for i, (kind, modules, day) in enumerate(approvals):
            signed = TUESDAY_NOON + day * DAY + i * SECOND
            req = submit(reps[i], taxpayer, modules=modules, kind=kind, now=TUESDAY_NOON)
            services.request_approve(
                request_id=req.pk,
                taxpayer_id=taxpayer.pk,
                actor=taxpayer.user,
                consent=CONSENT,
                now=signed,
            )
            model.requests[req.pk] = ModelRequest(
                pk=req.pk,
                rep=i,
                taxpayer=0,
                kind=kind,
                modules=frozenset(modules),
                notices=False,
                expires_at=TUESDAY_NOON + EXPIRY,
                state=RequestState.RECORDED,
                signed_on=today_et(signed),
                signed_at=signed,
            )
            requests.append(req)
        index_of = {req.pk: i for i, req in enumerate(requests)}
        recording_day = TUESDAY_NOON + 3 * DAY

        def ledger_after(order: tuple[int, ...]) -> set[tuple[object, ...]]:
            with transaction.atomic():
                for step, i in enumerate(order):
                    services.request_record(
                        request_id=requests[i].pk, now=recording_day + step * SECOND
                    )
                ledger = {
                    (
                        index_of[row.request_id],
                        row.kind,
                        row.matter,
                        row.period,
                        row.signed_on,
                        row.end_reason,
                    )
                    for row in Authorization.objects.filter(taxpayer=taxpayer)
                }
                transaction.set_rollback(True)
            return ledger

        ledgers = {frozenset(ledger_after(order)) for order in itertools.permutations(range(3))}
        transaction.set_rollback(True)
    assert len(ledgers) == 1
    expected = {
        (
            index_of[pk],
            model.requests[pk].kind,
            matter,
            period,
            model.requests[pk].signed_on,
            reason,
        )
        for (pk, matter, period), reason in model.end_reasons().items()
    }
    assert ledgers.pop() == expected


def test_r27_a_fixed_case_recorded_in_all_six_orders(db) -> None:
    """Two approvals on Tuesday and one on Wednesday, for overlapping modules, one kind."""
    taxpayer = make_taxpayer()
    reps = [make_rep(code=code) for code in ("b", "c", "b")]
    plan = [
        (reps[0], [INCOME_2024, INCOME_2023], TUESDAY_NOON),
        (reps[1], [INCOME_2024], TUESDAY_NOON + dt.timedelta(hours=2)),
        (reps[2], [INCOME_2023], TUESDAY_NOON + DAY),
    ]
    requests = []
    for rep, modules, signed in plan:
        req = submit(rep, taxpayer, modules=modules)
        services.request_approve(
            request_id=req.pk,
            taxpayer_id=taxpayer.pk,
            actor=taxpayer.user,
            consent=CONSENT,
            now=signed,
        )
        requests.append(req)

    def ledger_after(order: tuple[int, ...]) -> frozenset[tuple[int, str, str]]:
        with transaction.atomic():
            for i in order:
                services.request_record(request_id=requests[i].pk, now=TUESDAY_NOON + 2 * DAY)
            ledger = frozenset(
                (requests.index(row.request), row.period, row.end_reason)
                for row in Authorization.objects.filter(taxpayer=taxpayer)
            )
            transaction.set_rollback(True)
        return ledger

    ledgers = {ledger_after(order) for order in itertools.permutations(range(3))}
    assert ledgers == {
        frozenset(
            {
                (0, "202412", ""),  # Tuesday's two coexist for 2024 (R24)
                (1, "202412", ""),
                (0, "202312", EndReason.SUPERSEDED),  # Wednesday's ends Tuesday's for 2023 (R23)
                (2, "202312", ""),
            }
        )
    }
