"""The request wizard's journey: steps, resuming, submitting once (R42, R45, R47)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from authorizations.models import AuthorizationRequest, RequestDraft, RequestState
from tests.views.wizard_support import (
    complete_questions,
    make_taxpayer,
    new_draft,
    representative,
    signed_in,
    step_url,
    submit_url,
)

pytestmark = pytest.mark.django_db


def test_the_whole_wizard_sends_one_pending_request(client: Client) -> None:
    rep = representative()
    taxpayer = make_taxpayer()
    signed_in(client, rep)
    response = client.post(reverse("wizard:start"))
    draft = RequestDraft.objects.get(owner=rep.user)
    assert response.status_code == 302
    assert response["Location"] == step_url(draft, "representative")
    complete_questions(client, draft, rep, taxpayer)
    check = client.get(step_url(draft, "check"))
    assert check.status_code == 200
    body = check.content.decode()
    assert taxpayer.name in body and taxpayer.tin_masked in body
    assert taxpayer.tin_reveal() not in body  # R43, R46
    response = client.post(submit_url(draft), {"declaration": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("wizard:done", args=[draft.public_id])
    req = AuthorizationRequest.objects.get()
    assert req.state == RequestState.PENDING and req.taxpayer == taxpayer
    done = client.get(response["Location"])
    assert done.status_code == 200
    assert "online account" in done.content.decode()
