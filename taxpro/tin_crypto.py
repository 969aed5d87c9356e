"""Secrets at rest: a Fernet "secret box" per purpose, and keyed hashes for look-ups.

Two boxes use it:

- TINs (R46): ``TIN_ENCRYPTION_KEYS`` / ``TIN_ENCRYPTION_KEY``, with a keyed hash (HMAC-SHA256,
  ``TIN_HASH_KEY``) for look-ups. Changing the hash key needs every hash recomputed.
- Second-factor secrets (TOTP secrets, recovery-code seeds; taxpro.mfa_secrets):
  ``MFA_ENCRYPTION_KEYS`` / ``MFA_ENCRYPTION_KEY``.

Each key setting is a list of Fernet keys (urlsafe base64, 32 bytes), or one string of keys
separated by commas: the first encrypts, all decrypt, so a key can be rotated without downtime
(put the new key first, re-encrypt, then drop the old one).

When a setting is absent (development, tests) a key is *derived from SECRET_KEY* by
:func:`derive_development_key`, so a newcomer's machine works with no set-up. Production must set
them (the deploy check warns): a leaked SECRET_KEY should not also unlock every TIN and every
second factor.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def derive_development_key(purpose: str) -> bytes:
    """32 bytes derived from SECRET_KEY for ``purpose``; for development and tests only."""
    return hashlib.sha256(f"taxpro:{purpose}:{settings.SECRET_KEY}".encode()).digest()


@dataclass(frozen=True)
class SecretBox:
    """Fernet encryption under the keys of ``setting_names`` (the first one set wins)."""

    purpose: str
    setting_names: tuple[str, ...]
    what: str  # what a stored value is, in words, for error messages

    def keys(self) -> list[bytes]:
        configured = None
        for name in self.setting_names:
            configured = getattr(settings, name, None)
            if configured:
                break
        if not configured:
            return [base64.urlsafe_b64encode(derive_development_key(self.purpose))]
        if isinstance(configured, str):
            configured = [part.strip() for part in configured.split(",") if part.strip()]
        return [key.encode() if isinstance(key, str) else key for key in configured]

    def _fernet(self) -> MultiFernet:
        try:
            return MultiFernet([Fernet(key) for key in self.keys()])
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"{self.setting_names[-1]} must be Fernet keys (Fernet.generate_key())."
            ) from exc

    def encrypt(self, text: str) -> str:
        return self._fernet().encrypt(text.encode()).decode()

    def decrypt(self, token: str) -> str:
        return self._unlock(token, MultiFernet.decrypt)

    def rotate(self, token: str) -> str:
        """The same secret encrypted under the first key, so older keys can be retired."""
        return self._unlock(token, MultiFernet.rotate)

    def _unlock(self, token: str, operation: Callable[[MultiFernet, bytes], bytes]) -> str:
        try:
            return operation(self._fernet(), token.encode()).decode()
        except InvalidToken as exc:
            # Never include the token or the secret in the message (R46).
            raise ImproperlyConfigured(
                f"A stored {self.what} cannot be decrypted with the configured keys."
            ) from exc


TIN_BOX = SecretBox(
    purpose="tin-encryption",
    setting_names=("TIN_ENCRYPTION_KEYS", "TIN_ENCRYPTION_KEY"),
    what="TIN",
)
MFA_BOX = SecretBox(
    purpose="mfa-encryption",
    setting_names=("MFA_ENCRYPTION_KEYS", "MFA_ENCRYPTION_KEY"),
    what="second-factor secret",
)


def tin_encryption_keys() -> list[bytes]:
    return TIN_BOX.keys()


def tin_hash_key() -> bytes:
    configured = getattr(settings, "TIN_HASH_KEY", None)
    if not configured:
        return derive_development_key("tin-hash")
    return configured.encode() if isinstance(configured, str) else configured


def tin_encrypt(digits: str) -> str:
    return TIN_BOX.encrypt(digits)


def tin_decrypt(token: str) -> str:
    return TIN_BOX.decrypt(token)


def tin_lookup_hash(digits: str) -> str:
    """The keyed hash that look-ups compare; equal digits give equal hashes, whatever the type."""
    return hmac.new(tin_hash_key(), f"tin:{digits}".encode(), hashlib.sha256).hexdigest()


def keyed_secret_hash(purpose: str, value: str) -> str:
    """A keyed hash for short secrets (CAF PINs): a database dump alone cannot brute-force it."""
    return hmac.new(tin_hash_key(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()
