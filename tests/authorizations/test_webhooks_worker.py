"""Issue 14 end to end with real processes: a practitioner's software registered a receiver on
loopback (a threaded http.server in this test), the taxpayer approves, a real Celery worker
(prefork, as the launcher runs it, on a private Redis) records the approval (R21) and delivers
the signed "recorded" event. The receiver's first answer is a 500: the worker tries again with
the same webhook-id, and after deduplicating by that id the receiver holds the event exactly
once, its signature checked by the standardwebhooks library's verifier.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from authorizations.services import webhooks as hooks
from authorizations.webhooks.events import WebhookEventType
from authorizations.webhooks.models import DeliveryState, WebhookDelivery
from taxpro import clock
from tests.authorizations.conftest import (
    approve,
    approve_and_record,
    make_rep,
    make_taxpayer,
    submit,
)
from tests.authorizations.fault_support import Worker, wait_for
from tests.authorizations.webhook_support import Answer, Receiver, receiver

__all__ = ["receiver"]  # the fixture

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_r21_the_recorded_event_reaches_the_receiver_once_per_event_id_after_a_500(
    receiver: Receiver, private_redis, monkeypatch, tmp_path
) -> None:
    rep = make_rep()
    created = hooks.webhook_endpoint_create(
        practitioner=rep.user, url=receiver.url, events=[WebhookEventType.REQUEST_RECORDED]
    )
    receiver.script = [Answer(500, b"not now")]
    # The worker's own settings: loopback endpoints allowed, retries one second apart.
    monkeypatch.setenv("WEBHOOK_LOCAL_ADDRESSES_ALLOWED", "1")
    monkeypatch.setenv("WEBHOOK_RETRY_BASE_SECONDS", "1")
    worker = Worker(redis_url=private_redis.url, log=tmp_path / "worker.log")
    taxpayer = make_taxpayer()
    req = submit(rep, taxpayer, now=clock.now())
    approve(req, now=clock.now())  # after its commit, recording is handed to the worker
    worker.start()
    try:
        delivered = wait_for(
            lambda: WebhookDelivery.objects.filter(state=DeliveryState.DELIVERED).exists(),
            60,
            0.2,
        )
        assert delivered, worker.log_tail(80)
    finally:
        worker.stop()

    delivery = WebhookDelivery.objects.get()
    assert delivery.endpoint_id == created.endpoint.pk
    attempts = list(
        delivery.attempt_log.order_by("attempted_at").values_list("status_code", "succeeded")
    )
    assert attempts == [(500, False), (200, True)]
    # Two tries reached the receiver, both signed, with one and the same webhook-id...
    assert len(receiver.received) == 2
    assert {got.webhook_id for got in receiver.received} == {str(delivery.event.public_id)}
    # ...and once deduplicated by it, the recorded event is there exactly once.
    events = receiver.unique_events(created.secret)
    assert list(events.values()) == [delivery.event.payload]
    [event] = events.values()
    assert event["type"] == "request.recorded"
    assert event["data"]["id"] == str(req.public_id)
    assert event["data"]["status"] == "recorded"


def test_two_sweeps_at_once_send_a_due_delivery_once(receiver: Receiver, private_redis) -> None:
    """Two beats (or a sweep and the task after the commit) reach one due delivery at the same
    moment, each on its own connection: one sends it, the other finds it taken."""
    rep = make_rep()
    hooks.webhook_endpoint_create(
        practitioner=rep.user, url=receiver.url, events=[WebhookEventType.REQUEST_RECORDED]
    )
    approve_and_record(submit(rep, make_taxpayer()))
    delivery = WebhookDelivery.objects.get()
    receiver.default = Answer(
        200, delay=1.0
    )  # the first attempt is still out when the second looks
    start = threading.Barrier(2)
    outcomes: list[hooks.AttemptOutcome] = []

    def sweep() -> None:
        try:
            start.wait(10)
            result = hooks.webhook_delivery_attempt(
                delivery_id=delivery.pk, now=delivery.created_at + dt.timedelta(seconds=1)
            )
            outcomes.append(result.outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == [hooks.AttemptOutcome.DELIVERED, hooks.AttemptOutcome.NOT_DUE]
    assert len(receiver.received) == 1
    assert WebhookDelivery.objects.get().attempts == 1
