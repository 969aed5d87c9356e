from __future__ import annotations

from django.apps import AppConfig


class TaxproConfig(AppConfig):
    name = "taxpro"
    verbose_name = "Portal accounts"

    def ready(self) -> None:
        from taxpro import checks, session_lifetime  # noqa: F401  (registers; connects)
