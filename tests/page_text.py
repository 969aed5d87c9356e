"""What a person reads on a page: its text, without tags or attribute values (CSRF tokens and CSP
nonces are random and may hold "R3" by chance)."""

from __future__ import annotations

import html
import re

RULE_ID = re.compile(r"\bR\d{1,2}[a-z]?\b")
_TAG = re.compile(r"<[^>]*>")


def visible_text(page: str) -> str:
    return html.unescape(_TAG.sub(" ", page))


def rule_ids_read(page: str) -> list[str]:
    """Rule ids a reader of ``page`` would see (they belong in test names and comments only)."""
    return RULE_ID.findall(visible_text(page))
