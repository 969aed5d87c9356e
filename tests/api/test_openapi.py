"""The OpenAPI document (issue 14): served at /api/v1/openapi.json, valid OpenAPI, no rule ids
in what software developers read, and the same as the committed copy docs/api/openapi.json, so
that a change to the API is a change reviewers see. After a deliberate change, write the copy
anew with ``UPDATE_OPENAPI=1`` and this test."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from openapi_spec_validator import validate

COMMITTED = Path(settings.BASE_DIR) / "docs" / "api" / "openapi.json"


@pytest.fixture
def served(db) -> dict:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def test_the_served_document_is_valid_openapi(served: dict) -> None:
    validate(served)
    assert served["openapi"].startswith("3.")


def test_the_served_document_is_the_committed_copy(served: dict) -> None:
    if os.environ.get("UPDATE_OPENAPI") == "1":
        COMMITTED.parent.mkdir(parents=True, exist_ok=True)
        COMMITTED.write_text(json.dumps(served, indent=2, sort_keys=True) + "\n")
    assert json.loads(COMMITTED.read_text()) == served, (
        "The API changed: review the change, then write docs/api/openapi.json anew "
        "(UPDATE_OPENAPI=1 with this test)."
    )


def test_every_operation_needs_a_token_with_one_scope_and_says_its_problems(served: dict) -> None:
    scopes = served["components"]["securitySchemes"]["ScopedToken"]["flows"]["authorizationCode"][
        "scopes"
    ]
    assert set(scopes) == set(settings.API_SCOPES)
    for path, operations in served["paths"].items():
        for method, operation in operations.items():
            ((scheme, needed),) = [next(iter(r.items())) for r in operation["security"]]
            assert scheme == "ScopedToken" and len(needed) == 1 and needed[0] in scopes
            assert {"401", "403", "429", "503"} <= set(operation["responses"]), (path, method)
            if method == "post":
                assert "409" in operation["responses"], path


def test_no_rule_id_and_no_tin_field_comes_out_of_the_api(served: dict) -> None:
    text = json.dumps(served)
    assert not re.search(r"\bR\d{1,2}[a-z]?\b", text)
    # R43, R46: a taxpayer comes out named, with the TIN's last four digits only.
    schemas = served["components"]["schemas"]
    assert set(schemas["TaxpayerOut"]["properties"]) == {"name", "tin_last4"}
    for name in ("RequestOut", "AuthorizationOut"):
        taxpayer = schemas[name]["properties"]["taxpayer"]
        assert taxpayer == {"$ref": "#/components/schemas/TaxpayerOut"}
