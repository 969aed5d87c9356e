"""The CAF unit's pages (R34b) through Django's test client: who may open them, the file served
only through its view, and take, record, reject and release as a clerk does them, each POST
having one effect however often it is sent (R47)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authorizations import services
from authorizations.clerks import CLERKS_GROUP, clerks_group_ensure
from authorizations.models import (
    Authorization,
    Channel,
    FormState,
    RejectionReason,
    UploadedForm,
)
from taxpayers.models import Letter
from taxpro import clock
from taxpro.models import AuditEvent
from tests.authorizations.conftest import (  # noqa: F401 - private_media is a fixture
    make_rep,
    make_taxpayer,
    private_media,
)
from tests.authorizations.forms_support import (
    JPEG_BYTES,
    form_data,
    form_rep,
    form_taxpayer,
    upload,
)
from tests.factories import StaffFactory
from tests.personas import staff_clerk, taxpayer_with_account
from tests.views.pro_support import practitioner
from tests.views.staff_forms_support import clerk, uploaded_form

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

QUEUE = "/staff/forms/"
TAKE = "/staff/forms/take/"
CHECKLIST_2848 = ["one_form", "taxpayer", "representatives", "matters", "signatures"]
CHECKLIST_2848 += ["designations"]


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(name: str, form) -> str:
    return reverse(f"authorizations_staff:{name}", args=[form.public_id])


def _events(action: str, form) -> int:
    return AuditEvent.objects.filter(action=action, object_id=str(form.pk)).count()


def _take(client: Client, form) -> None:
    response = client.post(TAKE)
    assert response.status_code == 302
    assert response["Location"] == _url("form", form)


def _held_form():
    """A form waiting in the queue, taken by a new clerk: the form and the clerk's client."""
    form = uploaded_form()
    client = _as(clerk())
    _take(client, form)
    return form, client


# --- Who may open the pages -------------------------------------------------------------------


def test_r34b_the_migration_makes_the_clerks_group_with_its_permissions() -> None:
    # Tests that empty every table (the browser's) take the group away; the migration's own
    # function makes it again, here, on the current models.
    Group.objects.filter(name=CLERKS_GROUP).delete()
    migration = importlib.import_module("authorizations.migrations.0013_formsstaff_clerks_group")
    for _ in range(2):  # and a second run changes nothing
        migration.clerks_group_create(django_apps, None)
    group = Group.objects.get(name=CLERKS_GROUP)
    assert set(group.permissions.values_list("codename", flat=True)) == {
        "process_uploadedform",
        "view_uploadedform",
    }
    assert clerks_group_ensure() == group


def test_r34b_anonymous_visitors_are_sent_to_sign_in_and_change_nothing() -> None:
    form = uploaded_form()
    client = Client()
    for path in (QUEUE, _url("form", form), _url("file", form)):
        response = client.get(path)
        assert response.status_code == 302 and "/auth/login/" in response["Location"], path
    for path in (TAKE, _url("record", form), _url("reject", form), _url("release", form)):
        response = client.post(path, {"reasons": ["illegible"]})
        assert response.status_code == 302 and "/auth/login/" in response["Location"], path
    form.refresh_from_db()
    assert form.state == FormState.WAITING


def test_r34b_practitioners_taxpayers_and_staff_without_the_permission_get_403() -> None:
    form = uploaded_form()
    outsiders = [practitioner().user, taxpayer_with_account().user, staff_clerk()]
    for user in outsiders:
        client = _as(user)
        for path in (QUEUE, _url("form", form), _url("file", form)):
            assert client.get(path).status_code == 403, (user.kind, path)
        assert client.post(TAKE).status_code == 403, user.kind
        assert client.post(_url("release", form)).status_code == 403, user.kind
    form.refresh_from_db()
    assert form.state == FormState.WAITING
    assert _events("form.taken", form) == 0
    # The refusal says what is missing to a staff user, and nothing about any form.
    response = _as(outsiders[-1]).get(QUEUE)
    assert b"CAF unit clerks group" in response.content


def test_r34b_a_clerk_without_a_second_factor_is_sent_to_set_one_up() -> None:
    user = StaffFactory()
    clerks_group_ensure().user_set.add(user)
    response = _as(user).get(QUEUE)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_index")


def test_r34b_clerks_find_the_queue_from_the_navigation_and_the_admin() -> None:
    client = _as(clerk())
    assert b'href="/staff/forms/"' in client.get(QUEUE).content
    assert b'href="/staff/forms/"' in client.get("/admin/").content
    # A staff user outside the group is not offered it.
    other = _as(staff_clerk())
    assert b'href="/staff/forms/"' not in other.get("/admin/").content


# --- The queue and taking the next form -----------------------------------------------------


def test_r34b_the_queue_counts_forms_by_state_and_names_the_oldest_waiting() -> None:
    first = uploaded_form()
    uploaded_form()
    client = _as(clerk())
    page = client.get(QUEUE)
    assert page.status_code == 200
    text = page.content.decode()
    assert "<dt>Waiting</dt><dd>2</dd>" in text
    assert "<dt>In review</dt><dd>0</dd>" in text
    assert "You hold no form now." in text
    assert "Take the next form" in text

    _take(client, first)
    text = client.get(QUEUE).content.decode()
    assert "<dt>Waiting</dt><dd>1</dd>" in text
    assert "<dt>In review</dt><dd>1</dd>" in text
    assert f"Form 2848 for {first.taxpayer_name}" in text
    assert "Continue with your form" in text


def test_r34b_r47_take_next_is_first_in_first_out_and_a_doubled_post_takes_one_form() -> None:
    first = uploaded_form()
    second = uploaded_form()
    client = _as(clerk())
    _take(client, first)
    _take(client, first)  # the same clerk again: the form they hold, not a second one
    assert _events("form.taken", first) == 1
    second.refresh_from_db()
    assert second.state == FormState.WAITING
    # Another clerk gets the next one in line.
    _take(_as(clerk()), second)


def test_r34b_an_empty_queue_says_so() -> None:
    client = _as(clerk())
    response = client.post(TAKE, follow=True)
    assert response.redirect_chain == [(QUEUE, 302)]
    assert b"No forms are waiting." in response.content


def test_r47_the_queue_actions_take_post_only() -> None:
    form = uploaded_form()
    client = _as(clerk())
    assert client.get(TAKE).status_code == 405
    for name in ("record", "reject", "release"):
        assert client.get(_url(name, form)).status_code == 405, name
    assert client.post(QUEUE).status_code == 405


# --- The processing page and the file -------------------------------------------------------


def test_r34b_the_processing_page_shows_the_keyed_data_beside_the_file() -> None:
    form, client = _held_form()
    page = client.get(_url("form", form))
    assert page.status_code == 200
    text = page.content.decode()
    assert form.taxpayer_name in text
    assert form.receipt_number in text
    # R43: the clerk holding the form compares the whole TIN with the file.
    digits = form.tin_reveal()
    assert f"{digits[:3]}-{digits[3:5]}-{digits[5:]}" in text
    assert f'src="{_url("file", form)}"' in text
    assert "December 2024" in text  # the period, as the month it ends
    assert "b, Certified Public Accountant, NY, license LIC-1" in text
    for item in CHECKLIST_2848:
        assert f'value="{item}"' in text
    for reason in RejectionReason.values:
        assert f'value="{reason}"' in text


def test_r34_the_file_is_served_inline_with_its_type_and_nosniff_only_to_clerks(
    private_media,  # noqa: F811
) -> None:
    form = uploaded_form()
    holder = clerk()
    client = _as(holder)
    _take(client, form)
    response = client.get(_url("file", form))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert b"".join(response.streaming_content) == (private_media / form.file.name).read_bytes()


def test_r45_a_clerk_who_may_not_view_every_form_opens_only_the_one_they_hold() -> None:
    form = uploaded_form()
    holder = clerk()
    _take(_as(holder), form)
    # A staff user with the processing permission alone, not the one to view every form.
    narrow = staff_clerk()
    narrow.user_permissions.add(
        clerks_group_ensure().permissions.get(codename="process_uploadedform")
    )
    client = _as(narrow)
    assert client.get(QUEUE).status_code == 200
    assert client.get(_url("form", form)).status_code == 404
    assert client.get(_url("file", form)).status_code == 404
    assert AuditEvent.objects.filter(action="access.refused_not_owner", actor=narrow).exists()
    # A clerk of the group may read it (without its actions or the whole TIN).
    page = _as(clerk()).get(_url("form", form))
    assert page.status_code == 200
    assert b"Record the form" not in page.content
    assert form.tin_reveal().encode() not in page.content


# --- Record, reject, release ------------------------------------------------------------------


def test_r34b_record_needs_the_whole_checklist_and_changes_nothing_until_then() -> None:
    form, client = _held_form()
    response = client.post(_url("record", form), {"checked": CHECKLIST_2848[:2]})
    assert response.status_code == 200
    assert b"There is a problem" in response.content
    assert b"Check every item on the list" in response.content
    assert b'value="one_form" id="id_checked_0" checked' in response.content  # kept as ticked
    form.refresh_from_db()
    assert form.state == FormState.IN_REVIEW
    assert not Authorization.objects.filter(uploaded_form=form).exists()


def test_r34b_r47_record_through_the_page_once_however_often_it_is_posted() -> None:
    form, client = _held_form()
    response = client.post(_url("record", form), {"checked": CHECKLIST_2848}, follow=True)
    assert response.redirect_chain == [(QUEUE, 302)]
    assert (
        f"Form 2848 for {form.taxpayer_name} is being recorded on the CAF.".encode()
        in response.content
    )
    # The queue counts it in words while the worker has not recorded it yet.
    assert b"<dt>Being recorded</dt><dd>1</dd>" in response.content
    form.refresh_from_db()
    assert form.state == FormState.RECORDING
    assert not Authorization.objects.filter(uploaded_form=form).exists()
    assert services.ledger_drain() == 1  # what the worker (or the beat's sweep) does
    form.refresh_from_db()
    assert form.state == FormState.RECORDED
    rows = list(Authorization.objects.filter(uploaded_form=form).values_list("pk", "channel"))
    assert rows and all(channel == Channel.FORM for _, channel in rows)
    letters = Letter.objects.count()

    again = client.post(_url("record", form), {"checked": CHECKLIST_2848}, follow=True)
    assert b"This form is already recorded." in again.content
    assert list(Authorization.objects.filter(uploaded_form=form).values_list("pk", "channel")) == (
        rows
    )
    assert Letter.objects.count() == letters
    assert _events("form.recording", form) == 1
    assert _events("form.recorded", form) == 1


def test_r34b_reject_needs_a_reason_and_keeps_the_note_typed() -> None:
    form, client = _held_form()
    response = client.post(_url("reject", form), {"note": "Page 2 is missing."})
    assert response.status_code == 200
    assert b"Choose at least one reason for rejecting the form." in response.content
    assert b"Page 2 is missing." in response.content
    bogus = client.post(_url("reject", form), {"reasons": ["because"]})
    assert b"Choose the reasons from the list." in bogus.content
    form.refresh_from_db()
    assert form.state == FormState.IN_REVIEW
    assert _events("form.rejected", form) == 0


def test_r34b_r47_reject_with_reasons_and_a_note_once() -> None:
    form, client = _held_form()
    payload = {"reasons": ["signature", "illegible"], "note": "Page 2 is missing."}
    response = client.post(_url("reject", form), payload, follow=True)
    assert response.redirect_chain == [(QUEUE, 302)]
    assert b"is rejected" in response.content
    form.refresh_from_db()
    assert form.state == FormState.REJECTED
    assert form.rejection_reasons == ["signature", "illegible"]
    assert form.rejection_note == "Page 2 is missing."
    letters = Letter.objects.count()
    again = client.post(_url("reject", form), payload, follow=True)
    assert b"This form is already rejected." in again.content
    assert Letter.objects.count() == letters
    assert _events("form.rejected", form) == 1


def test_r34b_r47_release_puts_the_form_back_in_its_place_once() -> None:
    form = uploaded_form()
    later = uploaded_form()
    holder = clerk()
    client = _as(holder)
    _take(client, form)
    response = client.post(_url("release", form), follow=True)
    assert response.redirect_chain == [(QUEUE, 302)]
    assert b"It is in its place in the queue again." in response.content
    form.refresh_from_db()
    assert form.state == FormState.WAITING and form.clerk is None
    again = client.post(_url("release", form), follow=True)
    assert b"You are not holding this form." in again.content
    assert _events("form.released", form) == 1
    # Back first in line: the next clerk takes it before the later one.
    _take(_as(clerk()), form)
    later.refresh_from_db()
    assert later.state == FormState.WAITING


def test_r34b_another_clerks_form_cannot_be_recorded_rejected_or_released() -> None:
    form = uploaded_form()
    _take(_as(clerk()), form)
    other = _as(clerk())
    for name, payload in (
        ("record", {"checked": CHECKLIST_2848}),
        ("reject", {"reasons": ["illegible"]}),
        ("release", {}),
    ):
        response = other.post(_url(name, form), payload, follow=True)
        assert response.status_code == 200, name
        assert b"You are not holding this form." in response.content, name
    form.refresh_from_db()
    assert form.state == FormState.IN_REVIEW
    assert _events("form.recorded", form) + _events("form.rejected", form) == 0


def test_r45_an_unknown_form_is_404() -> None:
    client = _as(clerk())
    missing = "/staff/forms/00000000-0000-4000-8000-000000000000/"
    assert client.get(missing).status_code == 404
    assert client.get(missing + "file/").status_code == 404
    assert client.post(missing + "release/").status_code == 404


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("Page 2\x00 is missing.", b"Remove the invisible or control characters"),
        ("Look \u202eright to left", b"Remove the invisible or control characters"),
        ("x" * 1001, b"Write the note in at most 1000 characters."),
    ],
    ids=["nul", "rtl-override", "over-long"],
)
def test_bad_text_in_the_note_gets_a_field_message_and_writes_nothing(note, message) -> None:
    form, client = _held_form()
    letters = Letter.objects.count()
    response = client.post(_url("reject", form), {"reasons": ["illegible"], "note": note})
    assert response.status_code == 200
    assert message in response.content
    assert b'id="id_note_error"' in response.content
    form.refresh_from_db()
    assert form.state == FormState.IN_REVIEW
    assert Letter.objects.count() == letters


def test_a_note_of_several_lines_is_kept_as_typed() -> None:
    form, client = _held_form()
    note = "Page 2 is missing.\r\nThe date on page 3 is unreadable."
    client.post(_url("reject", form), {"reasons": ["illegible"], "note": note})
    form.refresh_from_db()
    assert form.rejection_note == "Page 2 is missing.\nThe date on page 3 is unreadable."


def test_r44_opening_the_file_is_audited() -> None:
    form = uploaded_form()
    holder = clerk()
    client = _as(holder)
    _take(client, form)
    client.get(_url("file", form))
    event = AuditEvent.objects.get(action="form.file_opened", object_id=str(form.pk))
    assert event.actor == holder


def test_r34_an_image_is_shown_as_an_image_with_its_own_type() -> None:
    rep = make_rep(code="b")
    data = form_data(
        taxpayer=form_taxpayer(make_taxpayer()),
        reps=(form_rep(rep, signed_on=clock.today_et()),),
        signed_on=clock.today_et(),
    )
    form = upload(rep.user, data, content=JPEG_BYTES, name="scan.pdf", now=clock.now())
    client = _as(clerk())
    _take(client, form)
    page = client.get(_url("form", form)).content.decode()
    assert f'<img class="staff-form__image" src="{_url("file", form)}"' in page
    response = client.get(_url("file", form))
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Disposition"].endswith('.jpg"')


def test_r34b_a_form_the_service_cannot_record_says_why_and_stays_with_the_clerk() -> None:
    # The taxpayer keyed on the form is not in the master file: the clerk is told to reject it.
    rep = make_rep(code="b")
    data = form_data(reps=(form_rep(rep, signed_on=clock.today_et()),), signed_on=clock.today_et())
    form = upload(rep.user, data, now=clock.now())
    client = _as(clerk())
    _take(client, form)
    response = client.post(_url("record", form), {"checked": CHECKLIST_2848}, follow=True)
    assert response.redirect_chain == [(_url("form", form), 302)]
    assert b"is not on the master file" in response.content
    assert b"Reject the form" in response.content
    form.refresh_from_db()
    assert form.state == FormState.IN_REVIEW
    assert _events("form.recorded", form) == 0


def test_r34b_a_form_whose_lease_ran_out_reads_as_back_in_line() -> None:
    form = uploaded_form()
    _take(_as(clerk()), form)
    UploadedForm.objects.filter(pk=form.pk).update(lease_expires_at=clock.now())
    page = _as(clerk()).get(_url("form", form))
    assert b"Waiting (its clerk's time ran out)" in page.content
    assert b"Record the form" not in page.content


def test_the_queue_reads_as_many_queries_for_one_form_as_for_several() -> None:
    user = clerk()
    client = _as(user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(QUEUE).status_code == 200
        return len(captured)

    uploaded_form()
    one = queries()
    for _ in range(4):
        uploaded_form()
    _take(client, UploadedForm.objects.order_by("received_at", "id").first())
    assert queries() == one
