"""The API object: /api/v1/, its OpenAPI document, and every refusal as a problem document."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from authorizations.api.auth import ScopeMissing, TokenRefused, TokenThrottled
from authorizations.api.endpoints import router
from authorizations.api.follow import router as follow_router
from authorizations.api.forms import DATA_COMPONENTS
from authorizations.api.forms import router as forms_router
from authorizations.api.responses import not_found, too_many_requests
from taxpro.problems import problem_response

DESCRIPTION = """The API of Tax Pro Portal for practice software: send and follow POA and TIA
requests, list and withdraw active authorizations, with the same rules as the pages.

Software acts for one practitioner, who consents at /oauth/authorize/ (OAuth 2.0 authorization
code with PKCE, S256); send the access token as `Authorization: Bearer ...`. Every POST needs an
`Idempotency-Key` header. Errors are RFC 9457 problem documents (`application/problem+json`).
Like the pages, the API is closed outside the hours of service (503 with Retry-After)."""


class PortalApi(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Each operation's security requirement names its scope (django-ninja adds one
        without scopes beside ours, which would read as "any token will do"), and refusals are
        documented as application/problem+json."""
        schema = super().get_openapi_schema(*args, **kwargs)
        # The upload's JSON part (see forms.py), which no parameter declares.
        schema["components"]["schemas"].update(DATA_COMPONENTS)
        for operations in schema["paths"].values():
            for operation in operations.values():
                # Refusals are problem documents (RFC 9457), and say so by their media type.
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        content["application/problem+json"] = content.pop("application/json")
                if "security" in operation:
                    operation["security"] = [
                        requirement
                        for requirement in operation["security"]
                        if any(requirement.values())
                    ]
        return schema


api = PortalApi(
    title="Tax Pro Portal API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    docs_url=None,  # the document is the reference; no third-party script on our pages
    openapi_url="/openapi.json",
)
api.add_router("", router)
api.add_router("", follow_router)
api.add_router("", forms_router)


def _bearer_challenge(error: str = "", scope: str = "") -> str:
    parts = ['Bearer realm="Tax Pro Portal API"']
    if error:
        parts.append(f'error="{error}"')
    if scope:
        parts.append(f'scope="{scope}"')
    return ", ".join(parts)


@api.exception_handler(TokenRefused)
def _token_refused(request: HttpRequest, exc: TokenRefused) -> HttpResponse:
    return problem_response(
        status=401,
        kind="unauthorized",
        title="Send a valid access token",
        detail="This address needs an access token in the Authorization header (Bearer).",
        headers={"WWW-Authenticate": _bearer_challenge(exc.error)},
    )


@api.exception_handler(ScopeMissing)
def _scope_missing(request: HttpRequest, exc: ScopeMissing) -> HttpResponse:
    return problem_response(
        status=403,
        kind="insufficient-scope",
        title="This token may not do this",
        detail=f"The practitioner did not allow this software the scope {exc.scope}.",
        headers={"WWW-Authenticate": _bearer_challenge("insufficient_scope", exc.scope)},
    )


@api.exception_handler(TokenThrottled)
def _throttled(request: HttpRequest, exc: TokenThrottled) -> HttpResponse:
    return too_many_requests(exc.wait)


def _field_of(location: Any) -> str:
    parts = [str(p) for p in location if p not in ("body", "payload", "query", "path", "filters")]
    return ".".join(parts)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Each field's message, never the value sent (R46: it may be a TIN)."""
    errors = [
        {
            "field": _field_of(error.get("loc", ())),
            "detail": str(error.get("msg", "")).removeprefix("Value error, "),
        }
        for error in exc.errors
    ]
    return problem_response(
        status=422,
        kind="invalid-body",
        title="Some of what was sent cannot be used",
        detail="Correct the fields named in errors and send it again.",
        errors=errors,
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return not_found()


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem_response(
        status=exc.status_code,
        kind="bad-request" if exc.status_code == 400 else f"http-{exc.status_code}",
        title=str(exc.message) if exc.status_code == 400 else "The request was refused",
    )


@api.exception_handler(Exception)
def _fault(request: HttpRequest, exc: Exception) -> HttpResponse:
    raise exc  # Django's 500 handling and error report, as for a page
