"""Reads of the client information pages (R7, R32): who the practitioner's clients are, and
what they are authorized for. Every read is scoped to the practitioner's linked CAF numbers."""

from __future__ import annotations

import uuid

from django.db.models import Count, Q, QuerySet

from authorizations.models import Authorization
from caf.selectors import caf_numbers_linked_to
from taxpayers.models import Taxpayer
from taxpro.models import User
from taxpro.tins import HolderKind


def _active_on_linked(practitioner: User) -> Q:
    """Active ledger rows (R32) on a CAF number linked to ``practitioner`` (R7)."""
    return Q(
        authorizations__ends_at__isnull=True,
        authorizations__caf_record__in=caf_numbers_linked_to(user=practitioner),
    )


def clients_of_practitioner(
    *, practitioner: User, name: str = "", holder_kind: str = ""
) -> QuerySet[Taxpayer]:
    """Individuals and businesses (R7: whatever the channel) with at least one active
    authorization on the practitioner's linked CAF numbers, each with ``active_count``, by
    name: one query whatever the number of clients. ``name`` (contained, any case) and
    ``holder_kind`` (individual or business) narrow the list."""
    scope = _active_on_linked(practitioner)
    clients = Taxpayer.objects.all()
    if holder_kind in HolderKind.values:
        clients = clients.filter(kind=holder_kind)
    if name:
        clients = clients.filter(name__icontains=name)
    return (
        clients.annotate(active_count=Count("authorizations", filter=scope))
        .filter(active_count__gt=0)
        .order_by("name", "id")
    )


def client_for_practitioner(*, practitioner: User, public_id: uuid.UUID) -> Taxpayer:
    """The taxpayer, if the practitioner holds an active authorization for them now; anyone
    else's taxpayer raises ``Taxpayer.DoesNotExist`` (R32, R45)."""
    return (
        Taxpayer.objects.filter(public_id=public_id)
        .filter(_active_on_linked(practitioner))
        .distinct()
        .get()
    )


def client_authorizations(*, practitioner: User, taxpayer: Taxpayer) -> QuerySet[Authorization]:
    """The active rows that make up the practitioner's scope for this taxpayer (R32)."""
    return (
        Authorization.objects.active()
        .filter(taxpayer=taxpayer, caf_record__in=caf_numbers_linked_to(user=practitioner))
        .select_related("caf_record")
        .order_by("matter", "-period", "kind", "caf_record__caf_number", "id")
    )
