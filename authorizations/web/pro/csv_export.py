"""The practitioner's active authorizations as a CSV file (R7), safe to open in a spreadsheet.

Names come from taxpayers and forms, so a cell can hold anything: one that starts like a formula
(``=``, ``+``, ``-``, ``@``, tab, carriage return) is prefixed with ``'`` so a spreadsheet shows
it as text instead of running it (quality.md: formula injection into exports). TINs are masked
(R43, R46). Rows stream from one query (``.iterator()``), so the query count is constant.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.db.models import QuerySet

from authorizations.models import Authorization
from authorizations.vocabulary import channel_label, matter_label, period_label
from taxpayers.vocabulary import holder_kind_words
from taxpro import clock

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER = [
    "Taxpayer",
    "TIN (last four)",
    "Kind",
    "Matter",
    "Period",
    "CAF number",
    "Receives notices",
    "Since",
    "Channel",
    "Individual or business",
]
BOM = "\ufeff"  # so spreadsheet programs read the file as UTF-8


def spreadsheet_safe(value: str) -> str:
    """A cell that a spreadsheet will never evaluate as a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def authorization_cells(row: Authorization) -> list[str]:
    return [
        row.taxpayer.name,
        row.taxpayer.tin_masked,
        row.get_kind_display(),
        matter_label(row.matter),
        period_label(matter=row.matter, period=row.period),
        row.caf_record.caf_number_display,
        "Yes" if row.receives_notices else "No",
        f"{clock.to_et(row.starts_at):%Y-%m-%d}",
        channel_label(row.channel, row.kind),
        holder_kind_words(row.taxpayer.kind),
    ]


class _Line:
    """A file-like object that hands back what the csv writer wrote, one line at a time."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: QuerySet[Authorization]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield BOM + writer.writerow(HEADER)
    for row in rows.iterator(chunk_size=500):
        yield writer.writerow([spreadsheet_safe(cell) for cell in authorization_cells(row)])


def csv_text(rows: QuerySet[Authorization]) -> str:
    return "".join(csv_lines(rows))
