"""The data a practitioner keys from an uploaded Form 2848 or 8821 (R34), as plain values.

The taxpayer's TIN travels in :class:`FormTaxpayer` only on its way in; stored, it is encrypted
on the form's row (R46) and the JSON below never holds it. Periods are explicit: ``YYYYMM`` of
the month each ends (R17, R36).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from taxpro.addresses import PostalAddress


@dataclass(frozen=True)
class FormTaxpayer:
    kind: str  # taxpro.tins.HolderKind: individual or business (R36)
    tin: str
    name: str
    address: PostalAddress
    signer_title: str = ""  # a business's signer: president, member, trustee...


@dataclass(frozen=True)
class FormRepresentative:
    """A representative (Form 2848) or designee (Form 8821)."""

    name: str
    address: PostalAddress
    caf_number: str = ""  # nine digits, or "" for none (assigned when first recorded, R34b)
    ptin: str = ""
    receives_notices: bool = False
    # Form 2848 Part II only.
    designation: str = ""
    jurisdiction: str = ""
    license_number: str = ""
    signed_on: dt.date | None = None


@dataclass(frozen=True)
class FormMatter:
    """One row of line 3: a form code, the matter as written, and its explicit periods."""

    form_code: str
    description: str
    periods: tuple[str, ...]
    periods_as_written: str = ""


@dataclass(frozen=True)
class RetainedAuthorization:
    """R35: a prior authorization the retention box keeps in force."""

    caf_number: str
    matter: str
    period: str
    kind: str  # RequestKind


@dataclass(frozen=True)
class FormData:
    form_type: str  # FormType: "2848" or "8821"
    taxpayer: FormTaxpayer
    representatives: tuple[FormRepresentative, ...]
    matters: tuple[FormMatter, ...]
    specific_use: bool = False  # line 4 (R37)
    retention_box: bool = False  # R35
    retained: tuple[RetainedAuthorization, ...] = ()
    signature_kind: str = "ink"  # SignatureKind
    taxpayer_signed_on: dt.date | None = None
    # R34a: signed electronically and remotely, with no prior relationship...
    remote_without_prior_relationship: bool = False
    # ...and the practitioner attests they checked the taxpayer's identity.
    identity_attested: bool = False
    # R34: one taxpayer TIN per form; the practitioner says how many the form names.
    taxpayer_count: int = 1
    acts: dict[str, Any] = field(default_factory=dict)


def _address_json(address: PostalAddress) -> dict[str, str]:
    return {
        "line1": address.line1,
        "line2": address.line2,
        "city": address.city,
        "state": address.state,
        "zip_code": address.zip_code,
    }


def _day(raw: str | None) -> dt.date | None:
    return dt.date.fromisoformat(raw) if raw else None


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def form_data_to_json(data: FormData) -> dict[str, Any]:
    """The keyed data as JSON for the form's row, without the TIN (R46)."""
    return {
        "form_type": data.form_type,
        "taxpayer": {
            "kind": data.taxpayer.kind,
            "name": data.taxpayer.name,
            "address": _address_json(data.taxpayer.address),
            "signer_title": data.taxpayer.signer_title,
        },
        "representatives": [
            {
                "name": rep.name,
                "address": _address_json(rep.address),
                "caf_number": rep.caf_number,
                "ptin": rep.ptin,
                "receives_notices": rep.receives_notices,
                "designation": rep.designation,
                "jurisdiction": rep.jurisdiction,
                "license_number": rep.license_number,
                "signed_on": _iso(rep.signed_on),
            }
            for rep in data.representatives
        ],
        "matters": [
            {
                "form_code": m.form_code,
                "description": m.description,
                "periods": list(m.periods),
                "periods_as_written": m.periods_as_written,
            }
            for m in data.matters
        ],
        "specific_use": data.specific_use,
        "retention_box": data.retention_box,
        "retained": [
            {"caf_number": r.caf_number, "matter": r.matter, "period": r.period, "kind": r.kind}
            for r in data.retained
        ],
        "signature_kind": data.signature_kind,
        "taxpayer_signed_on": _iso(data.taxpayer_signed_on),
        "remote_without_prior_relationship": data.remote_without_prior_relationship,
        "identity_attested": data.identity_attested,
        "taxpayer_count": data.taxpayer_count,
        "acts": data.acts,
    }


def form_data_from_json(raw: dict[str, Any], *, tin: str) -> FormData:
    """The inverse of :func:`form_data_to_json`; ``tin`` comes from the encrypted column."""
    payer = raw["taxpayer"]
    return FormData(
        form_type=raw["form_type"],
        taxpayer=FormTaxpayer(
            kind=payer["kind"],
            tin=tin,
            name=payer["name"],
            address=PostalAddress.from_mapping(payer["address"]),
            signer_title=payer.get("signer_title", ""),
        ),
        representatives=tuple(
            FormRepresentative(
                name=rep["name"],
                address=PostalAddress.from_mapping(rep["address"]),
                caf_number=rep.get("caf_number", ""),
                ptin=rep.get("ptin", ""),
                receives_notices=rep.get("receives_notices", False),
                designation=rep.get("designation", ""),
                jurisdiction=rep.get("jurisdiction", ""),
                license_number=rep.get("license_number", ""),
                signed_on=_day(rep.get("signed_on")),
            )
            for rep in raw["representatives"]
        ),
        matters=tuple(
            FormMatter(
                form_code=m["form_code"],
                description=m.get("description", ""),
                periods=tuple(m["periods"]),
                periods_as_written=m.get("periods_as_written", ""),
            )
            for m in raw["matters"]
        ),
        specific_use=raw.get("specific_use", False),
        retention_box=raw.get("retention_box", False),
        retained=tuple(RetainedAuthorization(**r) for r in raw.get("retained", [])),
        signature_kind=raw.get("signature_kind", "ink"),
        taxpayer_signed_on=_day(raw.get("taxpayer_signed_on")),
        remote_without_prior_relationship=raw.get("remote_without_prior_relationship", False),
        identity_attested=raw.get("identity_attested", False),
        taxpayer_count=raw.get("taxpayer_count", 1),
        acts=raw.get("acts", {}),
    )
