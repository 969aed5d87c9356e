from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, Any]:
    from authorizations.service_hours import HOURS_SUMMARY

    return {"portal_name": settings.PORTAL_NAME, "service_hours_summary": HOURS_SUMMARY}
