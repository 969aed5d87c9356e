"""The view edge of R45: a user-scoped fetch that finds nothing becomes a 404.

Every selector that fetches one object for a user (``<entity>_for_user``, ``_for_taxpayer``,
``_for_practitioner``) raises the model's ``DoesNotExist`` when the object is not the caller's,
whether it belongs to someone else or to nobody: the two must look the same. Views call the
selector through :func:`get_or_404` instead of writing their own try/except.

The two look the same to the visitor, not to staff: asking for another user's object is a
security-relevant refusal (quality.md) and is audited here, the one place every such 404
passes through. The answer is the same 404 either way; the event records only the internal
id of the object asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.http import Http404

from taxpro.audit import audit_record


def get_or_404[T](fetch: Callable[..., T], /, **kwargs: Any) -> T:
    """``fetch(**kwargs)``, or a 404 when it raises ``DoesNotExist``."""
    try:
        return fetch(**kwargs)
    except ObjectDoesNotExist as missing:
        _audit_if_someone_elses(fetch, missing, kwargs)
        raise Http404(str(missing) or "Not found.") from missing


def _model_of(missing: ObjectDoesNotExist) -> type[models.Model] | None:
    for model in apps.get_models():
        if type(missing) is getattr(model, "DoesNotExist", None):
            return model
    return None


def _actor_of(kwargs: dict[str, Any]) -> Any:
    """Who asked: the selectors are scoped by ``practitioner``, ``user`` or ``taxpayer``."""
    for name in ("practitioner", "user"):
        if kwargs.get(name) is not None:
            return kwargs[name]
    return getattr(kwargs.get("taxpayer"), "user", None)


def _audit_if_someone_elses(
    fetch: Callable[..., Any], missing: ObjectDoesNotExist, kwargs: dict[str, Any]
) -> None:
    """The objects named by public id that exist and the selector would not give this user are
    another user's: audit each refusal. (A selection of several asks the selector again for
    each, so the user's own rows in it are not counted.)"""
    model = _model_of(missing)
    single = "public_id" in kwargs
    wanted: list[Any] = [kwargs["public_id"]] if single else list(kwargs.get("ids") or [])
    if model is None or not wanted or not any(f.name == "public_id" for f in model._meta.fields):
        return
    actor = _actor_of(kwargs)
    for found in model._default_manager.filter(public_id__in=wanted):
        own_id = found.serializable_value("public_id")
        if not single and _theirs(fetch, {**kwargs, "ids": [own_id]}):
            continue
        audit_record(
            action="access.refused_not_owner",
            obj=found,
            actor=actor,
            after={"answered": "not found"},
        )


def _theirs(fetch: Callable[..., Any], kwargs: dict[str, Any]) -> bool:
    try:
        fetch(**kwargs)
    except ObjectDoesNotExist:
        return False
    return True
