"""R47 under a race: two submits of the same draft at once leave exactly one request."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from authorizations.models import AuthorizationRequest
from authorizations.web.pro.wizard.services import Submitted, draft_submit
from tests.views.wizard_support import complete_questions, make_taxpayer, new_draft, representative


@pytest.mark.django_db(transaction=True)
def test_r47_two_submits_racing_leave_one_request() -> None:
    rep = representative()
    taxpayer = make_taxpayer()
    draft = new_draft(rep)
    client = Client()
    client.force_login(rep.user)
    complete_questions(client, draft, rep, taxpayer)
    barrier = threading.Barrier(2)
    results: list[Submitted] = []
    errors: list[BaseException] = []

    def submit_once() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(draft_submit(draft=draft, practitioner=rep.user))  # type: ignore[arg-type]
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert AuthorizationRequest.objects.count() == 1
    assert sorted(result.already for result in results) == [False, True]
    assert {result.request.pk for result in results} == {AuthorizationRequest.objects.get().pk}
