"""Builders for the CAF unit's pages' tests (R34b): clerks in the clerks' group, and forms
uploaded through the real service at the real time, as the pages see them."""

from __future__ import annotations

from authorizations.clerks import clerk_enrol
from authorizations.models import UploadedForm
from taxpayers.models import Taxpayer
from taxpro import clock
from taxpro.models import User
from tests.authorizations.conftest import Rep, make_rep, make_taxpayer
from tests.authorizations.forms_support import form_data, form_rep, form_taxpayer, upload
from tests.personas import staff_clerk


def clerk() -> User:
    """A staff user with a second factor, in the CAF unit clerks group."""
    user = staff_clerk()
    clerk_enrol(user)
    return user


def uploaded_form(
    rep: Rep | None = None, taxpayer: Taxpayer | None = None, **changes: object
) -> UploadedForm:
    """A Form 2848 that passes the pre-check today, waiting in the queue."""
    rep = rep or make_rep(code="b")
    taxpayer = taxpayer or make_taxpayer()
    data = form_data(
        taxpayer=form_taxpayer(taxpayer),
        reps=(form_rep(rep, signed_on=clock.today_et()),),
        signed_on=clock.today_et(),
        **changes,
    )
    return upload(rep.user, data, now=clock.now())
