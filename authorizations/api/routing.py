"""The API's router: what every endpoint declares alike (its token and scope, the refusals any
call may meet, its name), said once.

Every operation needs a token with one scope, which its security requirement names; answers
what it does plus the common refusals (schemas.REFUSALS); is named alike for ``reverse`` and in
the OpenAPI document; and answers an object that is not the caller's as not found. A write
(scoped_post) also carries an Idempotency-Key (R47) and may meet the key's own refusals (400
without one, 409 while its first call runs)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypedDict, Unpack

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Router

from authorizations.api.auth import ScopedToken
from authorizations.api.responses import idempotent, not_found
from authorizations.api.schemas import REFUSALS, Problem

View = Callable[..., HttpResponse]


class Declared(TypedDict):
    """What every operation declares besides its path and answers: the token (so the scope) it
    needs, its name (the URL name and the operationId) and its summary."""

    token: ScopedToken
    name: str
    summary: str


class ScopedRouter(Router):
    def scoped(
        self,
        method: str,
        path: str,
        *,
        answers: dict[int, Any],
        openapi_extra: dict[str, Any] | None = None,
        **declared: Unpack[Declared],
    ) -> Callable[[View], View]:
        """One operation: ``answers`` are its own outcomes, the common refusals follow."""
        register = self._operation(method, path, answers, declared, openapi_extra)
        return lambda view: register(_not_found_answered(view))

    def scoped_get(
        self, path: str, *, answer: Any, **declared: Unpack[Declared]
    ) -> Callable[[View], View]:
        """A read answering 200 with ``answer``."""
        return self.scoped("GET", path, answers={200: answer}, **declared)

    def scoped_post(
        self,
        path: str,
        *,
        answers: dict[int, Any],
        around: Callable[[View], View] | None = None,
        **declared: Unpack[Declared],
    ) -> Callable[[View], View]:
        """A write under the caller's Idempotency-Key, the whole body being what the call
        means. ``around`` wraps the idempotent call, so that it sees a replayed answer as well
        as the first one."""
        register = self._operation("POST", path, {**answers, 400: Problem, 409: Problem}, declared)

        def decorator(view: View) -> View:
            # The not-found answer is made under the key, which keeps it for a repeat.
            call = idempotent(_not_found_answered(view))
            return register(around(call) if around else call)

        return decorator

    def _operation(
        self,
        method: str,
        path: str,
        answers: dict[int, Any],
        declared: Declared,
        openapi_extra: dict[str, Any] | None = None,
    ) -> Callable[[View], View]:
        token = declared["token"]
        return self.api_operation(
            [method],
            path,
            auth=token,
            openapi_extra={**token.requirement, **(openapi_extra or {})},
            response={**answers, **REFUSALS},
            url_name=declared["name"],
            operation_id=declared["name"],
            summary=declared["summary"],
        )


def _not_found_answered(view: View) -> View:
    """R45: an object that is not the caller's (get_or_404 raises Http404), or that went
    between the fetch and the service's lock (its DoesNotExist), answers not found."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except (Http404, ObjectDoesNotExist):
            return not_found()

    return wrapped
