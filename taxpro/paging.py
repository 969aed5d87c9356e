"""Pagination shared by every list: 25 rows a page for practitioners, 20 for taxpayers (whose
pages are read on phones more often); filters are kept in the links.

A list whose size has no bound worth paying for (a practitioner's book of active
authorizations can hold tens of thousands of rows) is paged by ``capped_page_of``: it counts at
most ``COUNT_CAP`` + 1 rows, so the first page costs the same with 50 rows as with 50,000. Up to
the cap the list says its exact size; past it, "more than 1,000", and the page links go one page
ahead of the one shown instead of to a last page nobody counted."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PAGE_SIZE = 25
ACCOUNT_PAGE_SIZE = 20
COUNT_CAP = 1000


def page_of(request: HttpRequest, rows: QuerySet[Any], *, per_page: int = PAGE_SIZE) -> Page[Any]:
    """The page asked for in ``?page=``; a page number that is not one gives the nearest page
    (Paginator.get_page), never an error."""
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


class CappedPage(Page[Any]):
    """A page of a ``CappedPaginator`` past its cap: whether a next page exists is known from
    the one row read beyond this page, not from a count."""

    def __init__(self, rows: list[Any], number: int, paginator: Paginator, *, more: bool) -> None:
        super().__init__(rows, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more

    def end_index(self) -> int:
        return self.start_index() + len(self) - 1


class CappedPaginator(Paginator):
    """Counts no further than ``COUNT_CAP`` + 1 rows (an index walk that stops there, the rows'
    order and joins left out). Below the cap it is Django's Paginator, exact to the last page."""

    def __init__(self, object_list: QuerySet[Any], per_page: int, *, cap: int = COUNT_CAP) -> None:
        super().__init__(object_list, per_page)
        self.rows = object_list
        self.cap = cap

    @cached_property
    def count(self) -> int:
        return self.rows.order_by().values("pk")[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        if not self.capped:
            return super().num_pages
        return 1_000_000_000  # not counted: every page number is allowed, emptiness decides

    def page(self, number: Any) -> Page[Any]:
        if not self.capped:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.rows[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage("That page contains no results")
        return CappedPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)

    def get_page(self, number: Any) -> Page[Any]:
        try:
            return self.page(self.validate_number(number))
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            if not self.capped:
                return self.page(self.num_pages)  # counted already: Django's last page
            # A page number past the end of an uncounted list: count it all this once (someone
            # asked for the end) and show the last page.
            return self.page(max(1, -(-self.rows.count() // self.per_page)))


def capped_page_of(
    request: HttpRequest, rows: QuerySet[Any], *, per_page: int = PAGE_SIZE
) -> Page[Any]:
    """``page_of`` for a list that may be very long: see ``CappedPaginator``."""
    return CappedPaginator(rows, per_page, cap=COUNT_CAP).get_page(request.GET.get("page"))


def page_links(page: Page[Any]) -> Iterator[int | str]:
    """Page numbers around the current one, with an ellipsis for the gaps. Past the cap of a
    ``CappedPaginator`` there is no last page: the first, the neighbours, and an ellipsis after
    the next page for the pages beyond it."""
    paginator = page.paginator
    if not getattr(paginator, "capped", False):
        return iter(paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1))
    shown = sorted(
        {1, page.number - 1, page.number} | ({page.number + 1} if page.has_next() else set())
    )
    links: list[int | str] = []
    ellipsis = str(Paginator.ELLIPSIS)
    for number in (n for n in shown if n >= 1):
        if links and isinstance(links[-1], int) and number > links[-1] + 1:
            links.append(ellipsis)
        links.append(number)
    if page.has_next():
        links.append(ellipsis)
    return iter(links)


def wants_partial(request: HttpRequest) -> bool:
    """An htmx swap of the list region; a history restore (Back after the cache expired)
    needs the whole page."""
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request
