"""The API's lists. Cursor pagination: the next page starts after the last row of this one,
whatever was added meanwhile. A cursor is signed (the client cannot forge one) and names an
instant and a row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core import signing
from django.db.models import Model, Q, QuerySet
from django.http import HttpResponse
from django.urls import reverse
from django.utils.http import urlencode
from ninja import Schema

from authorizations.api.responses import json_response
from taxpro.problems import problem_response

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


def list_page[M: Model](
    rows: QuerySet[M],
    *,
    filters: Schema,
    field: str,
    list_name: str,
    url_name: str,
    body: Callable[[M], dict[str, Any]],
) -> HttpResponse:
    """The page of ``rows`` after the cursor of ``filters``, each row as ``body`` gives it, and
    the next page's address: the list's, with the filters given and the next cursor."""
    given = filters.model_dump()
    try:
        page, cursor = page_after(
            rows, cursor=given.pop("cursor"), field=field, list_name=list_name
        )
    except CursorRefused:
        return problem_response(
            status=422,
            kind="invalid-cursor",
            title="This cursor is not one this list gave",
            errors=[{"field": "cursor", "detail": "Use the next address of the previous page."}],
        )
    next_url = None
    if cursor:
        query = {name: value for name, value in given.items() if value}
        query["cursor"] = cursor
        next_url = f"{reverse(url_name)}?{urlencode(query)}"
    return json_response(200, {"items": [body(row) for row in page], "next": next_url})


def filter_refused(field: str, choices: str) -> HttpResponse:
    """A list's filter given a value the list does not have: ``choices`` says which it has."""
    return problem_response(
        status=422,
        kind="invalid-filter",
        title=f"This {field} is not one of the list's",
        errors=[{"field": field, "detail": f"Choose {choices}."}],
    )
