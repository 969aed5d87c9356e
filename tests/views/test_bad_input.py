"""quality.md's bad input, form by form and field by field: every text field of every form that
takes typed text (the request wizard's steps, the practitioner's profile, designation, CAF
link and PIN, the taxpayer's identity questions and code) gets NUL, another control character,
invalid UTF-8 (which arrives as U+FFFD), a right-to-left override and over-long input. Each
gets a message next to that field, never a 5xx, and nothing is written."""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from authorizations.models import FormDraft, RequestDraft
from authorizations.services.form_drafts import form_draft_create
from authorizations.web.pro.forms_channel.steps import STEP_BY_SLUG as FORMS_STEP_BY_SLUG
from authorizations.web.pro.wizard.steps import STEP_BY_SLUG
from authorizations.webhooks.models import WebhookEndpoint
from caf.models import CafLink, Designation, PinLetter, PractitionerProfile
from caf.services import caf_pin_request
from taxpayers.models import IdentityCheck, Letter
from taxpro.models import AuditEvent
from tests.factories import UserFactory
from tests.taxpayers.factories import TaxpayerFactory
from tests.views.caf_support import (
    practitioner_with_profile,
    practitioner_without_profile,
    their_caf_record,
)
from tests.views.pro_support import practitioner, signed_in_as
from tests.views.taxpayer_support import identity_form_data
from tests.views.wizard_support import (
    drafting_representative,
    make_taxpayer,
    matters_answers,
    step_url,
    taxpayer_answers,
    typed_representative_answers,
)

pytestmark = pytest.mark.django_db

# The upload wizard's steps (a Form 2848 for a person), each answered as it passes.
FORMS_STEP_ANSWERS: dict[str, dict[str, str]] = {
    "taxpayer": {
        "taxpayer_kind": "individual",
        "tin": "287-65-4321",
        "name": "Robin Newcomer",
        "signer_title": "",
        "address_line1": "10 Main Street",
        "address_line2": "Suite 4",
        "city": "Albany",
        "state": "NY",
        "zip_code": "12207",
    },
    "representatives": {
        "row_count": "1",
        "rep-0-name": "Casey Morgan",
        "rep-0-caf_number": "0300-12345",
        "rep-0-ptin": "P01234567",
        "rep-0-address_line1": "200 Market Street",
        "rep-0-address_line2": "Floor 2",
        "rep-0-city": "Albany",
        "rep-0-state": "NY",
        "rep-0-zip_code": "12207",
        "rep-0-designation": "b",
        "rep-0-jurisdiction": "NY",
        "rep-0-license_number": "CPA-1234",
        "rep-0-signed_on": "2024-01-02",
        "action": "continue",
    },
    "matters": {
        "row_count": "1",
        "matter-0-form_code": "1040",
        "matter-0-description": "Income tax",
        "matter-0-period_kind": "annual",
        "matter-0-first_year": "2022",
        "matter-0-last_year": "2023",
        "action": "continue",
    },
    "acts": {"other": "Receive refund checks", "removed": "Sign Form 1040-X"},
    "retention": {"retention_box": "yes", "retained": "0300-54321 1040 202312"},
    "signature": {"signature_kind": "ink", "taxpayer_signed_on": "2024-01-02"},
}

# The kinds of bad text, each spliced into a valid answer. "\udcff" stands for a byte that is
# not UTF-8: the body is sent with %FF there, and Django decodes it to U+FFFD.
BAD_TEXT = {
    "nul": "\x00",
    "control": "\x07",
    "invalid_utf8": "\udcff",
    "rtl_override": "\u202e",
    "over_long": "9" * 5000,
}


@dataclass(frozen=True)
class Page:
    """A form as a user meets it: where it posts, valid answers, and what it must not write."""

    url: str
    data: dict[str, str]
    # Returns a picture of everything the form could write; compared before and after.
    written: Callable[[], object]
    # The wizard keeps a valid TIN (encrypted) when another answer is wrong; never a bad one.
    tin_kept: Callable[[], bool] | None = None


def _wizard(slug: str) -> Callable[[Client], Page]:
    def setup(client: Client) -> Page:
        rep, draft = drafting_representative(client)
        if slug == "representative":
            data = typed_representative_answers(rep)
        elif slug == "taxpayer":
            data = taxpayer_answers(make_taxpayer())
        else:
            data = matters_answers()

        def written() -> object:
            fresh = RequestDraft.objects.get(pk=draft.pk)
            # R42 keeps what was typed, but never as an answer: the step stays incomplete, no
            # TIN is kept, and nothing unprintable reaches the JSON.
            text = json.dumps(fresh.data)
            assert "\\u0000" not in text and "\\u202e" not in text and "\\u0007" not in text
            return (STEP_BY_SLUG[slug].is_complete(fresh), fresh.submitted_request_id)

        def tin_kept() -> bool:
            return bool(RequestDraft.objects.get(pk=draft.pk).taxpayer_tin_ciphertext)

        return Page(step_url(draft, slug), data, written, tin_kept=tin_kept)

    return setup


def _forms_step(slug: str) -> Callable[[Client], Page]:
    """A step of the upload wizard, its earlier steps answered (a Form 2848)."""

    def setup(client: Client) -> Page:
        rep = practitioner()
        signed_in_as(client, rep)
        draft = form_draft_create(practitioner=rep.user)
        data = dict(FORMS_STEP_ANSWERS[slug])
        client.post(forms_step_url(draft, "form"), {"form_type": "2848"})

        def written() -> object:
            fresh = FormDraft.objects.get(pk=draft.pk)
            text = json.dumps(fresh.data)
            assert "\\u0000" not in text and "\\u202e" not in text and "\\u0007" not in text
            return (FORMS_STEP_BY_SLUG[slug].is_complete(fresh), fresh.submitted_form_id)

        def tin_kept() -> bool:
            return bool(FormDraft.objects.get(pk=draft.pk).taxpayer_tin_ciphertext)

        return Page(forms_step_url(draft, slug), data, written, tin_kept=tin_kept)

    return setup


def _profile(client: Client) -> Page:
    rep = practitioner_without_profile()
    client.force_login(rep.user)
    data = {
        "legal_name": "Robin Newcomer",
        "tin": "123-45-6789",
        "address_line1": "10 Main Street",
        "address_line2": "Suite 4",
        "city": "Albany",
        "state": "NY",
        "zip_code": "12207",
    }
    return Page(
        reverse("caf_pro:profile_create"), data, lambda: PractitionerProfile.objects.count()
    )


def _designation(client: Client) -> Page:
    cpa = practitioner_with_profile()
    client.force_login(cpa.user)
    data = {"code": "c", "jurisdiction": "", "number": "EA-1234"}
    return Page(reverse("caf_pro:designation_add"), data, lambda: Designation.objects.count())


def _link(client: Client) -> Page:
    cpa = practitioner_with_profile()
    client.force_login(cpa.user)
    record = their_caf_record(cpa)
    data = {"caf_number": record.caf_number_display}
    return Page(reverse("caf_pro:link_start"), data, lambda: PinLetter.objects.count())


def _pin(client: Client) -> Page:
    cpa = practitioner_with_profile()
    client.force_login(cpa.user)
    record = their_caf_record(cpa)
    letter = caf_pin_request(practitioner=cpa.user, caf_number=record.caf_number)

    def written() -> object:
        letter.refresh_from_db()
        return (CafLink.objects.count(), letter.wrong_attempts, letter.state)

    return Page(
        reverse("caf_pro:link_confirm", args=[letter.public_id]), {"pin": "12345678"}, written
    )


def _identity(client: Client) -> Page:
    taxpayer = TaxpayerFactory(date_of_birth=dt.date(1980, 2, 10))
    client.force_login(UserFactory())
    data = identity_form_data(taxpayer, address_line2="Apt 2")
    return Page(
        reverse("taxpayers_account:verify"),
        data,
        lambda: (Letter.objects.count(), IdentityCheck.objects.count(), AuditEvent.objects.count()),
    )


def _identity_code(client: Client) -> Page:
    taxpayer = TaxpayerFactory()
    client.force_login(UserFactory())
    client.post(reverse("taxpayers_account:verify"), identity_form_data(taxpayer))

    def written() -> object:
        check = IdentityCheck.objects.get()
        taxpayer.refresh_from_db()
        return (check.wrong_attempts, check.state, taxpayer.user_id)

    return Page(reverse("taxpayers_account:verify_code"), {"code": "12345678"}, written)


def _webhook(client: Client) -> Page:
    """Issue 14: a practitioner adds a webhook endpoint."""
    rep = practitioner_with_profile()
    client.force_login(rep.user)
    data = {
        "url": "https://hooks.example.com/taxpro",
        "description": "Practice software",
        "events": "request.recorded",
    }
    return Page(reverse("authorizations_pro:webhook_new"), data, WebhookEndpoint.objects.count)


# Every text field of every form (selects and radios are choices, refused by their lists).
FORMS: dict[str, tuple[Callable[[Client], Page], list[str]]] = {
    "wizard_representative": (
        _wizard("representative"),
        ["caf_number", "name", "line1", "line2", "city", "zip_code"],
    ),
    "wizard_taxpayer": (
        _wizard("taxpayer"),
        ["name", "tin", "line1", "line2", "city", "zip_code"],
    ),
    "wizard_matters": (
        _wizard("matters"),
        ["row-0-matter", "row-0-period_from", "row-0-period_to"],
    ),
    "forms_taxpayer": (
        _forms_step("taxpayer"),
        ["name", "tin", "signer_title", "address_line1", "address_line2", "city", "zip_code"],
    ),
    "forms_representatives": (
        _forms_step("representatives"),
        [
            "rep-0-name",
            "rep-0-caf_number",
            "rep-0-ptin",
            "rep-0-address_line1",
            "rep-0-address_line2",
            "rep-0-city",
            "rep-0-zip_code",
            "rep-0-license_number",
            "rep-0-signed_on",
        ],
    ),
    "forms_matters": (
        _forms_step("matters"),
        ["matter-0-form_code", "matter-0-description", "matter-0-first_year", "matter-0-last_year"],
    ),
    "forms_acts": (_forms_step("acts"), ["other", "removed"]),
    "forms_retention": (_forms_step("retention"), ["retained"]),
    "forms_signature": (_forms_step("signature"), ["taxpayer_signed_on"]),
    "caf_profile": (
        _profile,
        ["legal_name", "tin", "address_line1", "address_line2", "city", "zip_code"],
    ),
    "caf_designation": (_designation, ["number"]),
    "caf_link": (_link, ["caf_number"]),
    "caf_pin": (_pin, ["pin"]),
    "taxpayer_identity": (
        _identity,
        [
            "name",
            "tin",
            "dob_month",
            "dob_day",
            "dob_year",
            "address_line1",
            "address_line2",
            "city",
            "zip_code",
        ],
    ),
    "taxpayer_identity_code": (_identity_code, ["code"]),
    "webhook_endpoint": (_webhook, ["url", "description"]),
}
CASES = [
    pytest.param(form, field, kind, id=f"{form}-{field}-{kind}")
    for form, (_, fields) in FORMS.items()
    for field in fields
    for kind in BAD_TEXT
]


def forms_step_url(draft: FormDraft, slug: str) -> str:
    return reverse("authorizations_pro:form_draft_step", args=[draft.public_id, slug])


def _post(client: Client, url: str, data: dict[str, str]) -> str:
    """Posts ``data`` form-encoded by hand, so a lone "\\udcff" goes out as the byte %FF."""
    parts = []
    for key, value in data.items():
        encoded = quote(value.replace("\udcff", "\x00INVALID\x00"), safe="")
        parts.append(f"{quote(key)}={encoded.replace('%00INVALID%00', '%FF')}")
    response = client.generic(
        "POST", url, "&".join(parts), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200, (response.status_code, url)
    return response.content.decode()


def _refused(
    client: Client, form: str, field: str, value: Callable[[str], str]
) -> tuple[Page, str]:
    """Posts ``form``'s valid answers with ``field`` set to ``value(valid answer)``, and checks
    the answer: the page again, a message next to that field, nothing written."""
    page = FORMS[form][0](client)
    before = page.written()
    data = dict(page.data)
    data[field] = value(data.get(field) or "2024")
    body = _post(client, page.url, data)
    assert "There is a problem" in body
    assert f'id="id_{field}_error"' in body, "the message is next to the field"
    assert page.written() == before
    return page, body


@pytest.mark.parametrize(("form", "field", "kind"), CASES)
def test_bad_text_in_any_field_gets_a_field_message_and_writes_nothing(
    client: Client, form: str, field: str, kind: str
) -> None:
    bad = BAD_TEXT[kind]
    page, body = _refused(
        client,
        form,
        field,
        lambda valid: bad if kind == "over_long" else f"{valid[:2]}{bad}{valid[2:]}",
    )
    if field == "tin" and page.tin_kept is not None:
        assert not page.tin_kept()
    if not field.startswith("row-"):
        # What else was typed is kept on the page (never the TIN: R46).
        others = [
            value
            for key, value in page.data.items()
            if key not in {field, "action", "tin"} and len(value) > 3
        ]
        assert all(html.escape(value) in body for value in others)


# --- R46: a TIN never comes back whole, even when the form has errors -------------------------

TIN_FORMS = ["wizard_taxpayer", "forms_taxpayer", "caf_profile", "taxpayer_identity"]


@pytest.mark.parametrize("form", TIN_FORMS)
@pytest.mark.parametrize("tin_valid", [True, False], ids=["valid_tin", "invalid_tin"])
def test_r46_a_tin_is_not_echoed_back_when_another_field_has_an_error(
    client: Client, form: str, tin_valid: bool
) -> None:
    setup, _ = FORMS[form]
    page = setup(client)
    data = dict(page.data)
    # Not the 123-45-6789 of the hints; the invalid one has a 000 area, never an SSN.
    tin = "287-65-4321" if tin_valid else "000-81-3456"
    digits = tin.replace("-", "")
    data.update(tin=tin, zip_code="1234")  # the error is in another field
    body = _post(client, page.url, data)
    assert 'id="id_zip_code_error"' in body
    assert tin not in body and digits not in body
    assert f"{digits[:3]}-{digits[3:5]}" not in body and digits[:5] not in body
    if form in ("wizard_taxpayer", "forms_taxpayer") and tin_valid:
        # The valid TIN was kept, encrypted (R42): the page says which, by its last four (R43).
        assert f"You entered a number ending {digits[-4:]}" in body
    else:
        assert "the number you typed is not shown again. Type it again." in body
    # What else was typed is kept.
    assert html.escape(data["city"]) in body


# --- Addresses: a ZIP code not in use or not in the state is told at the question -------------

ADDRESS_FORMS = [
    "wizard_representative",
    "wizard_taxpayer",
    "forms_taxpayer",
    "caf_profile",
    "taxpayer_identity",
]


@pytest.mark.parametrize("form", ADDRESS_FORMS)
@pytest.mark.parametrize(
    ("zip_code", "message"),
    [
        ("00000", "ZIP code 00000 is not in use."),
        ("99501", "ZIP code 99501 is not in "),  # Anchorage, Alaska
        ("00901", "ZIP code 00901 is in Puerto Rico."),
    ],
)
def test_r10_r11_every_address_form_checks_the_zip_against_the_state(
    client: Client, form: str, zip_code: str, message: str
) -> None:
    _, body = _refused(client, form, "zip_code", lambda _valid: zip_code)
    assert message in body
