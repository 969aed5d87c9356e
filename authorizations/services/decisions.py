"""The taxpayer's decision, approve or reject, and the practitioner's cancel.

Rules: R3a (standing checked again at the approval), R18, R21, R22, R25, R26, R47 (a repeated
decision has one effect).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import partial
from itertools import chain, product

from django.db import transaction
from django.db.models import Q

from authorizations.errors import ApprovalRefused, RequestRefused
from authorizations.models import (
    Authorization,
    AuthorizationRequest,
    RequestModule,
    RequestState,
)
from authorizations.periods import Matter, format_period
from authorizations.selectors import CONTACT_TAXPAYER, NO_STATUS_STATES
from authorizations.services.locks import lock_request
from authorizations.services.recording import enqueue_recording
from authorizations.services.request_states import request_state_move
from taxpro import clock

# The version of the declaration the taxpayer signs (R22). Change it when the words change.
CONSENT_TEXT_VERSION = "2026-11-v1"
MAX_NOTICE_RECIPIENTS = 2  # R25


@dataclass(frozen=True)
class ConsentEvidence:
    """R22: what is kept with each approval."""

    ip: str | None
    user_agent: str
    second_factor: bool
    text_version: str = CONSENT_TEXT_VERSION


def _refuse_unless_pending(req: AuthorizationRequest, now: dt.datetime, verb: str) -> None:
    already = {
        RequestState.APPROVED: "You already approved this request.",
        RequestState.RECORDED: "You already approved this request.",
        RequestState.REJECTED: "This request was already rejected.",
        RequestState.CANCELLED: "The representative cancelled this request.",
        RequestState.EXPIRED: "This request has expired.",
        RequestState.FAILED: "This request could not be processed.",
        RequestState.DRAFT: "This request has not been sent yet.",
    }
    if req.state != RequestState.PENDING:
        raise ApprovalRefused(f"{already[RequestState(req.state)]} It cannot be {verb}.")
    if req.expires_at is not None and req.expires_at <= now:
        raise ApprovalRefused(
            f"This request expired on {clock.to_et(req.expires_at):%B %-d, %Y}. "
            f"It cannot be {verb}."
        )


def _standing_refusal(req: AuthorizationRequest) -> str | None:
    """R3a: a representative who lost good standing after sending the request cannot be
    authorized; the taxpayer is told so in words before and when they sign."""
    record = req.caf_record
    if record.is_in_good_standing:
        return None
    return (
        f"You cannot approve this request: {record.name} is no longer allowed to represent "
        "taxpayers or receive their tax information (their practice status changed after they "
        "sent it). Nobody was authorized. You can ask another representative to send you a "
        "request."
    )


def _module_pairs(req: AuthorizationRequest) -> list[tuple[str, str]]:
    return list(req.modules.values_list("matter", "period"))


def _modules_q(pairs: list[tuple[str, str]], prefix: str = "") -> Q:
    q = Q()
    for matter, period in pairs:
        q |= Q(**{f"{prefix}matter": matter, f"{prefix}period": period})
    return q


def correction_approvable_from(
    req: AuthorizationRequest, now: dt.datetime | None = None
) -> dt.date | None:
    """R26: the first day the taxpayer may approve ``req``, when it corrects a request from the
    same CAF number for a form and period they approved today; ``None`` when it need not wait.
    The practitioner is told when the request is sent; the taxpayer when they open it."""
    now = now or clock.now()
    return _correction_waits_until(req, _module_pairs(req), now)


def _correction_waits_until(
    req: AuthorizationRequest, pairs: list[tuple[str, str]], now: dt.datetime
) -> dt.date | None:
    today = clock.today_et(now)
    clash = (
        RequestModule.objects.filter(
            request__taxpayer_id=req.taxpayer_id,
            request__caf_record_id=req.caf_record_id,
            request__signed_on=today,
            request__state__in=[RequestState.APPROVED, RequestState.RECORDED],
        )
        .exclude(request_id=req.pk)
        .filter(_modules_q(pairs))
        .exists()
    )
    return today + dt.timedelta(days=1) if clash else None


def _check_correction_wait(
    req: AuthorizationRequest, pairs: list[tuple[str, str]], now: dt.datetime
) -> None:
    """R26: a correction from the same CAF number for a module approved today waits a day."""
    tomorrow = _correction_waits_until(req, pairs, now)
    if tomorrow is not None:
        raise ApprovalRefused(
            "You approved a request from this representative for the same tax form and period "
            f"today. You can approve this corrected request from {tomorrow:%A, %B %-d, %Y}."
        )


def _recipients_once_recorded(
    req: AuthorizationRequest, matter: str, period: str, today: dt.date
) -> set[int]:
    """The most CAF records that may receive notices for one module at once after this approval
    is recorded, whichever of the approvals still waiting the worker has recorded by then and in
    whatever order (R27).

    Each state is what the ledger holds once this approval and some of the waiting ones are
    recorded (``_recipients_given``); the worst of them counts. The state with all of them is
    the final one; the others are how the ledger may look in the meantime, as when the worker
    lost an earlier approval that would end rows this one leaves in force. Only the states that
    can differ are tried (``_states_worth_trying``), so the number of waiting approvals, which
    closed hours can make large, does not multiply the work.
    """
    module = {"taxpayer_id": req.taxpayer_id, "matter": matter, "period": period}
    rows = list(
        Authorization.objects.filter(**module).values_list(
            "kind", "signed_on", "ends_at", "receives_notices", "caf_record_id"
        )
    )
    waiting = list(
        AuthorizationRequest.objects.filter(
            taxpayer_id=req.taxpayer_id,
            state=RequestState.APPROVED,
            modules__matter=matter,
            modules__period=period,
        )
        .exclude(pk=req.pk)
        .values_list("kind", "signed_on", "receives_notices", "caf_record_id")
    )
    states = (
        _recipients_given(req, today, rows, recorded) for recorded in _states_worth_trying(waiting)
    )
    return max(states, key=len)


def _states_worth_trying[W: tuple[str, dt.date | None, bool, int]](
    waiting: list[W],
) -> list[tuple[W, ...]]:
    """The sets of waiting approvals recorded so far that can each leave a different ledger.

    Supersession is per kind, by day (R23, R24): of one kind, the latest day recorded decides
    what survives, an approval of that kind signed earlier is ended by it either way, and one of
    that day left out only takes a recipient away. So per kind it is none of them, or every one
    signed on one of their days: (1 + days of POA) x (1 + days of TIA) states, the same worst
    as every subset (the ledger's state machine tries every subset against this)."""
    per_kind: dict[str, list[W]] = defaultdict(list)
    for approval in waiting:
        per_kind[approval[0]].append(approval)
    choices = [
        [(), *(tuple(a for a in same if a[1] == day) for day in {a[1] for a in same})]
        for same in per_kind.values()
    ]
    return [tuple(chain.from_iterable(choice)) for choice in product(*choices)]


def _recipients_given(
    req: AuthorizationRequest,
    today: dt.date,
    rows: list[tuple[str, dt.date, dt.datetime | None, bool, int]],
    waiting: tuple[tuple[str, dt.date | None, bool, int], ...],
) -> set[int]:
    """Who receives notices once this approval and ``waiting`` are recorded, in any order.

    Per kind (R23, R24): an active row stays unless one of them is signed on a later day (an
    approval keeps nothing; a form's retention box may have kept rows of earlier days, R35); a
    waiting approval stays unless one of those, or a row on the ledger, is signed on a later
    day; and this approval, signed today.
    """
    pending: dict[str, dt.date] = {req.kind: today}
    for kind, signed_on, _notices, _caf in waiting:
        if signed_on is not None:  # always: an approved request carries its signature
            pending[kind] = max(pending.get(kind, signed_on), signed_on)
    on_ledger: dict[str, dt.date] = {}
    for kind, signed_on, *_rest in rows:
        on_ledger[kind] = max(on_ledger.get(kind, signed_on), signed_on)
    survivors = {
        caf
        for kind, signed_on, ends_at, notices, caf in rows
        if ends_at is None and notices and signed_on >= pending.get(kind, signed_on)
    }
    survivors |= {
        caf
        for kind, signed_on, notices, caf in waiting
        if notices
        and signed_on is not None
        and signed_on >= pending[kind]
        and signed_on >= on_ledger.get(kind, signed_on)
    }
    return survivors | {req.caf_record_id}


def _check_notice_recipients(
    req: AuthorizationRequest, pairs: list[tuple[str, str]], now: dt.datetime
) -> None:
    """R25: at most two representatives receive copies of notices for a module. Count those
    who would remain once this approval is recorded (R23 and R24 applied), plus this one."""
    if not req.receives_notices:
        return
    today = clock.today_et(now)
    for matter, period in pairs:
        if len(_recipients_once_recorded(req, matter, period, today)) > MAX_NOTICE_RECIPIENTS:
            raise ApprovalRefused(
                "You cannot approve this request: two representatives already receive copies "
                f"of your notices for {Matter(matter).label}, "
                f"{format_period(matter=matter, period=period)}, and two is the limit. "
                "Ask this representative to send a request without copies of notices, or "
                "revoke one of the others first."
            )


def request_approval_refusal(
    *, request_id: int, taxpayer_id: int, now: dt.datetime | None = None
) -> str | None:
    """What ``request_approve`` would refuse with if the taxpayer signed now, without locking
    or writing: the approve page shows it before they sign (R25, R26, and an ended request).
    The approval itself checks again under its locks; this is only the early, honest answer."""
    now = now or clock.now()
    req = AuthorizationRequest.objects.select_related("caf_record").get(
        pk=request_id, taxpayer_id=taxpayer_id
    )
    try:
        _refuse_unless_pending(req, now, "approved")
        standing = _standing_refusal(req)  # R3a
        if standing:
            return standing
        pairs = _module_pairs(req)
        _check_correction_wait(req, pairs, now)
        _check_notice_recipients(req, pairs, now)
    except RequestRefused as refusal:
        return str(refusal)
    return None


def request_approve(
    *,
    request_id: int,
    taxpayer_id: int,
    actor: object,
    consent: ConsentEvidence,
    now: dt.datetime | None = None,
) -> AuthorizationRequest:
    """R21: the taxpayer signs. The approved row is the outbox; recording follows after commit.

    R3a: a representative out of good standing is refused, and the request ends as failed
    (R18, R19: the practitioner sees no status; the reason is kept for staff)."""
    now = now or clock.now()
    with transaction.atomic():
        req = lock_request(request_id, taxpayer_id=taxpayer_id)
        _refuse_unless_pending(req, now, "approved")
        standing = _standing_refusal(req)
        if standing:
            _fail_out_of_standing(req, actor=actor, now=now)
        else:
            _sign(req, consent=consent, actor=actor, now=now)
    if standing:
        raise ApprovalRefused(standing)  # after the commit: the failed state is kept
    return req


def _sign(
    req: AuthorizationRequest, *, consent: ConsentEvidence, actor: object, now: dt.datetime
) -> None:
    pairs = _module_pairs(req)
    _check_correction_wait(req, pairs, now)
    _check_notice_recipients(req, pairs, now)
    req.signed_at = req.decided_at = now
    req.signed_on = clock.today_et(now)
    req.consent_ip = consent.ip
    req.consent_user_agent = consent.user_agent[:500]
    req.consent_text_version = consent.text_version
    req.consent_second_factor = consent.second_factor
    request_state_move(
        req,
        to=RequestState.APPROVED,
        now=now,
        actor=actor,
        also_saved=[
            "signed_at",
            "decided_at",
            "signed_on",
            "consent_ip",
            "consent_user_agent",
            "consent_text_version",
            "consent_second_factor",
        ],
        audited={"signed_on": req.signed_on.isoformat()},
    )
    # The worker is a fast path only: if the broker is down the sweeper records it later.
    transaction.on_commit(partial(enqueue_recording, req.pk), robust=True)


def _fail_out_of_standing(req: AuthorizationRequest, *, actor: object, now: dt.datetime) -> None:
    """R3a: the request ends as failed (R18); R19 keeps the reason for staff only."""
    reason = (
        "The representative was not in good standing when the taxpayer tried to approve "
        f"({req.caf_record.get_practice_status_display().lower()})."
    )
    _end_by_decision(
        req, to=RequestState.FAILED, staff_reason=reason, actor=actor, now=now, audited=True
    )


def _end_by_decision(
    req: AuthorizationRequest,
    *,
    to: RequestState,
    staff_reason: str,
    actor: object,
    now: dt.datetime,
    audited: bool = False,
) -> None:
    """The taxpayer's decision ends a locked pending request; the reason is for staff (R19)."""
    req.decided_at = now
    req.staff_reason = staff_reason
    request_state_move(
        req,
        to=to,
        now=now,
        actor=actor,
        also_saved=["decided_at", "staff_reason"],
        audited={"reason": staff_reason} if audited else None,
    )


def request_reject(
    *, request_id: int, taxpayer_id: int, actor: object, now: dt.datetime | None = None
) -> AuthorizationRequest:
    now = now or clock.now()
    with transaction.atomic():
        req = lock_request(request_id, taxpayer_id=taxpayer_id)
        _refuse_unless_pending(req, now, "rejected")
        _end_by_decision(
            req,
            to=RequestState.REJECTED,
            staff_reason="Rejected by the taxpayer.",  # R19: kept for staff only.
            actor=actor,
            now=now,
        )
    return req


def _why_not_cancellable(req: AuthorizationRequest) -> str:
    """The practitioner is told only what R19 lets them know about the request's state."""
    if req.state in NO_STATUS_STATES:
        # R19: no status for these; the practitioner is sent to the taxpayer.
        return f"Only a pending request can be cancelled. {CONTACT_TAXPAYER}"
    if req.state in (RequestState.APPROVED, RequestState.RECORDED):
        return (
            "Only a pending request can be cancelled; the taxpayer has already approved this one."
        )
    return (
        f"Only a pending request can be cancelled; this one is {req.get_state_display().lower()}."
    )


def request_cancel(
    *, request_id: int, practitioner: object, now: dt.datetime | None = None
) -> AuthorizationRequest:
    """R18: the practitioner cancels a pending request of their own (R4, R45)."""
    now = now or clock.now()
    with transaction.atomic():
        req = lock_request(request_id, practitioner=practitioner)
        if req.state != RequestState.PENDING:
            raise RequestRefused(_why_not_cancellable(req))
        req.decided_at = now
        request_state_move(
            req,
            to=RequestState.CANCELLED,
            now=now,
            actor=practitioner,
            also_saved=["decided_at"],
        )
    return req
