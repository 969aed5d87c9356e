"""Issue 10, item 13: second-factor secrets are encrypted at rest, like TINs (R46's way), with
keys that rotate; signing in with them still works, before and after the migration."""

from __future__ import annotations

import importlib
import io
import json

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import generate_totp_secret
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings

from taxpro.mfa_secrets import mfa_secret_decrypt
from taxpro.models import User
from taxpro.tin_crypto import TIN_BOX
from tests.factories import PASSWORD, PractitionerFactory, current_totp_code, enrol_totp

pytestmark = pytest.mark.django_db

migration = importlib.import_module("taxpro.migrations.0003_authsec_mfa_secrets_at_rest")


def raw_data(authenticator: Authenticator) -> str:
    """The column as a database read or a backup sees it, past the ORM and the adapter."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT data::text FROM mfa_authenticator WHERE id = %s", [authenticator.pk])
        return str(cursor.fetchone()[0])


def signs_in_with_totp(user: User, secret: str) -> bool:
    client = Client()
    response = client.post("/auth/login/", {"login": user.email, "password": PASSWORD})
    assert response["Location"] == "/auth/2fa/authenticate/"
    response = client.post("/auth/2fa/authenticate/", {"code": current_totp_code(secret)})
    return response.status_code == 302 and response["Location"] == "/pro/"


def test_the_totp_secret_is_not_in_the_database_in_clear() -> None:
    user = PractitionerFactory()
    secret = enrol_totp(user)
    row = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    raw = raw_data(row)
    assert secret not in raw
    assert secret.lower() not in raw.lower()
    assert '"secret": "fernet:' in raw
    assert signs_in_with_totp(user, secret)


def test_the_recovery_seed_is_not_in_the_database_in_clear_and_codes_still_work() -> None:
    user = PractitionerFactory()
    enrol_totp(user)
    codes = RecoveryCodes.activate(user)
    row = codes.instance
    seed = RecoveryCodes(Authenticator.objects.get(pk=row.pk)).instance.data["seed"]
    assert seed.startswith("fernet:")
    raw = raw_data(row)
    clear_seed = mfa_secret_decrypt(seed)
    assert clear_seed not in raw
    unused = codes.get_unused_codes()
    assert len(unused) == 10
    assert RecoveryCodes(Authenticator.objects.get(pk=row.pk)).validate_code(unused[0])
    assert not RecoveryCodes(Authenticator.objects.get(pk=row.pk)).validate_code(unused[0])


def test_the_migration_encrypts_secrets_stored_in_clear_and_sign_in_still_works() -> None:
    # Rows as the portal wrote them before: the secret, the seed and carried-over codes in clear.
    user = PractitionerFactory()
    secret = generate_totp_secret()
    totp = Authenticator.objects.create(user=user, type="totp", data={"secret": secret})
    seed = "ab" * 40
    recovery = Authenticator.objects.create(
        user=user,
        type="recovery_codes",
        data={"seed": seed, "used_mask": 0, "migrated_codes": ["12345678", "87654321"]},
    )
    key = Authenticator.objects.create(
        user=user, type="webauthn", data={"name": "Key", "credential": {"id": "public-id"}}
    )
    webauthn_before = raw_data(key)

    migration.encrypt_secrets(apps, None)

    for needle, row in ((secret, totp), (seed, recovery), ("12345678", recovery)):
        assert needle not in raw_data(row)
    assert json.loads(raw_data(totp))["secret"].startswith("fernet:")
    assert raw_data(key) == webauthn_before  # a public-key credential, left as it was
    assert signs_in_with_totp(user, secret)
    assert RecoveryCodes(Authenticator.objects.get(pk=recovery.pk)).validate_code("87654321")

    # Run twice (a re-run, or the command after it): still one layer of encryption.
    migration.encrypt_secrets(apps, None)
    assert mfa_secret_decrypt(Authenticator.objects.get(pk=totp.pk).data["secret"]) == secret

    # And back: the code before the migration reads them in clear.
    migration.decrypt_secrets(apps, None)
    assert Authenticator.objects.get(pk=totp.pk).data["secret"] == secret
    assert Authenticator.objects.get(pk=recovery.pk).data["seed"] == seed


def test_a_secret_left_in_clear_is_refused_not_used() -> None:
    # Someone who can write the table but has no key cannot plant a secret of their choosing.
    user = PractitionerFactory()
    secret = generate_totp_secret()
    Authenticator.objects.create(user=user, type="totp", data={"secret": secret})
    with pytest.raises(ImproperlyConfigured) as info:
        Authenticator.objects.get(user=user).wrap().validate_code(current_totp_code(secret))
    assert secret not in str(info.value)


def test_key_rotation_old_secrets_readable_then_reencrypted_under_the_new_key() -> None:
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    user = PractitionerFactory()
    with override_settings(MFA_ENCRYPTION_KEY=old_key):
        secret = enrol_totp(user)
    # The new key first: old secrets are still read with the old one.
    with override_settings(MFA_ENCRYPTION_KEY=f"{new_key},{old_key}"):
        assert signs_in_with_totp(user, secret)
        call_command("mfa_secrets_reencrypt", stdout=io.StringIO())
    # Re-encrypted: the old key can go, and alone it no longer reads the secret.
    with override_settings(MFA_ENCRYPTION_KEY=new_key):
        assert mfa_secret_decrypt(Authenticator.objects.get(user=user).data["secret"]) == secret
    with override_settings(MFA_ENCRYPTION_KEY=old_key):
        with pytest.raises(ImproperlyConfigured) as info:
            mfa_secret_decrypt(Authenticator.objects.get(user=user).data["secret"])
        assert secret not in str(info.value)


def test_the_mfa_key_is_not_the_tin_key() -> None:
    # Each purpose has its own key: what unlocks TINs does not unlock second factors.
    user = PractitionerFactory()
    enrol_totp(user)
    stored = Authenticator.objects.get(user=user).data["secret"]
    with pytest.raises(ImproperlyConfigured):
        TIN_BOX.decrypt(stored.removeprefix("fernet:"))
