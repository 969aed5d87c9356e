"""Demo uploaded forms (R34b) for ``manage.py seed_demo``: forms in every state the CAF unit and
the practitioner see (waiting, in review, recorded, rejected, withdrawn), uploaded and processed
through the real services at past dates, each with a small PDF made here. Recorded ones put
form-channel rows on the ledger: the CPA's Forms 2848 for both demo businesses (their 941 quarters
and 1120 fiscal years, R36) and a Form 8821 Carmen signed, so the clients pages and Carmen's
account show them. Idempotent: if the bakery has any uploaded form, nothing is done again."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any, NamedTuple

from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from authorizations.forms_channel.data import (
    FormData,
    FormMatter,
    FormRepresentative,
    FormTaxpayer,
)
from authorizations.models import RejectionReason, UploadedForm
from authorizations.services import forms
from caf.models import CafRecord, PractitionerProfile
from taxpayers.models import Taxpayer
from taxpro import clock
from taxpro.clock import ET
from taxpro.models import User
from taxpro.tins import HolderKind

BAKERY = "Evergreen Bakery LLC"
CLERK_EMAIL = "clerk@demo.taxpro.test"
CPA, AGENT = "030012345", "030054321"


LAKESIDE = "Lakeside Tool Works Inc"
CARMEN = "Carmen Diaz"


class DemoForm(NamedTuple):
    """One upload: received at noon ``days_ago`` days ago and what became of it."""

    form_type: str
    caf_number: str
    matters: tuple[FormMatter, ...]
    days_ago: int
    outcome: str  # waiting, in_review, recorded, rejected, or withdrawn by the practitioner
    taxpayer: str = BAKERY


QUARTERS_2025 = ("202503", "202506", "202509", "202512")
# The clerk holds one form at a time: every form the demo records or rejects comes before the one
# left in review, and the waiting one comes last.
DEMO_FORMS = [
    DemoForm(
        "2848",
        CPA,
        (
            FormMatter("941", "Employment", QUARTERS_2025, "Quarters of 2025"),
            FormMatter("1120", "Income", ("202506",), "Fiscal year ending June 2025"),
        ),
        6,
        "recorded",
    ),
    DemoForm(
        "2848",
        CPA,
        (
            FormMatter("941", "Employment", ("202509", "202512"), "Q3-Q4 2025"),
            FormMatter("1120", "Income", ("202509",), "Fiscal year ending September 2025"),
        ),
        9,
        "recorded",
        LAKESIDE,
    ),
    DemoForm(
        "8821", CPA, (FormMatter("1040", "Income", ("202412",), "2024"),), 7, "recorded", CARMEN
    ),
    DemoForm("8821", AGENT, (FormMatter("1120", "Income", ("202312",), "2023"),), 4, "rejected"),
    DemoForm(
        "8821",
        CPA,
        (FormMatter("940", "Unemployment", ("202412",), "2024"),),
        5,
        "withdrawn",
        LAKESIDE,
    ),
    DemoForm(
        "8821",
        AGENT,
        (FormMatter("941", "Employment", ("202403", "202406"), "Q1-Q2 2024"),),
        2,
        "in_review",
    ),
    DemoForm("2848", CPA, (FormMatter("940", "Unemployment", ("202512",), "2025"),), 1, "waiting"),
]


def _noon(days_ago: int) -> dt.datetime:
    day = clock.today_et() - dt.timedelta(days=days_ago)
    return dt.datetime.combine(day, dt.time(12), tzinfo=ET)


def _pdf(title: str) -> bytes:
    """A one-page PDF, its title making each file distinct (R39 refuses the same file twice)."""
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _representative(caf_number: str, signed_on: dt.date) -> tuple[User, FormRepresentative]:
    record = CafRecord.objects.get(caf_number=caf_number)
    profile = PractitionerProfile.objects.get(tin_hash=record.tin_hash)
    designation = profile.designations.first()
    return profile.user, FormRepresentative(
        name=record.name,
        address=record.postal_address,
        caf_number=caf_number,
        designation=designation.code if designation else "",
        jurisdiction=designation.jurisdiction if designation else "",
        license_number=designation.number if designation else "",
        signed_on=signed_on,
    )


def _upload(demo: DemoForm, taxpayer: Taxpayer) -> UploadedForm:
    received = _noon(demo.days_ago)
    signed_on = clock.today_et(received) - dt.timedelta(days=2)
    user, rep = _representative(demo.caf_number, signed_on)
    data = FormData(
        form_type=demo.form_type,
        taxpayer=FormTaxpayer(
            kind=taxpayer.kind,
            tin=taxpayer.tin_reveal(),
            name=taxpayer.name,
            address=taxpayer.postal_address,
            signer_title="Managing member" if taxpayer.kind == HolderKind.BUSINESS else "",
        ),
        representatives=(rep,),
        matters=demo.matters,
        taxpayer_signed_on=signed_on,
    )
    content = _pdf(f"Demo Form {demo.form_type} for {taxpayer.name}, {demo.days_ago} days ago")
    return forms.form_upload(
        practitioner=user,
        data=data,
        upload=SimpleUploadedFile("form.pdf", content, content_type="application/pdf"),
        now=received,
    )


def _process(demo: DemoForm, form: UploadedForm, clerk: User) -> None:
    if demo.outcome == "waiting":
        return
    if demo.outcome == "withdrawn":
        # R39b: the practitioner withdrew it while it waited.
        forms.form_withdraw(
            practitioner=form.practitioner,
            public_id=form.public_id,
            now=_noon(demo.days_ago) + dt.timedelta(hours=2),
        )
        return
    now = clock.now() if demo.outcome == "in_review" else _noon(demo.days_ago - 1)
    taken = forms.form_take_next(clerk=clerk, now=now)
    assert taken == form, "the demo's forms are taken in the order they were received"
    if demo.outcome == "recorded":
        forms.form_record(clerk=clerk, public_id=form.public_id, now=now)
        forms.form_record_on_ledger(form_id=form.pk, now=now)  # what the worker does
    elif demo.outcome == "rejected":
        forms.form_reject(
            clerk=clerk,
            public_id=form.public_id,
            reasons=[RejectionReason.ILLEGIBLE],
            note="The scan of page 2 is too faint to read. Please upload a clearer copy.",
            now=now,
        )


def seed(*, stdout: Any) -> None:
    bakery = Taxpayer.objects.filter(name=BAKERY).first()
    clerk = User.objects.filter(username=CLERK_EMAIL).first()
    if bakery is None or clerk is None:
        stdout.write("forms demo: the bakery or the clerk is missing; skipped.")
        return
    if UploadedForm.objects.filter(tin_hash=bakery.tin_hash).exists():
        return
    taxpayers = {
        t.name: t for t in Taxpayer.objects.filter(name__in={d.taxpayer for d in DEMO_FORMS})
    }
    for demo in DEMO_FORMS:
        _process(demo, _upload(demo, taxpayers[demo.taxpayer]), clerk)
    stdout.write(f"forms demo: {len(DEMO_FORMS)} uploaded forms, {len(taxpayers)} taxpayers.")
