"""Demo taxpayers for ``manage.py seed_demo``: alice, bob and carmen with online accounts
(R13), two without (one of them a business for the forms channel), each with account modules
(Form 1040 for several years, a civil penalty quarter) and transactions. Idempotent."""

from __future__ import annotations

import datetime as dt
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
    },
]


def _lines_for_year(year: int, balance: Decimal) -> list[TransactionLine]:
    """A plausible 1040 module: tax assessed, withholding, then a payment or refund to land on
    ``balance``."""
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
        for year, balance in spec["balances"].items():
            account_module_post(
                taxpayer=taxpayer,
                form=TaxForm.F1040,
                period=f"{year}12",
                transactions=_lines_for_year(year, Decimal(balance)),
            )
        if spec["penalty"]:
            period = spec["penalty"]
            ends = dt.date(int(period[:4]), int(period[4:]), 28)
            account_module_post(
                taxpayer=taxpayer,
                form=TaxForm.CIVIL_PENALTY,
                period=period,
                transactions=[
                    TransactionLine(
                        ends + dt.timedelta(days=45),
                        "240",
                        "Civil penalty assessed",
                        Decimal("500.00"),
                    ),
                ],
            )
    stdout.write(
        f"taxpayers demo: {Taxpayer.objects.count()} taxpayers, "
        f"{AccountModule.objects.count()} account modules."
    )
