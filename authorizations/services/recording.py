"""Recording approved requests on the ledger (R3a, R21, R23, R24, R27, R42).

Recording is idempotent and order-independent: the request row says whether it is recorded,
the unique index on (request, module) refuses a second set of rows, and an approval that
arrives after a later-signed one for the same module and kind is written as already superseded.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from celery import current_app
from django.db import connection, transaction
from django.db.models import Model

from authorizations.models import (
    Authorization,
    AuthorizationRequest,
    EndReason,
    PractitionerNoticeKind,
    RequestModule,
    RequestState,
    UploadedForm,
)
from authorizations.services.handoff import LazyThreadPool
from authorizations.services.locks import lock_request
from authorizations.services.notices import practitioner_notice_send
from authorizations.services.request_states import request_state_move
from authorizations.services.webhooks import webhook_events_emit
from caf.models import CafRecord, PracticeStatus
from taxpayers.models import Taxpayer
from taxpro import clock
from taxpro.service_hours.hours import Window
from taxpro.service_hours.selectors import (
    maintenance_windows_sql,
    portal_is_open,
    portal_is_open_given,
    windows_from_rows,
)

logger = logging.getLogger(__name__)

WORKER = "recording worker"


class RecordOutcome(enum.StrEnum):
    RECORDED = "recorded"
    ALREADY_RECORDED = "already recorded"
    NOT_APPROVED = "not approved"
    WAITING_FOR_OPENING = "waiting for the service to open"
    NOT_FOUND = "not found"
    REPRESENTATIVE_NOT_IN_GOOD_STANDING = "failed: the representative is not in good standing"


# For staff (R19: the practitioner is only told to contact the taxpayer).
NOT_IN_GOOD_STANDING = (
    "The representative's CAF record was no longer in good standing when the approval was "
    "to be recorded."
)


def end_authorization(
    row: Authorization,
    *,
    reason: EndReason,
    now: dt.datetime,
    by_user: object | None = None,
    by_request: AuthorizationRequest | None = None,
    label: str = "",
) -> bool:
    """End an active row (the only UPDATE the ledger allows, R28). False if it had ended."""
    ended = Authorization.objects.filter(pk=row.pk, ends_at__isnull=True).update(
        ends_at=max(now, row.starts_at),
        end_reason=reason,
        ended_by_user=by_user,
        ended_by_request=by_request,
        ended_by_label=label[:100],
    )
    if ended == 1:  # issue 14: every ending (superseded, withdrawn, revoked, practice status)
        webhook_events_emit(subject=row, now=now, ended_reason=reason)
    return ended == 1


@dataclass(frozen=True)
class OnFile:
    """A ledger row as supersession reads it, with the CAF records its form's retention box
    keeps for its module and kind (R35; empty for an online row)."""

    row: Authorization
    keeps: frozenset[int] = frozenset()


def _signature_order(row: Authorization) -> tuple[dt.datetime, int, int]:
    """Which of one representative's two signatures is the later one: the time signed (a form
    is signed at the start of its day), then the later upload or request, whatever the order
    they are recorded in (R27)."""
    return (row.signed_at, row.uploaded_form_id or 0, row.request_id or 0)


def supersedes(later: OnFile, earlier: Authorization) -> bool:
    """Whether ``later`` ends ``earlier`` (same taxpayer, module and kind), whichever of the
    two is recorded first (R27). One active row per representative: their later signature
    replaces the earlier. R23: another representative's row signed on an earlier day ends,
    R24: one signed the same day stays, R35: unless the later form's retention box keeps it."""
    if later.row.caf_record_id == earlier.caf_record_id:
        return _signature_order(later.row) > _signature_order(earlier)
    return later.row.signed_on > earlier.signed_on and earlier.caf_record_id not in later.keeps


def retained_by_forms(form_ids: set[int]) -> dict[int, tuple[str, set[tuple[int, str, str, str]]]]:
    """R35: per uploaded form, its receipt and the authorizations its retention box keeps, as
    (CAF record id, matter, period, kind). Two queries at most, none without a form."""
    if not form_ids:
        return {}
    forms = list(
        UploadedForm.objects.filter(pk__in=form_ids).values_list("pk", "public_id", "data")
    )
    named = {
        pk: data.get("retained", []) if data.get("retention_box") else []
        for pk, _public_id, data in forms
    }
    numbers = {r["caf_number"] for kept in named.values() for r in kept}
    ids = dict(
        CafRecord.objects.filter(caf_number__in=numbers).values_list("caf_number", "pk")
        if numbers
        else []
    )
    return {
        pk: (
            str(public_id).upper(),
            {
                (ids[r["caf_number"]], r["matter"], r["period"], r["kind"])
                for r in named[pk]
                if r["caf_number"] in ids
            },
        )
        for pk, public_id, _data in forms
    }


def on_file(rows: Iterable[Authorization]) -> tuple[list[OnFile], dict[int, str]]:
    """``rows`` with what their forms keep (R35), and the forms' receipts by form id."""
    rows = list(rows)
    by_form = retained_by_forms({r.uploaded_form_id for r in rows if r.uploaded_form_id})
    result = []
    for r in rows:
        keeps: set[int] = set()
        if r.uploaded_form_id in by_form:
            keeps = {
                caf
                for caf, matter, period, kind in by_form[r.uploaded_form_id][1]
                if (matter, period, kind) == (r.matter, r.period, r.kind)
            }
        result.append(OnFile(r, frozenset(keeps)))
    return result, {pk: receipt for pk, (receipt, _kept) in by_form.items()}


def module_record(
    new: OnFile,
    same: Iterable[OnFile],
    now: dt.datetime,
    *,
    label: str,
    receipts: dict[int, str],
    by_request: AuthorizationRequest | None = None,
) -> None:
    """R23, R24, R27, R35 for one new, unsaved row ``new.row`` against the rows ``same`` on file
    for its taxpayer, module and kind; the caller saves it. Both channels record through this.

    It is born superseded (R27) when a row on file supersedes it, by the first such signature;
    either way it ends every active row it supersedes. So a row ends exactly when some recorded
    row supersedes it, whatever the order they were recorded in."""
    row = new.row
    same = list(same)
    enders = [f.row for f in same if supersedes(f, row)]
    if enders:
        first = min(enders, key=lambda r: (r.signed_on, _signature_order(r)))
        row.ends_at = now
        row.end_reason = EndReason.SUPERSEDED
        row.ended_by_request_id = first.request_id
        row.ended_by_label = (
            f"recorded after form {receipts[first.uploaded_form_id]}"
            if first.uploaded_form_id in receipts
            else "recorded after a later signature"
        )
    for prior in same:
        if prior.row.ends_at is None and supersedes(new, prior.row):
            end_authorization(
                prior.row, reason=EndReason.SUPERSEDED, now=now, by_request=by_request, label=label
            )
            prior.row.ends_at = now


# What supersession reads of each row on file.
ON_FILE_COLUMNS = (
    "id", "matter", "period", "kind", "request_id", "uploaded_form_id", "caf_record_id",
    "signed_on", "signed_at", "starts_at", "ends_at",
)  # fmt: skip


def _ledger_on_file(req: AuthorizationRequest) -> dict[tuple[str, str], list[Authorization]]:
    """The request's modules, each with the ledger rows on file for it and the request's kind,
    in one statement (the modules joined to the ledger): one round trip, whatever the count."""
    ledger = Authorization._meta.db_table
    modules = RequestModule._meta.db_table
    # The modules in the model's order; each module's ledger rows unordered (R27 picks its row
    # by (signed_on, id) below). The ledger is read through ledger_module_kind_day.
    sql = (
        f"SELECT {', '.join(_ON_FILE_COLUMNS)} "  # noqa: S608 (table and column names only)
        f'FROM "{modules}" m LEFT JOIN "{ledger}" a '
        "ON a.taxpayer_id = %s AND a.kind = %s AND a.matter = m.matter AND a.period = m.period "
        "WHERE m.request_id = %s ORDER BY m.matter, m.period"
    )
    on_file: dict[tuple[str, str], list[Authorization]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [req.taxpayer_id, req.kind, req.pk])
        for row in cursor.fetchall():
            same = on_file.setdefault((row[_MATTER], row[_PERIOD]), [])
            if row[_ID] is not None:  # a module with no row on file comes once, all NULLs
                same.append(Authorization.from_db(None, _ON_FILE_FIELDS, row))
    return on_file


def _in_model_order(model: type[Model], names: set[str]) -> list[str]:
    """``names`` in the order of the model's columns: the order ``Model.from_db`` reads."""
    return [f.attname for f in model._meta.concrete_fields if f.attname in names]


_ON_FILE_FIELDS = _in_model_order(Authorization, set(ON_FILE_COLUMNS))

# The module's own matter and period (a module with no row on file has NULLs for the rest).
_ON_FILE_COLUMNS = [
    f"m.{name}" if name in {"matter", "period"} else f"a.{name}" for name in _ON_FILE_FIELDS
]
_ID, _MATTER, _PERIOD = (_ON_FILE_FIELDS.index(name) for name in ("id", "matter", "period"))


def _modules_record(req: AuthorizationRequest, now: dt.datetime) -> None:
    """Write the request's rows, reading the ledger once for all its modules."""
    assert req.signed_at is not None and req.signed_on is not None  # approved: signed
    by_module = _ledger_on_file(req)
    kept, receipts = on_file(row for rows in by_module.values() for row in rows)
    same: dict[tuple[str, str], list[OnFile]] = {module: [] for module in by_module}
    for item in kept:
        same[(item.row.matter, item.row.period)].append(item)
    new_rows = []
    for (matter, period), module_rows in same.items():
        row = Authorization(
            taxpayer_id=req.taxpayer_id,
            caf_record_id=req.caf_record_id,
            kind=req.kind,
            matter=matter,
            period=period,
            receives_notices=req.receives_notices,
            request=req,
            signed_at=req.signed_at,
            signed_on=req.signed_on,
            starts_at=now,
        )
        new_rows.append(row)
        module_record(
            OnFile(row),
            module_rows,
            now,
            label=f"request {req.pk}",
            receipts=receipts,
            by_request=req,
        )
    Authorization.objects.bulk_create(new_rows)


# What recording reads of the request and its taxpayer (the notice names the taxpayer, R43).
_REQUEST_FIELDS = _in_model_order(
    AuthorizationRequest,
    {"id", "public_id", "state", "kind", "practitioner_id", "caf_record_id", "taxpayer_id",
     "receives_notices", "signed_at", "signed_on"},
)  # fmt: skip
_TAXPAYER_FIELDS = _in_model_order(Taxpayer, {"id", "name", "tin_type", "tin_last4"})


def _lock_for_recording(
    request_id: int, now: dt.datetime
) -> tuple[str, list[Window], AuthorizationRequest] | None:
    """Lock what recording ``request_id`` locks, in the one order (locks.py): the
    representative's CAF record FOR SHARE (R3a), then the taxpayer by its id, then the request;
    three statements. The first also reads the maintenance windows around ``now`` (R41: asked
    of the database on every recording, in a round trip recording makes anyway). None: no such
    request."""
    caf, requests = CafRecord._meta.db_table, AuthorizationRequest._meta.db_table
    taxpayers = Taxpayer._meta.db_table
    windows_sql, windows_params = maintenance_windows_sql(now)
    params: list[dt.datetime | int] = [*windows_params, request_id]
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT c.practice_status, r.taxpayer_id, ({windows_sql}) FROM "{requests}" r '  # noqa: S608 (table names only)
            f'JOIN "{caf}" c ON c.id = r.caf_record_id WHERE r.id = %s FOR SHARE OF c',
            params,
        )
        found = cursor.fetchone()
        if found is None:
            return None
        standing, taxpayer_id, windows = found
        cursor.execute(
            f'SELECT {", ".join(_TAXPAYER_FIELDS)} FROM "{taxpayers}" '  # noqa: S608
            "WHERE id = %s FOR UPDATE",
            [taxpayer_id],
        )
        taxpayer_row = cursor.fetchone()
        cursor.execute(
            f'SELECT {", ".join(_REQUEST_FIELDS)} FROM "{requests}" '  # noqa: S608
            "WHERE id = %s FOR UPDATE",
            [request_id],
        )
        request_row = cursor.fetchone()
    if taxpayer_row is None or request_row is None:
        return None
    req = AuthorizationRequest.from_db(None, _REQUEST_FIELDS, request_row)
    req.taxpayer = Taxpayer.from_db(None, _TAXPAYER_FIELDS, taxpayer_row)
    return str(standing), windows_from_rows(windows), req


def request_record(*, request_id: int, now: dt.datetime | None = None) -> RecordOutcome:
    """Put an approved request on the ledger. Safe to run any number of times, in any order."""
    now = now or clock.now()
    with transaction.atomic():
        locked = _lock_for_recording(request_id, now)
        if locked is None:
            return RecordOutcome.NOT_FOUND
        standing, windows, req = locked
        if req.state == RequestState.RECORDED:
            return RecordOutcome.ALREADY_RECORDED
        if req.state != RequestState.APPROVED:
            return RecordOutcome.NOT_APPROVED
        if not portal_is_open_given(now, windows):
            # R42: approvals signed while closed wait for the opening, in signing order.
            return RecordOutcome.WAITING_FOR_OPENING
        if standing != PracticeStatus.GOOD_STANDING:
            # R3a: standing lost since the request was sent: no row comes into force (R19).
            _request_failed(req, reason=NOT_IN_GOOD_STANDING, now=now)
            return RecordOutcome.REPRESENTATIVE_NOT_IN_GOOD_STANDING
        _modules_record(req, now)
        req.recorded_at = now
        request_state_move(
            req,
            to=RequestState.RECORDED,
            now=now,
            actor_label=WORKER,
            also_saved=["recorded_at"],
        )
        practitioner_notice_send(req=req, kind=PractitionerNoticeKind.RECORDED, now=now)
    return RecordOutcome.RECORDED


def approvals_drain(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Record every approval still waiting, oldest signature first (R42). Returns how many.

    The sweeper: it also catches approvals whose message the broker lost.
    """
    now = now or clock.now()
    if not portal_is_open(now):
        return 0
    recorded = 0
    ids = list(
        AuthorizationRequest.objects.waiting_to_be_recorded().values_list("pk", flat=True)[:limit]
    )
    for request_id in ids:
        if request_record(request_id=request_id, now=now) == RecordOutcome.RECORDED:
            recorded += 1
    return recorded


_publisher = LazyThreadPool(max_workers=2, thread_name_prefix="enqueue")


# The tasks are named, not imported: the tasks module calls these services, and a service that
# imported it back would close an import cycle.
RECORD_REQUEST_TASK = "authorizations.tasks.record_request"
RECORD_FORM_TASK = "authorizations.tasks.record_form"


def _publish(task: str, pk: int) -> None:
    try:
        current_app.send_task(task, args=[pk], retry=False)
    except Exception:
        logger.warning("Could not enqueue %s(%s); the sweeper will.", task, pk, exc_info=True)


def _publish_recording(request_id: int) -> None:
    _publish(RECORD_REQUEST_TASK, request_id)


def enqueue_recording(request_id: int) -> None:
    """Hand a fresh approval to the worker, off the request thread. Never raises, never waits.

    The approval is already durable (the outbox); a broker that is down or does not answer
    only delays recording until the sweeper runs (a Redis that accepted connections and never
    answered held a publish for 8 s here, whatever the socket timeouts).
    """
    _publisher.submit(_publish_recording, request_id)


def enqueue_form_recording(form_id: int) -> None:
    """Hand a form the clerk decided to record to the worker, as ``enqueue_recording`` does an
    approval: off the request thread, never raising; the RECORDING state is the outbox."""
    _publisher.submit(_publish, RECORD_FORM_TASK, form_id)


def enqueue_off_the_request(task: str, pk: int) -> None:
    """Hand ``task(pk)`` to the worker as the recordings are: off the request thread, never
    raising, never waiting; what was not handed over is found by a sweep (the outbox)."""
    _publisher.submit(_publish, task, pk)


def request_fail(*, request_id: int, reason: str, now: dt.datetime | None = None) -> None:
    """An approved request that cannot be put on the ledger. R19: the practitioner sees no
    status and is told to contact the taxpayer; ``reason`` is kept for staff."""
    now = now or clock.now()
    with transaction.atomic():
        req = lock_request(request_id)
        if req.state == RequestState.APPROVED:
            _request_failed(req, reason=reason, now=now)


def _request_failed(req: AuthorizationRequest, *, reason: str, now: dt.datetime) -> None:
    """Move a locked, approved ``req`` to failed, ``reason`` kept for staff (R19)."""
    req.staff_reason = reason
    request_state_move(
        req,
        to=RequestState.FAILED,
        now=now,
        actor_label=WORKER,
        also_saved=["staff_reason"],
        audited={"reason": reason},
    )
