"""Demo taxpayers for ``manage.py seed_demo``: alice, bob and carmen with online accounts
(R13), three without: Dmitri, and two businesses with EINs for the forms channel (R36). Each has
account modules and transactions: people their Form 1040 years and a civil penalty quarter, the
businesses their Form 941 quarters and Form 1120 fiscal years (a period is ``YYYYMM`` of the
month it ends). Idempotent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from taxpayers.models import AccountModule, TaxForm, Taxpayer
from taxpayers.services import (
    TransactionLine,
    account_module_post,
    taxpayer_account_attach,
    taxpayer_create,
)
from taxpro.addresses import PostalAddress
from taxpro.models import User
from taxpro.tin_crypto import tin_lookup_hash
from taxpro.tins import HolderKind, tin_digits

TAXPAYERS: list[dict[str, Any]] = [
    {
        "email": "alice@demo.taxpro.test",
        "kind": HolderKind.INDIVIDUAL,
        "name": "Alice Johnson",
        "tin": "301-22-4001",
        "dob": dt.date(1978, 4, 12),
        "address": PostalAddress("742 Evergreen Terrace", "Springfield", "IL", "62704"),
        "balances": {2022: "0.00", 2023: "1250.00", 2024: "-310.00"},
        "penalty": "202409",
    },
    {
        "email": "bob@demo.taxpro.test",
        "kind": HolderKind.INDIVIDUAL,
        "name": "Bob Smith",
        "tin": "301-22-4002",
        "dob": dt.date(1965, 11, 3),
        "address": PostalAddress("31 Spooner Street", "Quahog", "RI", "02903", line2="Apartment 2"),
        "balances": {2023: "0.00", 2024: "4820.55", 2025: "0.00"},
        "penalty": None,
    },
    {
        "email": "carmen@demo.taxpro.test",
        "kind": HolderKind.INDIVIDUAL,
        "name": "Carmen Diaz",
        "tin": "912-70-4003",
        "dob": dt.date(1990, 7, 21),  # an ITIN
        "address": PostalAddress("1600 Pennsylvania Avenue NW", "Washington", "DC", "20500"),
        "balances": {2022: "0.00", 2023: "0.00", 2024: "95.10"},
        "penalty": "202503",
    },
    {
        "email": None,
        "kind": HolderKind.INDIVIDUAL,
        "name": "Dmitri Volkov",
        "tin": "301-22-4004",
        "dob": dt.date(1958, 1, 30),
        "address": PostalAddress("12 Harbor Road", "Portland", "ME", "04101"),
        "balances": {2021: "0.00", 2022: "2200.00", 2023: "0.00", 2024: "0.00"},
        "penalty": None,
    },
    {
        "email": None,
        "kind": HolderKind.BUSINESS,
        "name": "Evergreen Bakery LLC",
        "tin": "23-4567001",
        "dob": None,
        "address": PostalAddress("500 Main Street", "Burlington", "VT", "05401"),
        "balances": {},
        "penalty": "202412",
        # Form 941 quarters: (period, balance left after the deposits).
        "quarters": {
            "202412": "0.00",
            "202503": "0.00",
            "202506": "1840.25",
            "202509": "0.00",
            "202512": "-120.00",
        },
        # Form 1120 for fiscal years ending in June: (period, balance).
        "fiscal_years": {"202406": "0.00", "202506": "3125.00"},
    },
    {
        "email": None,
        "kind": HolderKind.BUSINESS,
        "name": "Lakeside Tool Works Inc",
        "tin": "23-4567002",
        "dob": None,
        "address": PostalAddress("77 Harbor Way", "Portland", "ME", "04101"),
        "balances": {},
        "penalty": None,
        "quarters": {"202509": "0.00", "202512": "2210.40", "202603": "0.00"},
        # Fiscal years ending in September.
        "fiscal_years": {"202409": "0.00", "202509": "-450.00"},
    },
]

QUARTER_NAMES = {"03": "first", "06": "second", "09": "third", "12": "fourth"}


def _lines_for_year(period: str, balance: Decimal) -> list[TransactionLine]:
    """A plausible 1040 module: tax assessed, withholding, then a payment or refund to land on
    ``balance``."""
    year = int(period[:4])
    assessed = Decimal("6400.00") + Decimal(year % 7) * 100
    withheld = Decimal("-5200.00")
    filed = dt.date(year + 1, 4, 15)
    lines = [
        TransactionLine(filed, "150", "Tax return filed; tax assessed", assessed),
        TransactionLine(filed, "806", "Withholding credit", withheld),
    ]
    rest = balance - assessed - withheld
    if rest < 0:
        lines.append(TransactionLine(filed + dt.timedelta(days=30), "670", "Payment", rest))
    elif rest > 0:
        lines.append(TransactionLine(filed + dt.timedelta(days=60), "290", "Additional tax", rest))
    return lines


def _period_end(period: str) -> dt.date:
    return dt.date(int(period[:4]), int(period[4:]), 28)


def _lines_for_quarter(period: str, balance: Decimal) -> list[TransactionLine]:
    """A Form 941 quarter: the return filed at the end of the next month, the deposits made
    during the quarter, and a payment, a credit or nothing left to land on ``balance``."""
    ends = _period_end(period)
    assessed = Decimal("9600.00") + Decimal(int(period[4:])) * 35
    quarter = QUARTER_NAMES[period[4:]]
    filed = ends + dt.timedelta(days=33)
    deposits = balance - assessed
    return [
        TransactionLine(ends - dt.timedelta(days=14), "650", "Federal tax deposits", deposits),
        TransactionLine(filed, "150", f"Return filed for the {quarter} quarter", assessed),
    ]


def _lines_for_fiscal_year(period: str, balance: Decimal) -> list[TransactionLine]:
    """A Form 1120 fiscal year: estimated payments, then the return filed in the fourth month
    after the year ends (the 15th), to land on ``balance``."""
    ends = _period_end(period)
    assessed = Decimal("41800.00") + Decimal(int(period[:4]) % 5) * 1000
    filed = dt.date(ends.year + (ends.month + 4 > 12), (ends.month + 3) % 12 + 1, 15)
    return [
        TransactionLine(
            ends - dt.timedelta(days=90), "660", "Estimated tax payments", balance - assessed
        ),
        TransactionLine(filed, "150", "Corporate return filed; tax assessed", assessed),
    ]


def _lines_for_penalty(period: str, balance: Decimal) -> list[TransactionLine]:
    """A civil penalty quarter: the penalty assessed a month and a half after it ends."""
    return [
        TransactionLine(
            _period_end(period) + dt.timedelta(days=45), "240", "Civil penalty assessed", balance
        ),
    ]


LinesFor = Callable[[str, Decimal], list[TransactionLine]]


def _post_modules(
    taxpayer: Taxpayer, form: TaxForm, balances: dict[str, str], lines_for: LinesFor
) -> None:
    """One account module of ``form`` for each period, its transactions landing on its balance."""
    for period, balance in balances.items():
        account_module_post(
            taxpayer=taxpayer,
            form=form,
            period=period,
            transactions=lines_for(period, Decimal(balance)),
        )


def seed(*, stdout: Any) -> None:
    for spec in TAXPAYERS:
        taxpayer = Taxpayer.objects.filter(
            tin_hash=tin_lookup_hash(tin_digits(spec["tin"]))
        ).first()
        if taxpayer is None:
            taxpayer = taxpayer_create(
                kind=spec["kind"],
                name=spec["name"],
                tin=spec["tin"],
                address=spec["address"],
                date_of_birth=spec["dob"],
            )
        user = User.objects.filter(username=spec["email"]).first() if spec["email"] else None
        if user is not None and taxpayer.user_id is None:
            taxpayer_account_attach(taxpayer=taxpayer, user=user)
        years = {f"{year}12": balance for year, balance in spec["balances"].items()}
        _post_modules(taxpayer, TaxForm.F1040, years, _lines_for_year)
        _post_modules(taxpayer, TaxForm.F941, spec.get("quarters", {}), _lines_for_quarter)
        _post_modules(taxpayer, TaxForm.F1120, spec.get("fiscal_years", {}), _lines_for_fiscal_year)
        if spec["penalty"]:
            penalty = {spec["penalty"]: "500.00"}
            _post_modules(taxpayer, TaxForm.CIVIL_PENALTY, penalty, _lines_for_penalty)
    stdout.write(
        f"taxpayers demo: {Taxpayer.objects.count()} taxpayers, "
        f"{AccountModule.objects.count()} account modules."
    )
