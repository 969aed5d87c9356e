"""Practitioners are told when a request is recorded and five days before a pending one expires
(R18's reminder window): once each, in the portal, and by e-mail (text and HTML, naming no
taxpayer) unless they turned e-mail off (issue 13)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from authorizations import services
from authorizations.models import PractitionerNotice, PractitionerNoticeKind
from tests.authorizations.conftest import DAY, TUESDAY_NOON, approve, approve_and_record, submit

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


def test_a_recorded_request_leaves_one_notice_however_often_it_is_recorded(
    cpa, taxpayer, django_capture_on_commit_callbacks
) -> None:
    req = submit(cpa, taxpayer)
    approve(req)  # its own after-commit hand-off (the recording task) is not counted below
    with django_capture_on_commit_callbacks() as enqueued:
        services.request_record(request_id=req.pk, now=TUESDAY_NOON + MINUTE)
        services.request_record(request_id=req.pk)  # the worker, again (R47)
    notice = PractitionerNotice.objects.get()
    assert (notice.practitioner, notice.request, notice.kind) == (
        cpa.user,
        req,
        PractitionerNoticeKind.RECORDED,
    )
    assert taxpayer.name in notice.body and taxpayer.tin_masked in notice.body
    assert taxpayer.tin_reveal() not in notice.body  # R46
    # Exactly one e-mail handed to the worker after the commit, however often it is recorded.
    assert len(enqueued) == 1


def test_r18_a_request_about_to_expire_leaves_one_notice(cpa, taxpayer) -> None:
    submit(cpa, taxpayer)
    services.requests_expire_and_remind(now=TUESDAY_NOON + 16 * DAY)
    services.requests_expire_and_remind(now=TUESDAY_NOON + 17 * DAY)
    notice = PractitionerNotice.objects.get()
    assert notice.kind == PractitionerNoticeKind.EXPIRING
    assert "expires on" in notice.body


def test_the_e_mail_is_text_and_html_names_no_taxpayer_and_goes_once(cpa, taxpayer) -> None:
    approve_and_record(submit(cpa, taxpayer))
    notice = PractitionerNotice.objects.get()
    assert (
        services.practitioner_notice_email(request_id=notice.request_id, kind=notice.kind) is True
    )
    assert (
        services.practitioner_notice_email(request_id=notice.request_id, kind=notice.kind) is False
    )
    assert len(mail.outbox) == 1
    letter = mail.outbox[0]
    assert letter.to == [cpa.user.email]
    assert letter.subject == "[Tax Pro Portal] A request was recorded"
    html = letter.alternatives[0].content
    for body in (letter.body, html):
        assert taxpayer.name not in body
        assert taxpayer.tin_last4 not in body
        assert reverse("authorizations_pro:request", args=[notice.request.public_id]) in body
        assert reverse("authorizations_pro:notices") in body
    notice.refresh_from_db()
    assert notice.emailed_at is not None


def test_with_e_mail_turned_off_the_notice_stays_in_the_portal_only(cpa, taxpayer) -> None:
    services.notice_preference_set(user=cpa.user, email=False)
    approve_and_record(submit(cpa, taxpayer))
    notice = PractitionerNotice.objects.get()
    assert (
        services.practitioner_notice_email(request_id=notice.request_id, kind=notice.kind) is False
    )
    assert mail.outbox == []


def test_a_notice_whose_e_mail_was_never_enqueued_is_e_mailed_by_the_sweep(cpa, taxpayer) -> None:
    approve_and_record(submit(cpa, taxpayer))  # on_commit never runs here: nothing enqueued
    notice = PractitionerNotice.objects.get()
    assert services.practitioner_notices_email_pending(now=notice.created_at) == 0  # too fresh
    later = notice.created_at + 10 * MINUTE
    assert services.practitioner_notices_email_pending(now=later) == 1
    assert services.practitioner_notices_email_pending(now=later) == 0
    assert len(mail.outbox) == 1
