"""The e-mail receipt of an uploaded form (R34: "the practitioner gets a receipt at once"; the
issue's "letter/e-mail receipt"). Written with the upload: the form's place in line at that
moment is kept on the form, and after the commit the worker e-mails the receipt, text and HTML,
once. It names the form, its receipt number and the taxpayer, never the TIN (R46), and links to
the form's page. A receipt whose message to the worker was lost is sent by the sweep."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from authorizations.models import UploadedForm
from authorizations.services.recording import enqueue_off_the_request
from taxpro import clock

# Named, not imported: the tasks module calls these services (see recording.py).
EMAIL_RECEIPT_TASK = "authorizations.tasks.email_form_receipt"
EMAIL_TEMPLATES = "authorizations/email/form_receipt"


def form_receipt_send(form: UploadedForm) -> None:
    """Inside the upload's transaction: hand the e-mail to the worker after the commit, off the
    request thread (never sent inline, never sent for an upload that rolled back). A broker
    that is down only delays it until the sweep below."""
    form_id = form.pk
    transaction.on_commit(lambda: enqueue_off_the_request(EMAIL_RECEIPT_TASK, form_id))


def form_receipt_email(*, form_id: int, now: dt.datetime | None = None) -> bool:
    """E-mail one form's receipt, once (R47): True when it was sent now."""
    now = now or clock.now()
    with transaction.atomic():
        form = (
            UploadedForm.objects.select_for_update(of=("self",))
            .select_related("practitioner")
            .filter(pk=form_id, receipt_emailed_at__isnull=True)
            .first()
        )
        if form is None:
            return False
        context = {
            "form": form,
            "received": clock.to_et(form.received_at),
            "form_url": settings.PORTAL_URL
            + reverse("authorizations_pro:form", args=[form.public_id]),
        }
        subject = f"Receipt for your Form {form.form_type} for {form.taxpayer_name}"
        message = EmailMultiAlternatives(
            subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
            body=render_to_string(f"{EMAIL_TEMPLATES}.txt", context),
            to=[form.practitioner.email],
        )
        message.attach_alternative(
            render_to_string(f"{EMAIL_TEMPLATES}.html", context | {"subject": subject}),
            "text/html",
        )
        message.send()
        form.receipt_emailed_at = now
        form.save(update_fields=["receipt_emailed_at"])
    return True


def form_receipts_email_pending(
    *, now: dt.datetime | None = None, older_than: dt.timedelta = dt.timedelta(minutes=5)
) -> int:
    """The safety net: e-mail receipts whose message to the worker was lost. Bounded per run;
    only forms uploaded with a receipt to send (``receipt_place`` set) are looked at."""
    now = now or clock.now()
    pending = UploadedForm.objects.filter(
        receipt_place__isnull=False,
        receipt_emailed_at__isnull=True,
        received_at__lte=now - older_than,
    ).values_list("pk", flat=True)[:500]
    return sum(form_receipt_email(form_id=form_id, now=now) for form_id in list(pending))
