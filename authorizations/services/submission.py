"""Submitting a request (R1-R4, R10-R17, R13, R18): checks first, then one pending request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from authorizations.errors import PeriodRefused, RequestRefused
from authorizations.models import AuthorizationRequest, RequestKind, RequestModule, RequestState
from authorizations.periods import Matter, allowed_periods, dedupe
from caf.errors import CafError
from caf.selectors import caf_record_by_number, caf_record_for_request
from taxpayers.errors import TaxpayerError
from taxpayers.services import taxpayer_match
from taxpro import clock
from taxpro.addresses import PostalAddress
from taxpro.audit import audit_record
from taxpro.errors import ValueRefused
from taxpro.models import User

# Far above any real request (the window holds about 180 periods) and far below a flood.
MAX_MODULES_PER_REQUEST = 300


@dataclass(frozen=True)
class Representative:
    """What the practitioner enters about themselves (R3): checked against the CAF file."""

    caf_number: str
    name: str
    address: PostalAddress


@dataclass(frozen=True)
class TaxpayerDetails:
    """What the practitioner enters about the taxpayer (R11): checked against the record."""

    tin: str
    name: str
    address: PostalAddress


def _check_modules(modules: Sequence[tuple[str, str]], today: dt.date) -> list[tuple[str, str]]:
    """R14-R17: only the online matters, each period explicit and inside its window."""
    unique = dedupe(modules)
    if not unique:
        raise PeriodRefused("Add at least one tax matter and period.")
    if len(unique) > MAX_MODULES_PER_REQUEST:
        raise PeriodRefused(
            f"A request can cover at most {MAX_MODULES_PER_REQUEST} tax periods; send several."
        )
    allowed: dict[str, set[str]] = {}
    for matter, period in unique:
        if matter not in Matter.values:
            raise PeriodRefused("Choose each tax matter from the list.")
        allowed.setdefault(matter, set(allowed_periods(matter=matter, today=today)))
        if period not in allowed[matter]:
            raise PeriodRefused(
                f"{period} is not a period the online service accepts for {Matter(matter).label}."
            )
    return unique


def _audit_out_of_standing(practitioner: User, caf_number: str, now: dt.datetime) -> None:
    """A request refused with a CAF number out of good standing (R3) is a security-relevant
    refusal (quality.md): staff see it in the audit trail. Kept even though nothing is sent."""
    record = caf_record_by_number(caf_number=caf_number)
    if record is None or record.is_in_good_standing:
        return
    audit_record(
        action="request.refused_out_of_standing",
        obj=record,
        actor=practitioner,
        after={"practice_status": record.practice_status},
        now=now,
    )


def request_submit(
    *,
    practitioner: User,
    kind: str,
    representative: Representative,
    taxpayer: TaxpayerDetails,
    modules: Sequence[tuple[str, str]],
    receives_notices: bool,
    now: dt.datetime | None = None,
) -> AuthorizationRequest:
    """Send a request to the taxpayer's online account; it is pending until decided (R18).

    Raises :class:`RequestRefused` (or its period/CAF/taxpayer subclasses' messages) with a
    sentence for the practitioner; nothing is written when it is refused.
    """
    now = now or clock.now()
    today = clock.today_et(now)
    checked_modules = _check_modules(modules, today)
    try:
        # R1-R4: the practitioner's own CAF number, matching the CAF file, eligible for kind.
        caf_record = caf_record_for_request(
            user=practitioner,
            representation=kind == RequestKind.POA,
            caf_number=representative.caf_number,
            name=representative.name,
            address=representative.address,
        )
    except CafError as error:
        _audit_out_of_standing(practitioner, representative.caf_number, now)
        field = f"representative.{error.field}" if error.field else None
        raise RequestRefused(error.message, field=field) from error
    try:
        # R10-R12: an individual in a state or DC whose name, TIN and address match.
        found = taxpayer_match(
            practitioner=practitioner,
            tin=taxpayer.tin,
            name=taxpayer.name,
            address=taxpayer.address,
            now=now,
        )
    except (TaxpayerError, ValueRefused) as error:
        field = f"taxpayer.{error.field}" if getattr(error, "field", None) else None
        raise RequestRefused(str(error), field=field) from error
    with transaction.atomic():
        req = AuthorizationRequest.objects.create(
            practitioner=practitioner,
            caf_record=caf_record,
            taxpayer=found,
            kind=kind,
            state=RequestState.PENDING,
            receives_notices=receives_notices,
            created_at=now,
            submitted_at=now,
            expires_at=now + dt.timedelta(days=settings.REQUEST_EXPIRY_DAYS),
        )
        RequestModule.objects.bulk_create(
            RequestModule(request=req, matter=matter, period=period)
            for matter, period in checked_modules
        )
        audit_record(
            action="request.submitted",
            obj=req,
            actor=practitioner,
            before={},
            after={"state": req.state, "kind": kind, "modules": len(checked_modules)},
            now=now,
        )
    return req
