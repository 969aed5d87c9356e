"""The Celery application: broker and every setting come from Django settings (CELERY_*)."""

from __future__ import annotations

import contextlib
import os

from celery import Celery
from celery.signals import worker_init, worker_process_init, worker_ready
from django.db import connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taxpro.settings")

app = Celery("taxpro")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Schedules live in code (stack.md: no django-celery-beat). Nothing between 01:00 and 03:00 ET,
# and no correctness depends on a beat firing: every job is idempotent and also safe to skip.
app.conf.beat_schedule = {
    "worker-heartbeat": {"task": "taxpro.tasks.worker_heartbeat", "schedule": 15.0},
    "sweep-approvals": {"task": "authorizations.tasks.sweep_approvals", "schedule": 20.0},
    "service-transitions": {
        "task": "authorizations.tasks.record_service_transitions",
        "schedule": 60.0,
    },
    "expire-requests": {"task": "authorizations.tasks.expire_requests", "schedule": 600.0},
    "expire-form-drafts": {"task": "authorizations.tasks.expire_form_drafts", "schedule": 3600.0},
    "sweep-webhooks": {"task": "authorizations.tasks.sweep_webhooks", "schedule": 30.0},
    # Issue 14: Idempotency-Keys past their day (a stale key is also claimed afresh on use).
    "purge-api-idempotency-keys": {
        "task": "authorizations.tasks.purge_api_idempotency_keys",
        "schedule": 3600.0,
    },
}


@worker_ready.connect
def _heartbeat_on_start(**kwargs: object) -> None:
    # The Celery app is imported while Django starts (taxpro/__init__.py): the health module
    # needs the app registry, which is ready only once the worker runs.
    from taxpro.health import record_worker_heartbeat  # noqa: PLC0415

    # Health reporting never stops a worker from starting.
    with contextlib.suppress(Exception):
        record_worker_heartbeat()


def worker_application_name(pid: int) -> str:
    """What a worker process calls its database connections (pg_stat_activity.application_name)."""
    return f"taxpro-worker:{pid}"


@worker_init.connect
@worker_process_init.connect
def _name_database_connections(**kwargs: object) -> None:
    # Each worker process names its PostgreSQL connections after its own pid, so that
    # pg_stat_activity says which process holds a backend whether PostgreSQL is reached over TCP
    # (where client_port would also tell) or a Unix socket (the embedded server: no port at
    # all). worker_init runs in the main process; worker_process_init in each pool child after
    # the fork, before its first connection, so a child never keeps its parent's name. The
    # name goes in the connection parameters, not a SET after connecting: it is visible from
    # the first moment and costs no query. The fault tests find the process to kill by it.
    name = worker_application_name(os.getpid())
    for alias in connections:
        # The very dict every connection of this alias reads its parameters from when it opens.
        connections.settings[alias]["OPTIONS"]["application_name"] = name
