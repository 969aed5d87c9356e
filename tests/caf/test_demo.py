"""The demo seeders run through the services and are idempotent."""

from __future__ import annotations

import io

import pytest

from caf import demo as caf_demo
from caf.models import CafLink, CafRecord
from caf.selectors import caf_numbers_linked_to, practitioner_may_request
from taxpayers import demo as taxpayers_demo
from taxpayers.models import AccountModule, Taxpayer
from taxpro.demo import DEMO_USERS
from taxpro.models import User
from tests.factories import UserFactory


@pytest.mark.django_db
def test_demo_seed_is_idempotent_and_gives_the_personas() -> None:
    for _who, email, kind in DEMO_USERS:
        UserFactory(email=email, username=email, kind=kind, is_staff=kind == "staff")
    out = io.StringIO()
    for _ in range(2):
        caf_demo.seed(stdout=out)
        taxpayers_demo.seed(stdout=out)
    assert CafRecord.objects.count() == 5
    assert CafLink.objects.count() == 1
    assert Taxpayer.objects.count() == 6
    assert Taxpayer.objects.filter(user__isnull=False).count() == 3
    modules = AccountModule.objects.count()
    taxpayers_demo.seed(stdout=out)
    assert AccountModule.objects.count() == modules
    cpa = CafLink.objects.get().practitioner
    assert cpa.email == "cpa@demo.taxpro.test"
    record = caf_numbers_linked_to(user=cpa).get()
    assert practitioner_may_request(user=cpa, representation=True, caf_record=record)
    preparer = CafRecord.objects.get(caf_number="030111111")
    preparer_user = User.objects.get(email="preparer@demo.taxpro.test")
    assert not practitioner_may_request(
        user=preparer_user, representation=True, caf_record=preparer
    )
    assert practitioner_may_request(user=preparer_user, representation=False, caf_record=preparer)
