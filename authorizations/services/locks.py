"""Row locks, always taken in one order: taxpayer, then request, then ledger rows."""

from __future__ import annotations

from authorizations.models import AuthorizationRequest
from taxpayers.models import Taxpayer


def lock_taxpayer(taxpayer_id: int) -> Taxpayer:
    return Taxpayer.objects.select_for_update().get(pk=taxpayer_id)


def lock_request(request_id: int, **scope: object) -> AuthorizationRequest:
    """Lock a request after its taxpayer. ``scope`` narrows who may act (R45): not found -> 404."""
    taxpayer_id = (
        AuthorizationRequest.objects.filter(pk=request_id, **scope)
        .values_list("taxpayer_id", flat=True)
        .first()
    )
    if taxpayer_id is None:
        raise AuthorizationRequest.DoesNotExist
    lock_taxpayer(taxpayer_id)
    return AuthorizationRequest.objects.select_for_update().get(pk=request_id, **scope)
