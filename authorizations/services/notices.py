"""Notices to practitioners about their own requests: recorded, or about to expire (R18's
reminder window). HMRC tells its agents both; so do we, in the portal and by e-mail unless the
practitioner turned e-mail off. Each notice is written once per request and kind, inside the
transaction that made it true; the e-mail goes after the commit, through the worker."""

from __future__ import annotations

import datetime as dt
import logging

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from authorizations.models import (
    AuthorizationRequest,
    NoticePreference,
    PractitionerNotice,
    PractitionerNoticeKind,
)
from authorizations.vocabulary import kind_words
from taxpro import clock
from taxpro.audit import audit_record
from taxpro.models import User

# Named, not imported: the tasks module calls these services (see recording.py).
EMAIL_NOTICE_TASK = "authorizations.tasks.email_practitioner_notice"
EMAIL_TEMPLATES = "authorizations/email/practitioner_notice"
logger = logging.getLogger(__name__)


def _words(req: AuthorizationRequest, kind: str, now: dt.datetime) -> tuple[str, str]:
    what = kind_words(req.kind).in_a_sentence
    taxpayer = f"{req.taxpayer.name} ({req.taxpayer.tin_masked})"
    if kind == PractitionerNoticeKind.RECORDED:
        return (
            "A request was recorded",
            f"{taxpayer} approved your {what} request, and it was recorded on "
            f"{clock.to_et(now):%B %-d, %Y}. It is now among your active authorizations.",
        )
    expires_at = req.expires_at or now
    return (
        "A request is about to expire",
        f"Your {what} request to {taxpayer} is still waiting for the taxpayer's decision. It "
        f"expires on {clock.to_et(expires_at):%B %-d, %Y}. The taxpayer has been reminded; you "
        "may want to remind them too, or send a new request after it expires.",
    )


def notices_emailed(user: User) -> bool:
    preference = NoticePreference.objects.filter(user=user).first()
    return preference is None or preference.email


def practitioner_notice_send(
    *, req: AuthorizationRequest, kind: PractitionerNoticeKind, now: dt.datetime
) -> None:
    """Write the notice inside the caller's transaction (once per request and kind: one INSERT
    that does nothing the second time), and have the worker e-mail it after the commit. The
    practitioner's e-mail preference is read there, off the recording's path."""
    subject, body = _words(req, kind, now)
    PractitionerNotice.objects.bulk_create(
        [
            PractitionerNotice(
                practitioner_id=req.practitioner_id,
                request=req,
                kind=kind,
                subject=subject,
                body=body,
                created_at=now,
            )
        ],
        ignore_conflicts=True,
    )
    transaction.on_commit(lambda: _enqueue_email(req.pk, str(kind)))


def _enqueue_email(request_id: int, kind: str) -> None:
    try:
        current_app.send_task(EMAIL_NOTICE_TASK, args=[request_id, kind], retry=False)
    except Exception:
        # The notice is committed; the periodic sweep below e-mails what was not enqueued.
        logger.warning("Could not enqueue the e-mail of a notice; the sweep will.", exc_info=True)


def practitioner_notices_email_pending(
    *, now: dt.datetime | None = None, older_than: dt.timedelta = dt.timedelta(minutes=5)
) -> int:
    """The safety net: e-mail notices whose message to the worker was lost. Bounded per run."""
    now = now or clock.now()
    pending = PractitionerNotice.objects.filter(
        emailed_at__isnull=True, created_at__lte=now - older_than
    ).values_list("request_id", "kind")[:500]
    return sum(
        practitioner_notice_email(request_id=request_id, kind=kind, now=now)
        for request_id, kind in list(pending)
    )


def practitioner_notice_email(
    *, request_id: int, kind: str, now: dt.datetime | None = None
) -> bool:
    """E-mail one notice, once: True when it was sent now. The e-mail says what happened and
    links to the portal; the taxpayer's name and number stay in the portal."""
    now = now or clock.now()
    with transaction.atomic():
        notice = (
            PractitionerNotice.objects.select_for_update()
            .select_related("practitioner", "request")
            .filter(request_id=request_id, kind=kind, emailed_at__isnull=True)
            .first()
        )
        if notice is None or not notices_emailed(notice.practitioner):
            return False
        context = {
            "notice": notice,
            "recorded": notice.kind == PractitionerNoticeKind.RECORDED,
            "request_url": settings.PORTAL_URL
            + reverse("authorizations_pro:request", args=[notice.request.public_id]),
            "settings_url": settings.PORTAL_URL + reverse("authorizations_pro:notices"),
            "when": clock.to_et(notice.created_at),
        }
        message = EmailMultiAlternatives(
            subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + notice.subject,
            body=render_to_string(f"{EMAIL_TEMPLATES}.txt", context),
            to=[notice.practitioner.email],
        )
        message.attach_alternative(
            render_to_string(f"{EMAIL_TEMPLATES}.html", context), "text/html"
        )
        message.send()
        notice.emailed_at = now
        notice.save(update_fields=["emailed_at"])
    return True


def notice_preference_set(*, user: User, email: bool, now: dt.datetime | None = None) -> None:
    """Turn the e-mailing of notices on or off (they stay in the portal either way); audited."""
    now = now or clock.now()
    with transaction.atomic():
        before = notices_emailed(user)
        NoticePreference.objects.update_or_create(
            user=user, defaults={"email": email, "updated_at": now}
        )
        if before != email:
            audit_record(
                action="practitioner.notices.email",
                obj=user,
                actor=user,
                before={"email": before},
                after={"email": email},
                now=now,
            )
