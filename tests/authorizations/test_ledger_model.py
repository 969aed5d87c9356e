"""Model-based tests of the CAF ledger: the real services on PostgreSQL against a reference model.

The reference model is a few lines of pure Python that say what the rules want (R23, R24, R25,
R26, R27, R29, R30, and for forms recorded by the CAF unit R34b, R35, R37, R39); the state
machine drives the services with random steps, online approvals and uploaded forms interleaved,
and, after every step, compares the database with the model and checks the ledger's own
invariants (R25, R27, R28). Run more examples with ``LEDGER_EXAMPLES=2000``.
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
from authorizations.errors import (
    ApprovalRefused,
    AuthorizationNotActive,
    FormRefused,
    RequestRefused,
)
from authorizations.forms_channel.data import FormMatter, FormRepresentative, RetainedAuthorization
from authorizations.models import (
    FORM_KIND,
    Authorization,
    AuthorizationRequest,
    EndReason,
    FormState,
    FormType,
    RequestKind,
    RequestState,
    UploadedForm,
)
from authorizations.services import forms
from caf.models import CafRecord
from taxpayers.models import Taxpayer
from taxpro.clock import ET, start_of_day_et, today_et
from taxpro.models import User
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
from tests.authorizations.forms_support import form_data, form_rep, form_taxpayer, upload
from tests.personas import Practitioner, enrolled_agent, staff_clerk

# Uploaded forms' files go to a private folder of each test's own (a fixture).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

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

# A ledger row is named by where it came from, its representative and its module:
# (("request", request id) or ("form", uploaded form id), representative, matter, period).
# Representatives 0-3 hold CAF numbers; NEWCOMER has none until their first form is recorded.
Source = tuple[str, int]
RowKey = tuple[Source, int, str, str]
NEWCOMER = 4
# R34b forms: one or two representatives, the newcomer among them now and then.
FORM_REPS = st.sets(st.sampled_from([0, 1, 2, 3, NEWCOMER]), min_size=1, max_size=2)

# The columns a ledger row is born with and keeps for ever (R28), and the ones ending it sets.
BIRTH_COLUMNS = (
    "request_id",
    "uploaded_form_id",
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
class ModelForm:
    """R34b: an uploaded form the clerk decided to record (RECORDING), then the worker recorded."""

    pk: int
    receipt: str
    reps: frozenset[int]
    taxpayer: int
    kind: str
    modules: frozenset[tuple[str, str]]
    signed_on: dt.date
    # R35: (representative, module) the retention box keeps, in the form's kind.
    keeps: frozenset[tuple[int, tuple[str, str]]]
    specific_use: bool  # R37
    content: tuple[object, ...]  # R39: what makes two uploads "the same form"
    state: str = FormState.RECORDING


@dataclass(frozen=True)
class ModelRow:
    key: RowKey
    taxpayer: int
    kind: str
    signed_on: dt.date
    # Which of one representative's signatures is the later (recording._signature_order).
    order: tuple[dt.datetime, int, int]
    keeps: frozenset[int]  # R35: the representatives this row's form keeps for its module
    notices: bool

    @property
    def rep(self) -> int:
        return self.key[1]

    @property
    def module(self) -> tuple[str, str]:
        return (self.key[2], self.key[3])


@dataclass
class LedgerModel:
    """What the rules say, without the database."""

    requests: dict[int, ModelRequest] = field(default_factory=dict)
    forms: dict[int, ModelForm] = field(default_factory=dict)
    # R29/R30: rows a representative withdrew or a taxpayer revoked; they never come back.
    ended_by_party: dict[RowKey, str] = field(default_factory=dict)

    def recorded(self) -> list[ModelRequest]:
        return [r for r in self.requests.values() if r.state == RequestState.RECORDED]

    def rows(self) -> list[ModelRow]:
        """Every row the ledger holds: one per recorded request and module; one per recorded
        form, representative and module, except a specific-use form's (R37)."""
        rows = []
        for r in self.recorded():
            assert r.signed_on is not None and r.signed_at is not None
            for matter, period in sorted(r.modules):
                rows.append(
                    ModelRow(
                        key=(("request", r.pk), r.rep, matter, period),
                        taxpayer=r.taxpayer,
                        kind=r.kind,
                        signed_on=r.signed_on,
                        order=(r.signed_at, 0, r.pk),
                        keeps=frozenset(),
                        notices=r.notices,
                    )
                )
        for f in self.forms.values():
            if f.state != FormState.RECORDED or f.specific_use:
                continue
            for rep in sorted(f.reps):
                for module in sorted(f.modules):
                    rows.append(
                        ModelRow(
                            key=(("form", f.pk), rep, *module),
                            taxpayer=f.taxpayer,
                            kind=f.kind,
                            signed_on=f.signed_on,
                            order=(start_of_day_et(f.signed_on), f.pk, 0),
                            keeps=frozenset(k for k, kept in f.keeps if kept == module),
                            notices=False,
                        )
                    )
        return rows

    def row(self, key: RowKey) -> ModelRow:
        return next(r for r in self.rows() if r.key == key)

    def all_rows(self) -> set[RowKey]:
        return {r.key for r in self.rows()}

    @staticmethod
    def supersedes(later: ModelRow, earlier: ModelRow) -> bool:
        """R23, R24, R35, one active row per representative: whether ``later`` ends
        ``earlier``, whichever was recorded first (R27)."""
        if later.key == earlier.key or (later.taxpayer, later.kind, later.module) != (
            earlier.taxpayer,
            earlier.kind,
            earlier.module,
        ):
            return False
        if later.rep == earlier.rep:
            return later.order > earlier.order
        return later.signed_on > earlier.signed_on and earlier.rep not in later.keeps

    def active(self) -> set[RowKey]:
        """R23/R24/R27/R35: a row is active unless some recorded row supersedes it (a later
        day's for its module and kind, unless that form keeps it; its representative's later
        signature), whatever the order they were recorded in, or it was withdrawn or revoked
        (R29, R30)."""
        rows = self.rows()
        return {
            r.key
            for r in rows
            if r.key not in self.ended_by_party and not any(self.supersedes(s, r) for s in rows)
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
        """R25: the most representatives who may receive notices for ``module`` at once after
        ``req`` (signed today) is recorded, whichever of the approvals still waiting are
        recorded by then, in whatever order (R27): the worst over every subset of them."""
        waiting = [
            r
            for r in self.requests.values()
            if r.taxpayer == req.taxpayer
            and module in r.modules
            and r.pk != req.pk
            and r.state == RequestState.APPROVED
        ]
        states = (
            self.notice_recipients_given(req, module, today, list(recorded))
            for size in range(len(waiting) + 1)
            for recorded in itertools.combinations(waiting, size)
        )
        return max(states, key=len)

    def notice_recipients_given(
        self,
        req: ModelRequest,
        module: tuple[str, str],
        today: dt.date,
        waiting: list[ModelRequest],
    ) -> set[int]:
        """Who receives notices for ``module`` once ``req`` and ``waiting`` are recorded, in
        any order. Per kind, an active row stays unless one of them is signed on a later day
        (an approval keeps nothing, R35 is the forms'); a waiting approval stays unless one of
        those or a row on the ledger is signed on a later day; plus ``req`` itself.
        """
        pending: dict[str, dt.date] = {req.kind: today}
        for w in waiting:
            assert w.signed_on is not None
            pending[w.kind] = max(pending.get(w.kind, w.signed_on), w.signed_on)
        rows = [r for r in self.rows() if r.taxpayer == req.taxpayer and r.module == module]
        on_ledger: dict[str, dt.date] = {}
        for r in rows:
            on_ledger[r.kind] = max(on_ledger.get(r.kind, r.signed_on), r.signed_on)
        active = self.active()
        survivors = {
            r.rep
            for r in rows
            if r.key in active and r.notices and r.signed_on >= pending.get(r.kind, r.signed_on)
        }
        survivors |= {
            w.rep
            for w in waiting
            if w.notices
            and w.signed_on is not None
            and w.signed_on >= pending[w.kind]
            and w.signed_on >= on_ledger.get(w.kind, w.signed_on)
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
    # R34b: a representative with no CAF number yet, who uploads their own forms; and a clerk.
    newcomer: Practitioner | None = None
    clerk: User | None = None

    @classmethod
    def make(cls, *, reps: int, forms: bool = False) -> Cast:
        # POA-eligible: CPAs (b) and enrolled agents (c), every CAF number linked (R29).
        return cls(
            reps=[make_rep(code="bc"[i % 2]) for i in range(reps)],
            taxpayers=[make_taxpayer(), make_taxpayer()],
            newcomer=enrolled_agent() if forms else None,
            clerk=staff_clerk() if forms else None,
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
            LedgerMachine.cast = Cast.make(reps=4, forms=True)
        self.reps, self.taxpayers = LedgerMachine.cast.reps, LedgerMachine.cast.taxpayers
        # Each example runs in a savepoint that teardown() rolls back: a clean ledger each time.
        self._example = transaction.atomic()
        self._example.__enter__()
        self.now = TUESDAY_NOON
        self.model = LedgerModel()
        self._ledger: tuple[dt.datetime, list[dict[str, object]]] | None = None
        self.births: dict[int, dict[str, object]] = {}
        self.endings: dict[int, dict[str, object]] = {}
        # The newcomer's CAF record, once their first form is recorded (R34b).
        self.newcomer_caf: CafRecord | None = None
        self.rep_of = {rep.caf_record.pk: i for i, rep in enumerate(self.reps)}

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
            active = self.model.active()
            born_superseded = not any(
                (("request", req.pk), req.rep, *m) in active for m in req.modules
            )
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
        """R27: the beat's sweep records the approvals and the forms a lost message left."""
        waiting = self.in_state(RequestState.APPROVED)
        recording = self.forms_in(FormState.RECORDING)
        assert services.ledger_drain(now=self.tick()) == len(waiting) + len(recording)
        for pk in waiting:
            self.model.requests[pk].state = RequestState.RECORDED
        for pk in recording:
            self.model.forms[pk].state = FormState.RECORDED

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

    # --- Steps: the forms channel (R34b, R35, R37, R39) ------------------------------------------

    def forms_in(self, *states: str) -> list[int]:
        return sorted(pk for pk, f in self.model.forms.items() if f.state in states)

    def _form_rep(self, rep: int) -> tuple[FormRepresentative, str]:
        """The representative as keyed on the form, and who they are for R39."""
        if rep != NEWCOMER:
            record = self.reps[rep].caf_record
            return form_rep(self.reps[rep], receives_notices=False), record.caf_number
        assert LedgerMachine.cast is not None and LedgerMachine.cast.newcomer is not None
        profile = LedgerMachine.cast.newcomer.profile
        assert profile is not None
        number = self.newcomer_caf.caf_number if self.newcomer_caf else ""
        keyed = form_rep(
            caf_number=number,
            name=profile.legal_name,
            designation="c",
            jurisdiction="",
            license_number="EA-00012345",
            receives_notices=False,
        )
        return keyed, number or "newcomer without a number"

    @rule(
        reps=FORM_REPS,
        taxpayer=TAXPAYER,
        form_type=st.sampled_from(FormType.values),
        modules=st.sets(st.sampled_from(MODULES), min_size=1),
        days_before=st.integers(0, 3),
        retention_box=st.booleans(),
        retained=st.frozensets(st.tuples(st.integers(0, 3), st.sampled_from(MODULES)), max_size=3),
        specific_use=st.sampled_from([False, False, False, True]),
        worker_runs=st.booleans(),
    )
    def upload_and_record_a_form(
        self,
        reps: set[int],
        taxpayer: int,
        form_type: str,
        modules: set[tuple[str, str]],
        days_before: int,
        retention_box: bool,
        retained: frozenset[tuple[int, tuple[str, str]]],
        specific_use: bool,
        worker_runs: bool,
    ) -> None:
        """R34b: a practitioner uploads a form (signed a few days ago), a clerk takes it and
        records it; the worker records it at once or, its message lost, later. R35: the
        retention box keeps the authorizations it names (only with the box ticked; ticked with
        nothing named, the pre-check refuses it, R39a). R37: a specific-use form never reaches
        the ledger. R34b: the newcomer is assigned a CAF number."""
        if retention_box and not retained:
            retention_box = False
        now = self.tick()
        kind = FORM_KIND[FormType(form_type)]
        keyed = [self._form_rep(rep) for rep in sorted(reps)]
        signed_on = today_et(now) - dt.timedelta(days=days_before)
        matters: dict[str, list[str]] = defaultdict(list)
        for matter, period in sorted(modules):
            matters[matter].append(period)
        data = form_data(
            form_type=form_type,
            taxpayer=form_taxpayer(self.taxpayers[taxpayer]),
            reps=tuple(rep for rep, _who in keyed),
            matters=tuple(FormMatter(m, "", tuple(periods)) for m, periods in matters.items()),
            signed_on=signed_on,
            specific_use=specific_use,
            retention_box=retention_box,
            retained=tuple(
                RetainedAuthorization(self.reps[rep].caf_record.caf_number, *module, kind)
                for rep, module in sorted(retained)
            ),
        )
        # The newcomer is assigned a number only from a form they upload themselves (R34b).
        uploader = self._user(NEWCOMER if NEWCOMER in reps else min(reps))
        content = (form_type, taxpayer, frozenset(modules), frozenset(who for _r, who in keyed))
        # R39: the same form as one still open (being recorded) is refused.
        if any(
            f.content == content
            for f in self.model.forms.values()
            if f.state == FormState.RECORDING
        ):
            event("form: a duplicate refused")
            with pytest.raises(FormRefused, match="already uploaded"):
                upload(uploader, data, now=now)
            return
        form = upload(uploader, data, now=now)
        assert LedgerMachine.cast is not None and LedgerMachine.cast.clerk is not None
        clerk = LedgerMachine.cast.clerk
        assert forms.form_take_next(clerk=clerk, now=now) == form
        decided = forms.form_record(clerk=clerk, public_id=form.public_id, now=self.tick())
        assert decided == forms.FormRecordOutcome.BEING_RECORDED
        if NEWCOMER in reps and self.newcomer_caf is None and not specific_use:
            self.newcomer_caf = CafRecord.objects.linked_to(uploader).get()
            self.rep_of[self.newcomer_caf.pk] = NEWCOMER
            event("form: the newcomer is assigned a CAF number")
        self.model.forms[form.pk] = ModelForm(
            pk=form.pk,
            receipt=form.receipt_number,
            reps=frozenset(reps),
            taxpayer=taxpayer,
            kind=kind,
            modules=frozenset(modules),
            signed_on=signed_on,
            keeps=retained if retention_box else frozenset(),
            specific_use=specific_use,
            content=content,
        )
        event(
            f"form: {'specific use' if specific_use else 'retention' if retention_box else 'plain'}"
        )
        if worker_runs:
            self._record_form(form.pk)

    def _record_form(self, pk: int) -> None:
        form = self.model.forms[pk]
        expected = {
            FormState.RECORDING: forms.FormLedgerOutcome.KEPT_NOT_RECORDED
            if form.specific_use
            else forms.FormLedgerOutcome.RECORDED,
            FormState.RECORDED: forms.FormLedgerOutcome.ALREADY_RECORDED,
        }[FormState(form.state)]
        assert forms.form_record_on_ledger(form_id=pk, now=self.tick()) == expected
        if form.state == FormState.RECORDING:
            form.state = FormState.RECORDED
            if not form.specific_use:
                active = self.model.active()
                born_superseded = not any(
                    (("form", pk), rep, *m) in active for rep in form.reps for m in form.modules
                )
                event(f"form recorded: {'born superseded' if born_superseded else 'active'}")

    @precondition(lambda self: self.forms_in(FormState.RECORDING))
    @rule(data=st.data())
    def record_a_waiting_form(self, data: st.DataObject) -> None:
        """R27: the worker records a form late, after later online approvals, in any order."""
        self._record_form(data.draw(st.sampled_from(self.forms_in(FormState.RECORDING))))

    @precondition(lambda self: self.forms_in(FormState.RECORDED))
    @rule(data=st.data())
    def record_a_form_again(self, data: st.DataObject) -> None:
        """R27, R34b: a form recorded twice leaves one set of rows."""
        self._record_form(data.draw(st.sampled_from(self.forms_in(FormState.RECORDED))))

    # --- Steps: ending authorizations ----------------------------------------------------------

    def _row(self, key: RowKey) -> Authorization:
        (channel, pk), rep, matter, period = key
        rows = Authorization.objects.filter(
            matter=matter, period=period, caf_record_id=self._caf(rep).pk
        )
        return rows.get(request_id=pk) if channel == "request" else rows.get(uploaded_form_id=pk)

    def _caf(self, rep: int) -> CafRecord:
        if rep == NEWCOMER:
            assert self.newcomer_caf is not None
            return self.newcomer_caf
        return self.reps[rep].caf_record

    def _user(self, rep: int) -> User:
        assert LedgerMachine.cast is not None and LedgerMachine.cast.newcomer is not None
        return LedgerMachine.cast.newcomer.user if rep == NEWCOMER else self.reps[rep].user

    @precondition(lambda self: self.model.all_rows())
    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        """R29, on any row, online or from a form: an ended one is refused."""
        key = data.draw(st.sampled_from(sorted(self.model.all_rows())))
        call = {
            "authorization_id": self._row(key).pk,
            "practitioner": self._user(key[1]),
            "now": self.tick(),
        }
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
        """R30, on an active row (R39b: those recorded from forms too)."""
        key = data.draw(st.sampled_from(sorted(self.model.active())))
        taxpayer = self.taxpayers[self.model.row(key).taxpayer]
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

    def key_of(self, row: dict[str, object]) -> RowKey:
        source: Source = (
            ("request", int(str(row["request_id"])))
            if row["request_id"] is not None
            else ("form", int(str(row["uploaded_form_id"])))
        )
        return (source, self.rep_of[int(str(row["caf_record_id"]))], *self.module_of(row))

    @staticmethod
    def module_of(row: dict[str, object]) -> tuple[str, str]:
        return (str(row["matter"]), str(row["period"]))

    @invariant()
    def form_states_match_the_model(self) -> None:
        """R34b: each form the clerk recorded is being recorded until the worker records it."""
        states = dict(UploadedForm.objects.values_list("pk", "state"))
        assert states == {pk: f.state for pk, f in self.model.forms.items()}

    @invariant()
    def active_set_matches_the_model(self) -> None:
        """R23, R24, R27, R29, R30, R35, R37: the ledger's rows, both channels', and how each
        ended, as the model says."""
        db = {self.key_of(row): row["end_reason"] for row in self.ledger()}
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
    def one_row_per_source_representative_and_module(self) -> None:
        """R27, R34b: a recorded request has one row per module, a recorded form one per
        representative and module (a specific-use form none, R37); nothing else has any."""
        rows: dict[Source, list[tuple[object, ...]]] = defaultdict(list)
        for row in self.ledger():
            source, *rest = self.key_of(row)
            rows[source].append(tuple(rest))
        expected: dict[Source, list[tuple[object, ...]]] = defaultdict(list)
        for source, *rest in self.model.all_rows():
            expected[source].append(tuple(rest))
        assert {k: sorted(v) for k, v in rows.items()} == {
            k: sorted(v) for k, v in expected.items()
        }

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

    def ender_of(self, row: dict[str, object]) -> Source:
        """The request or form that ended ``row``, as its end columns name it."""
        if row["ended_by_request_id"] is not None:
            return ("request", int(str(row["ended_by_request_id"])))
        receipt = str(row["ended_by_label"]).rsplit(" ", 1)[-1]
        return ("form", next(pk for pk, f in self.model.forms.items() if f.receipt == receipt))

    @invariant()
    def superseded_rows_were_ended_by_a_row_that_supersedes_them(self) -> None:
        """R24, R35: a row is only ever superseded by a signature on a later day that does not
        keep it, or by its own representative's later signature; its end columns say which."""
        model_rows = {r.key: r for r in self.model.rows()}
        for row in self.ledger():
            if row["end_reason"] == EndReason.SUPERSEDED:
                me = model_rows[self.key_of(row)]
                source = self.ender_of(row)
                enders = [r for r in model_rows.values() if r.key[0] == source]
                assert any(LedgerModel.supersedes(e, me) for e in enders), (row, source)


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
    """Three representatives, a taxpayer and a clerk, shared by the examples of one test."""
    return Cast.make(reps=3, forms=True)


# What each of the three representatives sends: an online approval, or a form the CAF unit
# records (R34b), with its retention box keeping some (representative, module) of its kind or
# not ticked at all (R35).
# Mostly one kind, and boxes naming up to four of the six (representative, module) pairs, so
# that a box often keeps a row a later day's form would otherwise end.
PROCESSED = st.tuples(
    st.sampled_from(["request", "form"]),
    st.sampled_from([RequestKind.POA, RequestKind.POA, RequestKind.TIA]),
    st.sets(st.sampled_from(MODULES), min_size=1).map(sorted),
    st.integers(0, 2),  # the signing day, from Tuesday
    st.frozensets(st.tuples(st.integers(0, 2), st.sampled_from(MODULES)), max_size=4),
)
approvals = st.lists(PROCESSED, min_size=3, max_size=3)


def _form_type(kind: str) -> str:
    return next(t for t in FormType.values if FORM_KIND[FormType(t)] == kind)


@settings(
    # 25 by default (each example records three approvals or forms in all six orders).
    max_examples=max(EXAMPLES // 8, 10),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(approvals=approvals)
def test_r27_the_final_ledger_is_the_same_in_every_processing_order(trio, approvals) -> None:
    """Three approvals or recorded forms (R34b; with or without the R35 retention box) by three
    representatives, put on the ledger in all six orders: one ledger (R27, "R27's
    order-independence holds for forms too"), and the one the model gives (R23, R24, R35)."""
    reps, (taxpayer, _) = trio.reps, trio.taxpayers
    clerk = trio.clerk
    assert clerk is not None
    recording_day = TUESDAY_NOON + 3 * DAY
    with transaction.atomic():  # each example rolls back
        model = LedgerModel()
        sources: list[Source] = []
        for i, (channel, kind, modules, day, retained) in enumerate(approvals):
            signed = TUESDAY_NOON + day * DAY + i * SECOND
            if channel == "request":
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
                sources.append(("request", req.pk))
                continue
            matters: dict[str, list[str]] = defaultdict(list)
            for matter, period in modules:
                matters[matter].append(period)
            data = form_data(
                form_type=_form_type(kind),
                taxpayer=form_taxpayer(taxpayer),
                reps=(form_rep(reps[i], receives_notices=False),),
                matters=tuple(FormMatter(m, "", tuple(periods)) for m, periods in matters.items()),
                signed_on=today_et(signed),
                retention_box=bool(retained),
                retained=tuple(
                    RetainedAuthorization(reps[rep].caf_record.caf_number, *module, kind)
                    for rep, module in sorted(retained)
                ),
            )
            uploaded_at = recording_day - DAY + i * SECOND
            form = upload(reps[i].user, data, now=uploaded_at)
            assert forms.form_take_next(clerk=clerk, now=uploaded_at) == form
            assert (
                forms.form_record(clerk=clerk, public_id=form.public_id, now=uploaded_at)
                == forms.FormRecordOutcome.BEING_RECORDED
            )
            model.forms[form.pk] = ModelForm(
                pk=form.pk,
                receipt=form.receipt_number,
                reps=frozenset({i}),
                taxpayer=0,
                kind=kind,
                modules=frozenset(modules),
                signed_on=today_et(signed),
                keeps=retained,
                specific_use=False,
                content=(),
                state=FormState.RECORDED,
            )
            sources.append(("form", form.pk))
            event(f"all orders: a form {'with' if retained else 'without'} the retention box")
        index_of = {source: i for i, source in enumerate(sources)}

        def ledger_after(order: tuple[int, ...]) -> set[tuple[object, ...]]:
            with transaction.atomic():
                for step, i in enumerate(order):
                    channel, pk = sources[i]
                    now = recording_day + step * SECOND
                    if channel == "request":
                        services.request_record(request_id=pk, now=now)
                    else:
                        assert (
                            forms.form_record_on_ledger(form_id=pk, now=now)
                            == forms.FormLedgerOutcome.RECORDED
                        )
                ledger = {
                    (
                        index_of[
                            ("request", row.request_id)
                            if row.request_id is not None
                            else ("form", row.uploaded_form_id)
                        ],
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
    signed_on = {("request", pk): r.signed_on for pk, r in model.requests.items()} | {
        ("form", pk): f.signed_on for pk, f in model.forms.items()
    }
    kind_of = {("request", pk): r.kind for pk, r in model.requests.items()} | {
        ("form", pk): f.kind for pk, f in model.forms.items()
    }
    expected = {
        (index_of[source], kind_of[source], matter, period, signed_on[source], reason)
        for (source, _rep, matter, period), reason in model.end_reasons().items()
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
