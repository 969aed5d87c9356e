from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from taxpro.service_hours.hours import HOURS_SUMMARY


def portal(request: HttpRequest) -> dict[str, Any]:
    return {"portal_name": settings.PORTAL_NAME, "service_hours_summary": HOURS_SUMMARY}
