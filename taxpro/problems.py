"""Problem documents (RFC 9457): how the API says no, in JSON, as the pages say it in words.

A problem names its kind by ``type`` (a stable URI under /api/problems/), says what happened in
``title`` and ``detail`` (the same sentences the pages show), and, where a page would put a
message at a field, lists them in ``errors`` (each a ``field`` path and its ``detail``). Nothing
in a problem echoes what was typed: never a TIN (R46).
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "/api/problems/"


def problem_response(
    *,
    status: int,
    kind: str,
    title: str,
    detail: str = "",
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> HttpResponse:
    """A problem document with its status; ``kind`` is the last part of its ``type`` URI."""
    body: dict[str, Any] = {"type": f"{PROBLEM_BASE}{kind}", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    # An answer about one practitioner's data: no browser or proxy keeps it.
    response["Cache-Control"] = "no-store"
    return response
