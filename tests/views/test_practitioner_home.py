"""The practitioner's home: what needs attention first (issue 4, part 1), in constant queries."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authorizations.models import RequestState
from authorizations.web.pro.wizard.steps import first_incomplete
from taxpro import clock
from tests.authorizations.conftest import make_taxpayer
from tests.authorizations.factories import AuthorizationFactory
from tests.views.pro_support import (
    insert_request,
    link_another_caf_number,
    practitioner,
    signed_in_as,
)
from tests.views.wizard_support import new_draft

pytestmark = pytest.mark.django_db


def _home(client: Client) -> str:
    response = client.get(reverse("practitioner_home"))
    assert response.status_code == 200
    return response.content.decode()


def test_an_empty_home_says_nothing_needs_attention(client: Client) -> None:
    rep = practitioner(linked=False)
    body = _home(signed_in_as(client, rep))
    assert "Nothing needs your attention now." in body
    assert "You have not sent any authorization requests." in body
    # R7: without a linked CAF number there is no list of authorizations to count.
    assert "Link a CAF number to see the authorizations on it" in body


def test_a_draft_is_offered_to_continue_where_it_stopped(client: Client) -> None:
    rep = practitioner()
    draft = new_draft(rep)
    body = _home(signed_in_as(client, rep))
    continue_url = reverse(
        "authorizations_pro:wizard_step", args=[draft.public_id, first_incomplete(draft).slug]
    )
    assert f'href="{continue_url}"' in body
    assert "Requests you have not sent yet" in body


def test_r18_requests_expiring_within_the_reminder_days_come_first(client: Client) -> None:
    rep = practitioner()
    now = clock.now()
    soon = insert_request(rep, make_taxpayer(), submitted_at=now - dt.timedelta(days=18))
    later = insert_request(rep, make_taxpayer(), submitted_at=now - dt.timedelta(days=2))
    body = _home(signed_in_as(client, rep))
    section = body[body.index("expiring soon") : body.index("requests-heading")]
    assert reverse("authorizations_pro:request", args=[soon.public_id]) in section
    assert reverse("authorizations_pro:request", args=[later.public_id]) not in section


def test_requests_recorded_this_week_are_listed_and_older_ones_are_not(client: Client) -> None:
    rep = practitioner()
    now = clock.now()
    fresh = insert_request(rep, make_taxpayer(), state=RequestState.RECORDED)
    old = insert_request(
        rep, make_taxpayer(), state=RequestState.RECORDED, submitted_at=now - dt.timedelta(days=9)
    )
    body = _home(signed_in_as(client, rep))
    section = body[body.index("Recorded in the last 7 days") : body.index("requests-heading")]
    assert reverse("authorizations_pro:request", args=[fresh.public_id]) in section
    assert reverse("authorizations_pro:request", args=[old.public_id]) not in section


def _queries_for_home(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        _home(client)
    return len(queries)


def test_the_home_runs_the_same_number_of_queries_with_1_or_200_rows(client: Client) -> None:
    rep = practitioner()
    taxpayer = make_taxpayer()
    now = clock.now()
    new_draft(rep)
    insert_request(rep, taxpayer, submitted_at=now - dt.timedelta(days=18))
    insert_request(rep, taxpayer, state=RequestState.RECORDED)
    signed_in_as(client, rep)
    _home(client)  # warm the session and the second-factor check
    one = _queries_for_home(client)
    for i in range(199):
        new_draft(rep)
        insert_request(rep, taxpayer, submitted_at=now - dt.timedelta(days=18, minutes=i))
        insert_request(rep, taxpayer, state=RequestState.RECORDED)
    assert _queries_for_home(client) == one


def test_the_home_says_the_hours_of_service_once(client: Client) -> None:
    html = signed_in_as(client, practitioner()).get(reverse("practitioner_home")).content.decode()
    assert html.count("Hours of service") == 1


def _links_in(section: str) -> list[str]:
    return re.findall(r'href="(/pro/requests/[0-9a-f-]{36}/)"', section)


def test_r18_r20_each_list_keeps_its_order_and_its_ten_when_read_together(
    client: Client,
) -> None:
    """Each list shows its own first ten in its own order (expiring soonest first, recorded
    newest first), and the request total (issue 12: a window on the five shown) counts every
    request, not the five shown."""
    rep = practitioner()
    now = clock.now()
    taxpayer = make_taxpayer()
    expiring = [
        insert_request(rep, taxpayer, submitted_at=now - dt.timedelta(days=18, minutes=12 - i))
        for i in range(12)
    ]
    recorded = [
        insert_request(
            rep, taxpayer, state=RequestState.RECORDED, submitted_at=now - dt.timedelta(hours=i)
        )
        for i in range(12)
    ]
    body = _home(signed_in_as(client, rep))
    soon = body[body.index("expiring soon") : body.index("Recorded in the last 7 days")]
    fresh = body[body.index("Recorded in the last 7 days") : body.index("requests-heading")]
    url = lambda req: reverse("authorizations_pro:request", args=[req.public_id])  # noqa: E731
    assert _links_in(soon) == [url(req) for req in expiring[:10]]
    assert _links_in(fresh) == [url(req) for req in recorded[:10]]
    assert "You have sent 24 requests." in body


def test_r7_the_active_count_adds_every_linked_number_and_nothing_else(client: Client) -> None:
    """The count comes with each linked CAF record (issue 12): active rows on every linked
    number are counted, ended rows and rows on a number not linked are not."""
    rep = practitioner()
    other = link_another_caf_number(rep)
    AuthorizationFactory.create_batch(2, caf_record=rep.caf_record)
    AuthorizationFactory(caf_record=other)
    AuthorizationFactory(caf_record=rep.caf_record, ended=True)
    AuthorizationFactory()  # someone else's CAF number
    body = _home(signed_in_as(client, rep))
    assert "3 active authorizations on your linked CAF numbers." in body


def test_the_home_reads_in_eight_queries(client: Client) -> None:
    """Issue 12's budget: session, user (with the second-factor check), the hours' windows
    (R41), the linked CAF numbers with their active counts, the recent requests with their
    total, the drafts, and the two attention lists (R18). A count read on its own again fails
    here."""
    rep = practitioner()
    taxpayer = make_taxpayer()
    new_draft(rep)
    insert_request(rep, taxpayer, submitted_at=clock.now() - dt.timedelta(days=18))
    insert_request(rep, taxpayer, state=RequestState.RECORDED)
    AuthorizationFactory(caf_record=rep.caf_record)
    signed_in_as(client, rep)
    _home(client)  # the session's stamps are written once
    assert _queries_for_home(client) == 8
