"""Ids that cannot be guessed, for every object a URL names (issue 10).

Sequential integers in URLs let anyone count a table and try their neighbours' rows; an object
named in a URL carries a random UUID instead, and its URL takes only that. The database fills
the id too (``gen_random_uuid()``), so rows that existed before the column got one each when
it was added, without an UPDATE (the ledger's append-only trigger refuses those, R28).
"""

from __future__ import annotations

import uuid

from django.contrib.postgres.functions import RandomUUID
from django.db import models


def public_id_field() -> models.UUIDField:
    return models.UUIDField(
        default=uuid.uuid4,
        db_default=RandomUUID(),
        unique=True,
        editable=False,
        help_text="The id that names this row in the portal's addresses; it cannot be guessed.",
    )
