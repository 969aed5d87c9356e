"""Races in the forms channel (R34b, R39, R27): real threads, each on its own database
connection, released together by a barrier (``at_once``, as in test_races.py).

Several clerks asking for the next form at once each get a different one (SELECT ... FOR
UPDATE SKIP LOCKED); a form recorded by several calls at once, the clerk's or the worker's,
leaves one set of ledger rows; a form and an approval recorded at once for the same module
leave the ledger R23/R27/R35 say;
the same form uploaded several times at once joins the queue once.
"""

from __future__ import annotations

from collections import Counter
from functools import partial

import pytest

from authorizations import services
from authorizations.errors import FormRefused
from authorizations.forms_channel.data import FormMatter, RetainedAuthorization
from authorizations.models import Authorization, EndReason, FormState, UploadedForm
from authorizations.services import forms
from caf.models import PracticeStatus
from taxpayers.models import Letter
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
from tests.authorizations.forms_support import form_data, form_rep, form_taxpayer, pdf_bytes, upload
from tests.authorizations.test_races import at_once
from tests.personas import staff_clerk

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("private_media"),
]

CLERKS = 12
FORMS = 8
PERIODS = ("202503", "202506", "202509", "202512", "202603", "202606", "202609", "202612")


def test_r34b_clerks_taking_the_next_form_at_once_never_get_the_same_one() -> None:
    rep = make_rep()
    uploaded = [
        upload(
            rep.user,
            form_data(reps=(form_rep(rep),), matters=(FormMatter("941", "", (period,)),)),
            now=TUESDAY_NOON,
        )
        for period in PERIODS[:FORMS]
    ]
    clerks = [staff_clerk() for _ in range(CLERKS)]
    now = TUESDAY_NOON
    results = at_once([partial(forms.form_take_next, clerk=c, now=now) for c in clerks])

    assert [r for r in results if isinstance(r, Exception)] == []
    taken = [r for r in results if r is not None]
    # Every form went to exactly one clerk; the clerks left over got nothing.
    assert sorted(f.pk for f in taken) == sorted(f.pk for f in uploaded)
    assert results.count(None) == CLERKS - FORMS
    held = {f.pk: f.clerk_id for f in UploadedForm.objects.all()}
    for clerk, result in zip(clerks, results, strict=True):
        if result is not None:
            assert held[result.pk] == clerk.pk
    assert set(UploadedForm.objects.values_list("state", flat=True)) == {FormState.IN_REVIEW}
    assert AuditEvent.objects.filter(action="form.taken").count() == FORMS


def test_r34b_a_form_recorded_twice_at_once_leaves_one_set_of_rows() -> None:
    """The clerk's Record posted by 12 at once decides once; the worker run by 12 at once
    (retries, the sweep, a redelivered message) records once: one set of rows, one letter each."""
    rep, taxpayer, clerk = make_rep(), make_taxpayer(), staff_clerk()
    periods = ("202312", "202412")
    data = form_data(
        taxpayer=form_taxpayer(taxpayer),
        reps=(form_rep(rep),),
        matters=(FormMatter("1040", "Income tax", periods, "2023, 2024"),),
    )
    form = upload(rep.user, data, now=TUESDAY_NOON)
    assert forms.form_take_next(clerk=clerk, now=TUESDAY_NOON) == form
    letters = Letter.objects.count()

    decide = partial(forms.form_record, clerk=clerk, public_id=form.public_id, now=TUESDAY_NOON)
    assert Counter(at_once([decide] * CLERKS)) == {
        forms.FormRecordOutcome.BEING_RECORDED: 1,
        forms.FormRecordOutcome.ALREADY_RECORDED: CLERKS - 1,
    }
    record = partial(forms.form_record_on_ledger, form_id=form.pk, now=TUESDAY_NOON)
    results = at_once([record] * (CLERKS - 1) + [partial(forms.forms_drain, now=TUESDAY_NOON)])

    *workers, drained = results
    # Exactly one of the 12 recorded it (a worker, or the sweep); the others found it done.
    assert workers.count(forms.FormLedgerOutcome.RECORDED) + drained == 1
    assert workers.count(forms.FormLedgerOutcome.ALREADY_RECORDED) == CLERKS - 2 + drained
    rows = Authorization.objects.filter(uploaded_form=form)
    assert sorted(rows.values_list("period", flat=True)) == list(periods)
    assert rows.active().count() == len(periods)
    assert AuditEvent.objects.filter(action="form.recording").count() == 1
    assert AuditEvent.objects.filter(action="form.recorded").count() == 1
    assert Letter.objects.count() == letters + 2  # the representative and the taxpayer, once


def test_r27_a_form_and_an_approval_recorded_at_once_leave_the_ledger_the_rules_say() -> None:
    """For the same module and kind, the worker records a form (signed earlier, keeping one
    representative) and an approval (signed later) at the same moment, in rounds: the approval
    ends both earlier rows (R23; retention is the form's, not the approval's), whichever locks
    the taxpayer first, and nothing deadlocks."""
    for round_ in range(ROUNDS):
        taxpayer, clerk = make_taxpayer(), staff_clerk()
        kept_rep, form_rep_, online_rep = make_rep(), make_rep(code="c"), make_rep()
        earlier = TUESDAY_NOON - 7 * DAY
        approve_and_record(submit(kept_rep, taxpayer, now=earlier), now=earlier)
        kept = RetainedAuthorization(kept_rep.caf_record.caf_number, "1040", "202412", "poa")
        form = upload(
            form_rep_.user,
            form_data(
                taxpayer=form_taxpayer(taxpayer),
                reps=(form_rep(form_rep_),),
                retention_box=True,
                retained=(kept,),
            ),
            now=TUESDAY_NOON,
        )
        assert forms.form_take_next(clerk=clerk, now=TUESDAY_NOON) == form
        forms.form_record(clerk=clerk, public_id=form.public_id, now=TUESDAY_NOON)
        req = submit(online_rep, taxpayer, now=TUESDAY_NOON)
        approve(req, now=TUESDAY_NOON)

        results = at_once(
            [
                partial(forms.form_record_on_ledger, form_id=form.pk, now=TUESDAY_NOON + DAY),
                partial(services.request_record, request_id=req.pk, now=TUESDAY_NOON + DAY),
            ]
        )
        assert results == [forms.FormLedgerOutcome.RECORDED, services.RecordOutcome.RECORDED], (
            round_,
            results,
        )
        ledger = dict(
            Authorization.objects.filter(taxpayer=taxpayer).values_list("caf_record", "end_reason")
        )
        assert ledger == {
            kept_rep.caf_record.pk: EndReason.SUPERSEDED,
            form_rep_.caf_record.pk: EndReason.SUPERSEDED,
            online_rep.caf_record.pk: "",
        }, round_


def test_r39_the_same_form_uploaded_at_once_joins_the_queue_once(private_media) -> None:
    rep = make_rep()
    data = form_data(reps=(form_rep(rep),))
    content = pdf_bytes(marker="one scan, sent many times")
    send = partial(upload, rep.user, data, content=content, now=TUESDAY_NOON)
    results = at_once([send] * CLERKS)

    accepted = [r for r in results if isinstance(r, UploadedForm)]
    refused = [r for r in results if isinstance(r, FormRefused)]
    assert len(accepted) == 1
    assert len(refused) == CLERKS - 1
    assert all(accepted[0].receipt_number in str(error) for error in refused)
    assert UploadedForm.objects.count() == 1
    # The refused uploads left no file behind.
    stored = [p.relative_to(private_media) for p in private_media.rglob("*") if p.is_file()]
    assert [str(p) for p in stored] == [accepted[0].file.name]


ROUNDS = 4


def test_r3a_recording_a_form_while_its_representative_loses_standing_never_leaves_a_row() -> None:
    """A clerk records a form while staff suspend its representative, at once. Whichever goes
    first, the representative holds no active row afterwards, and neither call fails for
    anything but the refusal (no deadlock: both lock the CAF record before the taxpayer)."""
    staff = staff_clerk()
    for round_ in range(ROUNDS):
        rep, taxpayer, clerk = make_rep(), make_taxpayer(), staff_clerk()
        # The representative already holds 2023 for this taxpayer: suspending them locks the
        # taxpayer's row, which recording locks too.
        earlier = form_data(
            taxpayer=form_taxpayer(taxpayer),
            reps=(form_rep(rep),),
            matters=(FormMatter("1040", "", ("202312",)),),
        )
        first = upload(rep.user, earlier, now=TUESDAY_NOON)
        assert forms.form_take_next(clerk=clerk, now=TUESDAY_NOON) == first
        forms.form_record(clerk=clerk, public_id=first.public_id, now=TUESDAY_NOON)
        forms.forms_drain(now=TUESDAY_NOON)
        form = upload(
            rep.user,
            form_data(taxpayer=form_taxpayer(taxpayer), reps=(form_rep(rep),)),
            now=TUESDAY_NOON,
        )
        assert forms.form_take_next(clerk=clerk, now=TUESDAY_NOON) == form

        results = at_once(
            [
                partial(forms.form_record, clerk=clerk, public_id=form.public_id, now=TUESDAY_NOON),
                partial(
                    services.caf_practice_status_change,
                    caf_record=rep.caf_record,
                    status=PracticeStatus.SUSPENDED,
                    actor=staff,
                    now=TUESDAY_NOON,
                ),
            ]
        )
        recorded, _status = results
        assert not isinstance(_status, Exception), (round_, _status)
        assert recorded == forms.FormRecordOutcome.BEING_RECORDED or isinstance(
            recorded, FormRefused
        ), (round_, recorded)
        # The worker, after the decision: a standing lost meanwhile still gives no row.
        forms.forms_drain(now=TUESDAY_NOON)
        assert not UploadedForm.objects.filter(state=FormState.RECORDING).exists()
        assert not Authorization.objects.active().filter(caf_record=rep.caf_record).exists()
