"""The admin's list filters keep the rows each choice names, and every row for any other value:
the audit trail's sign-in events (issue 10) and the ledger's active or ended rows (R28)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from authorizations import services
from authorizations.models import Authorization
from taxpro.audit import audit_record
from taxpro.models import AuditEvent
from tests.authorizations.conftest import approve_and_record, make_rep, make_taxpayer, submit

pytestmark = pytest.mark.django_db


def _shown(client: Client, changelist: str, query: dict[str, str]) -> int:
    return client.get(reverse(changelist), query).context["cl"].result_count


def test_the_sign_in_filter_keeps_all_sign_in_events_or_one_kind(superuser_client: Client) -> None:
    for action in ("auth.sign_in.failed", "auth.sign_in.failed", "auth.sign_in.succeeded"):
        audit_record(action=action, obj=None, actor_label="a visitor")
    audit_record(action="webhook.endpoint.created", obj=None)
    trail = "admin:taxpro_auditevent_changelist"
    every = AuditEvent.objects.count()  # the staff user's own sign-in is one of them
    sign_ins = AuditEvent.objects.filter(action__startswith="auth.").count()
    assert sign_ins == every - 1
    assert _shown(superuser_client, trail, {"sign_in": "all"}) == sign_ins
    assert _shown(superuser_client, trail, {"sign_in": "auth.sign_in.failed"}) == 2
    assert _shown(superuser_client, trail, {"sign_in": "not-a-kind"}) == every
    assert _shown(superuser_client, trail, {}) == every


def test_the_ledger_filter_keeps_active_or_ended_rows(superuser_client: Client) -> None:
    rep, taxpayer = make_rep(code="b"), make_taxpayer()
    for period in ("202312", "202412"):
        approve_and_record(submit(rep, taxpayer, modules=[("1040", period)]))
    services.authorization_withdraw(
        authorization_id=Authorization.objects.get(period="202312").pk, practitioner=rep.user
    )
    ledger = "admin:authorizations_authorization_changelist"
    assert _shown(superuser_client, ledger, {"active": "yes"}) == 1
    assert _shown(superuser_client, ledger, {"active": "no"}) == 1
    assert _shown(superuser_client, ledger, {}) == 2
