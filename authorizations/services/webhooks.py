"""Every write of the webhooks (issue 14): endpoints, the outbox, deliveries and their retries.

The practitioner's pages call these now; the API will call the same functions (each takes the
practitioner who acts, keyword-only, and raises :class:`WebhookRefused` with a sentence for the
field it concerns).

The outbox: :func:`webhook_events_emit` is called inside the transaction of the change it tells
of (a request's move, a ledger row's ending, a form's decision), so the event exists exactly
when the change does. After the commit each delivery is handed to the worker; the sweep
(:func:`webhook_deliveries_due_enqueue`) hands over anything due that the broker lost. Delivery
is at least once: every try of one event carries the same ``webhook-id``.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from celery import current_app
from django.conf import settings
from django.db import transaction

from authorizations.errors import AuthorizationError
from authorizations.services.handoff import LazyThreadPool
from authorizations.webhooks.addresses import AddressRefused, endpoint_address_parse
from authorizations.webhooks.events import (
    Subject,
    WebhookEventType,
    event_type_of,
    payload,
    payload_data,
)
from authorizations.webhooks.models import (
    DeliveryState,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from authorizations.webhooks.sending import SendResult, post_signed
from authorizations.webhooks.signing import (
    secret_new,
    secret_open,
    secret_seal,
    signed_headers,
)
from taxpro import clock
from taxpro.audit import audit_record
from taxpro.models import User

logger = logging.getLogger(__name__)

WORKER = "webhook worker"
MAX_ENDPOINTS = 10
MAX_RETRY_DELAY = dt.timedelta(hours=4)
# While one attempt is under way its delivery is not due (a sweep must not send it twice at
# once); longer than the 10 s an attempt may take, short enough that a worker killed mid-send
# is retried soon (at least once: the same webhook-id again).
ATTEMPT_LEASE = dt.timedelta(seconds=60)


class WebhookRefused(AuthorizationError):
    """A webhook change the portal will not make; the message names what to change."""


class EndpointExists(WebhookRefused):
    """The practitioner already has an endpoint at this address (``existing``): a doubled
    "Add" (R47) finds the one the first made."""

    def __init__(self, existing: WebhookEndpoint) -> None:
        super().__init__(
            "You already have an endpoint at this address. Change its events instead.",
            field="url",
        )
        self.existing = existing


# --- Endpoints ------------------------------------------------------------------------------


def _events_clean(events: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(events))
    if not chosen:
        raise WebhookRefused("Choose at least one event to be sent.", field="events")
    if any(event not in WebhookEventType.values for event in chosen):
        raise WebhookRefused("Choose the events from the list.", field="events")
    return [event for event in WebhookEventType.values if event in chosen]


def _url_clean(url: str) -> str:
    try:
        return endpoint_address_parse(url).url
    except AddressRefused as refusal:
        raise WebhookRefused(str(refusal), field="url") from None


def _lock_endpoint(endpoint_id: int, practitioner: User) -> WebhookEndpoint:
    # R45: only the practitioner's own endpoint; anything else does not exist.
    return WebhookEndpoint.objects.select_for_update().get(
        pk=endpoint_id, practitioner=practitioner
    )


def _snapshot(endpoint: WebhookEndpoint) -> dict[str, object]:
    return {"url": endpoint.url, "events": list(endpoint.events), "enabled": endpoint.enabled}


@dataclass(frozen=True)
class EndpointWithSecret:
    """An endpoint and its new secret: shown once, never stored in clear."""

    endpoint: WebhookEndpoint
    secret: str


@transaction.atomic
def webhook_endpoint_create(
    *,
    practitioner: User,
    url: str,
    events: Sequence[str],
    description: str = "",
    now: dt.datetime | None = None,
) -> EndpointWithSecret:
    now = now or clock.now()
    clean_url = _url_clean(url)
    chosen = _events_clean(events)
    # Serialize one practitioner's registrations so the limit holds under doubled POSTs.
    User.objects.select_for_update().filter(pk=practitioner.pk).values_list("pk").first()
    if WebhookEndpoint.objects.filter(practitioner=practitioner).count() >= MAX_ENDPOINTS:
        raise WebhookRefused(
            f"You can register {MAX_ENDPOINTS} endpoints at most. Delete one you no longer use.",
            field="url",
        )
    existing = WebhookEndpoint.objects.filter(practitioner=practitioner, url=clean_url).first()
    if existing is not None:
        raise EndpointExists(existing)
    secret = secret_new()
    endpoint = WebhookEndpoint.objects.create(
        practitioner=practitioner,
        url=clean_url,
        description=description.strip()[:100],
        events=chosen,
        secret_ciphertext=secret_seal(secret),
        created_at=now,
        updated_at=now,
    )
    audit_record(
        action="webhook_endpoint.created",
        obj=endpoint,
        actor=practitioner,
        after=_snapshot(endpoint),
        now=now,
    )
    return EndpointWithSecret(endpoint=endpoint, secret=secret)


@transaction.atomic
def webhook_endpoint_events_set(
    *, endpoint_id: int, practitioner: User, events: Sequence[str], now: dt.datetime | None = None
) -> WebhookEndpoint:
    now = now or clock.now()
    chosen = _events_clean(events)
    endpoint = _lock_endpoint(endpoint_id, practitioner)
    if endpoint.events == chosen:
        return endpoint  # R47: a doubled POST changes nothing twice
    before = _snapshot(endpoint)
    endpoint.events = chosen
    endpoint.updated_at = now
    endpoint.save(update_fields=["events", "updated_at"])
    audit_record(
        action="webhook_endpoint.events_changed",
        obj=endpoint,
        actor=practitioner,
        before=before,
        after=_snapshot(endpoint),
        now=now,
    )
    return endpoint


def secret_version(endpoint: WebhookEndpoint) -> str:
    """Names the secret in force (not the secret): a rotation says which one it replaces."""
    return hashlib.sha256(endpoint.secret_ciphertext.encode()).hexdigest()[:16]


@transaction.atomic
def webhook_endpoint_secret_rotate(
    *,
    endpoint_id: int,
    practitioner: User,
    replacing: str | None = None,
    now: dt.datetime | None = None,
) -> EndpointWithSecret | None:
    """A new secret signs from now on; the one it replaces also signs for the overlap period
    (WEBHOOK_SECRET_OVERLAP_HOURS), so the receiver can switch without losing a delivery. A
    secret already in its overlap is dropped: at most two sign at once.

    ``replacing`` (a :func:`secret_version`) makes a doubled request harmless (R47): when the
    secret it names is no longer the one in force, nothing changes and None is returned (a
    second rotation would end the first secret's overlap at once)."""
    now = now or clock.now()
    endpoint = _lock_endpoint(endpoint_id, practitioner)
    if replacing is not None and replacing != secret_version(endpoint):
        return None
    secret = secret_new()
    endpoint.previous_secret_ciphertext = endpoint.secret_ciphertext
    endpoint.previous_secret_expires_at = now + dt.timedelta(
        hours=settings.WEBHOOK_SECRET_OVERLAP_HOURS
    )
    endpoint.secret_ciphertext = secret_seal(secret)
    endpoint.updated_at = now
    endpoint.save(
        update_fields=[
            "previous_secret_ciphertext",
            "previous_secret_expires_at",
            "secret_ciphertext",
            "updated_at",
        ]
    )
    audit_record(
        action="webhook_endpoint.secret_rotated",
        obj=endpoint,
        actor=practitioner,
        after={"previous_secret_signs_until": endpoint.previous_secret_expires_at.isoformat()},
        now=now,
    )
    return EndpointWithSecret(endpoint=endpoint, secret=secret)


@transaction.atomic
def webhook_endpoint_enabled_set(
    *, endpoint_id: int, practitioner: User, enabled: bool, now: dt.datetime | None = None
) -> WebhookEndpoint:
    """Turn deliveries off (nothing is sent, new events are not kept for it) or on again (what
    waited is due at once)."""
    now = now or clock.now()
    endpoint = _lock_endpoint(endpoint_id, practitioner)
    if endpoint.enabled == enabled:
        return endpoint  # R47
    endpoint.enabled = enabled
    endpoint.updated_at = now
    endpoint.save(update_fields=["enabled", "updated_at"])
    if enabled:
        due = list(
            endpoint.deliveries.filter(state=DeliveryState.PENDING).values_list("pk", flat=True)
        )
        WebhookDelivery.objects.filter(pk__in=due).update(next_attempt_at=now)
        transaction.on_commit(partial(_enqueue_all, due), robust=True)
    audit_record(
        action="webhook_endpoint.enabled" if enabled else "webhook_endpoint.disabled",
        obj=endpoint,
        actor=practitioner,
        before={"enabled": not enabled},
        after={"enabled": enabled},
        now=now,
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(
    *, endpoint_id: int, practitioner: User, now: dt.datetime | None = None
) -> None:
    """The endpoint and its delivery log go; the events stay (other endpoints may have them)."""
    now = now or clock.now()
    endpoint = _lock_endpoint(endpoint_id, practitioner)
    audit_record(
        action="webhook_endpoint.deleted",
        obj=endpoint,
        actor=practitioner,
        before=_snapshot(endpoint),
        now=now,
    )
    endpoint.delete()


# --- The outbox -----------------------------------------------------------------------------


def _subscribed(
    subject: Subject, event_type: WebhookEventType
) -> tuple[int | None, list[WebhookEndpoint]]:
    """The practitioner told of this change, and their enabled endpoints that want it."""
    wanting = WebhookEndpoint.objects.filter(enabled=True, events__contains=[event_type.value])
    if hasattr(subject, "practitioner_id"):  # a request or an uploaded form: its sender
        endpoints = list(wanting.filter(practitioner_id=subject.practitioner_id))
    else:
        # R7: an authorization is the business of the practitioner its CAF number is linked to
        # (a link is permanent and to one practitioner only).
        endpoints = list(
            wanting.filter(practitioner__caf_links__caf_record_id=subject.caf_record_id)
        )
    return (endpoints[0].practitioner_id if endpoints else None), endpoints


def webhook_events_emit(
    *, subject: Subject, now: dt.datetime, ended_reason: str = ""
) -> WebhookEvent | None:
    """Write the event a change of ``subject`` makes, in the caller's transaction (the outbox),
    with one delivery per endpoint that wants it; hand them to the worker after the commit.

    ``subject`` is a request or an uploaded form in its new state, or a ledger row that has just
    ended for ``ended_reason``. No endpoint wants it: no row at all (one query).
    """
    event_type = event_type_of(subject, ended_reason=ended_reason)
    if event_type is None:
        return None
    practitioner_id, endpoints = _subscribed(subject, event_type)
    if practitioner_id is None:
        return None
    event = WebhookEvent(practitioner_id=practitioner_id, event_type=event_type, occurred_at=now)
    data = payload_data(subject, event_type, ended_reason=ended_reason)
    event.payload = payload(
        event_id=event.public_id, event_type=event_type, occurred_at=now, data=data
    )
    event.save()
    retry_until = now + dt.timedelta(hours=settings.WEBHOOK_RETRY_FOR_HOURS)
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            event=event,
            endpoint=endpoint,
            next_attempt_at=now,
            retry_until=retry_until,
            created_at=now,
        )
        for endpoint in endpoints
    )
    transaction.on_commit(partial(_enqueue_all, [d.pk for d in deliveries]), robust=True)
    return event


# --- Delivery -------------------------------------------------------------------------------


class AttemptOutcome(enum.StrEnum):
    DELIVERED = "delivered"
    RETRY_LATER = "failed, retried later"
    FAILED = "failed for good"
    NOT_DUE = "not due"
    ENDPOINT_OFF = "endpoint turned off"


@dataclass(frozen=True)
class AttemptResult:
    outcome: AttemptOutcome
    retry_in: float | None = None

    def __str__(self) -> str:
        later = f" in {self.retry_in:.0f} s" if self.retry_in is not None else ""
        return f"{self.outcome}{later}"


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential backoff after ``attempts`` failed tries: base, 2 x base, 4 x base, ... capped
    at four hours. With the 30 s default the tries spread over the day retries last."""
    base = dt.timedelta(seconds=settings.WEBHOOK_RETRY_BASE_SECONDS)
    return min(base * 2 ** max(0, attempts - 1), MAX_RETRY_DELAY)


def _secrets_in_use(endpoint: WebhookEndpoint, now: dt.datetime) -> list[str]:
    in_use = [secret_open(endpoint.secret_ciphertext)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_ciphertext and expires is not None and expires > now:
        in_use.append(secret_open(endpoint.previous_secret_ciphertext))
    return in_use


def _mark_failed(delivery: WebhookDelivery, now: dt.datetime) -> None:
    delivery.state = DeliveryState.FAILED
    delivery.next_attempt_at = None
    delivery.save(update_fields=["state", "next_attempt_at"])
    audit_record(
        action="webhook_delivery.failed",
        obj=delivery,
        actor_label=WORKER,
        after={"attempts": delivery.attempts},
        now=now,
    )


@dataclass(frozen=True)
class _Claimed:
    url: str
    body: str
    message_id: str
    secrets: list[str]


def _claim(delivery_id: int, now: dt.datetime) -> _Claimed | AttemptResult:
    """Take a due delivery for one attempt (its lease), or say why not."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint", "event")
            .filter(pk=delivery_id, state=DeliveryState.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return AttemptResult(AttemptOutcome.NOT_DUE)
        if now >= delivery.retry_until:
            _mark_failed(delivery, now)
            return AttemptResult(AttemptOutcome.FAILED)
        endpoint = delivery.endpoint
        if not endpoint.enabled:
            # Kept for when it is turned on again (then due at once), until its day is over.
            delivery.next_attempt_at = delivery.retry_until
            delivery.save(update_fields=["next_attempt_at"])
            return AttemptResult(AttemptOutcome.ENDPOINT_OFF)
        delivery.next_attempt_at = now + ATTEMPT_LEASE
        delivery.save(update_fields=["next_attempt_at"])
        return _Claimed(
            url=endpoint.url,
            body=json.dumps(delivery.event.payload, separators=(",", ":"), sort_keys=True),
            message_id=str(delivery.event.public_id),
            secrets=_secrets_in_use(endpoint, now),
        )


def webhook_delivery_attempt(*, delivery_id: int, now: dt.datetime | None = None) -> AttemptResult:
    """One try of a due delivery (the worker's task). No transaction is open while the request
    is out: the delivery is claimed first, and the answer written after."""
    now = now or clock.now()
    claimed = _claim(delivery_id, now)
    if isinstance(claimed, AttemptResult):
        return claimed
    headers = signed_headers(
        message_id=claimed.message_id,
        body=claimed.body,
        secrets_in_use=claimed.secrets,
        at=clock.now(),  # the signature's time is the sending time, for the receiver's check
    )
    try:
        address = endpoint_address_parse(claimed.url)
    except AddressRefused:
        # Accepted at registration, refused by the settings in force now: never connected to.
        result = SendResult(
            status_code=None, error="The address is no longer accepted.", excerpt="", duration_ms=0
        )
    else:
        result = post_signed(address, body=claimed.body.encode(), headers=headers)
    return _attempt_written(delivery_id, result, now)


@transaction.atomic
def _attempt_written(delivery_id: int, result: SendResult, now: dt.datetime) -> AttemptResult:
    """The attempt in the log, and the delivery delivered, due again later, or failed."""
    delivery = WebhookDelivery.objects.select_for_update().filter(pk=delivery_id).first()
    if delivery is None or delivery.state != DeliveryState.PENDING:
        return AttemptResult(AttemptOutcome.NOT_DUE)  # deleted with its endpoint meanwhile
    WebhookAttempt.objects.create(
        delivery=delivery,
        attempted_at=now,
        status_code=result.status_code,
        succeeded=result.succeeded,
        error=result.error[:200],
        response_excerpt=result.excerpt,
        duration_ms=result.duration_ms,
    )
    delivery.attempts += 1
    if result.succeeded:
        delivery.state = DeliveryState.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        delivery.save(update_fields=["state", "delivered_at", "next_attempt_at", "attempts"])
        audit_record(
            action="webhook_delivery.delivered",
            obj=delivery,
            actor_label=WORKER,
            after={"attempts": delivery.attempts, "status": result.status_code},
            now=now,
        )
        return AttemptResult(AttemptOutcome.DELIVERED)
    delay = retry_delay(delivery.attempts)
    if now + delay > delivery.retry_until:
        delivery.save(update_fields=["attempts"])
        _mark_failed(delivery, now)
        return AttemptResult(AttemptOutcome.FAILED)
    delivery.next_attempt_at = now + delay
    delivery.save(update_fields=["attempts", "next_attempt_at"])
    return AttemptResult(AttemptOutcome.RETRY_LATER, retry_in=delay.total_seconds())


@transaction.atomic
def webhook_delivery_send_again(
    *, delivery_id: int, practitioner: User, now: dt.datetime | None = None
) -> WebhookDelivery:
    """ "Send again": the same event (the same webhook-id) is due at once, with a new day of
    retries. A doubled POST (R47) finds it already due and changes nothing."""
    now = now or clock.now()
    delivery = WebhookDelivery.objects.select_for_update(of=("self",)).get(
        pk=delivery_id, endpoint__practitioner=practitioner
    )
    if (
        delivery.state == DeliveryState.PENDING
        and delivery.next_attempt_at is not None
        and (delivery.next_attempt_at <= now)
    ):
        return delivery
    before = {"state": delivery.state}
    delivery.state = DeliveryState.PENDING
    delivery.next_attempt_at = now
    delivery.retry_until = now + dt.timedelta(hours=settings.WEBHOOK_RETRY_FOR_HOURS)
    delivery.save(update_fields=["state", "next_attempt_at", "retry_until"])
    audit_record(
        action="webhook_delivery.sent_again",
        obj=delivery,
        actor=practitioner,
        before=before,
        after={"state": delivery.state},
        now=now,
    )
    transaction.on_commit(partial(_enqueue_all, [delivery.pk]), robust=True)
    return delivery


def webhook_deliveries_due_enqueue(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """The sweep: hand every due delivery to the worker (a lost message, a retry's time come,
    a worker killed mid-send). Safe to run any number of times: an attempt claims its delivery."""
    now = now or clock.now()
    due = list(
        WebhookDelivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for delivery_id in due:
        _publish(delivery_id)
    return len(due)


# --- Handing deliveries to the worker -------------------------------------------------------

# Named, not imported: the tasks module calls these services (as recording does).
DELIVER_TASK = "authorizations.tasks.deliver_webhook"

_publisher = LazyThreadPool(max_workers=1, thread_name_prefix="webhooks")


def _publish(delivery_id: int) -> None:
    try:
        current_app.send_task(DELIVER_TASK, args=[delivery_id], retry=False)
    except Exception:
        logger.warning(
            "Could not enqueue webhook delivery %s; the sweep will.", delivery_id, exc_info=True
        )


def _publish_all(delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        _publish(delivery_id)


def _enqueue_all(delivery_ids: list[int]) -> None:
    """After the commit, off the request thread: never raises, never waits on the broker (the
    rows are the outbox; the sweep sends what a lost message left)."""
    if delivery_ids:
        _publisher.submit(_publish_all, delivery_ids)
