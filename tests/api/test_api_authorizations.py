"""/api/v1/authorizations: the active authorizations on the practitioner's linked CAF numbers
(R7), with filters and a cursor, and withdrawing one (R29, R44, R47)."""

from __future__ import annotations

import pytest
from django.test import Client

from authorizations.api import paging
from authorizations.models import Authorization, EndReason, RequestKind
from taxpro.models import AuditEvent
from tests.api.support import call, token_for
from tests.authorizations.conftest import INCOME_2023, INCOME_2024, make_rep, make_taxpayer
from tests.factories import enrol_totp
from tests.views.decisions_support import record_now, submit_now

pytestmark = pytest.mark.django_db

URL = "/api/v1/authorizations"


@pytest.fixture
def cpa():
    rep = make_rep(code="b")
    enrol_totp(rep.user)
    return rep


def _recorded(rep, taxpayer, *, kind: str = RequestKind.TIA, modules=(INCOME_2024,)):
    req = submit_now(rep, taxpayer, kind=kind, modules=modules)
    record_now(req)
    return list(Authorization.objects.filter(request=req))


def test_r7_only_active_rows_on_the_practitioners_linked_caf_numbers_are_listed(
    client: Client, cpa
) -> None:
    taxpayer = make_taxpayer()
    (mine,) = _recorded(cpa, taxpayer)
    other = make_rep(code="b")
    _recorded(other, make_taxpayer())
    unlinked = make_rep(code="b", linked=False)
    assert unlinked.caf_record.pk != cpa.caf_record.pk
    listed = call(client, "get", URL, token=token_for(cpa.user))
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert [item["id"] for item in items] == [str(mine.public_id)]
    assert items[0]["taxpayer"] == {"name": taxpayer.name, "tin_last4": taxpayer.tin_last4}
    assert taxpayer.tin_reveal() not in listed.content.decode()  # R46


def test_r7_the_filters_and_the_cursor(client: Client, cpa, monkeypatch) -> None:
    monkeypatch.setattr(paging, "PAGE_SIZE", 2)
    rows = [_recorded(cpa, make_taxpayer())[0] for _ in range(3)]
    poa = _recorded(cpa, make_taxpayer(), kind=RequestKind.POA, modules=(INCOME_2023,))[0]
    token = token_for(cpa.user)
    seen, url = [], URL + "?kind=tia"
    while url:
        page = call(client, "get", url, token=token).json()
        seen += [item["id"] for item in page["items"]]
        url = page["next"]
    assert sorted(seen) == sorted(str(r.public_id) for r in rows)
    only_poa = call(client, "get", f"{URL}?kind=poa", token=token).json()["items"]
    assert [item["id"] for item in only_poa] == [str(poa.public_id)]
    bad = call(client, "get", f"{URL}?kind=all", token=token)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "kind"


def test_r29_withdrawing_ends_the_row_at_once_once_and_is_audited(client: Client, cpa) -> None:
    (row,) = _recorded(cpa, make_taxpayer())
    token = token_for(cpa.user)
    url = f"{URL}/{row.public_id}/withdraw"
    response = call(client, "post", url, token=token, key="withdraw-1")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["end_reason"] == EndReason.WITHDRAWN and body["ends_at"]
    row.refresh_from_db()
    assert row.end_reason == EndReason.WITHDRAWN
    assert call(client, "get", URL, token=token).json()["items"] == []
    # R47: the same call again is the same answer; a new call is refused, and nothing ends twice.
    replay = call(client, "post", url, token=token, key="withdraw-1")
    assert replay.status_code == 200 and replay.json() == body
    again = call(client, "post", url, token=token, key="withdraw-2")
    assert again.status_code == 409 and again["Content-Type"] == "application/problem+json"
    assert AuditEvent.objects.filter(object_id=str(row.pk), action__contains="withdr").count() == 1


@pytest.mark.parametrize("query", ["caf_number=%00", "name=a%00b", "kind=%0A", "cursor=%00"])
def test_bad_input_in_a_filter_is_told_at_the_field_never_a_500(
    client: Client, cpa, query: str
) -> None:
    response = call(client, "get", f"{URL}?{query}", token=token_for(cpa.user))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == query.split("=")[0]
