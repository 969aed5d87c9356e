"""TIN storage (R46): Fernet encryption for the number, a keyed hash (HMAC-SHA256) for look-ups.

Keys come from settings:

- ``TIN_ENCRYPTION_KEYS``: a list of Fernet keys (urlsafe base64, 32 bytes); the first encrypts,
  all decrypt, so a key can be rotated without downtime. ``TIN_ENCRYPTION_KEY`` (one key, or
  several separated by commas) is accepted too.
- ``TIN_HASH_KEY``: the HMAC key for look-up hashes. Changing it needs every hash recomputed.

When a setting is absent (development, tests) a key is *derived from SECRET_KEY* by
:func:`derive_development_key`, so a newcomer's machine works with no set-up. Production must set
both: a leaked SECRET_KEY should not also unlock every TIN.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def derive_development_key(purpose: str) -> bytes:
    """32 bytes derived from SECRET_KEY for ``purpose``; for development and tests only."""
    return hashlib.sha256(f"taxpro:{purpose}:{settings.SECRET_KEY}".encode()).digest()


def tin_encryption_keys() -> list[bytes]:
    configured = getattr(settings, "TIN_ENCRYPTION_KEYS", None) or getattr(
        settings, "TIN_ENCRYPTION_KEY", None
    )
    if not configured:
        return [base64.urlsafe_b64encode(derive_development_key("tin-encryption"))]
    if isinstance(configured, str):
        configured = [part.strip() for part in configured.split(",") if part.strip()]
    return [key.encode() if isinstance(key, str) else key for key in configured]


def tin_hash_key() -> bytes:
    configured = getattr(settings, "TIN_HASH_KEY", None)
    if not configured:
        return derive_development_key("tin-hash")
    return configured.encode() if isinstance(configured, str) else configured


def _fernet() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in tin_encryption_keys()])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "TIN_ENCRYPTION_KEY must be Fernet keys (Fernet.generate_key())."
        ) from exc


def tin_encrypt(digits: str) -> str:
    return _fernet().encrypt(digits.encode()).decode()


def tin_decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        # Never include the token or the digits in the message (R46).
        raise ImproperlyConfigured(
            "A stored TIN cannot be decrypted with the configured keys."
        ) from exc


def tin_lookup_hash(digits: str) -> str:
    """The keyed hash that look-ups compare; equal digits give equal hashes, whatever the type."""
    return hmac.new(tin_hash_key(), f"tin:{digits}".encode(), hashlib.sha256).hexdigest()


def keyed_secret_hash(purpose: str, value: str) -> str:
    """A keyed hash for short secrets (CAF PINs): a database dump alone cannot brute-force it."""
    return hmac.new(tin_hash_key(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()
