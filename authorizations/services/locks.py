"""Row locks, always taken in one order: CAF record, then taxpayer, then request, then ledger
rows.

A taxpayer is locked by its id alone (``SELECT id ... FOR UPDATE``): the lock is the point, and
its row holds ciphertext nobody here needs. Recording first holds a share lock on the
representative's CAF record (R3a), in the order a change of practice status takes its locks
(the CAF record, then each taxpayer), so the two never deadlock: a status change waits for the
recording, or the recording sees the status it committed.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet, Subquery

from authorizations.models import Authorization, AuthorizationRequest
from caf.models import CafRecord
from taxpayers.models import Taxpayer


def lock_taxpayer(taxpayer_id: int) -> None:
    list(Taxpayer.objects.select_for_update().filter(pk=taxpayer_id).values_list("pk"))


def lock_after_taxpayer[Row: (Authorization, AuthorizationRequest)](
    rows: QuerySet[Row], pk: int, **scope: object
) -> Row:
    """Lock a row that belongs to one taxpayer, after that taxpayer's row.

    ``scope`` narrows who may act (R45); outside it the row does not exist (-> 404). The
    taxpayer is found and locked in one statement (a subquery names it).
    """
    owner = rows.filter(pk=pk, **scope).values("taxpayer_id")[:1]
    locked = list(Taxpayer.objects.select_for_update().filter(pk=Subquery(owner)).values_list("pk"))
    if not locked:
        raise rows.model.DoesNotExist
    return rows.select_for_update().get(pk=pk, **scope)


def lock_request(request_id: int, **scope: object) -> AuthorizationRequest:
    return lock_after_taxpayer(AuthorizationRequest.objects.all(), request_id, **scope)


def share_representative_status(request_id: int) -> str | None:
    """The practice status of the CAF record ``request_id`` names, that row held FOR SHARE until
    the transaction ends (None: no such request). Take it before any other lock."""
    caf = CafRecord._meta.db_table
    requests = AuthorizationRequest._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT practice_status FROM "{caf}" WHERE id = '  # noqa: S608 (table names only)
            f'(SELECT caf_record_id FROM "{requests}" WHERE id = %s) FOR SHARE',
            [request_id],
        )
        row = cursor.fetchone()
    return None if row is None else str(row[0])
