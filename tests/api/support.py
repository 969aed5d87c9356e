"""The API's tests' tools: tokens as django-oauth-toolkit issues them, calls with a bearer
token, and request bodies built from the personas (never a TIN in a URL or a log)."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import encode_multipart
from oauth2_provider.models import AccessToken, Application, set_token_value

from authorizations.forms_channel.data import FormData, form_data_to_json
from taxpayers.models import Taxpayer
from taxpro import clock
from taxpro.addresses import PostalAddress
from tests.authorizations.conftest import INCOME_2024
from tests.personas import Rep

ALL_SCOPES = (
    "requests:read",
    "requests:write",
    "authorizations:read",
    "authorizations:withdraw",
    "forms:write",
    "forms:read",
    "webhooks:manage",
)
REDIRECT_URI = "https://software.example/callback"


def software(name: str = "Practice Suite", owner: Any = None) -> Application:
    return Application.objects.create(
        name=name,
        user=owner,
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT_URI,
        algorithm=Application.NO_ALGORITHM,
    )


def token_for(
    user: Any,
    *,
    scopes: Iterable[str] = ALL_SCOPES,
    application: Application | None = None,
    expires_in: dt.timedelta = dt.timedelta(hours=1),
) -> str:
    """A token as the token endpoint would issue it (kept at rest as its checksum only)."""
    raw = secrets.token_urlsafe(30)
    token = AccessToken(
        user=user,
        application=application or software(),
        scope=" ".join(scopes),
        expires=clock.now() + expires_in,
    )
    set_token_value(token, raw)
    token.save()
    return raw


def call(
    client: Client,
    method: str,
    url: str,
    *,
    token: str | None = None,
    body: Any = None,
    key: str | None = "",
    raw: bytes | None = None,
) -> Any:
    """``key=""``: a fresh Idempotency-Key on a POST; ``None``: none at all."""
    headers: dict[str, str] = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if method == "post" and key is not None:
        headers["Idempotency-Key"] = key or str(uuid.uuid4())
    send = getattr(client, method)
    if method == "get":
        return send(url, headers=headers)
    data = raw if raw is not None else json.dumps(body if body is not None else {})
    return send(url, data=data, content_type="application/json", headers=headers)


def address(postal: PostalAddress) -> dict[str, str]:
    return {
        "line1": postal.line1,
        "line2": postal.line2,
        "city": postal.city,
        "state": postal.state,
        "zip_code": postal.zip_code,
    }


def request_body(
    rep: Rep,
    taxpayer: Taxpayer,
    *,
    kind: str = "poa",
    modules: Sequence[tuple[str, str]] = (INCOME_2024,),
    **overrides: Any,
) -> dict[str, Any]:
    record = rep.caf_record
    body: dict[str, Any] = {
        "kind": kind,
        "representative": {
            "caf_number": record.caf_number,
            "name": record.name,
            "address": address(record.postal_address),
        },
        "taxpayer": {
            "tin": taxpayer.tin_reveal(),
            "name": taxpayer.name,
            "address": address(taxpayer.postal_address),
        },
        "modules": [{"matter": matter, "period": period} for matter, period in modules],
        "receives_notices": False,
    }
    body.update(overrides)
    return body


def upload_call(
    client: Client,
    url: str,
    *,
    token: str | None,
    data: Any,
    content: bytes,
    key: str | None = "",
    boundary: str = "BoUnDaRy-one",
    name: str = "form.pdf",
) -> Any:
    """POST a form as multipart/form-data: a ``data`` part (JSON, or a str sent as is) and a
    ``file`` part, framed by ``boundary`` (a resend by other software has another)."""
    headers: dict[str, str] = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if key is not None:
        headers["Idempotency-Key"] = key or str(uuid.uuid4())
    parts = {
        "data": data if isinstance(data, str) else json.dumps(data),
        "file": SimpleUploadedFile(name, content, content_type="application/octet-stream"),
    }
    return client.post(
        url,
        data=encode_multipart(boundary, parts),
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=headers,
    )


def form_json(data: FormData) -> dict[str, Any]:
    """Keyed data as the API takes it: the stored JSON with the taxpayer's TIN."""
    body = form_data_to_json(data)
    body["taxpayer"]["tin"] = data.taxpayer.tin
    return body
