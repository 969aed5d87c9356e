"""Schemathesis against the committed OpenAPI document: generated calls to every operation, as
the practitioner's software with every scope, must never meet a server error and must be
answered as the document says (status codes, media types, bodies). Short runs by default
(API_FUZZ_EXAMPLES for more)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.support import token_for
from tests.authorizations.conftest import make_rep
from tests.factories import enrol_totp

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.json"
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "15"))

schema = schemathesis.openapi.from_dict(json.loads(COMMITTED.read_text()))
schema.app = WSGIHandler()
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def _keep_the_test_connection() -> Iterator[None]:
    # As Django's test client does: the end of a request must not close the connection that
    # holds the test's transaction.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def token(db, settings, _keep_the_test_connection) -> str:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "api_call": "100000/m/key"}
    rep = make_rep(code="b")
    enrol_totp(rep.user)
    return token_for(rep.user)


@pytest.mark.django_db
@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_answers_as_its_document_says(case, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
    case.call_and_validate(headers=headers, checks=CHECKS)
