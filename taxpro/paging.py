"""Pagination shared by every list: 25 rows a page for practitioners, 20 for taxpayers (whose
pages are read on phones more often); filters are kept in the links."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PAGE_SIZE = 25
ACCOUNT_PAGE_SIZE = 20


def page_of(request: HttpRequest, rows: QuerySet[Any], *, per_page: int = PAGE_SIZE) -> Page[Any]:
    """The page asked for in ``?page=``; a page number that is not one gives the nearest page
    (Paginator.get_page), never an error."""
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


def page_links(page: Page[Any]) -> Iterator[int | str]:
    """Page numbers around the current one, with an ellipsis for the gaps."""
    return iter(page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1))


def wants_partial(request: HttpRequest) -> bool:
    """An htmx swap of the list region; a history restore (Back after the cache expired)
    needs the whole page."""
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request
