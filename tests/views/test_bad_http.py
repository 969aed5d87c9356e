"""Bad HTTP, as a careless client or a probe sends it (quality.md, bad input: oversized bodies, too
many fields, forged Host, wrong methods, invalid UTF-8): a clear 4xx page, never a 5xx, and
nothing written."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from authorizations.models import AuthorizationRequest, RequestDraft
from taxpro.models import AuditEvent
from tests.views.pro_support import practitioner, signed_in_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def pro_client(client: Client) -> Client:
    return signed_in_as(client, practitioner())


def _nothing_written() -> None:
    assert not RequestDraft.objects.exists()
    assert not AuthorizationRequest.objects.exists()


def _a_draft_step(pro_client: Client) -> str:
    started = pro_client.post(reverse("authorizations_pro:wizard_start"))
    assert started.status_code == 302
    return started["Location"]


def test_a_body_larger_than_the_limit_is_a_400_page(pro_client: Client) -> None:
    step = _a_draft_step(pro_client)
    before = RequestDraft.objects.get().data
    body = "caf_number=" + "1" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = pro_client.post(step, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "could not handle that request" in response.content.decode()
    assert RequestDraft.objects.get().data == before
    assert not AuthorizationRequest.objects.exists()


def test_too_many_fields_is_a_400_page(pro_client: Client) -> None:
    step = _a_draft_step(pro_client)
    before = RequestDraft.objects.get().data
    fields = {f"f{i}": "1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = pro_client.post(step, fields)
    assert response.status_code == 400
    assert RequestDraft.objects.get().data == before


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1:8000@evil.example", "a" * 300])
def test_a_forged_host_is_a_400_page_and_never_echoed(client: Client, host: str) -> None:
    response = client.get("/", HTTP_HOST=host)
    assert response.status_code == 400
    assert host not in response.content.decode()


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_wrong_methods_on_a_form_page_are_refused_without_a_5xx(
    pro_client: Client, method: str
) -> None:
    response = getattr(pro_client, method)(reverse("authorizations_pro:wizard_start"))
    assert response.status_code == 405
    _nothing_written()


def test_invalid_utf8_in_a_form_body_is_not_a_5xx(pro_client: Client) -> None:
    response = pro_client.post(
        reverse("authorizations_pro:requests") + "?name=x",
        b"name=%FF%FE%00&csrfmiddlewaretoken=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code < 500


@pytest.mark.parametrize("query", ["name=%FF%FE", "name=%00", "page=%00", "page=-1", "page=9" * 30])
@pytest.mark.parametrize(
    "name", ["authorizations_pro:requests", "authorizations_pro:authorizations"]
)
def test_bad_query_strings_on_the_lists_are_not_a_5xx(
    pro_client: Client, name: str, query: str
) -> None:
    response = pro_client.get(f"{reverse(name)}?{query}")
    assert response.status_code < 500
    assert not AuditEvent.objects.filter(action__startswith="request.").exists()


def test_invalid_utf8_in_the_sign_in_form_is_a_form_error(client: Client) -> None:
    response = client.post(
        "/auth/login/",
        b"login=%FF%FEa%40example.test&password=%00x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code < 500
