"""Tax matters and periods the online channel accepts (R14-R17).

A period is stored as ``YYYYMM``, the month it ends: ``202412`` is calendar year 2024 (R14:
calendar-year filers only), ``202603`` the Civil Penalty quarter ending March 2026 (R16). Forms
that come on paper use the same shape for quarters (Form 941) and fiscal years (R36).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from django.db import models

from authorizations.errors import PeriodRefused
from taxpro import clock

YEARS_BACK = 20
YEARS_AHEAD = 3
SHARED_RESPONSIBILITY_FIRST_YEAR = 2014
QUARTER_MONTHS = ("03", "06", "09", "12")

_YEAR = re.compile(r"^(\d{4})$")
_YEAR_RANGE = re.compile(r"^(\d{4})\s*(?:-|\u2013|to)\s*(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})(\d{2})$")
_QUARTER_RANGE = re.compile(r"^(\d{4})(\d{2})\s*(?:-|\u2013|to)\s*(\d{4})(\d{2})$")


class Matter(models.TextChoices):
    """R14: the tax matters of the online channel. The values are the master file's form codes
    (``taxpayers.models.TaxForm``), so a ledger row and an account module name a form alike."""

    INCOME_1040 = "1040", "Income Tax (Form 1040)"
    SPLIT_SPOUSAL_8857 = "8857", "Split Spousal Assessment or Innocent Spouse Relief (Form 8857)"
    SHARED_RESPONSIBILITY = "srp", "Shared Responsibility Payment"
    SHARED_RESPONSIBILITY_SPLIT = (
        "srp_split",
        "Shared Responsibility Payment - Split Spousal Assessment",
    )
    CIVIL_PENALTY = "civil_penalty", "Civil Penalty"


SHARED_RESPONSIBILITY_MATTERS = {Matter.SHARED_RESPONSIBILITY, Matter.SHARED_RESPONSIBILITY_SPLIT}


def year_window(*, matter: str, today: dt.date) -> tuple[int, int]:
    """R15: first and last year allowed for ``matter`` on ``today`` (a calendar day in ET)."""
    first, last = today.year - YEARS_BACK, today.year + YEARS_AHEAD
    if matter in SHARED_RESPONSIBILITY_MATTERS:
        first = max(first, SHARED_RESPONSIBILITY_FIRST_YEAR)
    return first, last


def allowed_periods(*, matter: str, today: dt.date) -> list[str]:
    """Every period ``matter`` may name on ``today``, oldest first."""
    first, last = year_window(matter=matter, today=today)
    if matter == Matter.CIVIL_PENALTY:
        return [f"{year}{month}" for year in range(first, last + 1) for month in QUARTER_MONTHS]
    return [f"{year}12" for year in range(first, last + 1)]


# R16, R36: the matters whose periods are calendar quarters (YYYYMM of the quarter's last
# month). Form codes come from the master file (``taxpayers.models.TaxForm``) or as keyed from an
# uploaded form, so the quarterly ones are named here by code.
QUARTERLY_FORMS = frozenset({Matter.CIVIL_PENALTY.value, "941", "720"})
# R36: an estate's return covers the period to the date of death, not a tax year.
PERIOD_NOT_A_YEAR_FORMS = frozenset({"706"})
_PERIOD = re.compile(r"^\d{4}(0[1-9]|1[0-2])$")


def format_period(*, matter: str, period: str) -> str:
    """A period (``YYYYMM``, the month it ends) as people say it: a quarter of a quarterly form
    names its quarter ("Quarter ending March 2025 (Q1)"), a calendar year is its year ("2024"),
    and a fiscal year names the month it ends ("Fiscal year ending June 2025")."""
    if not _PERIOD.match(period):
        return period
    ends = dt.date(int(period[:4]), int(period[4:]), 1)
    if matter in QUARTERLY_FORMS and period[4:] in QUARTER_MONTHS:
        quarter = QUARTER_MONTHS.index(period[4:]) + 1
        return f"Quarter ending {ends:%B %Y} (Q{quarter})"
    if matter in QUARTERLY_FORMS or matter in PERIOD_NOT_A_YEAR_FORMS:
        return f"Period ending {ends:%B %Y}"
    if period[4:] == "12":
        return period[:4]
    return f"Fiscal year ending {ends:%B %Y}"


def _check_text(text: str) -> str:
    cleaned = text.strip()
    if not cleaned.isascii() or not cleaned.isprintable():
        raise PeriodRefused("Enter periods with the digits 0 to 9 only.")
    if cleaned.lower() in {"all", "all years", "all periods", "*", "any"}:
        raise PeriodRefused("Name each tax period: 'all years' or 'all periods' is not accepted.")
    return cleaned


def parse_periods(*, matter: str, text: str, today: dt.date | None = None) -> list[str]:
    """Turn one entry (a year, a quarter, or a range of either) into explicit periods (R17).

    Raises :class:`PeriodRefused` with a sentence the practitioner can act on.
    """
    if matter not in Matter.values:
        raise PeriodRefused("Choose a tax matter from the list.")
    today = today or clock.today_et()
    cleaned = _check_text(text)
    allowed = allowed_periods(matter=matter, today=today)
    first, last = year_window(matter=matter, today=today)
    label = Matter(matter).label
    parse = _parse_quarters if matter == Matter.CIVIL_PENALTY else _parse_years
    periods = parse(cleaned)
    for period in periods:
        if period not in allowed:
            if matter == Matter.CIVIL_PENALTY and period[4:] not in QUARTER_MONTHS:
                raise PeriodRefused(
                    "Civil Penalty periods are quarters ending in March, June, September or "
                    "December: enter them as YYYYMM with MM 03, 06, 09 or 12."
                )
            raise PeriodRefused(f"{label} periods must be from {first} through {last}.")
    return periods


def _parse_years(text: str) -> list[str]:
    if match := _YEAR.match(text):
        return [f"{match[1]}12"]
    if match := _YEAR_RANGE.match(text):
        start, end = int(match[1]), int(match[2])
        if start > end:
            raise PeriodRefused("A range of years must go from the earlier year to the later one.")
        if end - start > 100:
            raise PeriodRefused("That range of years is too long.")
        return [f"{year}12" for year in range(start, end + 1)]
    raise PeriodRefused("Enter a year as YYYY, or a range of years as YYYY-YYYY.")


def _parse_quarters(text: str) -> list[str]:
    if match := _QUARTER.match(text):
        return [f"{match[1]}{match[2]}"]
    if match := _QUARTER_RANGE.match(text):
        start, end = (int(match[1]), match[2]), (int(match[3]), match[4])
        for _year, month in (start, end):
            if month not in QUARTER_MONTHS:
                raise PeriodRefused(
                    "Civil Penalty periods are quarters ending in March, June, September or "
                    "December: enter them as YYYYMM with MM 03, 06, 09 or 12."
                )
        if start > end:
            raise PeriodRefused(
                "A range of quarters must go from the earlier one to the later one."
            )
        if end[0] - start[0] > 100:
            raise PeriodRefused("That range of quarters is too long.")
        quarters = [
            f"{year}{month}" for year in range(start[0], end[0] + 1) for month in QUARTER_MONTHS
        ]
        return [q for q in quarters if f"{start[0]}{start[1]}" <= q <= f"{end[0]}{end[1]}"]
    raise PeriodRefused("Enter a quarter as YYYYMM (for example 202503), or a range YYYYMM-YYYYMM.")


def dedupe(periods: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """(matter, period) pairs, each once, in a stable order."""
    return sorted(set(periods))
