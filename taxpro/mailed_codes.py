"""Codes mailed on paper and typed back once: a CAF PIN (R6), an identity code (R13).

The database keeps only a salted keyed hash of the code, so a dump alone cannot brute-force it;
a typed code is compared in constant time; each wrong try is counted on the letter's row, which
the caller closes (locks) once none are left. The rows themselves, their states and the words
of every refusal stay with each app.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import models

from taxpro.audit import audit_record
from taxpro.tin_crypto import keyed_secret_hash


@dataclass(frozen=True)
class MailedCode:
    """A new code: ``code`` goes in the letter only; ``salt`` and ``code_hash`` are stored."""

    code: str
    salt: str
    code_hash: str


def mailed_code_hash(*, purpose: str, salt: str, code: str) -> str:
    return keyed_secret_hash(purpose, f"{salt}:{code}")


def mailed_code_new(*, purpose: str, digits: int) -> MailedCode:
    code = f"{secrets.randbelow(10**digits):0{digits}d}"
    salt = secrets.token_hex(16)
    return MailedCode(
        code=code, salt=salt, code_hash=mailed_code_hash(purpose=purpose, salt=salt, code=code)
    )


def mailed_code_row_open[Row: models.Model](
    model: type[Row],
    *,
    code: MailedCode,
    hash_fields: tuple[str, str],
    expires_at: dt.datetime,
    action: str,
    actor: Any,
    audited: dict[str, Any],
    now: dt.datetime,
    **fields: Any,
) -> Row:
    """Stores the pending row of a code just mailed (``fields``: its letter, whose it is), the
    code's salt and hash in the two ``hash_fields``, and audits it; ``audited`` says for what."""
    salt_field, hash_field = hash_fields
    row = model._default_manager.create(
        **fields,
        **{salt_field: code.salt, hash_field: code.code_hash},
        created_at=now,
        expires_at=expires_at,
    )
    audit_record(
        action=action,
        obj=row,
        actor=actor,
        after={"state": "pending", **audited, "expires_at": expires_at.isoformat()},
        now=now,
    )
    return row


def mailed_code_matches(*, purpose: str, salt: str, code: str, stored_hash: str) -> bool:
    typed_hash = mailed_code_hash(purpose=purpose, salt=salt, code=code)
    return secrets.compare_digest(typed_hash, stored_hash)


def wrong_code_count(*, row: Any, limit: int, action: str, actor: Any, now: dt.datetime) -> int:
    """Counts one wrong code on ``row`` (a model with ``wrong_attempts``) and returns how many
    tries are left. While some are, the count is saved and audited here; at none the caller
    closes the row, which saves the count with its new state."""
    row.wrong_attempts += 1
    left: int = limit - row.wrong_attempts
    if left > 0:
        row.save(update_fields=["wrong_attempts"])
        audit_record(
            action=action,
            obj=row,
            actor=actor,
            after={"wrong_attempts": row.wrong_attempts},
            now=now,
        )
    return left


def mailed_code_close(
    *, row: Any, state: str, action: str, actor: Any, now: dt.datetime, also: tuple[str, ...] = ()
) -> None:
    """Closes a pending code's row in ``state`` (used, expired, locked, superseded) and audits
    it; ``also`` names further fields the caller set on it."""
    row.state = state
    row.closed_at = now
    row.save(update_fields=["state", "closed_at", *also, "wrong_attempts"])
    audit_record(
        action=action,
        obj=row,
        actor=actor,
        before={"state": "pending"},
        after={"state": state, "wrong_attempts": row.wrong_attempts},
        now=now,
    )
