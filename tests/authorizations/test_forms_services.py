"""The forms channel's services (section H, R3a): upload, withdraw, the queue, reject, record.

Real PostgreSQL, real files in a private folder of each test's own."""

from __future__ import annotations

import dataclasses
import datetime as dt
from functools import partial

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from authorizations import services, tasks
from authorizations.errors import ApprovalRefused, FormRefused
from authorizations.forms_channel.data import FormMatter, RetainedAuthorization
from authorizations.models import (
    Authorization,
    Channel,
    EndReason,
    FormState,
    RejectionReason,
    UploadedForm,
)
from authorizations.services import forms
from authorizations.web.pro.forms_channel.selectors import forms_of
from caf.models import CafRecord, PracticeStatus
from taxpayers.models import Letter, LetterKind
from taxpro.clock import ET
from taxpro.errors import TinInvalid
from taxpro.models import AuditEvent
from tests.authorizations.conftest import (
    DAY,
    TUESDAY_NOON,
    approve,
    approve_and_record,
    make_rep,
    make_taxpayer,
    submit,
)
from tests.authorizations.forms_support import (
    PNG_BYTES,
    form_data,
    form_rep,
    form_taxpayer,
    pdf_bytes,
    upload,
)
from tests.personas import enrolled_agent, staff_clerk
from tests.taxpayers.factories import BusinessTaxpayerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

HOUR = dt.timedelta(hours=1)
MB = 1024 * 1024
QUARTERS_2025 = ("202503", "202506", "202509", "202512")


def written() -> tuple[int, int, int, int]:
    return (
        UploadedForm.objects.count(),
        Letter.objects.count(),
        AuditEvent.objects.filter(action__startswith="form.").count(),
        Authorization.objects.count(),
    )


def files_in(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def cpa():
    return make_rep(code="b")


@pytest.fixture
def clerk():
    return staff_clerk()


def upload_for(rep, taxpayer, *, now=TUESDAY_NOON, **changes):
    data = form_data(taxpayer=form_taxpayer(taxpayer), reps=(form_rep(rep),), **changes)
    return upload(rep.user, data, now=now)


def take_and_record(clerk, form, *, now=TUESDAY_NOON + HOUR):
    """The clerk's decision, then what the worker does after the commit."""
    taken = forms.form_take_next(clerk=clerk, now=now)
    assert taken == form
    decided = forms.form_record(clerk=clerk, public_id=form.public_id, now=now)
    assert decided == forms.FormRecordOutcome.BEING_RECORDED
    return forms.form_record_on_ledger(form_id=form.pk, now=now)


# --- Upload (R34, R39, R39a) -------------------------------------------------------------------


def test_r34_upload_stores_the_file_privately_and_joins_the_queue(cpa, private_media) -> None:
    taxpayer = make_taxpayer()
    content = pdf_bytes(marker="the signed 2848")
    data = form_data(taxpayer=form_taxpayer(taxpayer), reps=(form_rep(cpa),))
    form = upload(cpa.user, data, content=content, now=TUESDAY_NOON)

    form.refresh_from_db()
    assert form.state == FormState.WAITING
    assert form.received_at == TUESDAY_NOON
    assert form.file_content_type == "application/pdf"
    # Stored in the private folder, with the bytes as sent, and named by the public id only.
    assert files_in(private_media) == [form.file.name]
    assert str(form.public_id) in form.file.name
    assert (private_media / form.file.name).read_bytes() == content
    # R46: the TIN is encrypted on the row and in no JSON.
    digits = taxpayer.tin_reveal()
    assert form.tin_reveal() == digits
    assert digits not in str(form.data)
    assert form.tin_last4 == digits[-4:]
    # Audited; the representative gets a receipt naming it, without the TIN.
    assert AuditEvent.objects.filter(action="form.uploaded", object_id=str(form.pk)).exists()
    receipt = Letter.objects.get(caf_letter__caf_record=cpa.caf_record)
    assert form.receipt_number in receipt.body
    assert digits not in receipt.body


def test_r34_the_stored_file_is_served_by_no_url(cpa, signed_in, settings) -> None:
    form = upload(cpa.user, form_data(reps=(form_rep(cpa),)), now=TUESDAY_NOON)
    client = signed_in(staff_clerk())
    assert client.get("/admin/").status_code == 200  # signed in, second factor and all
    for path in (
        f"/{form.file.name}",
        f"{settings.MEDIA_URL}{form.file.name}",
        f"{settings.STATIC_URL}{form.file.name}",
        f"/private-media/{form.file.name}",
    ):
        assert client.get(path).status_code == 404, path


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (PNG_BYTES, "form.pdf", "must be a PDF, JPG or GIF"),
        (b"", "form.pdf", "empty"),
        (b"%PDF-1.7\n" + b"\0" * (16 * MB), "form.pdf", "larger than 15 MB"),
        (pdf_bytes(password="pw"), "form.pdf", "password"),
    ],
    ids=["png-named-pdf", "empty", "16-mb", "encrypted"],
)
def test_r34_a_bad_file_is_refused_and_writes_nothing(
    cpa, private_media, content, name, message
) -> None:
    before = written()
    data = form_data(reps=(form_rep(cpa),))
    with pytest.raises(FormRefused, match=message) as caught:
        upload(cpa.user, data, content=content, name=name, now=TUESDAY_NOON)
    assert caught.value.field == "file"
    assert written() == before
    assert files_in(private_media) == []


def test_r34_an_oversized_upload_is_refused_from_its_size_before_it_is_read(cpa) -> None:
    class Unreadable(SimpleUploadedFile):
        def read(self, *args, **kwargs):
            raise AssertionError("read an upload that its size already refused")

    big = Unreadable("form.pdf", b"%PDF-", content_type="application/pdf")
    big.size = 16 * MB
    with pytest.raises(FormRefused, match="larger than 15 MB"):
        forms.form_upload(practitioner=cpa.user, data=form_data(), upload=big, now=TUESDAY_NOON)


def test_r39a_precheck_problems_refuse_the_upload_field_by_field(cpa, private_media) -> None:
    before = written()
    data = form_data(
        reps=(form_rep(cpa, designation=""),),
        matters=(FormMatter("1040", "Income tax", ("202412",), "all years"),),
    )
    with pytest.raises(FormRefused) as caught:
        upload(cpa.user, data, now=TUESDAY_NOON)
    fields = {(p.field, p.reason) for p in caught.value.problems}
    assert fields == {
        ("representatives.0.designation", RejectionReason.DESIGNATION_MISSING),
        ("matters.0.periods", RejectionReason.GENERAL_REFERENCE),
    }
    assert written() == before
    assert files_in(private_media) == []


def test_r13a_a_business_needs_a_valid_ein(cpa) -> None:
    before = written()
    not_an_ein = form_taxpayer(kind="business", tin="07-1234567", signer_title="Member")
    with pytest.raises(TinInvalid, match="EIN"):
        upload(cpa.user, form_data(taxpayer=not_an_ein), now=TUESDAY_NOON)
    assert written() == before


def test_r34_only_a_practitioner_uploads(clerk) -> None:
    with pytest.raises(FormRefused, match="tax professional"):
        upload(clerk, form_data(), now=TUESDAY_NOON)


def test_r39_the_same_file_again_is_refused_naming_the_waiting_receipt(cpa) -> None:
    content = pdf_bytes(marker="one scan")
    first = upload(cpa.user, form_data(reps=(form_rep(cpa),)), content=content, now=TUESDAY_NOON)
    other_data = form_data(reps=(form_rep(cpa),), matters=(FormMatter("941", "", ("202503",)),))
    before = written()
    with pytest.raises(FormRefused, match=first.receipt_number):
        upload(cpa.user, other_data, content=content, now=TUESDAY_NOON + HOUR)
    assert written() == before


def test_r39_r45_another_practitioners_waiting_form_is_not_named(cpa) -> None:
    content = pdf_bytes(marker="one scan, two senders")
    first = upload(cpa.user, form_data(reps=(form_rep(cpa),)), content=content, now=TUESDAY_NOON)
    other = make_rep()
    before = written()
    with pytest.raises(
        FormRefused, match="already uploaded by another tax professional"
    ) as refused:
        upload(
            other.user, form_data(reps=(form_rep(other),)), content=content, now=TUESDAY_NOON + DAY
        )
    assert first.receipt_number not in str(refused.value)
    assert written() == before


def test_r39_the_same_form_in_another_file_is_refused_while_open(cpa, clerk) -> None:
    data = form_data(reps=(form_rep(cpa),))
    first = upload(cpa.user, data, now=TUESDAY_NOON)
    with pytest.raises(FormRefused, match=first.receipt_number):
        upload(cpa.user, data, now=TUESDAY_NOON + HOUR)
    # In review: still a duplicate.
    forms.form_take_next(clerk=clerk, now=TUESDAY_NOON + HOUR)
    with pytest.raises(FormRefused, match=first.receipt_number):
        upload(cpa.user, data, now=TUESDAY_NOON + HOUR)
    # Once it is decided, the same form may come again (a corrected copy, say).
    forms.form_reject(
        clerk=clerk,
        public_id=first.public_id,
        reasons=[RejectionReason.ILLEGIBLE],
        now=TUESDAY_NOON + HOUR,
    )
    assert upload(cpa.user, data, now=TUESDAY_NOON + 2 * HOUR).state == FormState.WAITING


# --- Withdraw (R39b) --------------------------------------------------------------------------


def test_r39b_a_waiting_form_can_be_withdrawn_once(cpa) -> None:
    form = upload(cpa.user, form_data(reps=(form_rep(cpa),)), now=TUESDAY_NOON)
    withdrawn = forms.form_withdraw(
        practitioner=cpa.user, public_id=form.public_id, now=TUESDAY_NOON + HOUR
    )
    assert withdrawn.state == FormState.WITHDRAWN
    assert withdrawn.withdrawn_at == TUESDAY_NOON + HOUR
    events = AuditEvent.objects.filter(action="form.withdrawn", object_id=str(form.pk))
    assert events.count() == 1
    # R47: again changes nothing.
    forms.form_withdraw(practitioner=cpa.user, public_id=form.public_id, now=TUESDAY_NOON + HOUR)
    assert events.count() == 1


def test_r39b_a_form_in_review_cannot_be_withdrawn(cpa, clerk) -> None:
    form = upload(cpa.user, form_data(reps=(form_rep(cpa),)), now=TUESDAY_NOON)
    forms.form_take_next(clerk=clerk, now=TUESDAY_NOON)
    with pytest.raises(FormRefused, match="processing this form now"):
        forms.form_withdraw(practitioner=cpa.user, public_id=form.public_id, now=TUESDAY_NOON)
    form.refresh_from_db()
    assert form.state == FormState.IN_REVIEW


def test_r45_another_practitioner_cannot_withdraw_a_form(cpa) -> None:
    form = upload(cpa.user, form_data(reps=(form_rep(cpa),)), now=TUESDAY_NOON)
    other = make_rep(code="c")
    with pytest.raises(UploadedForm.DoesNotExist):
        forms.form_withdraw(practitioner=other.user, public_id=form.public_id, now=TUESDAY_NOON)


# --- The queue (R34b) -------------------------------------------------------------------------


def three_forms(rep):
    return [
        upload(
            rep.user,
            form_data(reps=(form_rep(rep),), matters=(FormMatter("941", "", (period,)),)),
            now=TUESDAY_NOON + i * dt.timedelta(minutes=1),
        )
        for i, period in enumerate(("202503", "202506", "202509"))
    ]


def test_r34b_clerks_take_forms_first_in_first_out(cpa, clerk) -> None:
    first, second, _third = three_forms(cpa)
    other_clerk = staff_clerk()
    now = TUESDAY_NOON + HOUR
    assert forms.form_take_next(clerk=clerk, now=now) == first
    # A clerk holds one form at a time: asking again gives the same one back.
    assert forms.form_take_next(clerk=clerk, now=now) == first
    assert forms.form_take_next(clerk=other_clerk, now=now) == second
    first.refresh_from_db()
    assert (first.state, first.clerk, first.lease_expires_at) == (
        FormState.IN_REVIEW,
        clerk,
        now + forms.form_lease(),
    )
    assert AuditEvent.objects.filter(action="form.taken").count() == 2


def test_r34b_an_abandoned_form_returns_to_its_place_when_its_lease_ends(cpa, clerk) -> None:
    first, second, _third = three_forms(cpa)
    now = TUESDAY_NOON + HOUR
    forms.form_take_next(clerk=clerk, now=now)
    other_clerk = staff_clerk()
    assert forms.form_take_next(clerk=other_clerk, now=now) == second
    forms.form_release(clerk=other_clerk, public_id=second.public_id, now=now)
    # The lease runs out: the first form is first in line again, before the second.
    later = now + forms.form_lease()
    third_clerk = staff_clerk()
    assert forms.form_take_next(clerk=third_clerk, now=later) == first
    # Its first clerk can no longer act on it.
    with pytest.raises(FormRefused, match="not holding this form"):
        forms.form_record(clerk=clerk, public_id=first.public_id, now=later)


def test_r34b_a_released_form_keeps_its_place(cpa, clerk) -> None:
    first, _second, _third = three_forms(cpa)
    now = TUESDAY_NOON + HOUR
    forms.form_take_next(clerk=clerk, now=now)
    released = forms.form_release(clerk=clerk, public_id=first.public_id, now=now)
    assert (released.state, released.clerk, released.lease_expires_at) == (
        FormState.WAITING,
        None,
        None,
    )
    assert forms.form_take_next(clerk=staff_clerk(), now=now) == first


def test_r34b_an_empty_queue_gives_nothing(clerk) -> None:
    assert forms.form_take_next(clerk=clerk, now=TUESDAY_NOON) is None


def test_r34b_only_staff_take_forms(cpa) -> None:
    three_forms(cpa)
    with pytest.raises(FormRefused, match="CAF unit"):
        forms.form_take_next(clerk=cpa.user, now=TUESDAY_NOON)


def test_r34b_a_clerk_whose_lease_ran_out_cannot_decide(cpa, clerk) -> None:
    (first, *_rest) = three_forms(cpa)
    forms.form_take_next(clerk=clerk, now=TUESDAY_NOON)
    late = TUESDAY_NOON + forms.form_lease()
    with pytest.raises(FormRefused, match="ran out"):
        forms.form_reject(clerk=clerk, public_id=first.public_id, reasons=["illegible"], now=late)
    first.refresh_from_db()
    assert first.state == FormState.IN_REVIEW


# --- Reject (R34b) ----------------------------------------------------------------------------


def test_r34b_reject_with_reasons_from_the_list_writes_to_the_representative(cpa, clerk) -> None:
    form = upload_for(cpa, make_taxpayer())
    forms.form_take_next(clerk=clerk, now=TUESDAY_NOON + HOUR)
    before_letters = Letter.objects.count()
    rejected = forms.form_reject(
        clerk=clerk,
        public_id=form.public_id,
        reasons=[RejectionReason.ILLEGIBLE, RejectionReason.DATA_MISMATCH],
        note="Page 2 is missing.",
        now=TUESDAY_NOON + HOUR,
    )
    assert rejected.state == FormState.REJECTED
    assert rejected.rejection_reasons == ["illegible", "data_mismatch"]
    assert rejected.decided_at == TUESDAY_NOON + HOUR
    assert Letter.objects.count() == before_letters + 1
    letter = Letter.objects.filter(caf_letter__caf_record=cpa.caf_record).first()
    assert letter is not None
    assert "Illegible" in letter.body
    assert "Page 2 is missing." in letter.body
    assert AuditEvent.objects.filter(action="form.rejected", object_id=str(form.pk)).exists()
    assert Authorization.objects.count() == 0


@pytest.mark.parametrize("reasons", [[], ["no such reason"]])
def test_r34b_a_rejection_needs_reasons_from_the_list(cpa, clerk, reasons) -> None:
    form = upload_for(cpa, make_taxpayer())
    forms.form_take_next(clerk=clerk, now=TUESDAY_NOON)
    with pytest.raises(FormRefused) as caught:
        forms.form_reject(clerk=clerk, public_id=form.public_id, reasons=reasons, now=TUESDAY_NOON)
    assert caught.value.field == "reasons"
    form.refresh_from_db()
    assert form.state == FormState.IN_REVIEW


# --- Record (R34b, R35, R36, R37, R3a, R23, R24, R27) -----------------------------------------


def test_r36_a_2848_for_a_business_with_quarterly_941_periods_is_recorded(cpa, clerk) -> None:
    business = BusinessTaxpayerFactory()
    form = upload_for(
        cpa,
        business,
        matters=(FormMatter("941", "Employment tax", QUARTERS_2025, "2025 Q1-Q4"),),
    )
    before_letters = Letter.objects.count()
    assert take_and_record(clerk, form) == forms.FormLedgerOutcome.RECORDED

    rows = Authorization.objects.filter(taxpayer=business).order_by("period")
    assert [(r.matter, r.period, r.kind, r.channel) for r in rows] == [
        ("941", period, "poa", Channel.FORM) for period in QUARTERS_2025
    ]
    assert {r.caf_record for r in rows} == {cpa.caf_record}
    assert all(r.uploaded_form == form and r.ends_at is None for r in rows)
    assert {r.signed_on for r in rows} == {dt.date(2026, 11, 20)}
    form.refresh_from_db()
    assert (form.state, form.clerk, form.decided_at) == (
        FormState.RECORDED,
        None,
        TUESDAY_NOON + HOUR,
    )
    # R34b: a letter to the representative and a notice to the taxpayer.
    assert Letter.objects.count() == before_letters + 2
    assert Letter.objects.filter(taxpayer=business, body__contains="941").exists()
    event = AuditEvent.objects.get(action="form.recorded", object_id=str(form.pk))
    assert event.after["ledger_rows"] == 4


def test_r34b_an_8821_records_tax_information_authorizations(cpa, clerk) -> None:
    taxpayer = make_taxpayer()
    form = upload_for(cpa, taxpayer, form_type="8821")
    take_and_record(clerk, form)
    assert list(Authorization.objects.values_list("kind", "channel")) == [("tia", "form")]


def test_r23_recording_a_form_supersedes_earlier_authorizations(cpa, clerk) -> None:
    taxpayer = make_taxpayer()
    agent = make_rep(code="c")
    # The agent's online POA for 2024 Form 1040, signed a week before the form.
    approve_and_record(
        submit(agent, taxpayer, now=TUESDAY_NOON - 7 * DAY), now=TUESDAY_NOON - 7 * DAY
    )
    prior = Authorization.objects.get(caf_record=agent.caf_record)
    form = upload_for(cpa, taxpayer)
    take_and_record(clerk, form)
    prior.refresh_from_db()
    assert prior.end_reason == EndReason.SUPERSEDED
    assert form.receipt_number in prior.ended_by_label
    assert Authorization.objects.active().get(taxpayer=taxpayer).caf_record == cpa.caf_record


def test_r35_the_retention_box_keeps_the_authorizations_it_names(cpa, clerk) -> None:
    taxpayer = make_taxpayer()
    agent, third = make_rep(code="c"), make_rep(code="a")
    week_before = TUESDAY_NOON - 7 * DAY
    approve_and_record(submit(agent, taxpayer, now=week_before), now=week_before)
    approve_and_record(submit(third, taxpayer, now=week_before), now=week_before)
    kept = RetainedAuthorization(agent.caf_record.caf_number, "1040", "202412", "poa")
    form = upload_for(cpa, taxpayer, retention_box=True, retained=(kept,))
    take_and_record(clerk, form)
    active = set(
        Authorization.objects.active()
        .filter(taxpayer=taxpayer)
        .values_list("caf_record", flat=True)
    )
    # The named one stays; the other is revoked as R23 says.
    assert active == {agent.caf_record.pk, cpa.caf_record.pk}
    ended = Authorization.objects.get(caf_record=third.caf_record)
    assert ended.end_reason == EndReason.SUPERSEDED


def test_r24_every_representative_on_one_form_is_recorded_and_stays(cpa, clerk) -> None:
    taxpayer = make_taxpayer()
    agent = make_rep(code="c")
    data = form_data(
        taxpayer=form_taxpayer(taxpayer),
        reps=(form_rep(cpa, receives_notices=True), form_rep(agent)),
    )
    form = upload(cpa.user, data, now=TUESDAY_NOON)
    take_and_record(clerk, form)
    active = Authorization.objects.active().filter(taxpayer=taxpayer)
    assert {(r.caf_record_id, r.receives_notices) for r in active} == {
        (cpa.caf_record.pk, True),
        (agent.caf_record.pk, False),
    }


def test_r24_a_same_day_authorization_stays(cpa, clerk) -> None:
    taxpayer = make_taxpayer()
    agent = make_rep(code="c")
    approve_and_record(submit(agent, taxpayer, now=TUESDAY_NOON), now=TUESDAY_NOON)
    form = upload_for(cpa, taxpayer, signed_on=dt.date(2026, 11, 24))
    take_and_record(clerk, form)
    assert Authorization.objects.active().filter(taxpayer=taxpayer).count() == 2


def test_r27_a_form_signed_before_an_authorization_on_file_is_recorded_superseded(
    cpa, clerk
) -> None:
    taxpayer = make_taxpayer()
    agent = make_rep(code="c")
    # Online approval signed on 2026-11-24; the form was signed on 2026-11-20.
    approve_and_record(submit(agent, taxpayer, now=TUESDAY_NOON), now=TUESDAY_NOON)
    form = upload_for(cpa, taxpayer)
    take_and_record(clerk, form)
    row = Authorization.objects.get(uploaded_form=form)
    assert row.end_reason == EndReason.SUPERSEDED
    assert Authorization.objects.active().get(taxpayer=taxpayer).caf_record == agent.caf_record


def test_r37_a_specific_use_form_is_kept_and_never_on_the_ledger(cpa, clerk) -> None:
    taxpayer = make_taxpayer()
    form = upload_for(cpa, taxpayer, specific_use=True)
    assert take_and_record(clerk, form) == forms.FormLedgerOutcome.KEPT_NOT_RECORDED
    assert Authorization.objects.count() == 0
    form.refresh_from_db()
    assert form.state == FormState.RECORDED
    assert form.file.read()  # kept
    assert Letter.objects.filter(taxpayer=taxpayer, body__contains="not recorded").exists()


def test_r3a_a_representative_out_of_good_standing_is_never_recorded(cpa, clerk) -> None:
    taxpayer = make_taxpayer()
    form = upload_for(cpa, taxpayer)
    forms.form_take_next(clerk=clerk, now=TUESDAY_NOON + HOUR)
    cpa.caf_record.practice_status = PracticeStatus.SUSPENDED
    cpa.caf_record.save(update_fields=["practice_status"])
    with pytest.raises(FormRefused, match="not in good standing"):
        forms.form_record(clerk=clerk, public_id=form.public_id, now=TUESDAY_NOON + HOUR)
    assert Authorization.objects.count() == 0
    form.refresh_from_db()
    assert form.state == FormState.IN_REVIEW


def test_r34b_recording_twice_leaves_one_set_of_rows(cpa, clerk) -> None:
    taxpayer = make_taxpayer()
    form = upload_for(cpa, taxpayer, matters=(FormMatter("1040", "", ("202312", "202412")),))
    take_and_record(clerk, form)
    letters = Letter.objects.count()
    again = forms.form_record(clerk=clerk, public_id=form.public_id, now=TUESDAY_NOON + 2 * HOUR)
    assert again == forms.FormRecordOutcome.ALREADY_RECORDED
    worker_again = forms.form_record_on_ledger(form_id=form.pk, now=TUESDAY_NOON + 2 * HOUR)
    assert worker_again == forms.FormLedgerOutcome.ALREADY_RECORDED
    assert forms.forms_drain(now=TUESDAY_NOON + 2 * HOUR) == 0
    assert Authorization.objects.filter(uploaded_form=form).count() == 2
    assert Letter.objects.count() == letters
    assert AuditEvent.objects.filter(action="form.recorded", object_id=str(form.pk)).count() == 1


def test_r34b_a_taxpayer_not_on_the_master_file_is_not_recorded(cpa, clerk) -> None:
    form = upload(cpa.user, form_data(reps=(form_rep(cpa),)), now=TUESDAY_NOON)
    forms.form_take_next(clerk=clerk, now=TUESDAY_NOON)
    with pytest.raises(FormRefused, match="not on the master file"):
        forms.form_record(clerk=clerk, public_id=form.public_id, now=TUESDAY_NOON)
    assert Authorization.objects.count() == 0


def test_r34b_another_representative_without_a_caf_number_is_not_recorded(cpa, clerk) -> None:
    # Numbers are issued to a practitioner with a profile (R8): the uploader only.
    taxpayer = make_taxpayer()
    newcomer = dataclasses.replace(form_rep(), caf_number="", name="Nora Newcomer")
    data = form_data(taxpayer=form_taxpayer(taxpayer), reps=(form_rep(cpa), newcomer))
    form = upload(cpa.user, data, now=TUESDAY_NOON)
    # Her receipt goes to the address keyed from the form.
    assert Letter.objects.filter(addressee_name="Nora Newcomer").count() == 1
    forms.form_take_next(clerk=clerk, now=TUESDAY_NOON)
    records = CafRecord.objects.count()
    with pytest.raises(FormRefused, match="Nora Newcomer has no CAF number"):
        forms.form_record(clerk=clerk, public_id=form.public_id, now=TUESDAY_NOON)
    assert Authorization.objects.count() == 0
    assert CafRecord.objects.count() == records


def test_r34b_the_uploader_without_a_caf_number_is_assigned_one_when_recorded(clerk) -> None:
    agent = enrolled_agent()
    assert agent.profile is not None
    taxpayer = make_taxpayer()
    me = form_rep(
        caf_number="",
        name=agent.profile.legal_name,
        designation="c",
        jurisdiction="",
        license_number="EA-00012345",
    )
    form = upload(
        agent.user, form_data(taxpayer=form_taxpayer(taxpayer), reps=(me,)), now=TUESDAY_NOON
    )
    assert not CafRecord.objects.linked_to(agent.user).exists()
    take_and_record(clerk, form)

    record = CafRecord.objects.linked_to(agent.user).get()
    assert record.name == agent.profile.legal_name
    assert list(Authorization.objects.values_list("caf_record", flat=True)) == [record.pk]
    form.refresh_from_db()
    assert form.data["representatives"][0]["caf_number"] == record.caf_number
    # By letter (R34b), and the form's letter goes to the new CAF address of record.
    assert Letter.objects.filter(
        caf_letter__caf_record=record, kind=LetterKind.CAF_NUMBER_ISSUED
    ).exists()
    assert Letter.objects.filter(caf_letter__caf_record=record, kind=LetterKind.OTHER).exists()


# --- The worker: outbox, hand-off, sweep (R21, R27, R34b, R3a, R42) -----------------------------


def test_r34b_the_clerks_decision_is_audited_and_handed_to_the_worker_after_commit(
    cpa, clerk, django_capture_on_commit_callbacks
) -> None:
    taxpayer = make_taxpayer()
    form = upload_for(cpa, taxpayer)
    forms.form_take_next(clerk=clerk, now=TUESDAY_NOON)
    letters = Letter.objects.count()
    with django_capture_on_commit_callbacks() as handed_off:
        decided = forms.form_record(clerk=clerk, public_id=form.public_id, now=TUESDAY_NOON)
    assert decided == forms.FormRecordOutcome.BEING_RECORDED
    # One hand-off, naming the form, to the worker (the task, not a synchronous write).
    assert [(c.func, c.args) for c in handed_off] == [(forms.enqueue_form_recording, (form.pk,))]
    form.refresh_from_db()
    assert (form.state, form.clerk, form.decided_at) == (FormState.RECORDING, None, TUESDAY_NOON)
    decision = AuditEvent.objects.get(action="form.recording", object_id=str(form.pk))
    assert (decision.actor, decision.before, decision.after["state"]) == (
        clerk,
        {"state": FormState.IN_REVIEW},
        FormState.RECORDING,
    )
    # Nothing is on the ledger and no letter is written until the worker records it.
    assert Authorization.objects.count() == 0
    assert Letter.objects.count() == letters

    later = TUESDAY_NOON + dt.timedelta(seconds=2)
    assert forms.form_record_on_ledger(form_id=form.pk, now=later) == (
        forms.FormLedgerOutcome.RECORDED
    )
    form.refresh_from_db()
    assert form.state == FormState.RECORDED
    assert Authorization.objects.get().starts_at == later
    # R34b: the letters are written at recording time, in the worker's transaction.
    assert Letter.objects.count() == letters + 2
    recorded = AuditEvent.objects.get(action="form.recorded", object_id=str(form.pk))
    assert (recorded.actor, recorded.actor_label) == (None, "recording worker")


def test_r21_a_form_whose_hand_off_never_ran_is_recorded_by_the_sweep(
    cpa, clerk, django_capture_on_commit_callbacks
) -> None:
    """The worker died mid-task, or the broker lost the message: the form stays RECORDING (the
    outbox) and the beat's sweep records it, once."""
    taxpayer = make_taxpayer()
    form = upload_for(cpa, taxpayer)
    forms.form_take_next(clerk=clerk, now=TUESDAY_NOON)
    with django_capture_on_commit_callbacks(execute=False) as handed_off:
        forms.form_record(clerk=clerk, public_id=form.public_id, now=TUESDAY_NOON)
    assert len(handed_off) == 1  # captured, never run
    form.refresh_from_db()
    assert form.state == FormState.RECORDING
    assert Authorization.objects.count() == 0

    # The beat's own task, run in this process: approvals and forms alike.
    assert tasks.sweep_approvals() == 1
    form.refresh_from_db()
    assert form.state == FormState.RECORDED
    assert Authorization.objects.active().get().uploaded_form == form
    assert tasks.sweep_approvals() == 0
    assert Authorization.objects.count() == 1


def test_r42_a_form_decided_while_the_service_is_shut_is_recorded_at_the_opening(
    cpa, clerk
) -> None:
    """Staff are not closed out (R42), but the ledger records as it does for approvals: after
    the opening, by the scheduled worker's drain."""
    taxpayer = make_taxpayer()
    form = upload_for(cpa, taxpayer)
    sunday_night = dt.datetime(2026, 11, 29, 3, 0, tzinfo=ET)  # shut: Saturday 21:00 to 10:00
    forms.form_take_next(clerk=clerk, now=sunday_night)
    forms.form_record(clerk=clerk, public_id=form.public_id, now=sunday_night)
    waiting = forms.form_record_on_ledger(form_id=form.pk, now=sunday_night)
    assert waiting == forms.FormLedgerOutcome.WAITING_FOR_OPENING
    assert forms.forms_drain(now=sunday_night) == 0
    assert Authorization.objects.count() == 0
    opening = dt.datetime(2026, 11, 29, 10, 0, tzinfo=ET)
    event = services.service_transitions_record(now=opening)
    event.refresh_from_db()
    assert event.drained == 1
    assert Authorization.objects.active().get().uploaded_form == form


def test_r39_a_form_being_recorded_still_blocks_the_same_upload(cpa, clerk) -> None:
    taxpayer = make_taxpayer()
    data = form_data(taxpayer=form_taxpayer(taxpayer), reps=(form_rep(cpa),))
    form = upload(cpa.user, data, now=TUESDAY_NOON)
    forms.form_take_next(clerk=clerk, now=TUESDAY_NOON)
    forms.form_record(clerk=clerk, public_id=form.public_id, now=TUESDAY_NOON)
    with pytest.raises(FormRefused, match=form.receipt_number):
        upload(cpa.user, data, now=TUESDAY_NOON + HOUR)
    # R39b: and it can no longer be withdrawn.
    with pytest.raises(FormRefused, match="being recorded"):
        forms.form_withdraw(practitioner=cpa.user, public_id=form.public_id, now=TUESDAY_NOON)
    forms.form_record_on_ledger(form_id=form.pk, now=TUESDAY_NOON + HOUR)
    assert upload(cpa.user, data, now=TUESDAY_NOON + 2 * HOUR).state == FormState.WAITING


def test_r39b_a_form_being_recorded_keeps_no_place_in_the_line(cpa, clerk) -> None:
    first, second, _third = three_forms(cpa)
    forms.form_take_next(clerk=clerk, now=TUESDAY_NOON + HOUR)
    places = dict(forms_of(practitioner=cpa.user).values_list("pk", "queue_place"))
    assert places[second.pk] == 2
    first.state = FormState.RECORDING  # as the clerk's decision leaves it (data aside)
    first.clerk, first.lease_expires_at = None, None
    first.save(update_fields=["state", "clerk", "lease_expires_at"])
    places = dict(forms_of(practitioner=cpa.user).values_list("pk", "queue_place"))
    assert (places[first.pk], places[second.pk]) == (None, 1)


def test_r3a_standing_lost_between_the_decision_and_the_worker_leaves_no_row(cpa, clerk) -> None:
    taxpayer = make_taxpayer()
    agent = make_rep(code="c")
    data = form_data(taxpayer=form_taxpayer(taxpayer), reps=(form_rep(cpa), form_rep(agent)))
    form = upload(cpa.user, data, now=TUESDAY_NOON)
    forms.form_take_next(clerk=clerk, now=TUESDAY_NOON)
    forms.form_record(clerk=clerk, public_id=form.public_id, now=TUESDAY_NOON)
    services.caf_practice_status_change(
        caf_record=agent.caf_record,
        status=PracticeStatus.SUSPENDED,
        actor=staff_clerk(),
        now=TUESDAY_NOON + HOUR,
    )
    assert forms.form_record_on_ledger(form_id=form.pk, now=TUESDAY_NOON + 2 * HOUR) == (
        forms.FormLedgerOutcome.RECORDED
    )
    assert list(Authorization.objects.values_list("caf_record", flat=True)) == [cpa.caf_record.pk]
    event = AuditEvent.objects.get(action="form.recorded", object_id=str(form.pk))
    assert event.after["not_in_good_standing"] == [agent.caf_record.caf_number]
    letter = Letter.objects.get(
        caf_letter__caf_record=agent.caf_record, subject__contains="processed"
    )
    assert "not in good standing" in letter.body


def test_r35_r27_a_retaining_form_and_the_approval_it_keeps_give_one_ledger_in_either_order(
    cpa, clerk
) -> None:
    """The form (signed Friday) keeps the agent's POA signed the Thursday before; whichever is
    recorded first, the agent's row stays, and the other representative's ends (R23)."""
    taxpayer = make_taxpayer()
    agent, third = make_rep(code="c"), make_rep(code="a")
    kept = RetainedAuthorization(agent.caf_record.caf_number, "1040", "202412", "poa")
    thursday = TUESDAY_NOON - 5 * DAY
    ledgers = set()
    for form_first in (True, False):
        with transaction.atomic():
            approve_and_record(submit(third, taxpayer, now=thursday), now=thursday)
            req = submit(agent, taxpayer, now=thursday)
            approve(req, now=thursday + HOUR)
            form = upload_for(cpa, taxpayer, retention_box=True, retained=(kept,))
            forms.form_take_next(clerk=clerk, now=TUESDAY_NOON + HOUR)
            forms.form_record(clerk=clerk, public_id=form.public_id, now=TUESDAY_NOON + HOUR)
            steps = [
                partial(forms.form_record_on_ledger, form_id=form.pk),
                partial(services.request_record, request_id=req.pk),
            ]
            for step in steps if form_first else reversed(steps):
                step(now=TUESDAY_NOON + 2 * HOUR)
            ledgers.add(
                frozenset(
                    Authorization.objects.filter(taxpayer=taxpayer).values_list(
                        "caf_record", "end_reason"
                    )
                )
            )
            transaction.set_rollback(True)
    assert ledgers == {
        frozenset(
            {
                (third.caf_record.pk, EndReason.SUPERSEDED),
                (agent.caf_record.pk, ""),
                (cpa.caf_record.pk, ""),
            }
        )
    }


def test_r27_a_form_recorded_after_a_later_approval_is_born_superseded_naming_it(
    cpa, clerk
) -> None:
    taxpayer = make_taxpayer()
    agent = make_rep(code="c")
    form = upload_for(cpa, taxpayer)  # signed November 20
    forms.form_take_next(clerk=clerk, now=TUESDAY_NOON)
    forms.form_record(clerk=clerk, public_id=form.public_id, now=TUESDAY_NOON)
    req = approve_and_record(submit(agent, taxpayer, now=TUESDAY_NOON), now=TUESDAY_NOON + HOUR)
    forms.form_record_on_ledger(form_id=form.pk, now=TUESDAY_NOON + 2 * HOUR)
    row = Authorization.objects.get(uploaded_form=form)
    assert (row.end_reason, row.ended_by_request) == (EndReason.SUPERSEDED, req)
    # And an online approval recorded after a later form names the form.
    other = make_taxpayer()
    older = submit(agent, other, now=TUESDAY_NOON - 7 * DAY)
    approve(older, now=TUESDAY_NOON - 7 * DAY)
    later_form = upload_for(cpa, other)
    take_and_record(clerk, later_form, now=TUESDAY_NOON + 3 * HOUR)
    services.request_record(request_id=older.pk, now=TUESDAY_NOON + 4 * HOUR)
    born = Authorization.objects.get(request=older)
    assert born.end_reason == EndReason.SUPERSEDED
    assert born.ended_by_label == f"recorded after form {later_form.receipt_number}"


def test_r25_r35_rows_a_form_kept_still_count_toward_the_two_notice_recipients(cpa, clerk) -> None:
    """Two representatives receive notices under a POA signed on Thursday; a form signed on
    Friday keeps both (R35). A TIA asking for notices too would make a third: refused."""
    taxpayer = make_taxpayer()
    first, second, third = make_rep(code="c"), make_rep(code="c"), make_rep(code="b")
    thursday = TUESDAY_NOON - 5 * DAY
    for rep in (first, second):
        approve_and_record(submit(rep, taxpayer, notices=True, now=thursday), now=thursday)
    kept = tuple(
        RetainedAuthorization(rep.caf_record.caf_number, "1040", "202412", "poa")
        for rep in (first, second)
    )
    form = upload_for(cpa, taxpayer, retention_box=True, retained=kept)
    take_and_record(clerk, form)
    assert Authorization.objects.active().filter(receives_notices=True).count() == 2

    tia = submit(third, taxpayer, kind="tia", notices=True, now=TUESDAY_NOON + HOUR)
    with pytest.raises(ApprovalRefused, match="two is the limit"):
        approve(tia, now=TUESDAY_NOON + 2 * HOUR)
