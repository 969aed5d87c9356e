"""Signing secrets and Standard Webhooks signatures (``webhook-id``, ``webhook-timestamp``,
``webhook-signature``), made by the ``standardwebhooks`` library itself.

A secret is ``whsec_`` and 24 random bytes in base64, the form every Standard Webhooks verifier
takes. It is stored encrypted (a Fernet box like the TINs'), shown once when it is made.
While a rotated-out secret is still in its overlap period both sign: the header then holds two
signatures, and a receiver holding either secret accepts the message.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from collections.abc import Sequence

from standardwebhooks.webhooks import Webhook

from taxpro.tin_crypto import SecretBox

SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)

# Its own keys when WEBHOOK_SECRET_KEYS is set; else the second-factor secrets' keys, which a
# deployment must set (the deploy check says so): a signing secret is a secret of the same kind.
WEBHOOK_SECRET_BOX = SecretBox(
    purpose="webhook-secrets",
    setting_names=("WEBHOOK_SECRET_KEYS", "MFA_ENCRYPTION_KEYS", "MFA_ENCRYPTION_KEY"),
    what="webhook signing secret",
)


def secret_new() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def secret_seal(secret: str) -> str:
    return WEBHOOK_SECRET_BOX.encrypt(secret)


def secret_open(token: str) -> str:
    return WEBHOOK_SECRET_BOX.decrypt(token)


def signed_headers(
    *, message_id: str, body: str, secrets_in_use: Sequence[str], at: dt.datetime
) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body``, one signature per secret in use."""
    at_utc = at.astimezone(dt.UTC)
    signatures = [
        Webhook(secret).sign(msg_id=message_id, timestamp=at_utc, data=body)
        for secret in secrets_in_use
    ]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at_utc.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
