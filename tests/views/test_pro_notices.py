"""Your notices (/pro/notices/): the practitioner's own notices, and e-mail on or off, audited
(issue 13)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from authorizations import services
from taxpro import clock
from taxpro.models import AuditEvent
from tests.authorizations.conftest import approve_and_record, make_taxpayer, submit
from tests.views.pro_support import practitioner, signed_in_as

pytestmark = pytest.mark.django_db


def test_the_notices_page_lists_them_and_turns_e_mail_off_audited(client: Client) -> None:
    cpa, taxpayer = practitioner(code="b"), make_taxpayer()
    approve_and_record(submit(cpa, taxpayer, now=clock.now()), now=clock.now())
    client = signed_in_as(client, cpa)
    page = client.get(reverse("authorizations_pro:notices")).content.decode()
    assert "A request was recorded" in page
    assert 'name="email"' in page and "checked" in page  # on by default
    response = client.post(reverse("authorizations_pro:notices"), {}, follow=True)
    assert "will no longer be e-mailed" in response.content.decode()
    assert services.notices_emailed(cpa.user) is False
    event = AuditEvent.objects.get(action="practitioner.notices.email")
    assert (event.before, event.after) == ({"email": True}, {"email": False})
    client.post(reverse("authorizations_pro:notices"), {"email": "on"})
    assert services.notices_emailed(cpa.user) is True


def test_another_practitioners_notices_are_not_shown(client: Client) -> None:
    cpa, agent, taxpayer = practitioner(code="b"), practitioner(code="c"), make_taxpayer()
    approve_and_record(submit(cpa, taxpayer, now=clock.now()), now=clock.now())
    page = signed_in_as(client, agent).get(reverse("authorizations_pro:notices")).content.decode()
    assert "You have no notices yet" in page
