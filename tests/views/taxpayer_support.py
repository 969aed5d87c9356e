"""Shared helpers for the tests of the taxpayer's own pages (verify, Notices, Who viewed).

Rows for the long-list and query-count tests are inserted by the factories (letters and views
are plain inserts and the pages only read them); journeys go through the services.
"""

from __future__ import annotations

import datetime as dt
import re

from authorizations.models import InformationAccess
from caf.models import CafRecord
from taxpayers.models import Letter, LetterKind, Taxpayer
from taxpro import clock
from taxpro.models import User
from tests.authorizations.factories import InformationAccessFactory
from tests.caf.factories import CafRecordFactory
from tests.factories import PractitionerFactory
from tests.personas import taxpayer_with_account
from tests.taxpayers.factories import LetterFactory


def verified_taxpayer() -> tuple[User, Taxpayer]:
    taxpayer = taxpayer_with_account()
    assert taxpayer.user is not None
    return taxpayer.user, taxpayer


def identity_form_data(taxpayer: Taxpayer, **changes: str) -> dict[str, str]:
    """What the taxpayer would type on the verify page for ``taxpayer``'s record."""
    born = taxpayer.date_of_birth
    assert born is not None
    data = {
        "name": taxpayer.name,
        "tin": taxpayer.tin_reveal(),
        "dob_month": str(born.month),
        "dob_day": str(born.day),
        "dob_year": str(born.year),
        "address_line1": taxpayer.address_line1,
        "address_line2": taxpayer.address_line2,
        "city": taxpayer.city,
        "state": taxpayer.state,
        "zip_code": taxpayer.zip_code,
    }
    data.update(changes)
    return data


def code_in(letter: Letter) -> str:
    """The code printed in a mailed code letter, as the taxpayer reads it."""
    match = re.search(r"^\s+(\d{8})$", letter.body, re.MULTILINE)
    assert match, "no code in the letter"
    return match.group(1)


def insert_letters(taxpayer: Taxpayer, count: int) -> list[Letter]:
    now = clock.now()
    return Letter.objects.bulk_create(
        LetterFactory.build(
            kind=LetterKind.WITHDRAWAL_NOTICE if n % 2 else LetterKind.REMINDER,
            taxpayer=taxpayer,
            subject=f"Notice number {n}",
            body=f"Body of notice number {n}.",
            created_at=now - dt.timedelta(minutes=n),
        )
        for n in range(count)
    )


def representative_record(name: str = "Rita Representative") -> tuple[User, CafRecord]:
    return PractitionerFactory(), CafRecordFactory(name=name)


def insert_views(taxpayer: Taxpayer, count: int) -> list[InformationAccess]:
    """``count`` views, round-robin over up to three representatives (a per-row query for the
    representative would show in the query count)."""
    now = clock.now()
    reps = [representative_record(f"Rep {n}") for n in range(min(count, 3))]
    return InformationAccess.objects.bulk_create(
        InformationAccessFactory.build(
            practitioner=reps[n % len(reps)][0],
            caf_record=reps[n % len(reps)][1],
            taxpayer=taxpayer,
            form="1040" if n % 3 else "civil_penalty",
            period="202412" if n % 3 else "202409",
            viewed_at=now - dt.timedelta(minutes=n),
        )
        for n in range(count)
    )
