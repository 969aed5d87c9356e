"""The e-mail receipt of an uploaded form (R34, issue 11): handed to the worker after the
upload's commit, never sent inline; text and HTML, with the receipt number, the form, the
taxpayer's name (never the TIN, R46), the place in line at upload and the link to the form's
page; sent once however often the worker runs it (R47), and by the sweep when the hand-off was
lost. The e-mail goes through the task the worker runs, into Django's locmem outbox."""

from __future__ import annotations

import datetime as dt

import pytest
from celery import current_app
from django.conf import settings
from django.core import mail
from django.urls import reverse

from authorizations.errors import FormRefused
from authorizations.services.form_receipts import EMAIL_RECEIPT_TASK, form_receipts_email_pending
from taxpro import clock
from tests.authorizations.conftest import make_rep
from tests.authorizations.forms_support import form_data, form_rep, upload
from tests.taxpayers.factories import BusinessTaxpayerFactory
from tests.views.staff_forms_support import uploaded_form

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


def _run_the_worker_task(form_id: int) -> bool:
    """What the worker does with the message the upload's commit hands it: the task registered
    under the name the service sends, run by Celery in this process (so locmem sees the mail)."""
    return bool(current_app.tasks[EMAIL_RECEIPT_TASK].apply(args=[form_id]).get())


def test_r34_the_receipt_is_e_mailed_by_the_worker_after_the_commit_once(
    django_capture_on_commit_callbacks,
) -> None:
    rep = make_rep(code="b")
    business = BusinessTaxpayerFactory(name="Evergreen Bakery LLC")
    with django_capture_on_commit_callbacks() as handed_over:
        form = uploaded_form(rep, business)
    assert mail.outbox == []  # never inline
    assert len(handed_over) == 1

    assert _run_the_worker_task(form.pk) is True
    assert _run_the_worker_task(form.pk) is False  # a redelivered message sends nothing (R47)
    assert len(mail.outbox) == 1
    letter = mail.outbox[0]
    assert letter.to == [rep.user.email]
    assert "Form 2848" in letter.subject and "Evergreen Bakery LLC" in letter.subject
    html = letter.alternatives[0][0]
    assert letter.alternatives[0][1] == "text/html"
    link = settings.PORTAL_URL + reverse("authorizations_pro:form", args=[form.public_id])
    for body in (letter.body, html):
        assert form.receipt_number in body
        assert "Evergreen Bakery LLC" in body
        assert link in body
        # R46: the TIN never, whole or masked.
        tin = business.tin_reveal()
        assert tin not in body and business.tin_masked not in body
    assert "Form: 2848" in letter.body
    assert "Place in line when you uploaded it: 1" in letter.body
    form.refresh_from_db()
    assert form.receipt_emailed_at is not None


def test_r34_the_receipt_names_the_place_in_line_at_upload() -> None:
    rep = make_rep(code="b")
    first = uploaded_form(rep)
    second = uploaded_form(rep, BusinessTaxpayerFactory())
    assert (first.receipt_place, second.receipt_place) == (1, 2)
    _run_the_worker_task(second.pk)
    assert "Place in line when you uploaded it: 2" in mail.outbox[0].body


def test_r39a_a_refused_upload_hands_no_receipt_to_the_worker(
    django_capture_on_commit_callbacks,
) -> None:
    rep = make_rep(code="b")
    late = clock.today_et() + dt.timedelta(days=1)  # signed after the upload: refused
    data = form_data(reps=(form_rep(rep, signed_on=late),), signed_on=late)
    with (
        django_capture_on_commit_callbacks(execute=True) as handed_over,
        pytest.raises(FormRefused),
    ):
        upload(rep.user, data, now=clock.now())
    assert handed_over == []
    assert mail.outbox == []


def test_a_receipt_whose_hand_off_was_lost_is_e_mailed_by_the_sweep() -> None:
    form = uploaded_form()  # on_commit never runs here: nothing handed to the worker
    assert form_receipts_email_pending(now=form.received_at) == 0  # too fresh
    later = form.received_at + dt.timedelta(minutes=10)
    assert form_receipts_email_pending(now=later) == 1
    assert form_receipts_email_pending(now=later) == 0
    assert len(mail.outbox) == 1
    assert form.receipt_number in mail.outbox[0].body
