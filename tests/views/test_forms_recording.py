"""A form the clerk recorded and the worker has not yet put on the ledger (R34b, R39b): the
practitioner and the CAF unit read "Being recorded" in words, it holds no place in the line and
cannot be withdrawn; once the worker (here, the beat's drain) records it, it reads "Recorded"."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from authorizations import services
from authorizations.models import FormState
from authorizations.services import forms as form_services
from tests.authorizations.conftest import private_media  # noqa: F401 - a fixture
from tests.views.pro_support import practitioner, signed_in_as
from tests.views.staff_forms_support import clerk, uploaded_form

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


def _being_recorded():
    rep = practitioner()
    form = uploaded_form(rep)
    staff = clerk()
    assert form_services.form_take_next(clerk=staff) == form
    form_services.form_record(clerk=staff, public_id=form.public_id)
    form.refresh_from_db()
    assert form.state == FormState.RECORDING  # no worker here: the hand-off never runs
    return rep, form, staff


def test_r39b_the_practitioner_reads_being_recorded_then_recorded(client: Client) -> None:
    rep, form, _staff = _being_recorded()
    pro = signed_in_as(client, rep)
    for url in (
        reverse("authorizations_pro:forms"),
        reverse("authorizations_pro:form", args=[form.public_id]),
    ):
        html = pro.get(url).content.decode()
        assert "Being recorded" in html, url
        assert "in line" not in html, url
        assert "Withdraw" not in html, url
        assert FormState.RECORDING.value not in html.replace("Being recorded", ""), url
    assert services.ledger_drain() == 1
    html = pro.get(reverse("authorizations_pro:form", args=[form.public_id])).content.decode()
    assert "Being recorded" not in html and "Recorded" in html


def test_r34b_the_clerk_reads_being_recorded_on_the_form_and_the_queue(client: Client) -> None:
    _rep, form, staff = _being_recorded()
    client.force_login(staff)
    page = client.get(reverse("authorizations_staff:form", args=[form.public_id]))
    assert "Status: <strong>Being recorded</strong>" in page.content.decode()
    queue = client.get(reverse("authorizations_staff:queue")).content.decode()
    assert "<dt>Being recorded</dt><dd>1</dd>" in queue
    assert "<dt>Waiting</dt><dd>0</dd>" in queue
