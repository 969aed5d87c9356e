"""Demo CAF data for ``manage.py seed_demo``: practitioner profiles, designations, CAF records,
and the CPA's link. Idempotent: every step looks for its natural key first.

- cpa@demo.taxpro.test: CPA (b, licensed in PA), CAF 0300-12345, linked.
- agent@demo.taxpro.test: enrolled agent (c), CAF 0300-54321 on file but NOT linked yet.
- preparer@demo.taxpro.test: unenrolled return preparer (h): TIA only (R2), CAF 0301-11111.
- Two CAF records without a portal user: a business and a disbarred attorney.
"""

from __future__ import annotations

import re
from typing import Any

from caf.models import CafLink, CafRecord, PracticeStatus, PractitionerProfile
from caf.services import (
    caf_link_confirm,
    caf_pin_request,
    caf_record_create,
    designation_add,
    practitioner_profile_create,
)
from taxpro.addresses import PostalAddress
from taxpro.models import User
from taxpro.tins import HolderKind

PRACTITIONERS: list[dict[str, Any]] = [
    {
        "email": "cpa@demo.taxpro.test",
        "legal_name": "Casey Morgan",
        "tin": "212-55-0101",
        "address": PostalAddress(
            "200 Market Street", "Philadelphia", "PA", "19106", line2="Suite 410"
        ),
        "designations": [("b", "PA", "CPA-067891")],
        "caf_number": "030012345",
        "link": True,
    },
    {
        "email": "agent@demo.taxpro.test",
        "legal_name": "Eli Ramirez",
        "tin": "212-55-0202",
        "address": PostalAddress("88 Lakeshore Drive", "Chicago", "IL", "60611"),
        "designations": [("c", "", "EA-00012345")],
        "caf_number": "030054321",
        "link": False,
    },
    {
        "email": "preparer@demo.taxpro.test",
        "legal_name": "Pat Nguyen",
        "tin": "212-55-0303",
        "address": PostalAddress(
            "15 Peachtree Avenue", "Atlanta", "GA", "30303", line2="Apartment 3"
        ),
        "designations": [("h", "", "")],
        "caf_number": "030111111",
        "link": False,
    },
]

OTHER_CAF_RECORDS: list[dict[str, Any]] = [
    {
        "caf_number": "040022222",
        "holder_kind": HolderKind.BUSINESS,
        "name": "Keystone Tax Services LLC",
        "tin": "23-4567890",
        "address": PostalAddress("1 Liberty Place", "Philadelphia", "PA", "19103"),
        "designation_codes": "",
        "practice_status": PracticeStatus.GOOD_STANDING,
    },
    {
        "caf_number": "040033333",
        "holder_kind": HolderKind.INDIVIDUAL,
        "name": "Dana Former",
        "tin": "212-55-0404",
        "address": PostalAddress("9 Court Street", "Brooklyn", "NY", "11201"),
        "designation_codes": "a",
        "practice_status": PracticeStatus.DISBARRED,
    },
]


def seed(*, stdout: Any) -> None:
    for spec in PRACTITIONERS:
        user = User.objects.filter(username=spec["email"]).first()
        if user is None:
            stdout.write(f"caf demo: {spec['email']} is missing; skipped.")
            continue
        profile = _profile(user, spec)
        record = CafRecord.objects.filter(caf_number=spec["caf_number"]).first()
        if record is None:
            record = caf_record_create(
                caf_number=spec["caf_number"],
                holder_kind=HolderKind.INDIVIDUAL,
                name=spec["legal_name"],
                tin=spec["tin"],
                address=spec["address"],
                designation_codes="".join(code for code, _, _ in spec["designations"]),
            )
        if spec["link"] and not CafLink.objects.filter(caf_record=record).exists():
            # Linked the way a practitioner would: ask for a PIN, read the letter, enter it.
            pin_letter = caf_pin_request(practitioner=user, caf_number=record.caf_number)
            pin = re.search(r"^\s+(\d+)$", pin_letter.letter.body, re.MULTILINE)
            assert pin is not None
            caf_link_confirm(practitioner=user, caf_number=record.caf_number, pin=pin.group(1))
        assert profile.pk
    for spec in OTHER_CAF_RECORDS:
        if not CafRecord.objects.filter(caf_number=spec["caf_number"]).exists():
            caf_record_create(**spec)
    stdout.write(
        f"caf demo: {PractitionerProfile.objects.count()} profiles, "
        f"{CafRecord.objects.count()} CAF records, {CafLink.objects.count()} links."
    )


def _profile(user: User, spec: dict[str, Any]) -> PractitionerProfile:
    profile = PractitionerProfile.objects.filter(user=user).first()
    if profile is None:
        profile = practitioner_profile_create(
            user=user, legal_name=spec["legal_name"], tin=spec["tin"], address=spec["address"]
        )
    for code, jurisdiction, number in spec["designations"]:
        if not profile.designations.filter(code=code).exists():
            designation_add(profile=profile, code=code, jurisdiction=jurisdiction, number=number)
    return profile
