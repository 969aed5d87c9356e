"""Recording approved requests on the ledger (R3a, R21, R23, R24, R27, R42).

Recording is idempotent and order-independent: the request row says whether it is recorded,
the unique index on (request, module) refuses a second set of rows, and an approval that
arrives after a later-signed one for the same module and kind is written as already superseded.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

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
)
from authorizations.services.locks import lock_request
from authorizations.services.notices import practitioner_notice_send
from authorizations.services.request_states import request_state_move
from caf.models import CafRecord, PracticeStatus
from taxpayers.models import Taxpayer
from taxpro import clock
from taxpro.models import ServiceEvent, ServiceEventKind
from taxpro.service_hours import services as service_hours
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
    return ended == 1


def recorded_as_superseded(
    row: Authorization, on_file: Iterable[Authorization], now: dt.datetime
) -> bool:
    """R27: a new, unsaved ``row`` signed on an earlier day than one ``on_file`` for its module
    and kind is recorded as already superseded, by the first later signature. True when it is:
    then it ends nothing else. Both channels record through this (online and forms)."""
    later = min(
        (r for r in on_file if r.signed_on > row.signed_on),
        key=lambda r: (r.signed_on, r.pk),
        default=None,
    )
    if later is None:
        return False
    row.ends_at = now
    row.end_reason = EndReason.SUPERSEDED
    row.ended_by_request_id = later.request_id
    row.ended_by_label = "recorded after a later signature"
    return True


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


_ON_FILE_FIELDS = _in_model_order(
    Authorization,
    {"id", "matter", "period", "request_id", "caf_record_id", "signed_on", "starts_at", "ends_at"},
)

# The module's own matter and period (a module with no row on file has NULLs for the rest).
_ON_FILE_COLUMNS = [
    f"m.{name}" if name in {"matter", "period"} else f"a.{name}" for name in _ON_FILE_FIELDS
]
_ID, _MATTER, _PERIOD = (_ON_FILE_FIELDS.index(name) for name in ("id", "matter", "period"))


def _modules_record(req: AuthorizationRequest, now: dt.datetime) -> None:
    """Write the request's rows, reading the ledger once for all its modules."""
    assert req.signed_at is not None and req.signed_on is not None  # approved: signed
    new_rows = []
    for (matter, period), same in _ledger_on_file(req).items():
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
        if recorded_as_superseded(row, same, now):
            continue
        # R23: earlier days' authorizations end; R24: the same day's stay, except this
        # representative's own (one active row per representative, module and kind).
        for prior in same:
            if prior.ends_at is None and (
                prior.signed_on < req.signed_on or prior.caf_record_id == req.caf_record_id
            ):
                end_authorization(
                    prior,
                    reason=EndReason.SUPERSEDED,
                    now=now,
                    by_request=req,
                    label=f"request {req.pk}",
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


def service_transitions_record(*, now: dt.datetime | None = None) -> ServiceEvent:
    """R42: record the opening or closing the service is in (once, whatever the beats), and on
    an opening record every approval that waited while it was shut."""
    now = now or clock.now()
    event = service_hours.service_transitions_record(now=now)
    if event.kind == ServiceEventKind.OPENED:
        service_hours.service_event_drained_add(event=event, drained=approvals_drain(now=now))
    return event


_publisher: ThreadPoolExecutor | None = None
_publisher_lock = threading.Lock()


def _publisher_pool() -> ThreadPoolExecutor:
    """Made lazily, per process: a pool made before a fork would have no threads after it."""
    global _publisher
    with _publisher_lock:
        if _publisher is None:
            _publisher = ThreadPoolExecutor(max_workers=2, thread_name_prefix="enqueue")
        return _publisher


# The task is named, not imported: the tasks module calls these services, and a service that
# imported it back would close an import cycle.
RECORD_REQUEST_TASK = "authorizations.tasks.record_request"


def _publish_recording(request_id: int) -> None:
    try:
        current_app.send_task(RECORD_REQUEST_TASK, args=[request_id], retry=False)
    except Exception:
        logger.warning(
            "Could not enqueue recording of request %s; the sweeper will.",
            request_id,
            exc_info=True,
        )


def enqueue_recording(request_id: int) -> None:
    """Hand a fresh approval to the worker, off the request thread. Never raises, never waits.

    The approval is already durable (the outbox); a broker that is down or does not answer
    only delays recording until the sweeper runs (a Redis that accepted connections and never
    answered held a publish for 8 s here, whatever the socket timeouts).
    """
    _publisher_pool().submit(_publish_recording, request_id)


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
