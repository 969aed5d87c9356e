"""Encrypt the second-factor secrets already stored in clear (issue 10, item 13).

Reversible: going back decrypts them again (with the keys configured at the time), since the
code before this migration reads them in clear.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

from taxpro.mfa_secrets import authenticators_transform, mfa_secret_reencrypt, mfa_secret_to_clear


def encrypt_secrets(apps: Any, schema_editor: Any) -> None:
    authenticators_transform(apps.get_model("mfa", "Authenticator"), mfa_secret_reencrypt)


def decrypt_secrets(apps: Any, schema_editor: Any) -> None:
    authenticators_transform(apps.get_model("mfa", "Authenticator"), mfa_secret_to_clear)


class Migration(migrations.Migration):
    dependencies = [
        ("taxpro", "0002_shared_records_moved_in"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_secrets, decrypt_secrets)]
