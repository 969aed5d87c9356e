"""factory_boy factories for the taxpayer master file. They go through the services, so every
row is what production would write (encrypted TIN, Pub 28 address)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory

from taxpayers.models import Letter, LetterKind, Taxpayer
from taxpayers.services import taxpayer_create
from taxpro import clock
from taxpro.addresses import PostalAddress
from taxpro.tins import HolderKind

FIXED_NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


def ssn_for(n: int) -> str:
    """A valid, distinct SSN for each ``n`` below 40 000 (R13a: no 000/666/9xx, 00, 0000)."""
    area = 100 + n % 500
    group = 10 + (n // 500) % 80
    serial = 1000 + n % 9000
    return f"{area:03d}-{group:02d}-{serial:04d}"


def ein_for(n: int) -> str:
    return f"12-{3000000 + n:07d}"


class TaxpayerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Taxpayer

    kind = HolderKind.INDIVIDUAL
    name = factory.Sequence(lambda n: f"Pat Example {n}")
    tin = factory.Sequence(ssn_for)
    line1 = factory.Sequence(lambda n: f"{100 + n} Main Street")
    line2 = ""
    city = "Springfield"
    state = "IL"
    zip_code = "62701"
    date_of_birth = dt.date(1980, 5, 17)
    user = None

    @classmethod
    def _create(cls, model_class: type[Taxpayer], *args: Any, **kwargs: Any) -> Taxpayer:
        return taxpayer_create(
            kind=kwargs["kind"],
            name=kwargs["name"],
            tin=kwargs["tin"],
            address=PostalAddress.from_mapping(kwargs),
            date_of_birth=kwargs["date_of_birth"]
            if kwargs["kind"] == HolderKind.INDIVIDUAL
            else None,
            user=kwargs["user"],
            now=kwargs.get("now", FIXED_NOW),
        )


class BusinessTaxpayerFactory(TaxpayerFactory):
    kind = HolderKind.BUSINESS
    name = factory.Sequence(lambda n: f"Example Widgets {n} LLC")
    tin = factory.Sequence(ein_for)


class LetterFactory(factory.django.DjangoModelFactory):
    """A letter in the outbox, addressed to its taxpayer's address of record. Inserted
    directly, for pages that only list letters; the services write the real ones."""

    class Meta:
        model = Letter

    kind = LetterKind.REMINDER
    taxpayer = factory.SubFactory(TaxpayerFactory)
    addressee_name = factory.SelfAttribute("taxpayer.name")
    address_block = factory.LazyAttribute(lambda o: "\n".join(o.taxpayer.address_lines))
    subject = factory.Sequence(lambda n: f"Notice number {n}")
    body = factory.LazyAttribute(lambda o: f"Body of {o.subject.lower()}.")
    created_at = factory.LazyFunction(clock.now)
