"""Helpers for the request wizard's tests: a signed-in representative, a taxpayer, and the
answers each step expects when everything is right."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.urls import reverse

from authorizations.models import RequestDraft
from authorizations.web.pro.wizard import services as wizard_services
from taxpayers.models import Taxpayer
from taxpro import clock
from taxpro.models import MaintenanceWindow
from tests.authorizations.conftest import Rep, make_rep, make_taxpayer
from tests.factories import enrol_totp

__all__ = ["Rep", "make_taxpayer"]


def representative(*, code: str = "b", linked: bool = True) -> Rep:
    """A representative with a second factor, so the portal lets them in."""
    rep = make_rep(code=code, linked=linked)
    rep.user.totp_secret = enrol_totp(rep.user)  # type: ignore[attr-defined]
    return rep


def signed_in(client: Client, rep: Rep) -> Client:
    client.force_login(rep.user)
    return client


def new_draft(rep: Rep) -> RequestDraft:
    return wizard_services.draft_create(practitioner=rep.user)  # type: ignore[arg-type]


def drafting_representative(client: Client, *, code: str = "b") -> tuple[Rep, RequestDraft]:
    """A representative, signed in on ``client``, with a new draft: how most wizard tests begin."""
    rep = representative(code=code)
    draft = new_draft(rep)
    signed_in(client, rep)
    return rep, draft


def step_url(draft: RequestDraft, slug: str) -> str:
    return reverse("authorizations_pro:wizard_step", args=[draft.public_id, slug])


def last_year() -> int:
    return clock.today_et().year - 1


def representative_answers(rep: Rep, *, kind: str = "poa") -> dict[str, str]:
    return {"kind": kind, "caf_choice": rep.caf_record.caf_number, "action": "continue"}


def typed_representative_answers(rep: Rep, *, kind: str = "poa") -> dict[str, str]:
    record = rep.caf_record
    return {
        "kind": kind,
        "caf_choice": "other",
        "caf_number": record.caf_number_display,
        "name": record.name,
        "line1": record.address_line1,
        "line2": record.address_line2,
        "city": record.city,
        "state": record.state,
        "zip_code": record.zip_code,
        "action": "continue",
    }


def taxpayer_answers(taxpayer: Taxpayer, **overrides: str) -> dict[str, str]:
    answers = {
        "name": taxpayer.name,
        "tin": taxpayer.tin_reveal(),
        "line1": taxpayer.address_line1,
        "line2": taxpayer.address_line2,
        "city": taxpayer.city,
        "state": taxpayer.state,
        "zip_code": taxpayer.zip_code,
        "action": "continue",
    }
    answers.update(overrides)
    return answers


def matters_answers(*rows: tuple[str, str, str], action: str = "continue") -> dict[str, str]:
    """``rows`` are (matter, first period, last period) as the selects post them."""
    if not rows:
        rows = (("1040", str(last_year()), ""),)
    data: dict[str, str] = {"row_count": str(len(rows)), "action": action}
    for index, (matter, first, last) in enumerate(rows):
        data[f"row-{index}-matter"] = matter
        data[f"row-{index}-period_from"] = first
        data[f"row-{index}-period_to"] = last
    return data


def complete_questions(
    client: Client,
    draft: RequestDraft,
    rep: Rep,
    taxpayer: Taxpayer,
    *,
    kind: str = "poa",
    taxpayer_overrides: dict[str, str] | None = None,
    skip: tuple[str, ...] = (),
) -> None:
    """Answer the four questions validly, through the pages."""
    posts: list[tuple[str, dict[str, Any]]] = [
        ("representative", representative_answers(rep, kind=kind)),
        ("taxpayer", taxpayer_answers(taxpayer, **(taxpayer_overrides or {}))),
        ("matters", matters_answers()),
        ("notices", {"receives_notices": "yes", "action": "continue"}),
    ]
    for slug, data in posts:
        if slug in skip:
            continue
        response = client.post(step_url(draft, slug), data)
        assert response.status_code == 302, (slug, response.content.decode()[:3000])


def submit_url(draft: RequestDraft) -> str:
    return reverse("authorizations_pro:wizard_submit", args=[draft.public_id])


def maintenance_now() -> object:

    now = clock.now()
    return MaintenanceWindow.objects.create(
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=2),
        reason="The portal is closed for scheduled maintenance.",
    )
