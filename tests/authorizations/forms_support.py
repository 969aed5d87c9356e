"""Builders for the forms channel's tests: real small files, and keyed data for each form."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import itertools
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from authorizations.forms_channel.data import (
    FormData,
    FormMatter,
    FormRepresentative,
    FormTaxpayer,
)
from authorizations.services.forms import form_upload
from taxpayers.models import Taxpayer
from taxpro.addresses import PostalAddress
from taxpro.tins import HolderKind
from tests.personas import Rep

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"
GIF_BYTES = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
_UPLOADS = itertools.count(1)


def pdf_bytes(*, pages: int = 1, marker: str = "", password: str = "") -> bytes:
    """A real PDF made by pypdf; ``marker`` makes files with the same pages differ."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    if marker:
        writer.add_metadata({"/Title": marker})
    if password:
        writer.encrypt(password, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def an_address(line1: str = "1 Main Street") -> PostalAddress:
    return PostalAddress(line1=line1, city="Springfield", state="IL", zip_code="62701")


def form_taxpayer(taxpayer: Taxpayer | None = None, **changes: Any) -> FormTaxpayer:
    if taxpayer is None:
        base = FormTaxpayer(
            kind=HolderKind.INDIVIDUAL, tin="301224001", name="Pat Example", address=an_address()
        )
    else:
        base = FormTaxpayer(
            kind=taxpayer.kind,
            tin=taxpayer.tin_reveal(),
            name=taxpayer.name,
            address=taxpayer.postal_address,
            signer_title="President" if taxpayer.kind == HolderKind.BUSINESS else "",
        )
    return dataclasses.replace(base, **changes)


def form_rep(rep: Rep | None = None, **changes: Any) -> FormRepresentative:
    if rep is None:
        base = FormRepresentative(
            name="Casey Morgan",
            address=an_address("200 Market Street"),
            caf_number="030012345",
            designation="b",
            jurisdiction="PA",
            license_number="CPA-1",
            signed_on=dt.date(2026, 11, 20),
        )
    else:
        designation = rep.profile.designations.first()
        base = FormRepresentative(
            name=rep.caf_record.name,
            address=rep.caf_record.postal_address,
            caf_number=rep.caf_record.caf_number,
            designation=designation.code if designation else "b",
            jurisdiction=(designation.jurisdiction if designation else "") or "NY",
            license_number=(designation.number if designation else "") or "LIC-1",
            signed_on=dt.date(2026, 11, 20),
        )
    return dataclasses.replace(base, **changes)


def form_data(
    *,
    form_type: str = "2848",
    taxpayer: FormTaxpayer | None = None,
    reps: tuple[FormRepresentative, ...] | None = None,
    matters: tuple[FormMatter, ...] = (FormMatter("1040", "Income tax", ("202412",), "2024"),),
    signed_on: dt.date | None = dt.date(2026, 11, 20),
    **changes: Any,
) -> FormData:
    """A form that passes the pre-check on 2026-11-24 unless ``changes`` break it."""
    return FormData(
        form_type=form_type,
        taxpayer=taxpayer or form_taxpayer(),
        representatives=reps if reps is not None else (form_rep(),),
        matters=matters,
        taxpayer_signed_on=signed_on,
        **changes,
    )


def upload(
    practitioner,
    data: FormData,
    *,
    content: bytes | None = None,
    name: str = "form.pdf",
    now: dt.datetime,
):
    """Upload ``data`` with a real PDF (distinct per call unless ``content`` is given)."""
    body = content if content is not None else pdf_bytes(marker=f"upload {next(_UPLOADS)}")
    return form_upload(
        practitioner=practitioner,
        data=data,
        upload=SimpleUploadedFile(name, body, content_type="application/pdf"),
        now=now,
    )
