"""Row locks, always taken in one order: taxpayer, then request, then ledger rows."""

from __future__ import annotations

from django.db.models import QuerySet

from authorizations.models import Authorization, AuthorizationRequest
from taxpayers.models import Taxpayer


def lock_taxpayer(taxpayer_id: int) -> Taxpayer:
    return Taxpayer.objects.select_for_update().get(pk=taxpayer_id)


def lock_after_taxpayer[Row: (Authorization, AuthorizationRequest)](
    rows: QuerySet[Row], pk: int, **scope: object
) -> Row:
    """Lock a row that belongs to one taxpayer, after that taxpayer's row.

    ``scope`` narrows who may act (R45); outside it the row does not exist (-> 404).
    """
    taxpayer_id = rows.filter(pk=pk, **scope).values_list("taxpayer_id", flat=True).first()
    if taxpayer_id is None:
        raise rows.model.DoesNotExist
    lock_taxpayer(taxpayer_id)
    return rows.select_for_update().get(pk=pk, **scope)


def lock_request(request_id: int, **scope: object) -> AuthorizationRequest:
    return lock_after_taxpayer(AuthorizationRequest.objects.all(), request_id, **scope)
