"""Second-factor secrets at rest (issue 10, item 13).

allauth keeps a TOTP secret in ``Authenticator.data["secret"]`` and the seed of the recovery codes
in ``data["seed"]`` (codes carried over from elsewhere in ``data["migrated_codes"]``), and passes
each through its MFA adapter's ``encrypt()`` / ``decrypt()`` (taxpro.adapters.PortalMFAAdapter).
Those call :func:`mfa_secret_encrypt` and :func:`mfa_secret_decrypt`: Fernet under the MFA keys
(taxpro.tin_crypto.MFA_BOX), rotated like the TIN keys.

A stored value carries the prefix ``fernet:``. Fernet is authenticated, and a value without the
prefix is refused rather than used as it is: someone who can write the table but has no key cannot
plant a secret of their own choosing. Rows written before encryption are encrypted by the
migration ``taxpro.0003``; ``manage.py mfa_secrets_reencrypt`` does the same for any written by
an older process during a deployment, and re-encrypts every secret under the first key after a
key rotation.

WebAuthn rows are left as they are: they hold a public-key credential (the credential id and the
public key, the authenticator's attestation), which proves nothing to anyone without the private
key that never leaves the security key. allauth does not pass them through the adapter either.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from taxpro.tin_crypto import MFA_BOX

ENCRYPTED_PREFIX = "fernet:"

# The keys of Authenticator.data that hold a secret, by authenticator type; a list of secrets
# under "migrated_codes".
SECRET_KEYS = {"totp": ("secret",), "recovery_codes": ("seed",)}
SECRET_LISTS = {"recovery_codes": ("migrated_codes",)}


def mfa_secret_is_encrypted(stored: str) -> bool:
    return stored.startswith(ENCRYPTED_PREFIX)


def mfa_secret_encrypt(text: str) -> str:
    return ENCRYPTED_PREFIX + MFA_BOX.encrypt(text)


def mfa_secret_decrypt(stored: str) -> str:
    if not mfa_secret_is_encrypted(stored):
        # Never include the value: it may be a secret in clear.
        raise ImproperlyConfigured(
            "A second-factor secret is stored unencrypted; run `manage.py mfa_secrets_reencrypt`."
        )
    return MFA_BOX.decrypt(stored.removeprefix(ENCRYPTED_PREFIX))


def mfa_secret_reencrypt(stored: str) -> str:
    """Encrypt a secret still in clear, or re-encrypt one under the first (newest) key."""
    if not mfa_secret_is_encrypted(stored):
        return mfa_secret_encrypt(stored)
    return ENCRYPTED_PREFIX + MFA_BOX.rotate(stored.removeprefix(ENCRYPTED_PREFIX))


def mfa_secret_to_clear(stored: str) -> str:
    """The migration's way back: the secret in clear, whether or not it was encrypted."""
    return mfa_secret_decrypt(stored) if mfa_secret_is_encrypted(stored) else stored


def authenticator_data_map(
    authenticator_type: str, data: dict[str, Any], transform: Callable[[str], str]
) -> dict[str, Any]:
    """``data`` with ``transform`` applied to each secret it holds (nothing else changes)."""
    changed = dict(data)
    for key in SECRET_KEYS.get(authenticator_type, ()):
        if isinstance(changed.get(key), str):
            changed[key] = transform(changed[key])
    for key in SECRET_LISTS.get(authenticator_type, ()):
        if isinstance(changed.get(key), list):
            changed[key] = [transform(value) for value in changed[key]]
    return changed


def authenticators_transform(authenticator_model: Any, transform: Callable[[str], str]) -> int:
    """Apply ``transform`` to every stored second-factor secret; returns the rows rewritten.

    Takes the model so that the migration can pass its historical one. Rows are locked one at a
    time, so a sign-in in progress never reads a half-written row.
    """
    rewritten = 0
    ids = authenticator_model.objects.filter(type__in=list(SECRET_KEYS)).values_list(
        "pk", flat=True
    )
    for pk in list(ids):
        with transaction.atomic():
            row = authenticator_model.objects.select_for_update().filter(pk=pk).first()
            if row is None:
                continue
            data = authenticator_data_map(row.type, row.data, transform)
            if data != row.data:
                row.data = data
                row.save(update_fields=["data"])
                rewritten += 1
    return rewritten
