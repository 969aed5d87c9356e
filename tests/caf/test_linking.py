"""R6 (linking with a mailed PIN) and R44 (audit of CAF link state changes)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import override_settings

from caf.errors import CafLinkRefused, PinRefused
from caf.models import CafLink, PinLetter, PinLetterState
from caf.selectors import caf_numbers_linked_to
from caf.services import caf_link_confirm, caf_pin_request
from taxpayers.models import Letter, LetterKind
from taxpro.models import AuditEvent
from tests.caf.factories import PractitionerProfileFactory, caf_record_for
from tests.taxpayers.factories import FIXED_NOW

pytestmark = pytest.mark.django_db


def pin_from_letter(pin_letter: PinLetter) -> str:
    """The PIN is only in the mailed letter (R6); tests read it there, like the practitioner."""
    match = re.search(r"^\s+(\d{8})$", pin_letter.letter.body, re.MULTILINE)
    assert match
    return match.group(1)


def wrong_pin(pin: str) -> str:
    return f"{(int(pin) + 1) % 10**8:08d}"


def request_pin(profile, record, now=FIXED_NOW) -> PinLetter:
    return caf_pin_request(practitioner=profile.user, caf_number=record.caf_number, now=now)


def confirm(profile, record, pin, now=FIXED_NOW) -> CafLink:
    return caf_link_confirm(
        practitioner=profile.user, caf_number=record.caf_number, pin=pin, now=now
    )


def test_r6_pin_is_mailed_to_the_caf_address_of_record(cpa_profile, cpa_caf) -> None:
    pin_letter = request_pin(cpa_profile, cpa_caf)
    letter = Letter.objects.get()
    assert letter.kind == LetterKind.CAF_PIN and letter.caf_letter.caf_record == cpa_caf
    assert letter.address_block.splitlines() == cpa_caf.address_lines
    pin = pin_from_letter(pin_letter)
    # Only a keyed hash of the PIN is stored with the PIN letter.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM caf_pinletter")
        row = " ".join(str(v) for v in cursor.fetchone())
    assert pin not in row
    assert pin_letter.expires_at == FIXED_NOW + dt.timedelta(days=30)


def test_r6_right_pin_links_the_caf_number(cpa_profile, cpa_caf) -> None:
    pin = pin_from_letter(request_pin(cpa_profile, cpa_caf))
    link = confirm(cpa_profile, cpa_caf, pin, now=FIXED_NOW + dt.timedelta(days=3))
    assert link.practitioner == cpa_profile.user and link.caf_record == cpa_caf
    assert list(caf_numbers_linked_to(user=cpa_profile.user)) == [cpa_caf]
    assert PinLetter.objects.get().state == PinLetterState.USED
    with pytest.raises(PinRefused):  # a used PIN does not work twice
        confirm(cpa_profile, cpa_caf, pin)


@pytest.mark.parametrize("mismatch", [{"name": "Somebody Else"}, {"tin": "401-22-3333"}])
def test_r6_name_and_tin_must_match_to_ask_for_a_pin(cpa_profile, mismatch) -> None:
    record = caf_record_for(cpa_profile, **mismatch)
    with pytest.raises(CafLinkRefused, match="not assigned to a representative"):
        request_pin(cpa_profile, record)
    with pytest.raises(CafLinkRefused, match="not assigned to a representative"):
        caf_pin_request(practitioner=cpa_profile.user, caf_number="999999999", now=FIXED_NOW)
    assert not Letter.objects.exists()


def test_r6_pin_expires_after_30_days(cpa_profile, cpa_caf) -> None:
    pin = pin_from_letter(request_pin(cpa_profile, cpa_caf))
    with pytest.raises(PinRefused, match="expired"):
        confirm(cpa_profile, cpa_caf, pin, now=FIXED_NOW + dt.timedelta(days=30))
    assert PinLetter.objects.get().state == PinLetterState.EXPIRED
    assert not CafLink.objects.exists()


def test_r6_pin_still_works_just_before_30_days(cpa_profile, cpa_caf) -> None:
    pin = pin_from_letter(request_pin(cpa_profile, cpa_caf))
    confirm(cpa_profile, cpa_caf, pin, now=FIXED_NOW + dt.timedelta(days=30, seconds=-1))
    assert CafLink.objects.filter(caf_record=cpa_caf).exists()


def test_r6_wrong_attempts_are_limited_to_five_by_default(cpa_profile, cpa_caf) -> None:
    pin = pin_from_letter(request_pin(cpa_profile, cpa_caf))
    for attempt in range(1, 5):
        with pytest.raises(PinRefused, match="wrong"):
            confirm(cpa_profile, cpa_caf, wrong_pin(pin))
        assert PinLetter.objects.get().wrong_attempts == attempt  # counted despite the error
    with pytest.raises(PinRefused, match="too many wrong attempts"):
        confirm(cpa_profile, cpa_caf, wrong_pin(pin))
    assert PinLetter.objects.get().state == PinLetterState.LOCKED
    with pytest.raises(PinRefused):  # the right PIN no longer works either
        confirm(cpa_profile, cpa_caf, pin)
    assert not CafLink.objects.exists()


@override_settings(CAF_PIN_MAX_ATTEMPTS=2)
def test_r6_attempt_limit_is_a_setting(cpa_profile, cpa_caf) -> None:
    pin = pin_from_letter(request_pin(cpa_profile, cpa_caf))
    with pytest.raises(PinRefused, match="1 more"):
        confirm(cpa_profile, cpa_caf, wrong_pin(pin))
    with pytest.raises(PinRefused, match="too many"):
        confirm(cpa_profile, cpa_caf, wrong_pin(pin))


def test_r6_a_new_pin_replaces_the_old_one(cpa_profile, cpa_caf) -> None:
    first = pin_from_letter(request_pin(cpa_profile, cpa_caf))
    second = pin_from_letter(request_pin(cpa_profile, cpa_caf))
    if first != second:
        with pytest.raises(PinRefused):
            confirm(cpa_profile, cpa_caf, first)
    confirm(cpa_profile, cpa_caf, second)
    assert CafLink.objects.count() == 1


def test_r6_a_caf_number_links_to_one_practitioner_only(cpa_profile, cpa_caf) -> None:
    # The same person with a second account (same name and TIN) asks for a PIN too.
    twin = PractitionerProfileFactory(
        legal_name=cpa_profile.legal_name, tin=cpa_profile.tin_reveal()
    )
    twin_letter = request_pin(twin, cpa_caf)
    confirm(cpa_profile, cpa_caf, pin_from_letter(request_pin(cpa_profile, cpa_caf)))
    with pytest.raises(CafLinkRefused, match="another account"):
        request_pin(twin, cpa_caf)
    with pytest.raises(CafLinkRefused, match="another account"):
        confirm(twin, cpa_caf, pin_from_letter(twin_letter))
    assert CafLink.objects.get(caf_record=cpa_caf).practitioner == cpa_profile.user
    # The database backs it up.
    with pytest.raises(IntegrityError), transaction.atomic():
        CafLink.objects.create(
            caf_record=cpa_caf, practitioner=twin.user, method="pin", linked_at=FIXED_NOW
        )


def test_r6_a_practitioner_may_link_several_caf_numbers(cpa_profile) -> None:
    first = caf_record_for(cpa_profile)
    second = caf_record_for(cpa_profile, line1="99 Second Street", city="Buffalo", zip_code="14201")
    for record in (first, second):
        confirm(cpa_profile, record, pin_from_letter(request_pin(cpa_profile, record)))
    assert set(caf_numbers_linked_to(user=cpa_profile.user)) == {first, second}


def test_r6_a_link_is_permanent(cpa_profile, cpa_caf) -> None:
    link = confirm(cpa_profile, cpa_caf, pin_from_letter(request_pin(cpa_profile, cpa_caf)))
    other = PractitionerProfileFactory().user
    with pytest.raises(IntegrityError, match="permanent"), transaction.atomic():
        link.delete()
    with pytest.raises(IntegrityError, match="permanent"), transaction.atomic():
        CafLink.objects.filter(pk=link.pk).update(practitioner=other)
    with (
        pytest.raises(IntegrityError, match="permanent"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM caf_caflink")
    assert CafLink.objects.get(pk=link.pk).practitioner == cpa_profile.user
    with pytest.raises(CafLinkRefused, match="already linked to your account"):
        request_pin(cpa_profile, cpa_caf)


def test_r44_link_state_changes_write_audit_events(cpa_profile, cpa_caf) -> None:
    pin = pin_from_letter(request_pin(cpa_profile, cpa_caf))
    later = FIXED_NOW + dt.timedelta(hours=2)
    with pytest.raises(PinRefused):
        confirm(cpa_profile, cpa_caf, wrong_pin(pin), now=later)
    link = confirm(cpa_profile, cpa_caf, pin, now=later)
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    for action in (
        "caf.pin.requested",
        "caf.pin.wrong_attempt",
        "caf.pin.used",
        "caf.link.created",
    ):
        assert action in actions
    event = AuditEvent.objects.get(action="caf.link.created")
    assert event.actor == cpa_profile.user
    assert event.occurred_at == later
    assert event.object_type == "caf.caflink" and event.object_id == str(link.pk)
    assert event.before["linked_to"] is None
    assert event.after["linked_to"] == cpa_profile.user.pk
    # No PIN and no whole TIN in the audit trail.
    for audit in AuditEvent.objects.all():
        assert pin not in str(audit.before) + str(audit.after)
        assert cpa_profile.tin_reveal() not in str(audit.before) + str(audit.after)


def test_r44_expiry_and_lock_are_audited(cpa_profile, cpa_caf) -> None:
    pin = pin_from_letter(request_pin(cpa_profile, cpa_caf))
    with pytest.raises(PinRefused):
        confirm(cpa_profile, cpa_caf, pin, now=FIXED_NOW + dt.timedelta(days=31))
    assert AuditEvent.objects.filter(action="caf.pin.expired").count() == 1
    pin = pin_from_letter(request_pin(cpa_profile, cpa_caf))
    with override_settings(CAF_PIN_MAX_ATTEMPTS=1), pytest.raises(PinRefused):
        confirm(cpa_profile, cpa_caf, wrong_pin(pin))
    assert AuditEvent.objects.filter(action="caf.pin.locked").count() == 1
