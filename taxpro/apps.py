from __future__ import annotations

from django.apps import AppConfig


class TaxproConfig(AppConfig):
    name = "taxpro"
    verbose_name = "Portal accounts"

    def ready(self) -> None:
        # Imported when the app registry is ready, as Django requires of checks and signal
        # receivers: at module level they would load models before the registry exists.
        from taxpro import checks, session_lifetime, sign_in_audit  # noqa: F401, PLC0415
