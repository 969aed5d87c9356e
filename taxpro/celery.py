"""The Celery application: broker and every setting come from Django settings (CELERY_*)."""

from __future__ import annotations

import contextlib
import os

from celery import Celery
from celery.signals import worker_ready

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
}


@worker_ready.connect
def _heartbeat_on_start(**kwargs: object) -> None:
    # The Celery app is imported while Django starts (taxpro/__init__.py): the health module
    # needs the app registry, which is ready only once the worker runs.
    from taxpro.health import record_worker_heartbeat  # noqa: PLC0415

    # Health reporting never stops a worker from starting.
    with contextlib.suppress(Exception):
        record_worker_heartbeat()
