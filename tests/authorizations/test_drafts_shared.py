"""The draft operations both wizards share (issue 9: authorizations/services/drafts.py), proved
through each wizard's own services, so a wizard that stops using them, or a change to them that
breaks one wizard, fails here: R42 (what was typed is kept), R46 (the TIN only encrypted) and
R47 (a doubled start or discard does one thing). Real PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from authorizations.errors import FormRefused, RequestRefused
from authorizations.models import FormDraft, RequestDraft
from authorizations.services.drafts import RAW, TIN, draft_save_answers
from authorizations.services.form_drafts import (
    form_draft_create,
    form_draft_discard,
    form_draft_submit,
)
from authorizations.web.pro.wizard import services as request_drafts
from taxpro.tin_crypto import tin_decrypt
from taxpro.tins import tin_parse
from tests.authorizations.forms_support import form_data
from tests.factories import PractitionerFactory

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Wizard:
    model: type[RequestDraft] | type[FormDraft]
    create: Callable[..., Any]
    save: Callable[..., Any]
    discard: Callable[..., bool]
    send: Callable[..., Any]
    refusal: type[Exception]
    noun: str


def _upload(**kwargs: Any) -> Any:
    return form_draft_submit(data=form_data(), **kwargs)


WIZARDS = {
    "request": Wizard(
        RequestDraft,
        request_drafts.draft_create,
        draft_save_answers,
        request_drafts.draft_discard,
        request_drafts.draft_submit,
        RequestRefused,
        "request",
    ),
    "upload": Wizard(
        FormDraft,
        form_draft_create,
        draft_save_answers,
        form_draft_discard,
        _upload,
        FormRefused,
        "upload",
    ),
}


@pytest.fixture(params=sorted(WIZARDS), name="wizard")
def _wizard(request: pytest.FixtureRequest) -> Wizard:
    return WIZARDS[request.param]


def test_r47_a_doubled_start_makes_one_draft(wizard: Wizard) -> None:
    practitioner = PractitionerFactory()
    first = wizard.create(practitioner=practitioner)
    second = wizard.create(practitioner=practitioner)
    assert first.pk == second.pk
    assert wizard.model.objects.filter(owner=practitioner).count() == 1


def test_r42_typed_answers_are_kept_until_the_step_is_posted_valid(wizard: Wizard) -> None:
    draft = wizard.create(practitioner=PractitionerFactory())
    wizard.save(draft=draft, step="taxpayer", answers={"name": "Ada L"}, valid=False)
    stored = wizard.model.objects.get(pk=draft.pk)
    assert stored.data[RAW] == {"taxpayer": {"name": "Ada L"}}
    assert "taxpayer" not in stored.data

    wizard.save(draft=stored, step="taxpayer", answers={"name": "Ada Lovelace"}, valid=True)
    stored = wizard.model.objects.get(pk=draft.pk)
    assert stored.data["taxpayer"] == {"name": "Ada Lovelace"}
    assert stored.data[RAW] == {}


def test_r46_the_tin_is_kept_encrypted_and_only_its_last_four_in_the_answers(
    wizard: Wizard,
) -> None:
    draft = wizard.create(practitioner=PractitionerFactory())
    tin = tin_parse("123-45-6789")
    wizard.save(draft=draft, step="taxpayer", answers={"name": "Ada"}, valid=True, tin=tin)
    stored = wizard.model.objects.get(pk=draft.pk)
    assert "123456789" not in json.dumps(stored.data)
    assert "123456789" not in stored.taxpayer_tin_ciphertext
    assert tin_decrypt(stored.taxpayer_tin_ciphertext) == "123456789"
    assert stored.data[TIN]["last4"] == "6789"


def test_r47_a_doubled_discard_wipes_once(wizard: Wizard) -> None:
    draft = wizard.create(practitioner=PractitionerFactory())
    wizard.save(
        draft=draft,
        step="taxpayer",
        answers={"name": "Ada"},
        valid=True,
        tin=tin_parse("123456789"),
    )
    assert wizard.discard(draft=draft) is True
    assert wizard.discard(draft=draft) is False
    stored = wizard.model.objects.get(pk=draft.pk)
    assert stored.data == {}
    assert stored.taxpayer_tin_ciphertext == ""
    assert stored.discarded_at is not None


def test_r47_a_discarded_draft_is_not_sent(wizard: Wizard) -> None:
    practitioner = PractitionerFactory()
    draft = wizard.create(practitioner=practitioner)
    assert wizard.discard(draft=draft) is True
    with pytest.raises(wizard.refusal, match=f"discarded. Start a new {wizard.noun}.$"):
        wizard.send(draft=draft, practitioner=practitioner)
    assert wizard.model.objects.get(pk=draft.pk).sent_id is None


def test_r4_only_its_owner_sends_a_draft(wizard: Wizard) -> None:
    draft = wizard.create(practitioner=PractitionerFactory())
    with pytest.raises(wizard.model.DoesNotExist):
        wizard.send(draft=draft, practitioner=PractitionerFactory())
    assert wizard.model.objects.get(pk=draft.pk).sent_id is None
