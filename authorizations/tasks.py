"""Thin Celery tasks: take ids, call a service, own the retry policy. Each is safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from authorizations import services
from authorizations.services import api as api_services
from authorizations.services import forms
from authorizations.services.form_drafts import form_drafts_expire
from authorizations.services.form_receipts import form_receipt_email, form_receipts_email_pending

_DB_TROUBLE = (OperationalError, InterfaceError)


@shared_task(autoretry_for=_DB_TROUBLE, retry_backoff=1, retry_backoff_max=30, max_retries=8)
def record_request(request_id: int) -> str:
    """The fast path after an approval (R21); the sweeper below is the safety net."""
    return str(services.request_record(request_id=request_id))


@shared_task(autoretry_for=_DB_TROUBLE, retry_backoff=1, retry_backoff_max=30, max_retries=8)
def record_form(form_id: int) -> str:
    """The fast path after a clerk records a form (R34b), as ``record_request`` for approvals."""
    return str(forms.form_record_on_ledger(form_id=form_id))


@shared_task(autoretry_for=_DB_TROUBLE, retry_backoff=1, max_retries=3)
def sweep_approvals() -> int:
    """Record approvals and forms whose message was lost (or whose worker died mid-task), and
    approvals that waited while the service was closed."""
    return services.ledger_drain()


@shared_task(autoretry_for=_DB_TROUBLE, retry_backoff=1, max_retries=3)
def record_service_transitions() -> str:
    """R42: record the opening/closing event and drain on opening; idempotent."""
    return str(services.service_transitions_record())


@shared_task(autoretry_for=_DB_TROUBLE, retry_backoff=1, max_retries=3)
def expire_requests() -> str:
    result = services.requests_expire_and_remind()
    emailed = services.practitioner_notices_email_pending()
    receipts = form_receipts_email_pending()
    return (
        f"reminded {result.reminded}, expired {result.expired}, notices e-mailed {emailed}, "
        f"form receipts e-mailed {receipts}"
    )


@shared_task(autoretry_for=_DB_TROUBLE, retry_backoff=1, max_retries=5)
def email_practitioner_notice(request_id: int, kind: str) -> bool:
    return services.practitioner_notice_email(request_id=request_id, kind=kind)


@shared_task(autoretry_for=_DB_TROUBLE, retry_backoff=1, max_retries=5)
def email_form_receipt(form_id: int) -> bool:
    """R34: an uploaded form's e-mail receipt, handed over after the upload's commit."""
    return form_receipt_email(form_id=form_id)


@shared_task(autoretry_for=_DB_TROUBLE, retry_backoff=1, max_retries=3)
def expire_form_drafts() -> int:
    """Upload drafts untouched for FORM_DRAFT_DAYS go, with their files; idempotent."""
    return form_drafts_expire()


# Issue 14: a retry this soon is scheduled by the task itself (under the broker's visibility
# timeout, so the message is not handed out twice); later ones wait for the sweep.
WEBHOOK_RETRY_BY_TASK_SECONDS = 240


@shared_task(autoretry_for=_DB_TROUBLE, retry_backoff=1, retry_backoff_max=30, max_retries=8)
def deliver_webhook(delivery_id: int) -> str:
    """One attempt of a webhook delivery; at least once, the same webhook-id every time."""
    result = services.webhook_delivery_attempt(delivery_id=delivery_id)
    if result.retry_in is not None and result.retry_in <= WEBHOOK_RETRY_BY_TASK_SECONDS:
        deliver_webhook.apply_async(args=[delivery_id], countdown=result.retry_in)
    return str(result)


@shared_task(autoretry_for=_DB_TROUBLE, retry_backoff=1, max_retries=3)
def sweep_webhooks() -> int:
    """Hand the worker every delivery that is due (retries, lost messages, killed workers)."""
    return services.webhook_deliveries_due_enqueue()


@shared_task(autoretry_for=_DB_TROUBLE, retry_backoff=1, max_retries=3)
def purge_api_idempotency_keys() -> int:
    return api_services.idempotency_keys_purge()
