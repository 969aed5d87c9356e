"""The forms wizard's writes (R34, R42, R46, R47): a draft of an upload, saved on every step,
its signed file kept privately until the upload, then the upload itself, once.

The answers are kept as typed, per step, in ``FormDraft.data``; the TIN never is (R46): a parsed
one goes encrypted to its own column, and the JSON keeps its last four digits for masking (R43).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from authorizations.errors import FormRefused
from authorizations.forms_channel.data import FormData
from authorizations.forms_channel.files import CheckedFile
from authorizations.models import FormDraft, UploadedForm
from authorizations.services.drafts import draft_locked_for_sending, draft_start, draft_wipe
from authorizations.services.forms import form_upload
from taxpro import clock
from taxpro.audit import audit_record
from taxpro.models import User

# Where the draft's JSON keeps the name the signed file was chosen under (the file itself is
# in storage).
FILE = "file"


def form_draft_days() -> int:
    """An untouched draft, and its file, are wiped after this many days (the setting)."""
    days: int = settings.FORM_DRAFT_DAYS
    return days


def form_draft_create(*, practitioner: User, now: dt.datetime | None = None) -> FormDraft:
    """A new draft; an untouched one is reused, so a doubled "Start" makes one draft (R47)."""
    now = now or clock.now()
    with transaction.atomic():
        draft, created = draft_start(
            untouched=FormDraft.objects.owned_by(practitioner)
            .unfinished()
            .filter(data={}, taxpayer_tin_ciphertext="", file=""),
            practitioner=practitioner,
            now=now,
        )
        if created:
            audit_record(action="form_draft.created", obj=draft, actor=practitioner, now=now)
        return draft


def form_draft_keep_file(
    *,
    draft: FormDraft,
    content: bytes,
    checked: CheckedFile,
    name: str,
    now: dt.datetime | None = None,
) -> FormDraft:
    """R34: keep the signed form that passed the file checks, privately, under the draft (never
    under a public URL), replacing one kept before."""
    now = now or clock.now()
    old = draft.file.name if draft.file else ""
    draft.file.save(
        f"{draft.public_id}/form.{checked.kind.extension}", ContentFile(content), save=False
    )
    data = dict(draft.data)
    data[FILE] = {"name": name[:100], "size": checked.size, "kind": checked.kind.label}
    draft.data = data
    draft.updated_at = now
    FormDraft.objects.filter(pk=draft.pk, submitted_form__isnull=True).update(
        file=draft.file.name, data=data, updated_at=now
    )
    if old and old != draft.file.name:
        draft.file.storage.delete(old)
    audit_record(
        action="form_draft.file_kept",
        obj=draft,
        actor=draft.owner,
        after={"sha256": checked.sha256, "size": checked.size},
        now=now,
    )
    return draft


def _delete_file(draft: FormDraft) -> None:
    if draft.file and draft.file.name:
        draft.file.storage.delete(draft.file.name)


def form_draft_discard(*, draft: FormDraft, now: dt.datetime | None = None) -> bool:
    """Wipe an unsubmitted draft's answers and file. False when already discarded or sent."""
    now = now or clock.now()
    changed = draft_wipe(draft=draft, now=now, file="")
    if changed:
        _delete_file(draft)
        audit_record(action="form_draft.discarded", obj=draft, actor=draft.owner, now=now)
    return changed


def form_drafts_expire(*, now: dt.datetime | None = None) -> int:
    """Drafts untouched for FORM_DRAFT_DAYS are wiped with their files, as a discard does.
    Running it twice does nothing twice."""
    now = now or clock.now()
    stale = FormDraft.objects.unfinished().filter(
        updated_at__lt=now - dt.timedelta(days=form_draft_days())
    )
    count = 0
    for draft in stale:
        if form_draft_discard(draft=draft, now=now):
            count += 1
    return count


@dataclass(frozen=True)
class FormSubmitted:
    form: UploadedForm
    already: bool  # True when this draft had been uploaded before (a doubled submit, R47)


def form_draft_submit(
    *, draft: FormDraft, practitioner: User, data: FormData, now: dt.datetime | None = None
) -> FormSubmitted:
    """Upload the draft through :func:`form_upload`, once (R47): the draft row is locked, so a
    second submit waits, then finds it uploaded. Refusals (pre-check, file, duplicate) are
    form_upload's, raised with nothing written."""
    with transaction.atomic():
        locked, sent = draft_locked_for_sending(
            draft=draft,
            practitioner=practitioner,
            sent_as=UploadedForm,
            refusal=FormRefused,
            noun="upload",
        )
        if sent is not None:
            return FormSubmitted(form=sent, already=True)
        if not locked.file:
            raise FormRefused("Choose the signed form to upload.", field="file")
        with locked.file.open("rb") as upload:
            uploaded = form_upload(practitioner=practitioner, data=data, upload=upload, now=now)
        kept, storage = str(locked.file.name), locked.file.storage
        locked.submitted_form = uploaded
        locked.updated_at = uploaded.received_at
        locked.taxpayer_tin_ciphertext = ""
        locked.file = ""  # type: ignore[assignment]
        locked.save(
            update_fields=["submitted_form", "updated_at", "taxpayer_tin_ciphertext", "file"]
        )
        # The form's own copy is kept (R34); the draft's goes once the upload is committed.
        transaction.on_commit(lambda: storage.delete(kept))
    return FormSubmitted(form=uploaded, already=False)
