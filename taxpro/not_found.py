"""The view edge of R45: a user-scoped fetch that finds nothing becomes a 404.

Every selector that fetches one object for a user (``<entity>_for_user``, ``_for_taxpayer``,
``_for_practitioner``) raises the model's ``DoesNotExist`` when the object is not the caller's,
whether it belongs to someone else or to nobody: the two must look the same. Views call the
selector through :func:`get_or_404` instead of writing their own try/except.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404


def get_or_404[T](fetch: Callable[..., T], /, **kwargs: Any) -> T:
    """``fetch(**kwargs)``, or a 404 when it raises ``DoesNotExist``."""
    try:
        return fetch(**kwargs)
    except ObjectDoesNotExist as missing:
        raise Http404(str(missing) or "Not found.") from missing
