"""Cursor pagination: the next page starts after the last row of this one, whatever was added
meanwhile. A cursor is signed (the client cannot forge one) and names an instant and a row."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core import signing
from django.db.models import Model, Q, QuerySet

PAGE_SIZE = 50
_SALT = "taxpro.api.cursor"


class CursorRefused(ValueError):
    """A cursor this server did not give (or for another list)."""


def page_after[M: Model](
    rows: QuerySet[M], *, cursor: str, field: str, list_name: str, limit: int | None = None
) -> tuple[list[M], str | None]:
    """Rows ordered by ``-field, -id``: the page after ``cursor`` and the next page's cursor."""
    limit = limit or PAGE_SIZE
    if cursor:
        try:
            mark: dict[str, Any] = signing.loads(cursor, salt=_SALT)
            at = dt.datetime.fromisoformat(mark["t"]) if mark["t"] else None
            last_id = int(mark["i"])
            if mark["l"] != list_name:
                raise CursorRefused
        except (signing.BadSignature, KeyError, TypeError, ValueError) as bad:
            raise CursorRefused from bad
        if at is None:
            rows = rows.filter(**{f"{field}__isnull": True, "id__lt": last_id})
        else:
            rows = rows.filter(
                Q(**{f"{field}__lt": at})
                | Q(**{field: at, "id__lt": last_id})
                | Q(**{f"{field}__isnull": True})
            )
    found = list(rows[: limit + 1])
    page, more = found[:limit], len(found) > limit
    if not more:
        return page, None
    last = page[-1]
    at_last = getattr(last, field)
    next_cursor = signing.dumps(
        {"t": at_last.isoformat() if at_last else "", "i": last.pk, "l": list_name}, salt=_SALT
    )
    return page, next_cursor
