"""Thin Celery tasks: take ids, call a service, own the retry policy. Each is safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from authorizations import services
from authorizations.services import api as api_services

_DB_TROUBLE = (OperationalError, InterfaceError)


@shared_task(autoretry_for=_DB_TROUBLE, retry_backoff=1, retry_backoff_max=30, max_retries=8)
def record_request(request_id: int) -> str:
    """The fast path after an approval (R21); the sweeper below is the safety net."""
    return str(services.request_record(request_id=request_id))


@shared_task(autoretry_for=_DB_TROUBLE, retry_backoff=1, max_retries=3)
def sweep_approvals() -> int:
    """Record approvals whose message was lost or that waited while the service was closed."""
    return services.approvals_drain()


@shared_task(autoretry_for=_DB_TROUBLE, retry_backoff=1, max_retries=3)
def record_service_transitions() -> str:
    """R42: record the opening/closing event and drain on opening; idempotent."""
    return str(services.service_transitions_record())


@shared_task(autoretry_for=_DB_TROUBLE, retry_backoff=1, max_retries=3)
def expire_requests() -> str:
    result = services.requests_expire_and_remind()
    emailed = services.practitioner_notices_email_pending()
    return f"reminded {result.reminded}, expired {result.expired}, notices e-mailed {emailed}"


@shared_task(autoretry_for=_DB_TROUBLE, retry_backoff=1, max_retries=5)
def email_practitioner_notice(request_id: int, kind: str) -> bool:
    return services.practitioner_notice_email(request_id=request_id, kind=kind)


@shared_task(autoretry_for=_DB_TROUBLE, retry_backoff=1, max_retries=3)
def purge_api_idempotency_keys() -> int:
    return api_services.idempotency_keys_purge()
