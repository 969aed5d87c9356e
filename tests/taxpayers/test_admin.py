"""R43/R46 in the staff admin: masked TINs in lists, the whole TIN only on a taxpayer's detail
page, PINs never shown; R3: practice status changed through the service."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from caf.models import CafRecord, PracticeStatus
from caf.services import caf_pin_request
from taxpro.models import AuditEvent
from tests.authorizations.conftest import approve_and_record, make_rep, make_taxpayer, submit
from tests.caf.factories import PractitionerProfileFactory, caf_record_for
from tests.taxpayers.factories import FIXED_NOW, TaxpayerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    return client


def test_r43_taxpayer_list_masks_and_detail_shows_whole_tin_to_staff(admin_client) -> None:
    taxpayer = TaxpayerFactory(tin="212-45-6789")
    listing = admin_client.get(reverse("admin:taxpayers_taxpayer_changelist"))
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "***-**-6789" in body and "212456789" not in body and "212-45-6789" not in body
    detail = admin_client.get(reverse("admin:taxpayers_taxpayer_change", args=[taxpayer.pk]))
    assert detail.status_code == 200
    assert "212-45-6789" in detail.content.decode()
    # Searching by the whole TIN uses the keyed hash and finds the taxpayer.
    found = admin_client.get(reverse("admin:taxpayers_taxpayer_changelist"), {"q": "212-45-6789"})
    assert taxpayer.name in found.content.decode()


def test_r6_pin_never_shown_in_the_admin(admin_client) -> None:
    profile = PractitionerProfileFactory()
    record = caf_record_for(profile)
    pin_letter = caf_pin_request(
        practitioner=profile.user, caf_number=record.caf_number, now=FIXED_NOW
    )
    pin = re.search(r"^\s+(\d{8})$", pin_letter.letter.body, re.MULTILINE).group(1)
    pages = [
        reverse("admin:taxpayers_letter_changelist"),
        reverse("admin:taxpayers_letter_change", args=[pin_letter.letter.pk]),
        reverse("admin:caf_pinletter_changelist"),
        reverse("admin:caf_pinletter_change", args=[pin_letter.pk]),
    ]
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert pin not in response.content.decode(), url
        assert pin_letter.pin_hash not in response.content.decode(), url


def test_r3_admin_action_changes_practice_status_through_the_service(admin_client) -> None:
    record = caf_record_for(PractitionerProfileFactory())
    url = reverse("admin:caf_cafrecord_changelist")
    listing = admin_client.get(url)
    assert record.tin_reveal() not in listing.content.decode()
    response = admin_client.post(
        url,
        {
            "action": "change_practice_status",
            "_selected_action": [record.pk],
            "apply": "1",
            "status": PracticeStatus.RETIRED,
            "effective_on": "2026-03-01",
        },
    )
    assert response.status_code in {200, 302}
    assert CafRecord.objects.get(pk=record.pk).practice_status == PracticeStatus.RETIRED
    assert AuditEvent.objects.filter(action="caf.record.status_changed").exists()
    # Found by its CAF number typed with the display dash.
    found = admin_client.get(url, {"q": record.caf_number_display})
    assert record.name in found.content.decode()


def test_no_delete_in_the_caf_and_taxpayer_admin(admin_client) -> None:
    taxpayer = TaxpayerFactory()
    response = admin_client.get(reverse("admin:taxpayers_taxpayer_delete", args=[taxpayer.pk]))
    assert response.status_code == 403


def test_the_admin_pages_carry_the_portal_icon(admin_client) -> None:
    html = admin_client.get(reverse("admin:index")).content.decode()
    assert 'rel="icon"' in html and "favicon.ico" in html


def test_admin_names_its_models_in_words_and_periods_as_people_say_them(admin_client) -> None:
    index = admin_client.get(reverse("admin:index")).content.decode()
    assert "CAF records" in index and "Caf records" not in index
    assert "Views of tax information" in index and "accesss" not in index
    rep, taxpayer = make_rep(code="b"), make_taxpayer()
    req = approve_and_record(submit(rep, taxpayer, modules=[("1040", "202312")]))
    ledger = admin_client.get(reverse("admin:authorizations_authorization_changelist"))
    assert "202312" not in ledger.content.decode().split("<tbody>", 1)[1]
    detail = admin_client.get(
        reverse("admin:authorizations_authorizationrequest_change", args=[req.pk])
    )
    html = detail.content.decode()
    assert "Every change to this request" in html
    trail = reverse("admin:taxpro_auditevent_changelist")
    link = html.split(f'href="{trail}?', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    events = admin_client.get(f"{trail}?{link}").content.decode()
    mine = AuditEvent.objects.filter(object_type="authorizations.authorizationrequest")
    count = mine.filter(object_id=str(req.pk)).count()
    assert count >= 3  # submitted, approved, recorded
    assert f"{count} result" in events  # this request's events, filtered from all of them
