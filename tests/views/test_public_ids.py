"""Objects in URLs are named by ids that cannot be guessed (issue 10): every portal URL that
names an object takes a random UUID, the old integer URLs answer 404 even to the owner, and
the rows that existed before the column was added each got their own id from the database."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import get_resolver
from django.urls.converters import IntConverter, UUIDConverter

from authorizations.models import Authorization, RequestKind
from caf.services import caf_pin_request
from taxpayers.models import LetterKind
from taxpayers.services import letter_send
from tests.authorizations.conftest import INCOME_2023, INCOME_2024, make_rep, make_taxpayer
from tests.factories import enrol_totp
from tests.views.decisions_support import record_now, submit_now
from tests.views.test_access_matrix import _named_patterns

pytestmark = pytest.mark.django_db

PORTAL_NAMESPACES = {"authorizations_pro", "caf_pro", "taxpayers_account", "authorizations_account"}


def test_every_portal_url_naming_an_object_takes_a_uuid_and_no_integer() -> None:
    with_objects = [
        (name, converters)
        for name, converters in _named_patterns(get_resolver())
        if converters and name.split(":")[0] in PORTAL_NAMESPACES
    ]
    assert with_objects
    for name, converters in with_objects:
        assert any(isinstance(c, UUIDConverter) for c in converters.values()), name
        assert not any(isinstance(c, IntConverter) for c in converters.values()), name


def test_the_old_integer_urls_are_not_found_even_for_the_owner() -> None:
    rep = make_rep(code="b")
    enrol_totp(rep.user)
    taxpayer = make_taxpayer()
    pending = submit_now(rep, taxpayer, kind=RequestKind.TIA, modules=(INCOME_2023,))
    recorded = submit_now(rep, taxpayer, kind=RequestKind.TIA, modules=(INCOME_2024,))
    record_now(recorded)
    row = Authorization.objects.get(request=recorded)
    notice = letter_send(kind=LetterKind.OTHER, subject="A notice", body="Hi.", taxpayer=taxpayer)
    unlinked = make_rep(code="b", linked=False)
    enrol_totp(unlinked.user)
    pin = caf_pin_request(practitioner=unlinked.user, caf_number=unlinked.caf_record.caf_number)

    pro, account, pin_owner = Client(), Client(), Client()
    pro.force_login(rep.user)
    account.force_login(taxpayer.user)
    pin_owner.force_login(unlinked.user)
    cases = [
        (pro, f"/pro/requests/{pending.pk}/", f"/pro/requests/{pending.public_id}/"),
        (pro, f"/pro/requests/{pending.pk}/cancel/", f"/pro/requests/{pending.public_id}/cancel/"),
        (pro, f"/pro/clients/{taxpayer.pk}/", f"/pro/clients/{taxpayer.public_id}/"),
        (pin_owner, f"/pro/profile/link/{pin.pk}/", f"/pro/profile/link/{pin.public_id}/"),
        (account, f"/account/notices/{notice.pk}/", f"/account/notices/{notice.public_id}/"),
        (
            account,
            f"/account/authorizations/requests/{pending.pk}/",
            f"/account/authorizations/requests/{pending.public_id}/",
        ),
        (
            account,
            f"/account/authorizations/requests/{pending.pk}/reject/",
            f"/account/authorizations/requests/{pending.public_id}/reject/",
        ),
        (
            account,
            f"/account/authorizations/{row.pk}/revoke/",
            f"/account/authorizations/{row.public_id}/revoke/",
        ),
    ]
    for client, old, new in cases:
        assert client.get(old).status_code == 404, old
        assert client.get(new).status_code == 200, new


def test_public_ids_are_random_and_distinct() -> None:
    rep = make_rep(code="b")
    taxpayers = [make_taxpayer() for _ in range(3)]
    requests = [submit_now(rep, t) for t in taxpayers]
    ids = [r.public_id for r in requests] + [t.public_id for t in taxpayers]
    assert len(set(ids)) == len(ids)
    assert all(isinstance(i, uuid.UUID) and i.version == 4 for i in ids)


def test_rows_that_existed_before_the_column_each_get_their_own_id() -> None:
    """What the migration does, on the ledger itself: adding the column gives every existing
    row a distinct id from the database, without an UPDATE (the append-only trigger, R28)."""
    rep = make_rep(code="b")
    for t in (make_taxpayer(), make_taxpayer()):
        record_now(submit_now(rep, t))
    field = Authorization._meta.get_field("public_id")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as between migrations
    with connection.schema_editor() as editor:
        editor.remove_field(Authorization, field)
        editor.add_field(Authorization, field)
    ids = list(Authorization.objects.values_list("public_id", flat=True))
    assert len(ids) == 2 and len(set(ids)) == 2 and None not in ids
