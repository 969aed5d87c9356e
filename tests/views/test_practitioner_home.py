"""The practitioner's home: what needs attention first (issue 4, part 1), in constant queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authorizations.models import RequestState
from authorizations.web.pro.wizard.steps import first_incomplete
from taxpro import clock
from tests.authorizations.conftest import make_taxpayer
from tests.views.pro_support import insert_request, practitioner, signed_in_as
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
