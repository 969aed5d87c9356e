"""R45 across the whole portal: every URL that names an object, for every kind of visitor.

Each object belongs to one practitioner (A) or one taxpayer (T). Another practitioner (B) or
taxpayer (U) who types the URL gets 404, as if it did not exist; the other side of the portal
and staff get 403; a visitor who is not signed in is sent to sign in. A POST by anyone but the
owner changes nothing. A new URL with an object in it must be added here: the last test fails
until it is.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from authorizations.models import (
    Authorization,
    AuthorizationRequest,
    FormDraft,
    RequestKind,
    UploadedForm,
)
from authorizations.services import webhooks as webhook_services
from authorizations.services.form_drafts import form_draft_create
from authorizations.web.pro.wizard import services as wizard_services
from authorizations.webhooks.events import WebhookEventType
from authorizations.webhooks.models import WebhookDelivery, WebhookEndpoint
from caf.models import PinLetter
from caf.services import caf_pin_request
from taxpayers.models import Letter, LetterKind
from taxpayers.services import letter_send
from taxpro.models import AuditEvent
from tests.authorizations import conftest as authorizations_conftest
from tests.authorizations.conftest import (
    INCOME_2023,
    INCOME_2024,
    TUESDAY_NOON,
    make_rep,
    make_taxpayer,
)
from tests.authorizations.forms_support import form_data, form_rep, upload
from tests.factories import StaffFactory, enrol_totp
from tests.views.decisions_support import record_now, submit_now

pytestmark = pytest.mark.django_db
# The forms channel's files in a folder of each test's own (a fixture).
private_media = authorizations_conftest.private_media


@dataclass
class World:
    owner_rep: object
    other_rep: object
    owner_taxpayer_user: object
    other_taxpayer_user: object
    staff: object
    urls: dict[str, str]


@pytest.fixture
def world(private_media) -> World:
    a = make_rep(code="b")
    b = make_rep(code="b")
    for rep in (a, b):
        enrol_totp(rep.user)
    t = make_taxpayer()
    u = make_taxpayer()
    pending = submit_now(a, t, kind=RequestKind.TIA, modules=(INCOME_2023,))
    recorded = submit_now(a, t, kind=RequestKind.TIA, modules=(INCOME_2024,))
    # Issue 14: A's webhook endpoint, and the delivery recording makes for it.
    endpoint = webhook_services.webhook_endpoint_create(
        practitioner=a.user, url="https://hooks.example.com/a", events=WebhookEventType.values
    ).endpoint
    record_now(recorded)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    row = Authorization.objects.get(request=recorded)
    draft = wizard_services.draft_create(practitioner=a.user)
    form_draft = form_draft_create(practitioner=a.user)
    unlinked = make_rep(code="b", linked=False)
    pin = caf_pin_request(practitioner=unlinked.user, caf_number=unlinked.caf_record.caf_number)
    enrol_totp(unlinked.user)
    notice = letter_send(kind=LetterKind.OTHER, subject="A notice", body="Hello.", taxpayer=t)
    uploaded = upload(a.user, form_data(reps=(form_rep(a),)), now=TUESDAY_NOON)
    staff = StaffFactory()
    enrol_totp(staff)
    urls = {
        "authorizations_pro:form": reverse("authorizations_pro:form", args=[uploaded.public_id]),
        "authorizations_pro:form_withdraw": reverse(
            "authorizations_pro:form_withdraw", args=[uploaded.public_id]
        ),
        "authorizations_pro:request": reverse(
            "authorizations_pro:request", args=[pending.public_id]
        ),
        "authorizations_pro:request_cancel": reverse(
            "authorizations_pro:request_cancel", args=[pending.public_id]
        ),
        "authorizations_pro:client": reverse("authorizations_pro:client", args=[t.public_id]),
        "authorizations_pro:wizard_step": reverse(
            "authorizations_pro:wizard_step", args=[draft.public_id, "representative"]
        ),
        "authorizations_pro:wizard_submit": reverse(
            "authorizations_pro:wizard_submit", args=[draft.public_id]
        ),
        "authorizations_pro:wizard_done": reverse(
            "authorizations_pro:wizard_done", args=[draft.public_id]
        ),
        "authorizations_pro:wizard_discard": reverse(
            "authorizations_pro:wizard_discard", args=[draft.public_id]
        ),
        "authorizations_pro:form_draft_step": reverse(
            "authorizations_pro:form_draft_step", args=[form_draft.public_id, "form"]
        ),
        "authorizations_pro:form_draft_submit": reverse(
            "authorizations_pro:form_draft_submit", args=[form_draft.public_id]
        ),
        "authorizations_pro:form_draft_discard": reverse(
            "authorizations_pro:form_draft_discard", args=[form_draft.public_id]
        ),
        "caf_pro:link_confirm": reverse("caf_pro:link_confirm", args=[pin.public_id]),
        **{
            f"authorizations_pro:{name}": reverse(
                f"authorizations_pro:{name}", args=[endpoint.public_id]
            )
            for name in WEBHOOK_PAGES
        },
        "authorizations_pro:webhook_send_again": reverse(
            "authorizations_pro:webhook_send_again", args=[endpoint.public_id, delivery.public_id]
        ),
        "taxpayers_account:notice": reverse("taxpayers_account:notice", args=[notice.public_id]),
        "authorizations_account:request": reverse(
            "authorizations_account:request", args=[pending.public_id]
        ),
        "authorizations_account:approve": reverse(
            "authorizations_account:approve", args=[pending.public_id]
        ),
        "authorizations_account:reject": reverse(
            "authorizations_account:reject", args=[pending.public_id]
        ),
        "authorizations_account:revoke": reverse(
            "authorizations_account:revoke", args=[row.public_id]
        ),
    }
    # The PIN letter belongs to its own practitioner: make them the owner of that one URL.
    world = World(a, b, t.user, u.user, staff, urls)
    world.pin_owner = unlinked  # type: ignore[attr-defined]
    return world


# Issue 14: the pages of one webhook endpoint (R45: only its practitioner's).
WEBHOOK_PAGES = [
    "webhook",
    "webhook_events",
    "webhook_rotate",
    "webhook_secret",
    "webhook_status",
    "webhook_delete",
]
PRO_URLS = [
    *(f"authorizations_pro:{name}" for name in WEBHOOK_PAGES),
    "authorizations_pro:form",
    "authorizations_pro:form_withdraw",
    "authorizations_pro:form_draft_step",
    "authorizations_pro:form_draft_discard",
    "authorizations_pro:request",
    "authorizations_pro:request_cancel",
    "authorizations_pro:client",
    "authorizations_pro:wizard_step",
    "authorizations_pro:wizard_discard",
    "caf_pro:link_confirm",
]
# The done page answers 404 for a draft not yet sent, and the submits take POST only.
PRO_POST_ONLY = [
    "authorizations_pro:wizard_submit",
    "authorizations_pro:form_draft_submit",
    "authorizations_pro:webhook_send_again",
]
ACCOUNT_URLS = [
    "taxpayers_account:notice",
    "authorizations_account:request",
    "authorizations_account:approve",
    "authorizations_account:reject",
]
ACCOUNT_URLS_ROW = ["authorizations_account:revoke"]
# Pages that only show: a POST is refused (405) before anything is looked up.
READ_ONLY = {
    "authorizations_pro:webhook",
    "authorizations_pro:webhook_secret",
    "authorizations_pro:form",
    "authorizations_pro:request",
    "authorizations_pro:client",
    "taxpayers_account:notice",
    "authorizations_account:request",
}
OBJECT_URL_NAMES = set(
    PRO_URLS + PRO_POST_ONLY + ACCOUNT_URLS + ACCOUNT_URLS_ROW + ["authorizations_pro:wizard_done"]
)


def _as(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _owner_of(world: World, name: str):
    if name == "caf_pro:link_confirm":
        return world.pin_owner.user  # type: ignore[attr-defined]
    if name.startswith(("taxpayers_account:", "authorizations_account:")):
        return world.owner_taxpayer_user
    return world.owner_rep.user


def _snapshot() -> tuple:
    return (
        list(FormDraft.objects.order_by("pk").values_list("pk", "data", "discarded_at")),
        list(AuthorizationRequest.objects.order_by("pk").values_list("pk", "state")),
        list(Authorization.objects.order_by("pk").values_list("pk", "ends_at")),
        list(PinLetter.objects.order_by("pk").values_list("pk", "state", "wrong_attempts")),
        Letter.objects.count(),
        list(UploadedForm.objects.order_by("pk").values_list("pk", "state")),
        list(
            WebhookEndpoint.objects.order_by("pk").values_list(
                "pk", "url", "events", "enabled", "secret_ciphertext"
            )
        ),
        list(
            WebhookDelivery.objects.order_by("pk").values_list(
                "pk", "state", "next_attempt_at", "retry_until"
            )
        ),
    )


@pytest.mark.parametrize("name", PRO_URLS + ACCOUNT_URLS + ACCOUNT_URLS_ROW)
def test_r45_the_owner_may_open_the_page(world: World, name: str) -> None:
    response = _as(_owner_of(world, name)).get(world.urls[name])
    assert response.status_code == 200, (name, response.status_code)


@pytest.mark.parametrize("name", PRO_URLS + ACCOUNT_URLS + ACCOUNT_URLS_ROW + PRO_POST_ONLY)
def test_r45_another_user_of_the_same_side_gets_404_and_changes_nothing(
    world: World, name: str
) -> None:
    other = (
        world.other_taxpayer_user
        if name.startswith(("taxpayers_account:", "authorizations_account:"))
        else world.other_rep.user
    )
    client = _as(other)
    before = _snapshot()
    if name not in PRO_POST_ONLY:
        assert client.get(world.urls[name]).status_code == 404, name
    payload = {"declaration": "on", "signature": "x", "pin": "12345678", "confirm": "yes"}
    expected = 405 if name in READ_ONLY else 404
    assert client.post(world.urls[name], payload).status_code == expected, name
    assert _snapshot() == before


@pytest.mark.parametrize("name", PRO_URLS + PRO_POST_ONLY + ACCOUNT_URLS + ACCOUNT_URLS_ROW)
def test_r45_the_other_side_and_staff_get_403_and_anonymous_is_sent_to_sign_in(
    world: World, name: str
) -> None:
    wrong_side = (
        world.owner_rep.user
        if name.startswith(("taxpayers_account:", "authorizations_account:"))
        else world.owner_taxpayer_user
    )
    before = _snapshot()
    for user in (wrong_side, world.staff):
        send = _as(user).post if name in PRO_POST_ONLY else _as(user).get
        assert send(world.urls[name]).status_code == 403, (name, user)
        if name not in READ_ONLY:
            assert _as(user).post(world.urls[name]).status_code == 403, (name, user)
    send = _as(None).post if name in PRO_POST_ONLY else _as(None).get
    anonymous = send(world.urls[name])
    assert anonymous.status_code == 302 and "/auth/login/" in anonymous["Location"], name
    assert _snapshot() == before


def test_r45_the_done_page_of_a_draft_is_404_for_anyone_else(world: World) -> None:
    assert (
        _as(world.other_rep.user).get(world.urls["authorizations_pro:wizard_done"]).status_code
        == 404
    )


def _named_patterns(
    resolver: URLResolver, namespace: str = "", converters: dict | None = None
) -> list[tuple[str, dict]]:
    """(full name, every path converter of the full route) for each named URL: an id in the
    path may sit in a prefix that groups a page's actions (include([...])), not in the route."""
    found = []
    for entry in resolver.url_patterns:
        in_path = {**(converters or {}), **entry.pattern.converters}
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += _named_patterns(entry, inner, in_path)
        elif entry.name:
            found.append((f"{namespace}{entry.name}", in_path))
    return found


def test_every_portal_url_with_an_object_in_it_is_in_this_matrix() -> None:
    with_objects = {
        name
        for name, converters in _named_patterns(get_resolver())
        if converters
        and name.split(":")[0]
        in {"authorizations_pro", "caf_pro", "taxpayers_account", "authorizations_account"}
    }
    assert with_objects == OBJECT_URL_NAMES


@pytest.mark.parametrize("name", PRO_URLS + ACCOUNT_URLS + ACCOUNT_URLS_ROW)
def test_r45_opening_another_users_object_is_audited_and_answers_like_nothing_there(
    world: World, name: str
) -> None:
    """Issue 10: the refusal leaves an audit event for staff; the visitor gets the very page a
    made-up id gets, so nothing tells them the object exists."""
    other = (
        world.other_taxpayer_user
        if name.startswith(("taxpayers_account:", "authorizations_account:"))
        else world.other_rep.user
    )
    client = _as(other)
    theirs = client.get(world.urls[name])
    events = AuditEvent.objects.filter(action="access.refused_not_owner")
    assert events.count() == 1, name
    event = events.get()
    assert event.actor == other
    made_up = client.get(UUID_IN_PATH.sub(str(uuid.uuid4()), world.urls[name]))
    assert events.count() == 1  # a made-up id is not someone else's object
    assert (theirs.status_code, made_up.status_code) == (404, 404)
    assert _without_nonces(theirs.content) == _without_nonces(made_up.content)


UUID_IN_PATH = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _without_nonces(html: bytes) -> bytes:
    """Each page has its own CSP nonce and CSRF token; nothing else may differ."""
    html = re.sub(rb'nonce="[^"]*"', b"", html)
    html = re.sub(rb'"X-CSRFToken"\s*:\s*"[^"]*"', b"", html)
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", html)
