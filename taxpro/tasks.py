from __future__ import annotations

from celery import shared_task

from taxpro.health import record_worker_heartbeat


@shared_task(ignore_result=True)
def worker_heartbeat() -> None:
    record_worker_heartbeat()
