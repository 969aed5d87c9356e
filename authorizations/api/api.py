"""The API object: /api/v1/, its OpenAPI document, and every refusal as a problem document."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from authorizations.api.auth import BearerRefused, TokenThrottled
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


@api.exception_handler(BearerRefused)
def _bearer_refused(request: HttpRequest, exc: BearerRefused) -> HttpResponse:
    parts = ['Bearer realm="Tax Pro Portal API"']
    if exc.error:
        parts.append(f'error="{exc.error}"')
    if exc.scope:
        parts.append(f'scope="{exc.scope}"')
    return problem_response(
        status=exc.status,
        kind=exc.kind,
        title=exc.title,
        detail=exc.detail,
        headers={"WWW-Authenticate": ", ".join(parts)},
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
