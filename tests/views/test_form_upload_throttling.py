"""Floods in the forms channel's upload wizard (issue 10, as the request wizard): starting uploads
and uploading faster than a person could is answered with the same 429 page and Retry-After,
per practitioner; a throttled upload writes nothing and keeps the draft with everything typed
(R42), and the refusal is audited once per blocked window. The drafts' lifetime is the
FORM_DRAFT_DAYS setting."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from authorizations.models import FormDraft, UploadedForm
from authorizations.services.form_drafts import form_drafts_expire
from taxpro import clock
from taxpro.models import AuditEvent
from tests.authorizations.conftest import private_media  # noqa: F401 - a fixture
from tests.views.pro_support import practitioner, signed_in_as
from tests.views.test_pro_forms import (
    NEW,
    a_pdf,
    start,
    step_answers,
    submit_url,
    url,
    walk,
)
from tests.views.test_throttling import assert_429_page

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


@pytest.fixture
def limits(settings):
    def set_limits(**rates: str) -> None:
        settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, **rates}

    return set_limits


@pytest.fixture
def rep():
    return practitioner()


@pytest.fixture
def pro(client: Client, rep) -> Client:
    return signed_in_as(client, rep)


def _touched_draft(client: Client) -> FormDraft:
    """A started draft with its first answer: an untouched one is reused by "Start"."""
    draft = start(client)
    assert client.post(url(draft, "form"), step_answers()["form"]).status_code == 302
    return draft


def test_starting_uploads_too_fast_is_answered_429_and_creates_nothing(pro, limits) -> None:
    limits(form_upload_start="2/m/user")
    for _ in range(2):
        _touched_draft(pro)
    drafts = FormDraft.objects.count()
    assert_429_page(pro.post(NEW), at_most=60)
    assert FormDraft.objects.count() == drafts == 2
    # Looking at the page is not starting an upload: it still opens.
    assert pro.get(NEW).status_code == 200
    # Another practitioner is not slowed by this one.
    other = signed_in_as(Client(), practitioner())
    assert other.post(NEW).status_code == 302


def test_r42_uploading_too_fast_is_answered_429_keeping_the_draft_as_typed(pro, limits) -> None:
    limits(form_upload_submit="1/m/user")
    response, first = walk(pro)
    assert pro.post(submit_url(first)).status_code == 302
    # The same draft uploaded again is told it was already uploaded, not throttled (R47).
    assert pro.post(submit_url(first)).status_code == 302

    response, second = walk(pro, a_pdf(marker="two"), {"taxpayer": {"tin": "23-4567002"}})
    assert response.status_code == 302, response.content.decode()
    typed = FormDraft.objects.get(pk=second.pk).data
    refused = pro.post(submit_url(second))
    assert_429_page(refused, at_most=60)
    assert "What you entered was saved" in refused.content.decode()
    second.refresh_from_db()
    assert second.submitted_form is None and second.discarded_at is None
    assert second.data == typed  # nothing typed is lost
    assert UploadedForm.objects.count() == 1


def test_a_throttled_upload_leaves_one_audit_event_per_blocked_window(pro, rep, limits) -> None:
    limits(form_upload_start="1/h/user")
    _touched_draft(pro)
    for _ in range(5):
        assert pro.post(NEW).status_code == 429
    event = AuditEvent.objects.get(action="throttled")
    assert event.actor == rep.user
    assert event.after["limit"] == "form_upload_start"
    assert 1 <= event.after["retry_after_seconds"] <= 3600


def test_drafts_expire_after_form_draft_days_read_from_the_settings(pro, settings) -> None:
    settings.FORM_DRAFT_DAYS = 5
    _touched_draft(pro)
    assert form_drafts_expire(now=clock.now() + dt.timedelta(days=4)) == 0
    assert form_drafts_expire(now=clock.now() + dt.timedelta(days=6)) == 1
