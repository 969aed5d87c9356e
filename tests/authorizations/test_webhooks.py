"""Signed webhooks for practice software (issue 14), at the service level, against a real
receiver on loopback (tests/authorizations/webhook_support.py) and real PostgreSQL.

- The outbox: an event is written in the transaction of the change it tells of, only for a
  practitioner with an endpoint that wants it; a rolled-back change leaves none.
- Payloads: R19 (rejected and failed look the same: no status), R43/R46 (no TIN, no name).
- Signing: the standardwebhooks library's verifier accepts every delivery; a rotated secret
  keeps signing for the overlap period only.
- Delivery: retries with exponential backoff for a day then failed, "Send again", the same
  webhook-id on every try, redirects never followed, short excerpts, a hard time bound.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import transaction
from standardwebhooks.webhooks import WebhookVerificationError

from authorizations import services
from authorizations.models import Authorization, EndReason, RejectionReason, RequestState
from authorizations.services import forms
from authorizations.services import webhooks as hooks
from authorizations.webhooks import sending
from authorizations.webhooks.events import WebhookEventType as E
from authorizations.webhooks.models import (
    DeliveryState,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from authorizations.webhooks.signing import secret_open
from caf.models import PracticeStatus
from taxpro.models import AuditEvent
from tests.authorizations.conftest import (
    DAY,
    TUESDAY_NOON,
    approve,
    approve_and_record,
    make_rep,
    make_taxpayer,
    submit,
)
from tests.authorizations.forms_support import form_data, form_rep, form_taxpayer, upload
from tests.authorizations.webhook_support import (
    Answer,
    Receiver,
    payloads,
    receiver,
    tls_receiver,
)
from tests.factories import StaffFactory
from tests.personas import staff_clerk

__all__ = ["receiver", "tls_receiver"]  # the fixtures

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


def register(rep, url: str, events=None) -> hooks.EndpointWithSecret:
    return hooks.webhook_endpoint_create(
        practitioner=rep.user, url=url, events=events or E.values, now=TUESDAY_NOON
    )


def events_of(rep) -> list[WebhookEvent]:
    return list(WebhookEvent.objects.filter(practitioner=rep.user).order_by("id"))


def attempt(delivery: WebhookDelivery, now: dt.datetime) -> hooks.AttemptResult:
    return hooks.webhook_delivery_attempt(delivery_id=delivery.pk, now=now)


# --- Registration ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.example.com/x",
        "http://hooks.example.com/x",
        "https://user:secret@hooks.example.com/x",
        "https://10.1.2.3/x",
        "https://192.168.0.10/x",
        "https://169.254.169.254/latest/meta-data",
        "https://127.0.0.1/x",
        "https://localhost/x",
        "https://[::1]/x",
        "https://[fe80::1]/x",
        "http://127.0.0.1:8000/x",
        "javascript:alert(1)",
        "https://hooks.example.com/x\r\nX-Injected: 1",
        "https://hooks.example.com/" + "x" * 500,
        "",
    ],
)
def test_an_endpoint_must_be_https_on_a_public_address_without_credentials(
    settings, url: str
) -> None:
    settings.WEBHOOK_LOCAL_ADDRESSES_ALLOWED = False  # as in production
    rep = make_rep()
    with pytest.raises(hooks.WebhookRefused) as refused:
        register(rep, url)
    assert refused.value.field == "url"
    assert not WebhookEndpoint.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="webhook").exists()


def test_loopback_over_http_only_where_local_addresses_are_allowed(settings) -> None:
    rep = make_rep()
    settings.WEBHOOK_LOCAL_ADDRESSES_ALLOWED = True  # development and tests
    assert register(rep, "http://127.0.0.1:8000/hooks").endpoint.url.startswith("http://")
    with pytest.raises(hooks.WebhookRefused):
        register(rep, "http://hooks.example.com/x")  # plain http elsewhere: never
    settings.WEBHOOK_LOCAL_ADDRESSES_ALLOWED = False
    created = register(rep, "https://hooks.example.com/x")
    assert created.secret.startswith("whsec_")
    # R46's spirit for secrets: never stored in clear.
    stored = WebhookEndpoint.objects.get(pk=created.endpoint.pk)
    assert created.secret not in stored.secret_ciphertext
    assert secret_open(stored.secret_ciphertext) == created.secret
    assert AuditEvent.objects.filter(action="webhook_endpoint.created").count() == 2


def test_events_must_be_chosen_from_the_list() -> None:
    rep = make_rep()
    with pytest.raises(hooks.WebhookRefused) as none:
        hooks.webhook_endpoint_create(
            practitioner=rep.user, url="https://hooks.example.com/x", events=[]
        )
    with pytest.raises(hooks.WebhookRefused) as unknown:
        hooks.webhook_endpoint_create(
            practitioner=rep.user, url="https://hooks.example.com/x", events=["request.approved"]
        )
    assert none.value.field == unknown.value.field == "events"
    assert not WebhookEndpoint.objects.exists()


# --- The outbox -------------------------------------------------------------------------------


def test_no_event_row_for_a_practitioner_without_an_endpoint_that_wants_it(cpa, taxpayer) -> None:
    approve_and_record(submit(cpa, taxpayer))
    assert not WebhookEvent.objects.exists()
    register(cpa, "https://hooks.example.com/x", events=[E.REQUEST_EXPIRED])
    approve_and_record(submit(cpa, make_taxpayer()))
    assert not WebhookEvent.objects.exists()


def test_r21_recording_writes_the_recorded_event_with_a_delivery_per_endpoint(
    cpa, taxpayer
) -> None:
    register(cpa, "https://hooks.example.com/a")
    register(cpa, "https://hooks.example.com/b", events=[E.REQUEST_RECORDED])
    req = approve_and_record(submit(cpa, taxpayer))
    [event] = events_of(cpa)
    assert event.event_type == E.REQUEST_RECORDED
    assert event.payload["id"] == str(event.public_id)
    assert event.payload["data"] == {
        "object": "request",
        "id": str(req.public_id),
        "kind": req.kind,
        "status": "recorded",
        "url": f"http://127.0.0.1:8000/api/v1/requests/{req.public_id}",
    }
    assert event.deliveries.filter(state=DeliveryState.PENDING).count() == 2


def test_outbox_a_rolled_back_change_emits_nothing(cpa, taxpayer) -> None:
    register(cpa, "https://hooks.example.com/x")
    req = submit(cpa, taxpayer)

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        services.request_cancel(request_id=req.pk, practitioner=cpa.user, now=TUESDAY_NOON)
        # Written inside the change's own transaction...
        assert WebhookEvent.objects.filter(event_type=E.REQUEST_CANCELLED).count() == 1
        raise Undo
    # ...and gone with it.
    assert not WebhookEvent.objects.exists()
    assert not WebhookDelivery.objects.exists()
    req.refresh_from_db()
    assert req.state == RequestState.PENDING


def test_r19_rejected_and_failed_requests_are_both_closed_without_status(cpa) -> None:
    register(cpa, "https://hooks.example.com/x")
    rejected = submit(cpa, make_taxpayer())
    services.request_reject(
        request_id=rejected.pk,
        taxpayer_id=rejected.taxpayer_id,
        actor=rejected.taxpayer.user,
        now=TUESDAY_NOON,
    )
    failed = approve(submit(cpa, make_taxpayer()))
    services.request_fail(request_id=failed.pk, reason="staff only: bad scan", now=TUESDAY_NOON)
    first, second = events_of(cpa)
    assert first.event_type == second.event_type == E.REQUEST_CLOSED
    for event, req in ((first, rejected), (second, failed)):
        assert event.payload["data"]["status"] is None
        assert event.payload["data"]["id"] == str(req.public_id)
        text = json.dumps(event.payload)
        # R19: nothing tells which of the two it was, nor the reason kept for staff.
        for word in ("reject", "fail", "staff", "bad scan"):
            assert word not in text.lower().replace("closed_without_status", "")


def test_r18_expired_and_cancelled_requests_make_their_events(cpa) -> None:
    register(cpa, "https://hooks.example.com/x")
    expiring = submit(cpa, make_taxpayer())
    cancelled = submit(cpa, make_taxpayer())
    services.request_cancel(request_id=cancelled.pk, practitioner=cpa.user, now=TUESDAY_NOON)
    services.requests_expire_and_remind(now=TUESDAY_NOON + 30 * DAY)
    kinds = {e.payload["data"]["id"]: e.event_type for e in events_of(cpa)}
    assert kinds == {
        str(cancelled.public_id): E.REQUEST_CANCELLED,
        str(expiring.public_id): E.REQUEST_EXPIRED,
    }


def test_r43_r46_a_payload_holds_no_tin_and_no_name(cpa, taxpayer) -> None:
    register(cpa, "https://hooks.example.com/x")
    approve_and_record(submit(cpa, taxpayer))
    row = Authorization.objects.get(taxpayer=taxpayer)
    services.authorization_withdraw(
        authorization_id=row.pk, practitioner=cpa.user, now=TUESDAY_NOON + HOUR
    )
    tin = taxpayer.tin_reveal()
    events = events_of(cpa)
    assert [e.event_type for e in events] == [E.REQUEST_RECORDED, E.AUTHORIZATION_ENDED]
    for event in events:
        text = json.dumps(event.payload)
        # Ids and times are the only digits a payload has; not even a masked TIN (R43).
        digits = re.sub(
            r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}|\d{4}-\d\d-\d\dT[\d:]+Z", "", text
        )
        assert tin not in text and tin[-4:] not in digits
        assert taxpayer.name not in text and "Example" not in text


def test_r23_r29_r30_r3_each_ending_tells_the_linked_practitioner(cpa, agent) -> None:
    for rep in (cpa, agent):
        register(rep, "https://hooks.example.com/x", events=[E.AUTHORIZATION_ENDED])
    superseded_taxpayer, withdrawn_taxpayer, revoked_taxpayer = (make_taxpayer() for _ in "abc")
    # R23: the CPA's POA, then the agent's for the same module on a later day.
    approve_and_record(submit(cpa, superseded_taxpayer), now=TUESDAY_NOON)
    approve_and_record(submit(agent, superseded_taxpayer), now=TUESDAY_NOON + DAY)
    # R29 and R30.
    for taxpayer in (withdrawn_taxpayer, revoked_taxpayer):
        approve_and_record(submit(cpa, taxpayer), now=TUESDAY_NOON)
    later = TUESDAY_NOON + 2 * DAY
    services.authorization_withdraw(
        authorization_id=Authorization.objects.get(taxpayer=withdrawn_taxpayer).pk,
        practitioner=cpa.user,
        now=later,
    )
    revoked = Authorization.objects.get(taxpayer=revoked_taxpayer)
    services.authorization_revoke(
        authorization_id=revoked.pk,
        taxpayer_id=revoked_taxpayer.pk,
        actor=revoked_taxpayer.user,
        now=later,
    )
    reasons = sorted(e.payload["data"]["ended_reason"] for e in events_of(cpa))
    assert reasons == [EndReason.REVOKED, EndReason.SUPERSEDED, EndReason.WITHDRAWN]
    # R3: the agent leaves good standing; their authorization ends for "practice status".
    services.caf_practice_status_change(
        caf_record=agent.caf_record,
        status=PracticeStatus.SUSPENDED,
        actor=StaffFactory(),
        now=later,
    )
    [ended] = events_of(agent)
    assert ended.payload["data"]["ended_reason"] == EndReason.PRACTICE_STATUS
    assert ended.payload["data"]["url"].endswith(
        f"/api/v1/authorizations/{ended.payload['data']['id']}"
    )


def test_r34b_r39b_forms_recorded_and_rejected_make_their_events(cpa, private_media) -> None:
    register(cpa, "https://hooks.example.com/x", events=[E.FORM_RECORDED, E.FORM_REJECTED])
    clerk = staff_clerk()
    first, second = (
        upload(
            cpa.user,
            form_data(taxpayer=form_taxpayer(make_taxpayer()), reps=(form_rep(cpa),)),
            now=TUESDAY_NOON,
        )
        for _ in "ab"
    )
    forms.form_take_next(clerk=clerk, now=TUESDAY_NOON + HOUR)
    forms.form_record(clerk=clerk, public_id=first.public_id, now=TUESDAY_NOON + HOUR)
    # R27: the clerk's Record hands the form to the worker; this is what the worker does.
    forms.form_record_on_ledger(form_id=first.pk, now=TUESDAY_NOON + HOUR)
    forms.form_take_next(clerk=clerk, now=TUESDAY_NOON + HOUR)
    forms.form_reject(
        clerk=clerk,
        public_id=second.public_id,
        reasons=[RejectionReason.ILLEGIBLE],
        now=TUESDAY_NOON + HOUR,
    )
    recorded, rejected = events_of(cpa)
    assert (recorded.event_type, rejected.event_type) == (E.FORM_RECORDED, E.FORM_REJECTED)
    assert recorded.payload["data"]["id"] == str(first.public_id)
    assert rejected.payload["data"]["rejection_reasons"] == [RejectionReason.ILLEGIBLE]


# --- Signing and delivery ------------------------------------------------------------------


def _recorded_delivery(rep, url: str) -> tuple[WebhookDelivery, str]:
    created = register(rep, url, events=[E.REQUEST_RECORDED])
    approve_and_record(submit(rep, make_taxpayer()))
    return WebhookDelivery.objects.get(endpoint=created.endpoint), created.secret


def test_a_delivery_is_signed_and_the_librarys_verifier_accepts_it(cpa, receiver: Receiver) -> None:
    delivery, secret = _recorded_delivery(cpa, receiver.url)
    assert attempt(delivery, TUESDAY_NOON + HOUR).outcome == hooks.AttemptOutcome.DELIVERED
    [got] = receiver.received
    assert got.path == "/hooks"
    assert got.verified_with(secret) == delivery.event.payload
    assert got.webhook_id == str(delivery.event.public_id)
    with pytest.raises(WebhookVerificationError):
        got.verified_with(hooks.secret_new())  # another secret: refused
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED
    assert AuditEvent.objects.filter(action="webhook_delivery.delivered").count() == 1


def test_a_rotated_secret_signs_beside_the_new_one_for_the_overlap_only(
    cpa, receiver: Receiver, settings
) -> None:
    delivery, old = _recorded_delivery(cpa, receiver.url)
    rotated = hooks.webhook_endpoint_secret_rotate(
        endpoint_id=delivery.endpoint_id, practitioner=cpa.user, now=TUESDAY_NOON + HOUR
    )
    attempt(delivery, TUESDAY_NOON + HOUR)
    during = receiver.received[-1]
    assert len(during.headers["webhook-signature"].split()) == 2
    assert during.verified_with(old) == during.verified_with(rotated.secret)
    # Past the overlap only the new secret signs.
    hooks.webhook_delivery_send_again(
        delivery_id=delivery.pk, practitioner=cpa.user, now=TUESDAY_NOON + 2 * DAY
    )
    attempt(delivery, TUESDAY_NOON + 2 * DAY)
    after = receiver.received[-1]
    assert len(after.headers["webhook-signature"].split()) == 1
    after.verified_with(rotated.secret)
    with pytest.raises(WebhookVerificationError):
        after.verified_with(old)
    assert after.webhook_id == during.webhook_id  # the same event, the same id


def test_a_failed_delivery_is_retried_with_backoff_and_the_same_webhook_id(
    cpa, receiver: Receiver, settings
) -> None:
    receiver.script = [Answer(500, b"try later")]
    delivery, secret = _recorded_delivery(cpa, receiver.url)
    now = TUESDAY_NOON + HOUR
    first = attempt(delivery, now)
    assert first.outcome == hooks.AttemptOutcome.RETRY_LATER
    assert first.retry_in == settings.WEBHOOK_RETRY_BASE_SECONDS
    # Not due before its time: nothing is sent.
    assert attempt(delivery, now + dt.timedelta(seconds=1)).outcome == hooks.AttemptOutcome.NOT_DUE
    assert len(receiver.received) == 1
    assert attempt(delivery, now + dt.timedelta(seconds=first.retry_in)).outcome == (
        hooks.AttemptOutcome.DELIVERED
    )
    assert len({got.webhook_id for got in receiver.received}) == 1
    assert len(receiver.unique_events(secret)) == 1
    log = list(
        delivery.attempt_log.order_by("attempted_at").values_list("status_code", "succeeded")
    )
    assert log == [(500, False), (200, True)]


def test_retries_back_off_exponentially_for_about_a_day_then_the_delivery_fails(
    cpa, receiver: Receiver, settings
) -> None:
    receiver.default = Answer(503, b"down")
    delivery, _ = _recorded_delivery(cpa, receiver.url)
    start = delivery.created_at
    now = start
    delays = []
    while True:
        result = attempt(delivery, now)
        if result.outcome != hooks.AttemptOutcome.RETRY_LATER:
            break
        delays.append(result.retry_in)
        now += dt.timedelta(seconds=result.retry_in)
    assert result.outcome == hooks.AttemptOutcome.FAILED
    base = settings.WEBHOOK_RETRY_BASE_SECONDS
    assert delays[:4] == [base, 2 * base, 4 * base, 8 * base]
    assert max(delays) == hooks.MAX_RETRY_DELAY.total_seconds()
    assert (
        dt.timedelta(hours=20)
        <= now - start
        <= dt.timedelta(hours=settings.WEBHOOK_RETRY_FOR_HOURS)
    )
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED
    assert delivery.attempts == len(receiver.received) == len(delays) + 1
    assert AuditEvent.objects.filter(action="webhook_delivery.failed").count() == 1


def test_send_again_resends_a_failed_delivery_once_however_often_it_is_asked(
    cpa, receiver: Receiver
) -> None:
    receiver.default = Answer(500)
    delivery, secret = _recorded_delivery(cpa, receiver.url)
    delivery.state, delivery.next_attempt_at = DeliveryState.FAILED, None
    delivery.save()
    later = TUESDAY_NOON + 3 * DAY
    for _ in range(2):  # R47: a doubled POST has one effect
        hooks.webhook_delivery_send_again(delivery_id=delivery.pk, practitioner=cpa.user, now=later)
    assert AuditEvent.objects.filter(action="webhook_delivery.sent_again").count() == 1
    receiver.default = Answer(204, b"")
    assert attempt(delivery, later).outcome == hooks.AttemptOutcome.DELIVERED
    assert len(receiver.unique_events(secret)) == 1
    # R45: another practitioner cannot send it again.
    with pytest.raises(WebhookDelivery.DoesNotExist):
        hooks.webhook_delivery_send_again(delivery_id=delivery.pk, practitioner=make_rep().user)


def test_a_redirect_is_not_followed_and_only_an_excerpt_of_the_answer_is_kept(
    cpa, receiver: Receiver
) -> None:
    receiver.script = [
        Answer(302, b"", headers={"Location": receiver.url + "/elsewhere"}),
        Answer(500, b"E" * 5000),
    ]
    delivery, _ = _recorded_delivery(cpa, receiver.url)
    now = TUESDAY_NOON + HOUR
    attempt(delivery, now)
    assert [got.path for got in receiver.received] == ["/hooks"]  # not /hooks/elsewhere
    delivery.refresh_from_db()
    attempt(delivery, delivery.next_attempt_at)
    redirected, errored = delivery.attempt_log.order_by("attempted_at")
    assert redirected.status_code == 302 and not redirected.succeeded
    assert "redirect" in redirected.error
    assert errored.response_excerpt == "E" * sending.EXCERPT_CHARS


def test_a_slow_receiver_is_cut_off_at_the_total_timeout(
    cpa, receiver: Receiver, monkeypatch
) -> None:
    monkeypatch.setattr(sending, "TOTAL_TIMEOUT", 1.0)
    receiver.script = [Answer(200, delay=3.0)]
    delivery, _ = _recorded_delivery(cpa, receiver.url)
    result = attempt(delivery, TUESDAY_NOON + HOUR)
    assert result.outcome == hooks.AttemptOutcome.RETRY_LATER
    [logged] = delivery.attempt_log.all()
    assert logged.duration_ms < 2500
    assert logged.status_code is None and "No answer" in logged.error


def test_an_address_no_longer_allowed_is_never_connected_to(
    cpa, receiver: Receiver, settings
) -> None:
    delivery, _ = _recorded_delivery(cpa, receiver.url)
    settings.WEBHOOK_LOCAL_ADDRESSES_ALLOWED = False  # loopback is refused in production
    attempt(delivery, TUESDAY_NOON + HOUR)
    assert receiver.received == []
    [logged] = delivery.attempt_log.all()
    assert not logged.succeeded


def test_a_turned_off_endpoint_is_sent_nothing_and_gets_no_new_events(
    cpa, receiver: Receiver
) -> None:
    delivery, _ = _recorded_delivery(cpa, receiver.url)
    hooks.webhook_endpoint_enabled_set(
        endpoint_id=delivery.endpoint_id, practitioner=cpa.user, enabled=False
    )
    assert attempt(delivery, TUESDAY_NOON + HOUR).outcome == hooks.AttemptOutcome.ENDPOINT_OFF
    approve_and_record(submit(cpa, make_taxpayer()))
    assert WebhookEvent.objects.count() == 1
    hooks.webhook_endpoint_enabled_set(
        endpoint_id=delivery.endpoint_id,
        practitioner=cpa.user,
        enabled=True,
        now=TUESDAY_NOON + HOUR,
    )
    assert attempt(delivery, TUESDAY_NOON + HOUR).outcome == hooks.AttemptOutcome.DELIVERED
    assert len(payloads(receiver.received)) == 1


def test_the_sweep_hands_over_only_what_is_due(cpa, receiver: Receiver, monkeypatch) -> None:
    sent: list[int] = []
    monkeypatch.setattr(hooks, "_publish", sent.append)
    delivery, _ = _recorded_delivery(cpa, receiver.url)
    assert hooks.webhook_deliveries_due_enqueue(now=delivery.created_at - HOUR) == 0
    assert hooks.webhook_deliveries_due_enqueue(now=delivery.created_at) == 1
    assert sent == [delivery.pk]


def test_https_with_a_certificate_nobody_trusts_is_a_failed_attempt_never_plain_http(
    cpa, tls_receiver: Receiver
) -> None:
    delivery, _ = _recorded_delivery(cpa, tls_receiver.url)
    assert delivery.endpoint.url.startswith("https://127.0.0.1:")
    assert attempt(delivery, TUESDAY_NOON + HOUR).outcome == hooks.AttemptOutcome.RETRY_LATER
    [logged] = delivery.attempt_log.all()
    assert "certificate" in logged.error and logged.status_code is None
    assert tls_receiver.received == []  # nothing was sent over an unverified connection
