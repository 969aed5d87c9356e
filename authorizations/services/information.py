"""Taxpayer information for representatives (R32) and the log of who looked (R33)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from authorizations.models import Authorization, InformationAccess
from caf.selectors import caf_numbers_linked_to
from taxpayers.models import AccountModule
from taxpro import clock
from taxpro.models import User


def _scope(*, practitioner: User, taxpayer_id: int) -> dict[tuple[str, str], int]:
    """(form, period) -> the CAF record that authorizes it, from active rows only (R32)."""
    rows = (
        Authorization.objects.active()
        .filter(taxpayer_id=taxpayer_id, caf_record__in=caf_numbers_linked_to(user=practitioner))
        .order_by("caf_record_id")
        .values_list("matter", "period", "caf_record_id")
    )
    scope: dict[tuple[str, str], int] = {}
    for matter, period, caf_record_id in rows:
        scope.setdefault((matter, period), caf_record_id)
    return scope


def taxpayer_information_open(
    *, practitioner: User, taxpayer_id: int, now: dt.datetime | None = None
) -> list[AccountModule]:
    """The modules the practitioner may see now, with balances and transactions; each view
    is logged for the taxpayer (R33). Raises ``AccountModule.DoesNotExist`` when nothing is in
    scope, so that the edge answers 404 and says nothing about the taxpayer (R45)."""
    now = now or clock.now()
    scope = _scope(practitioner=practitioner, taxpayer_id=taxpayer_id)
    if not scope:
        raise AccountModule.DoesNotExist
    modules = [
        module
        for module in AccountModule.objects.filter(taxpayer_id=taxpayer_id)
        .prefetch_related("transactions")
        .order_by("form", "-period")
        if (module.form, module.period) in scope
    ]
    with transaction.atomic():
        InformationAccess.objects.bulk_create(
            InformationAccess(
                practitioner=practitioner,
                caf_record_id=scope[(m.form, m.period)],
                taxpayer_id=taxpayer_id,
                form=m.form,
                period=m.period,
                viewed_at=now,
            )
            for m in modules
        )
    return modules
