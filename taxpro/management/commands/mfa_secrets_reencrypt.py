"""Encrypt any second-factor secret still in clear, and re-encrypt all under the newest key."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.core.management.base import BaseCommand

from taxpro.mfa_secrets import authenticators_transform, mfa_secret_reencrypt


class Command(BaseCommand):
    help = (
        "Encrypt second-factor secrets still stored in clear, and re-encrypt every one under "
        "the first key of MFA_ENCRYPTION_KEY. Run it after putting a new key first; the old key "
        "can be removed once it has finished."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rewritten = authenticators_transform(Authenticator, mfa_secret_reencrypt)
        self.stdout.write(f"{rewritten} authenticator(s) re-encrypted.")
