"""R45 for the API: every endpoint, for every kind of caller and every scope.

The owner's token with the endpoint's scope is answered; a token without that scope gets 403
(RFC 6750 insufficient_scope); another practitioner's token gets 404 for the owner's object,
the very answer a made-up id gets, and changes nothing; no token, a bad or expired token, or a
token of someone who is not a practitioner gets 401 with WWW-Authenticate. A new endpoint must
be added here: the last test fails until it is.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from authorizations.forms_channel.data import FormMatter
from authorizations.models import (
    Authorization,
    AuthorizationRequest,
    FormState,
    RequestKind,
    UploadedForm,
)
from authorizations.services.webhooks import webhook_endpoint_create
from authorizations.webhooks.models import WebhookEndpoint
from taxpro import clock
from taxpro.models import AuditEvent
from tests.api.support import ALL_SCOPES, call, form_json, request_body, token_for, upload_call
from tests.authorizations.conftest import (
    INCOME_2023,
    INCOME_2024,
    make_rep,
    make_taxpayer,
    private_media,
)
from tests.authorizations.factories import UploadedFormFactory
from tests.authorizations.forms_support import form_data, form_rep, form_taxpayer, pdf_bytes
from tests.factories import StaffFactory, enrol_totp
from tests.views.decisions_support import record_now, submit_now
from tests.views.test_access_matrix import _named_patterns

__all__ = ["private_media"]  # the fixture: an upload's file goes to this test's folder

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    scope: str
    object_kind: str  # "", "request", "authorization", "form" or "webhook"


ENDPOINTS = [
    Endpoint("api-v1:request_list", "get", "requests:read", ""),
    Endpoint("api-v1:request_create", "post", "requests:write", ""),
    Endpoint("api-v1:request_get", "get", "requests:read", "request"),
    Endpoint("api-v1:request_cancel", "post", "requests:write", "request"),
    Endpoint("api-v1:authorization_list", "get", "authorizations:read", ""),
    Endpoint("api-v1:authorization_get", "get", "authorizations:read", "authorization"),
    Endpoint("api-v1:authorization_withdraw", "post", "authorizations:withdraw", "authorization"),
    Endpoint("api-v1:form_get", "get", "forms:read", "form"),
    Endpoint("api-v1:form_list", "get", "forms:read", ""),
    Endpoint("api-v1:form_upload", "post", "forms:write", ""),
    Endpoint("api-v1:form_withdraw", "post", "forms:write", "form"),
    Endpoint("api-v1:webhook_list", "get", "webhooks:manage", ""),
    Endpoint("api-v1:webhook_create", "post", "webhooks:manage", ""),
    Endpoint("api-v1:webhook_get", "get", "webhooks:manage", "webhook"),
    Endpoint("api-v1:webhook_disable", "post", "webhooks:manage", "webhook"),
    Endpoint("api-v1:webhook_enable", "post", "webhooks:manage", "webhook"),
    Endpoint("api-v1:webhook_rotate", "post", "webhooks:manage", "webhook"),
    Endpoint("api-v1:webhook_delete", "delete", "webhooks:manage", "webhook"),
]
WITH_OBJECTS = [e for e in ENDPOINTS if e.object_kind]


@dataclass
class World:
    owner: object
    other: object
    taxpayer: object
    pending: AuthorizationRequest
    row: Authorization
    form: UploadedForm
    endpoint: WebhookEndpoint


@pytest.fixture
def world(settings) -> World:
    settings.WEBHOOK_LOCAL_ADDRESSES_ALLOWED = True
    a, b = make_rep(code="b"), make_rep(code="b")
    for rep in (a, b):
        enrol_totp(rep.user)
    t = make_taxpayer()
    pending = submit_now(a, t, kind=RequestKind.TIA, modules=(INCOME_2023,))
    recorded = submit_now(a, t, kind=RequestKind.TIA, modules=(INCOME_2024,))
    record_now(recorded)
    form = UploadedFormFactory(caf_record=a.caf_record, state=FormState.WAITING)
    endpoint = webhook_endpoint_create(
        practitioner=a.user, url="https://127.0.0.1:9/hooks", events=["request.recorded"]
    ).endpoint
    return World(a, b, t, pending, Authorization.objects.get(request=recorded), form, endpoint)


def _url(world: World, endpoint: Endpoint, public_id: uuid.UUID | None = None) -> str:
    if not endpoint.object_kind:
        return reverse(endpoint.name)
    own = {
        "request": world.pending.public_id,
        "authorization": world.row.public_id,
        "form": world.form.public_id,
        "webhook": world.endpoint.public_id,
    }[endpoint.object_kind]
    return reverse(endpoint.name, args=[public_id or own])


def _body(world: World, endpoint: Endpoint) -> dict:
    if endpoint.name == "api-v1:request_create":
        return request_body(world.owner, make_taxpayer())
    if endpoint.name == "api-v1:webhook_create":
        return {"url": "https://127.0.0.1:8/other", "events": ["authorization.ended"]}
    return {}


def _send(client: Client, world: World, endpoint: Endpoint, url: str, token: str | None):
    """The call as software sends it: the upload as multipart/form-data, the rest as JSON."""
    if endpoint.name == "api-v1:form_upload":
        data = form_json(
            form_data(
                taxpayer=form_taxpayer(make_taxpayer()),
                reps=(form_rep(world.owner, signed_on=clock.today_et()),),
                matters=(FormMatter("1040", "Income tax", (f"{clock.today_et().year - 1}12",)),),
                signed_on=clock.today_et(),
            )
        )
        return upload_call(client, url, token=token, data=data, content=pdf_bytes(marker="m"))
    return call(client, endpoint.method, url, token=token, body=_body(world, endpoint))


def _snapshot() -> tuple:
    return (
        list(UploadedForm.objects.order_by("pk").values_list("pk", "state")),
        list(AuthorizationRequest.objects.order_by("pk").values_list("pk", "state")),
        list(Authorization.objects.order_by("pk").values_list("pk", "ends_at")),
        list(
            WebhookEndpoint.objects.order_by("pk").values_list(
                "pk", "enabled", "secret_ciphertext", "events"
            )
        ),
    )


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_r45_the_owner_with_the_scope_is_answered(world: World, endpoint: Endpoint) -> None:
    token = token_for(world.owner.user, scopes=[endpoint.scope])
    response = _send(Client(), world, endpoint, _url(world, endpoint), token)
    assert response.status_code in (200, 201, 204), (endpoint.name, response.content)


OTHER_SCOPES = [(e, scope) for e in ENDPOINTS for scope in ALL_SCOPES if scope != e.scope]


@pytest.mark.parametrize(
    ("endpoint", "scope"), OTHER_SCOPES, ids=[f"{e.name}-{s}" for e, s in OTHER_SCOPES]
)
def test_r45_every_other_scope_is_403_with_a_challenge_and_changes_nothing(
    world: World, endpoint: Endpoint, scope: str
) -> None:
    token = token_for(world.owner.user, scopes=[scope])
    before = _snapshot()
    response = _send(Client(), world, endpoint, _url(world, endpoint), token)
    assert response.status_code == 403, endpoint.name
    assert response["Content-Type"] == "application/problem+json"
    assert 'error="insufficient_scope"' in response["WWW-Authenticate"]
    assert f'scope="{endpoint.scope}"' in response["WWW-Authenticate"]
    assert _snapshot() == before


@pytest.mark.parametrize("endpoint", WITH_OBJECTS, ids=lambda e: e.name)
def test_r45_another_practitioners_object_is_404_like_a_made_up_one_and_audited(
    world: World, endpoint: Endpoint
) -> None:
    token = token_for(world.other.user)
    before = _snapshot()
    theirs = call(Client(), endpoint.method, _url(world, endpoint), token=token)
    made_up = call(Client(), endpoint.method, _url(world, endpoint, uuid.uuid4()), token=token)
    assert (theirs.status_code, made_up.status_code) == (404, 404), endpoint.name
    assert theirs.content == made_up.content
    assert _snapshot() == before
    refused = AuditEvent.objects.filter(action="access.refused_not_owner", actor=world.other.user)
    assert refused.count() == 1


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_r45_no_token_a_bad_one_an_expired_one_or_a_non_practitioners_is_401(
    world: World, endpoint: Endpoint
) -> None:
    expired = token_for(world.owner.user, expires_in=-dt.timedelta(seconds=1))
    taxpayers = token_for(world.taxpayer.user)
    staff = StaffFactory()
    enrol_totp(staff)
    before = _snapshot()
    for token in (None, "not-a-token", expired, taxpayers, token_for(staff)):
        response = _send(Client(), world, endpoint, _url(world, endpoint), token)
        assert response.status_code == 401, (endpoint.name, token)
        assert response["WWW-Authenticate"].startswith("Bearer ")
        assert response["Content-Type"] == "application/problem+json"
    assert _snapshot() == before


def test_r45_a_session_cookie_is_no_api_credential(world: World) -> None:
    """The API answers tokens only: a signed-in browser cannot be made to call it (CSRF)."""
    browser = Client()
    browser.force_login(world.owner.user)
    assert browser.get(reverse("api-v1:request_list")).status_code == 401


# The document (public, tested in test_openapi.py) and django-ninja's root, which names nothing.
NOT_ENDPOINTS = {"api-v1:openapi-json", "api-v1:api-root"}


def test_every_api_endpoint_is_in_this_matrix() -> None:
    names = {name for name, _pattern in _named_patterns(get_resolver())}
    api_names = {name for name in names if name.startswith("api-v1:")} - NOT_ENDPOINTS
    assert api_names == {e.name for e in ENDPOINTS}
