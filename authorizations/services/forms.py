"""The forms channel's writes (section H): upload, withdraw, the CAF unit's queue, record, reject.

Lock order: recording locks the representatives' CAF records first (as a practice-status
change does), then, as everywhere, the taxpayer row, then the uploaded form, then ledger rows.
The queue takes the oldest waiting form with ``SELECT ... FOR UPDATE SKIP LOCKED`` (R34b):
clerks who ask at once each get a different form, and none waits on another. A clerk holds a
form for a lease (FORM_LEASE_MINUTES); when it runs out the form is back in its place, first in
line by its receipt time.

Recording (R34b) goes through the ledger's own machinery, as an online approval does: the
clerk's decision moves the form to RECORDING (the outbox) and the worker, or the beat's sweep,
writes form-channel rows on the same ledger by the same rules (recording.module_record): R23/R24
supersession and R27 order independence, except what the retention box keeps (R35); line 4's
specific-use forms are kept and never recorded (R37); every representative must be in good
standing (R3a). A form recorded twice leaves one set of rows: its row says it is recorded, and
a unique index on (form, representative, module) backs that up.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.db.models import Q

from authorizations.errors import DuplicateForm, FormRefused
from authorizations.forms_channel.data import FormData, form_data_from_json, form_data_to_json
from authorizations.forms_channel.files import (
    form_file_check,
    form_file_size_check,
)
from authorizations.forms_channel.precheck import form_precheck
from authorizations.models import (
    FORM_IN_LINE_STATES,
    FORM_KIND,
    FORM_OPEN_STATES,
    Authorization,
    Channel,
    FormState,
    FormType,
    RejectionReason,
    UploadedForm,
)
from authorizations.services.form_receipts import form_receipt_send
from authorizations.services.recording import (
    ON_FILE_COLUMNS,
    WORKER,
    OnFile,
    enqueue_form_recording,
    module_record,
    on_file,
    retained_by_forms,
)
from authorizations.services.request_states import state_move
from caf.errors import CafIssueRefused
from caf.models import CafRecord, PractitionerProfile
from caf.services import caf_letter_send, caf_number_issue
from taxpayers.models import LetterKind, Taxpayer
from taxpayers.services.master_file import letter_send
from taxpro import clock
from taxpro.addresses import PostalAddress, name_fold
from taxpro.audit import audit_record
from taxpro.models import User, UserKind
from taxpro.service_hours.selectors import portal_is_open
from taxpro.tin_crypto import tin_lookup_hash
from taxpro.tins import tin_mask, tin_parse


class FormRecordOutcome(enum.StrEnum):
    """The clerk's decision to record (R34b)."""

    BEING_RECORDED = "being recorded"
    ALREADY_RECORDED = "already recorded"


class FormLedgerOutcome(enum.StrEnum):
    """What the worker did with a form (R27: any number of times, in any order)."""

    RECORDED = "recorded"
    KEPT_NOT_RECORDED = "kept, not recorded (specific use)"
    ALREADY_RECORDED = "already recorded"
    NOT_DECIDED = "not decided"
    WAITING_FOR_OPENING = "waiting for the service to open"
    NOT_FOUND = "not found"


def form_lease() -> dt.timedelta:
    return dt.timedelta(minutes=int(settings.FORM_LEASE_MINUTES))


def _require_kind(user: User, kind: str, message: str) -> None:
    if getattr(user, "kind", None) != kind:
        raise FormRefused(message)


# --- Letters ----------------------------------------------------------------------------------


@dataclass
class _KeyedAddressee:
    """A representative with no CAF record on file: the letter goes to the address on the form."""

    name: str
    address: PostalAddress

    @property
    def address_lines(self) -> list[str]:
        return self.address.as_lines()


def _letters_to_representatives(
    form: UploadedForm, data: FormData, *, subject: str, body: str, now: dt.datetime
) -> int:
    """R34b: one letter to each representative on the form: to the CAF address of record when
    their CAF number is on file, else to the address keyed from the form."""
    numbers = [rep.caf_number for rep in data.representatives if rep.caf_number]
    on_file = {r.caf_number: r for r in CafRecord.objects.filter(caf_number__in=numbers)}
    for rep in data.representatives:
        record = on_file.get(rep.caf_number)
        greeting = f"Dear {record.name if record else rep.name},\n\n"
        if record is not None:
            caf_letter_send(
                kind=LetterKind.OTHER,
                caf_record=record,
                subject=subject,
                body=greeting + body,
                now=now,
            )
        else:
            letter_send(
                kind=LetterKind.OTHER,
                addressee=_KeyedAddressee(name=rep.name, address=rep.address),
                subject=subject,
                body=greeting + body,
                now=now,
            )
    return len(data.representatives)


def _form_label(form: UploadedForm) -> str:
    """How letters name a form: never the whole TIN (R43, R46)."""
    return (
        f"Form {form.form_type} for {form.taxpayer_name} ({form.tin_masked}), received "
        f"{clock.to_et(form.received_at):%B %-d, %Y}, receipt {form.receipt_number}"
    )


def _modules_text(data: FormData) -> str:
    return "\n".join(
        f"- Form {m.form_code}: periods ending {', '.join(f'{p[:4]}-{p[4:]}' for p in m.periods)}"
        for m in data.matters
    )


# --- Upload (R34, R39, R39a) -------------------------------------------------------------------


def form_content_key(data: FormData) -> str:
    """R39: the same form = same type, taxpayer, matters, periods and representatives."""
    canonical = {
        "form_type": data.form_type,
        "tin": tin_lookup_hash(data.taxpayer.tin),
        "matters": sorted([m.form_code.strip().upper(), sorted(m.periods)] for m in data.matters),
        "representatives": sorted(
            rep.caf_number or f"name:{name_fold(rep.name)}" for rep in data.representatives
        ),
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def _open_duplicate(*, sha256: str, content_key: str) -> UploadedForm | None:
    return (
        UploadedForm.objects.filter(state__in=FORM_OPEN_STATES)
        .filter(Q(file_sha256=sha256) | Q(content_key=content_key))
        .order_by("received_at", "id")
        .first()
    )


def _duplicate_refusal(duplicate: UploadedForm, practitioner: User) -> DuplicateForm:
    if duplicate.practitioner_id != practitioner.pk:
        # R45: another practitioner's upload is not named, not even by its receipt.
        return DuplicateForm(
            "This form was already uploaded by another tax professional and is still waiting "
            "to be processed. It is processed once; there is no need to upload it again.",
            existing=duplicate,
        )
    return DuplicateForm(
        "This form was already uploaded and is still waiting to be processed (receipt "
        f"{duplicate.receipt_number}). Uploading it again would not make it faster; you can "
        "follow that one, or withdraw it first if it needs a correction.",
        existing=duplicate,
    )


def _read_upload(upload: File) -> bytes:
    """The upload's bytes, refusing an oversized one before reading it whole."""
    if upload.size is not None:
        form_file_size_check(upload.size)
    upload.seek(0)
    return upload.read(settings.FORM_UPLOAD_MAX_BYTES + 1)


def form_upload(
    *, practitioner: User, data: FormData, upload: File, now: dt.datetime | None = None
) -> UploadedForm:
    """R34: a practitioner uploads one signed form with its keyed data; it joins the queue.

    Refused with a FormRefused, writing nothing, for a bad file, any pre-check problem (R39a,
    all of them in ``problems``), or a duplicate of a form still waiting (R39)."""
    now = now or clock.now()
    _require_kind(practitioner, UserKind.PRACTITIONER, "Only a tax professional uploads forms.")
    if data.form_type not in FormType.values:
        raise FormRefused("Choose Form 2848 or Form 8821.", field="form_type")
    content = _read_upload(upload)
    checked = form_file_check(content)
    problems = form_precheck(data, received_on=clock.today_et(now))
    if problems:
        raise FormRefused(
            "The form cannot be accepted as keyed: "
            + " ".join(problem.message for problem in problems),
            problems=tuple(problems),
        )
    tin = tin_parse(data.taxpayer.tin, holder_kind=data.taxpayer.kind)  # R13a: TinInvalid
    content_key = form_content_key(data)
    duplicate = _open_duplicate(sha256=checked.sha256, content_key=content_key)
    if duplicate is not None:
        raise _duplicate_refusal(duplicate, practitioner)

    public_id = uuid.uuid4()
    form = UploadedForm(
        public_id=public_id,
        form_type=data.form_type,
        practitioner=practitioner,
        taxpayer_kind=data.taxpayer.kind,
        taxpayer_name=data.taxpayer.name.strip(),
        data=form_data_to_json(data),
        specific_use=data.specific_use,
        file_content_type=checked.kind.content_type,
        file_size=checked.size,
        file_sha256=checked.sha256,
        content_key=content_key,
        state=FormState.WAITING,
        received_at=now,
    )
    form.set_tin(tin)
    form.file.save(f"{public_id}.{checked.kind.extension}", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            # R34: the receipt names its place in line at upload (the forms ahead of it, + 1).
            form.receipt_place = (
                UploadedForm.objects.filter(
                    state__in=FORM_IN_LINE_STATES, received_at__lte=now
                ).count()
                + 1
            )
            form.save()
            form_receipt_send(form)  # e-mailed by the worker after the commit
            audit_record(
                action="form.uploaded",
                obj=form,
                actor=practitioner,
                after={
                    "form_type": form.form_type,
                    "state": form.state,
                    "sha256": form.file_sha256,
                    "size": form.file_size,
                },
                now=now,
            )
            _letters_to_representatives(
                form,
                data,
                subject=f"We received your Form {form.form_type}",
                body=(
                    f"We received {_form_label(form)}.\n\nIt waits in line to be processed, "
                    "first in, first out. You can follow it, or withdraw it while it waits, "
                    "under Your forms in Tax Pro Portal.\n"
                ),
                now=now,
            )
    except IntegrityError as exc:
        form.file.delete(save=False)
        duplicate = _open_duplicate(sha256=checked.sha256, content_key=content_key)
        if duplicate is not None:  # R39: the same upload, twice at once
            raise _duplicate_refusal(duplicate, practitioner) from exc
        raise
    except BaseException:
        form.file.delete(save=False)
        raise
    return form


# --- Withdraw (R39b) --------------------------------------------------------------------------


def _lock_form(public_id: uuid.UUID | str, **scope: object) -> UploadedForm:
    """Lock one form; outside ``scope`` (R45) it does not exist (-> 404)."""
    return UploadedForm.objects.select_for_update().get(public_id=public_id, **scope)


@transaction.atomic
def form_withdraw(
    *, practitioner: User, public_id: uuid.UUID | str, now: dt.datetime | None = None
) -> UploadedForm:
    """R39b: the practitioner who uploaded a form withdraws it while it waits."""
    now = now or clock.now()
    form = _lock_form(public_id, practitioner=practitioner)
    if form.state == FormState.WITHDRAWN:
        return form  # R47: a doubled "Withdraw" changes nothing
    waiting = form.state == FormState.WAITING or (
        form.state == FormState.IN_REVIEW
        and form.lease_expires_at is not None
        and form.lease_expires_at <= now
    )
    if not waiting:
        raise FormRefused(
            {
                FormState.IN_REVIEW: "A clerk is processing this form now; it can no longer be "
                "withdrawn.",
                FormState.RECORDING: "This form is being recorded. Once it is, withdraw the "
                "authorizations it recorded instead.",
                FormState.RECORDED: "This form is recorded. Withdraw the authorizations it "
                "recorded instead.",
                FormState.REJECTED: "This form was rejected; there is nothing to withdraw.",
            }.get(FormState(form.state), "This form can no longer be withdrawn.")
        )
    form.withdrawn_at = now
    form.clerk = None
    form.lease_expires_at = None
    state_move(
        form,
        to=FormState.WITHDRAWN,
        actor=practitioner,
        now=now,
        action="form.withdrawn",
        also_saved=["withdrawn_at", "clerk", "lease_expires_at"],
    )
    return form


# --- The CAF unit's queue (R34b) --------------------------------------------------------------


def _require_clerk(clerk: User) -> None:
    _require_kind(clerk, UserKind.STAFF, "Only the CAF unit's staff process forms.")


def _in_line(now: dt.datetime) -> Q:
    """Waiting, or taken by a clerk whose lease ran out: back in its place."""
    return Q(state=FormState.WAITING) | Q(state=FormState.IN_REVIEW, lease_expires_at__lte=now)


@transaction.atomic
def form_take_next(*, clerk: User, now: dt.datetime | None = None) -> UploadedForm | None:
    """R34b: the oldest form in line, for ``clerk``; None when the queue is empty.

    A clerk holds one form at a time: one already held (lease running) is given back to them.
    SKIP LOCKED lets clerks who ask at once each take a different form without waiting."""
    now = now or clock.now()
    _require_clerk(clerk)
    held = (
        UploadedForm.objects.select_for_update(skip_locked=True)
        .filter(state=FormState.IN_REVIEW, clerk=clerk, lease_expires_at__gt=now)
        .first()
    )
    if held is not None:
        return held
    form = (
        UploadedForm.objects.select_for_update(skip_locked=True)
        .filter(_in_line(now))
        .order_by("received_at", "id")
        .first()
    )
    if form is None:
        return None
    previous_clerk = form.clerk_id  # set when a lease ran out
    form.clerk = clerk
    form.taken_at = now
    form.lease_expires_at = now + form_lease()
    state_move(
        form,
        to=FormState.IN_REVIEW,
        actor=clerk,
        now=now,
        action="form.taken",
        also_saved=["clerk", "taken_at", "lease_expires_at"],
        audited={
            "lease_expires_at": form.lease_expires_at.isoformat(),
            "previous_clerk": previous_clerk,
        },
    )
    return form


def _held_by(form: UploadedForm, clerk: User, now: dt.datetime) -> None:
    if form.state != FormState.IN_REVIEW or form.clerk_id != clerk.pk:
        raise FormRefused("You are not holding this form. Take the next form from the queue.")
    assert form.lease_expires_at is not None  # in review: leased (a constraint says so)
    if form.lease_expires_at <= now:
        raise FormRefused(
            "Your time with this form ran out and it went back to its place in the queue. "
            "Take the next form to continue."
        )


def _leave_review(
    form: UploadedForm,
    *,
    to: FormState,
    clerk: User,
    now: dt.datetime,
    also_saved: Sequence[str] = (),
    audited: dict[str, object] | None = None,
) -> None:
    """A held form leaves review: back in line, or decided (state_move sets the state, so the
    audit says which it left)."""
    form.clerk = None
    form.lease_expires_at = None
    saved = ["clerk", "lease_expires_at", *also_saved]
    if to != FormState.WAITING:
        form.decided_at = now
        saved.append("decided_at")
    action = {
        FormState.WAITING: "form.released",
        FormState.REJECTED: "form.rejected",
        FormState.RECORDING: "form.recording",
    }[to]
    state_move(form, to=to, actor=clerk, now=now, action=action, also_saved=saved, audited=audited)


@transaction.atomic
def form_release(
    *, clerk: User, public_id: uuid.UUID | str, now: dt.datetime | None = None
) -> UploadedForm:
    """R34b: a clerk puts a form back; it returns to its place in the queue."""
    now = now or clock.now()
    _require_clerk(clerk)
    form = _lock_form(public_id)
    _held_by(form, clerk, now)
    _leave_review(form, to=FormState.WAITING, clerk=clerk, now=now)
    return form


def form_reject(
    *,
    clerk: User,
    public_id: uuid.UUID | str,
    reasons: Sequence[str],
    note: str = "",
    now: dt.datetime | None = None,
) -> UploadedForm:
    """R34b: reject a held form with one or more reasons from the fixed list, and a note; the
    representatives get a letter with the reasons."""
    now = now or clock.now()
    _require_clerk(clerk)
    chosen = list(dict.fromkeys(reasons))
    if not chosen:
        raise FormRefused("Choose at least one reason for rejecting the form.", field="reasons")
    unknown = [reason for reason in chosen if reason not in RejectionReason.values]
    if unknown:
        raise FormRefused("Choose the reasons from the list.", field="reasons")
    with transaction.atomic():
        form = _lock_form(public_id)
        _held_by(form, clerk, now)
        form.rejection_reasons = chosen
        form.rejection_note = note.strip()
        _leave_review(
            form,
            to=FormState.REJECTED,
            clerk=clerk,
            now=now,
            also_saved=["rejection_reasons", "rejection_note"],
            audited={"reasons": chosen, "note": form.rejection_note},
        )
        listed = "\n".join(f"- {RejectionReason(reason).label}" for reason in chosen)
        note_text = f"\nThe CAF unit adds: {form.rejection_note}\n" if form.rejection_note else ""
        _letters_to_representatives(
            form,
            form_data_from_json(form.data, tin=form.tin_reveal()),
            subject=f"Your Form {form.form_type} was not recorded",
            body=(
                f"We could not record {_form_label(form)}, for these reasons:\n\n{listed}\n"
                f"{note_text}\nYou can correct the form and upload it again.\n"
            ),
            now=now,
        )
    return form


# --- Recording (R34b, R35, R37, R3a, R23, R24, R27) --------------------------------------------
#
# Two steps, as an online approval: the clerk's decision (``form_record``) checks everything
# the form's data can fail on, under the locks, and moves the form to RECORDING, the durable
# outbox; after the commit the worker (``form_record_on_ledger``, Celery's ``record_form``)
# writes the rows and the letters, and the sweeper (``forms_drain``) re-drives whatever the
# broker or a dying worker lost. The worker only does what no data can refuse; a
# representative who lost good standing meanwhile gets no row (R3a), as a practice-status
# change would have ended it.


def _caf_numbers_assign(form: UploadedForm, data: FormData, now: dt.datetime) -> FormData:
    """R34b: a representative without a CAF number is assigned one when their form is recorded,
    by letter: at the clerk's decision, which is where a refusal can still be told. caf.services
    issues numbers to a practitioner with a profile (R8: TIN, address, designations), so this
    serves the practitioner who uploaded the form and named themselves; anyone else without a
    number is refused, and the form waits for that."""
    if all(rep.caf_number for rep in data.representatives):
        return data
    profile = PractitionerProfile.objects.filter(user=form.practitioner).first()
    assigned: dict[str, str] = {}
    reps = []
    for rep in data.representatives:
        key = name_fold(rep.name)
        if not rep.caf_number and key not in assigned:
            if profile is None or name_fold(profile.legal_name) != key:
                raise FormRefused(
                    f"{rep.name} has no CAF number. A number can be assigned from a form only "
                    "to the tax professional who uploaded it; release the form for now."
                )
            try:
                assigned[key] = caf_number_issue(practitioner=form.practitioner, now=now).caf_number
            except CafIssueRefused as exc:
                raise FormRefused(
                    f"{rep.name} has no CAF number on the form and cannot be assigned one "
                    "(they may already hold one: then the data does not match the form)."
                ) from exc
        reps.append(rep if rep.caf_number else dataclasses.replace(rep, caf_number=assigned[key]))
    data = dataclasses.replace(data, representatives=tuple(reps))
    form.data = form_data_to_json(data)
    form.save(update_fields=["data"])
    return data


@dataclass(frozen=True)
class _Representative:
    record: CafRecord
    receives_notices: bool


def _representative_records(data: FormData) -> list[_Representative]:
    """Each representative's CAF record (locked by ``_lock_for_recording``) with their notices
    box; a representative named twice is recorded once, with notices if either line asks."""
    numbers = sorted({rep.caf_number for rep in data.representatives})
    records = {r.caf_number: r for r in CafRecord.objects.filter(caf_number__in=numbers)}
    result: dict[str, _Representative] = {}
    for rep in data.representatives:
        record = records.get(rep.caf_number)
        if record is None:
            raise FormRefused(
                f"CAF number {rep.caf_number} of {rep.name} is not on file. Reject the form: "
                "the data does not match."
            )
        named = result.get(rep.caf_number)
        notices = rep.receives_notices or (named is not None and named.receives_notices)
        result[rep.caf_number] = _Representative(record, notices)
    return list(result.values())


def _standing_refusal(representatives: list[_Representative]) -> FormRefused | None:
    """R3a: the ledger never gains an active row for a representative out of good standing."""
    for rep in representatives:
        record = rep.record
        if not record.is_in_good_standing:
            return FormRefused(
                f"{record.name} ({record.caf_number_display}) is not in good standing "
                f"({record.get_practice_status_display()}). The form cannot be recorded."
            )
    return None


def _lock_for_recording(form_public_id: uuid.UUID | str) -> Taxpayer | None:
    """Take the locks recording needs, in order: the representatives' CAF records first (as a
    practice-status change does, R3a: so neither can miss the other, and they never deadlock),
    then the master file's taxpayer with the form's TIN (None if there is none), then the form
    (locked by the caller)."""
    peek = UploadedForm.objects.filter(public_id=form_public_id).values("tin_hash", "data").first()
    if peek is None:
        raise UploadedForm.DoesNotExist
    numbers = sorted({rep.get("caf_number") or "" for rep in peek["data"]["representatives"]})
    list(
        CafRecord.objects.select_for_update(no_key=True)
        .filter(caf_number__in=[n for n in numbers if n])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    taxpayer_id = (
        Taxpayer.objects.filter(tin_hash=peek["tin_hash"]).values_list("pk", flat=True).first()
    )
    if taxpayer_id is None:
        return None
    return Taxpayer.objects.select_for_update().get(pk=taxpayer_id)


def _modules(data: FormData) -> Iterable[tuple[str, str]]:
    seen: set[tuple[str, str]] = set()
    for matter in data.matters:
        for period in matter.periods:
            module = (matter.form_code.strip().upper(), period)
            if module not in seen:
                seen.add(module)
                yield module


def _decision_refusal(form: UploadedForm, data: FormData, taxpayer: Taxpayer | None) -> None:
    """What the form's data can fail on, checked at the clerk's decision (R34b, R3a)."""
    if taxpayer is None:
        raise FormRefused(
            "The taxpayer on this form is not on the master file. Reject the form: the "
            "data does not match."
        )
    if taxpayer.kind != form.taxpayer_kind:
        raise FormRefused(
            "The taxpayer on this form is not the one on the master file with this TIN. "
            "Reject the form: the data does not match."
        )
    if data.taxpayer_signed_on is None:
        raise FormRefused("The form has no signature date. Reject it.")


def form_record(
    *, clerk: User, public_id: uuid.UUID | str, now: dt.datetime | None = None
) -> FormRecordOutcome:
    """R34b: the clerk records a held form. Everything the data can fail on is checked here,
    under the locks, so the clerk is told; the form moves to RECORDING (the outbox, audited as
    the clerk's decision) and, after the commit, the worker puts it on the ledger. A form
    already decided is not decided again (R47)."""
    now = now or clock.now()
    _require_clerk(clerk)
    with transaction.atomic():
        taxpayer = _lock_for_recording(public_id)
        form = _lock_form(public_id)
        if form.state in (FormState.RECORDING, FormState.RECORDED):
            return FormRecordOutcome.ALREADY_RECORDED
        _held_by(form, clerk, now)
        data = form_data_from_json(form.data, tin=form.tin_reveal())
        _decision_refusal(form, data, taxpayer)
        if not form.specific_use:  # R37: kept, never on the ledger; its representatives aside
            data = _caf_numbers_assign(form, data, now)
            refusal = _standing_refusal(_representative_records(data))
            if refusal is not None:
                raise refusal
        _leave_review(
            form,
            to=FormState.RECORDING,
            clerk=clerk,
            now=now,
            audited={"specific_use": form.specific_use},
        )
        # The worker is a fast path only: if the broker is down the sweeper records it later.
        transaction.on_commit(partial(enqueue_form_recording, form.pk), robust=True)
    return FormRecordOutcome.BEING_RECORDED


def _record_module(
    *,
    form: UploadedForm,
    taxpayer_id: int,
    rep: _Representative,
    module: tuple[str, str],
    signed_on: dt.date,
    keeps: set[tuple[int, str, str, str]],
    receipts: dict[int, str],
    now: dt.datetime,
) -> None:
    """One row of the form: R23, R24, R27 and R35 as for online approvals (module_record)."""
    matter, period = module
    kind = FORM_KIND[FormType(form.form_type)]
    rows = (
        Authorization.objects.for_module(taxpayer_id=taxpayer_id, matter=matter, period=period)
        .filter(kind=kind)
        .order_by()
        .only(*ON_FILE_COLUMNS)
    )
    same, more_receipts = on_file(rows)
    row = Authorization(
        taxpayer_id=taxpayer_id,
        caf_record=rep.record,
        kind=kind,
        matter=matter,
        period=period,
        receives_notices=rep.receives_notices,
        channel=Channel.FORM,
        uploaded_form=form,
        signed_at=clock.start_of_day_et(signed_on),
        signed_on=signed_on,
        starts_at=now,
    )
    own_keeps = frozenset(caf for caf, m, p, k in keeps if (m, p, k) == (matter, period, kind))
    module_record(
        OnFile(row, own_keeps),
        same,
        now,
        label=f"form {form.receipt_number}",
        receipts={**receipts, **more_receipts},
    )
    row.save()


def form_record_on_ledger(*, form_id: int, now: dt.datetime | None = None) -> FormLedgerOutcome:
    """Put a form the clerk decided to record on the ledger, with its letters, in one
    transaction. Safe to run any number of times, in any order with online recordings (R27):
    it takes the locks request_record takes (CAF records, then the taxpayer), and a recorded
    form is never recorded again."""
    now = now or clock.now()
    with transaction.atomic():
        peek = UploadedForm.objects.filter(pk=form_id).values_list("public_id", flat=True).first()
        if peek is None:
            return FormLedgerOutcome.NOT_FOUND
        taxpayer = _lock_for_recording(peek)
        form = _lock_form(peek)
        if form.state == FormState.RECORDED:
            return FormLedgerOutcome.ALREADY_RECORDED
        if form.state != FormState.RECORDING:
            return FormLedgerOutcome.NOT_DECIDED
        if not portal_is_open(now):
            # R42: as approvals, forms decided while the service is shut wait for the opening.
            return FormLedgerOutcome.WAITING_FOR_OPENING
        data = form_data_from_json(form.data, tin=form.tin_reveal())
        # Checked at the decision; the master file does not lose a taxpayer, nor a form its date.
        assert taxpayer is not None and data.taxpayer_signed_on is not None
        rows = 0
        representatives = [] if form.specific_use else _representative_records(data)
        # R3a: standing lost since the decision: no row for them (a practice-status change
        # ended every row they had; this one never starts).
        recorded = [rep for rep in representatives if rep.record.is_in_good_standing]
        by_form = retained_by_forms({form.pk})
        keeps = by_form[form.pk][1]
        receipts = {form.pk: by_form[form.pk][0]}
        for rep in recorded:
            for module in _modules(data):
                _record_module(
                    form=form,
                    taxpayer_id=taxpayer.pk,
                    rep=rep,
                    module=module,
                    signed_on=data.taxpayer_signed_on,
                    keeps=keeps,
                    receipts=receipts,
                    now=now,
                )
                rows += 1
        not_recorded = [rep.record for rep in representatives if rep not in recorded]
        state_move(
            form,
            to=FormState.RECORDED,
            actor=None,
            actor_label=WORKER,
            now=now,
            action="form.recorded",
            audited={
                "ledger_rows": rows,
                "specific_use": form.specific_use,
                "not_in_good_standing": [r.caf_number for r in not_recorded],
            },
        )
        _recorded_letters(form, data, taxpayer, now, not_recorded=not_recorded)
    if form.specific_use:
        return FormLedgerOutcome.KEPT_NOT_RECORDED
    return FormLedgerOutcome.RECORDED


def forms_drain(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Record every form the clerks decided to record and the worker has not (the broker lost
    the message, the worker died mid-task), oldest decision first. Returns how many."""
    now = now or clock.now()
    if not portal_is_open(now):
        return 0
    ids = list(
        UploadedForm.objects.filter(state=FormState.RECORDING)
        .order_by("decided_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    done = (FormLedgerOutcome.RECORDED, FormLedgerOutcome.KEPT_NOT_RECORDED)
    return sum(form_record_on_ledger(form_id=pk, now=now) in done for pk in ids)


def _recorded_letters(
    form: UploadedForm,
    data: FormData,
    taxpayer: Taxpayer,
    now: dt.datetime,
    *,
    not_recorded: Sequence[CafRecord] = (),
) -> None:
    """R34b: the representatives' letter, and the taxpayer's notice, written as the form is
    recorded (in the worker's transaction)."""
    kind_label = "power of attorney" if form.form_type == FormType.F2848 else "authorization"
    if form.specific_use:
        what = (
            "It is a specific-use form (line 4): it is kept on file and, as the form says, "
            "not recorded on the CAF.\n"
        )
    else:
        what = f"It now covers:\n\n{_modules_text(data)}\n"
    if not_recorded:
        # R3a: said in the letters; nobody out of good standing is on the ledger.
        what += (
            "\nIt was not recorded for "
            + ", ".join(f"{r.name} ({r.caf_number_display})" for r in not_recorded)
            + ": that CAF record is not in good standing.\n"
        )
    _letters_to_representatives(
        form,
        data,
        subject=f"Your Form {form.form_type} was processed",
        body=f"We processed {_form_label(form)}.\n\n{what}",
        now=now,
    )
    names = ", ".join(rep.name for rep in data.representatives)
    letter_send(
        kind=LetterKind.OTHER,
        taxpayer=taxpayer,
        subject=f"A {kind_label} you signed was processed",
        body=(
            f"Dear {taxpayer.name},\n\nWe processed the Form {form.form_type} you signed on "
            f"{data.taxpayer_signed_on:%B %-d, %Y} naming {names}, for your taxpayer "
            f"identification number {tin_mask(taxpayer.tin_last4, tin_type=taxpayer.tin_type)}."
            f"\n\n{what}\nIf you did not sign it, or want to end it, you can revoke it in your "
            "online account or write to us.\n"
        ),
        now=now,
    )


# --- The CAF unit's pages (issue 11, web/staff) ------------------------------------------------


def form_file_opened(*, clerk: User, form: UploadedForm, now: dt.datetime | None = None) -> None:
    """R44: staff opening a taxpayer's signed form is on the audit trail, as every view of a
    taxpayer's information is for practitioners (R33)."""
    _require_clerk(clerk)
    audit_record(
        action="form.file_opened",
        obj=form,
        actor=clerk,
        after={"state": form.state, "held": form.clerk_id == clerk.pk},
        now=now or clock.now(),
    )
