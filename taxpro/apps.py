from __future__ import annotations

from django.apps import AppConfig


class TaxproConfig(AppConfig):
    name = "taxpro"
    verbose_name = "Portal accounts"

    def ready(self) -> None:
        from taxpro import session_lifetime  # noqa: F401  (connects the sign-in timestamp)
