"""Deployment checks Django does not know about."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def tin_keys_configured(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """R46: production TINs need their own keys, not ones derived from SECRET_KEY."""
    missing = [
        name for name in ("TIN_ENCRYPTION_KEY", "TIN_HASH_KEY") if not getattr(settings, name, "")
    ]
    return [
        Warning(
            f"{name} is not set: TINs would be protected by a key derived from SECRET_KEY.",
            hint="Set it in the environment (see README, 'Environment variables').",
            id="taxpro.W001",
        )
        for name in missing
    ]


@register(Tags.security, deploy=True)
def weekly_service_hours(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """R40: only the test suite may run without the weekly hours."""
    if settings.SERVICE_HOURS == "weekly":
        return []
    return [
        Warning(
            'SERVICE_HOURS is "always": the practitioner portal ignores the hours of service.',
            hint='Unset SERVICE_HOURS (it defaults to "weekly"); "always" is for the test suite.',
            id="taxpro.W002",
        )
    ]


@register(Tags.security, deploy=True)
def mfa_key_configured(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """Issue 10, item 13: second-factor secrets need their own key, like TINs."""
    if getattr(settings, "MFA_ENCRYPTION_KEY", ""):
        return []
    return [
        Warning(
            "MFA_ENCRYPTION_KEY is not set: second-factor secrets would be protected by a key "
            "derived from SECRET_KEY.",
            hint="Set it in the environment (see README, 'Environment variables').",
            id="taxpro.W003",
        )
    ]
