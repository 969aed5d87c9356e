"""Requests, the CAF ledger, information accesses and request drafts.

The ledger (:class:`Authorization`) is effective-dated and append-only (R28): a row is created
active or already superseded, and the only change it ever takes is being ended. A trigger in
the database (migration 0003) refuses every other UPDATE and every DELETE.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Self

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q
from django.utils.text import capfirst

from authorizations.periods import Matter
from authorizations.webhooks import models as _webhook_models  # noqa: F401 (issue 14)
from taxpro.models import EncryptedTinFields
from taxpro.public_ids import public_id_field

__all__ = ["Matter"]


class RequestKind(models.TextChoices):
    """The two kinds of authorization (R1, R23): Form 2848's and Form 8821's."""

    POA = "poa", "Power of attorney (Form 2848)"
    TIA = "tia", "Tax information authorization (Form 8821)"


class RequestState(models.TextChoices):
    """R18: a request's life."""

    DRAFT = "draft", "Draft"
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    RECORDED = "recorded", "Recorded"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Processing failed"


class AuthorizationRequestQuerySet(models.QuerySet["AuthorizationRequest"]):
    def pending(self) -> AuthorizationRequestQuerySet:
        return self.filter(state=RequestState.PENDING)

    def waiting_to_be_recorded(self) -> AuthorizationRequestQuerySet:
        # The outbox: approved rows are the durable record that recording is owed (R42).
        return self.filter(state=RequestState.APPROVED).order_by("signed_at", "id")


class AuthorizationRequest(models.Model):
    """A POA or TIA request from one representative to one individual taxpayer."""

    public_id = public_id_field()

    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authorization_requests"
    )
    caf_record = models.ForeignKey(
        "caf.CafRecord", on_delete=models.PROTECT, related_name="authorization_requests"
    )
    taxpayer = models.ForeignKey(
        "taxpayers.Taxpayer", on_delete=models.PROTECT, related_name="authorization_requests"
    )
    kind = models.CharField(max_length=3, choices=RequestKind.choices)
    state = models.CharField(max_length=10, choices=RequestState.choices, db_index=True)
    receives_notices = models.BooleanField(
        "copies of notices",
        default=False,
        help_text="The representative asks for copies of notices (two at most for a module).",
    )
    created_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # The taxpayer's signature (R21) and the calendar day in ET it fell on (R24, R26).
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_on = models.DateField(null=True, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    # R19: kept for staff, never shown to the practitioner.
    staff_reason = models.TextField(blank=True)
    # R22: consent evidence kept with each approval.
    consent_ip = models.GenericIPAddressField(null=True, blank=True)
    consent_user_agent = models.CharField(max_length=500, blank=True)
    consent_text_version = models.CharField(max_length=40, blank=True)
    consent_second_factor = models.BooleanField(null=True, blank=True)

    objects = AuthorizationRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=RequestState.values), name="request_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=RequestKind.values), name="request_kind_valid"
            ),
            # A signature exists exactly when the taxpayer approved (approved or recorded).
            models.CheckConstraint(
                condition=(
                    Q(
                        state__in=[RequestState.APPROVED, RequestState.RECORDED],
                        signed_at__isnull=False,
                        signed_on__isnull=False,
                        consent_text_version__gt="",
                    )
                    | (
                        ~Q(state__in=[RequestState.APPROVED, RequestState.RECORDED])
                        & Q(signed_at__isnull=True)
                    )
                    | Q(state=RequestState.FAILED)
                ),
                name="request_signature_iff_approved",
            ),
            models.CheckConstraint(
                condition=Q(state=RequestState.DRAFT)
                | Q(submitted_at__isnull=False, expires_at__isnull=False),
                name="request_submitted_has_expiry",
            ),
        ]
        indexes = [
            models.Index(fields=["practitioner", "-created_at"]),
            models.Index(fields=["taxpayer", "state"]),
            models.Index(fields=["state", "expires_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} request #{self.pk} ({self.get_state_display()})"


class RequestModule(models.Model):
    """One tax matter and period a request covers."""

    request = models.ForeignKey(
        AuthorizationRequest, on_delete=models.PROTECT, related_name="modules"
    )
    matter = models.CharField(max_length=16, choices=Matter.choices)
    period = models.CharField(max_length=6)

    class Meta:
        ordering = ["matter", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "matter", "period"], name="request_module_once"
            ),
            models.CheckConstraint(
                condition=Q(period__regex=r"^[0-9]{4}(03|06|09|12)$"),
                name="request_module_period_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_matter_display()} {self.period}"


class EndReason(models.TextChoices):
    """R28: why a ledger row ended."""

    SUPERSEDED = "superseded", "Superseded by a later authorization"
    WITHDRAWN = "withdrawn", "Withdrawn by the representative"
    REVOKED = "revoked", "Revoked by the taxpayer"
    PRACTICE_STATUS = "practice_status", "Representative's practice status"
    ERROR = "error", "Recorded in error"


class Channel(models.TextChoices):
    ONLINE = "online", "Online request"
    FORM = "form", "Uploaded form"


class AuthorizationQuerySet(models.QuerySet["Authorization"]):
    def active(self) -> AuthorizationQuerySet:
        return self.filter(ends_at__isnull=True)

    def for_caf(self, caf_record: object) -> AuthorizationQuerySet:
        return self.filter(caf_record=caf_record)

    def for_module(self, *, taxpayer_id: int, matter: str, period: str) -> AuthorizationQuerySet:
        return self.filter(taxpayer_id=taxpayer_id, matter=matter, period=period)

    def in_force_on(self, moment: dt.datetime) -> AuthorizationQuerySet:
        """R28: who was authorized at ``moment``: a query, not a reconstruction."""
        return self.filter(starts_at__lte=moment).filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=moment)
        )


class Authorization(models.Model):
    """One ledger row: taxpayer x matter x period x kind x CAF number, effective-dated (R28)."""

    public_id = public_id_field()

    taxpayer = models.ForeignKey(
        "taxpayers.Taxpayer", on_delete=models.PROTECT, related_name="authorizations"
    )
    caf_record = models.ForeignKey(
        "caf.CafRecord", on_delete=models.PROTECT, related_name="authorizations"
    )
    kind = models.CharField(max_length=3, choices=RequestKind.choices)
    # A form code (taxpayers.models.TaxForm): the online matters, or any form for uploads (R36).
    matter = models.CharField(max_length=16)
    period = models.CharField(max_length=6)
    receives_notices = models.BooleanField(default=False)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.ONLINE)
    request = models.ForeignKey(
        AuthorizationRequest,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_rows",
    )
    # R34b: the uploaded form a form-channel row was recorded from.
    uploaded_form = models.ForeignKey(
        "UploadedForm",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_rows",
    )
    signed_at = models.DateTimeField()
    signed_on = models.DateField(help_text="The calendar day, in Eastern Time, of the signature.")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    ended_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_by_request = models.ForeignKey(
        AuthorizationRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_by_label = models.CharField(max_length=100, blank=True)

    objects = AuthorizationQuerySet.as_manager()

    class Meta:
        ordering = ["taxpayer_id", "matter", "period", "kind", "signed_at", "id"]
        constraints = [
            # R27: one ledger row per (request, module), whatever the retries or races.
            models.UniqueConstraint(
                fields=["request", "matter", "period"],
                condition=Q(request__isnull=False),
                name="ledger_one_row_per_request_module",
            ),
            # R27 for forms: one ledger row per (form, representative, module).
            models.UniqueConstraint(
                fields=["uploaded_form", "caf_record", "matter", "period"],
                condition=Q(uploaded_form__isnull=False),
                name="ledger_one_row_per_form_rep_module",
            ),
            # One active row per representative, module and kind.
            models.UniqueConstraint(
                fields=["taxpayer", "matter", "period", "kind", "caf_record"],
                condition=Q(ends_at__isnull=True),
                name="ledger_one_active_per_rep_module_kind",
            ),
            models.CheckConstraint(
                condition=(
                    Q(ends_at__isnull=True, end_reason="")
                    | Q(ends_at__isnull=False, end_reason__in=EndReason.values)
                ),
                name="ledger_end_reason_iff_ended",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                name="ledger_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=RequestKind.values), name="ledger_kind_valid"
            ),
        ]
        indexes = [
            # The practitioner's list of active authorizations (R7), newest first: in the
            # list's own order, so its first page reads only the rows it shows.
            models.Index(
                fields=["caf_record", "-starts_at", "-id"],
                condition=Q(ends_at__isnull=True),
                name="ledger_active_by_caf_page",
            ),
            models.Index(
                fields=["taxpayer", "matter", "period", "kind", "signed_on"],
                name="ledger_module_kind_day",
            ),
        ]

    def __str__(self) -> str:
        state = "active" if self.ends_at is None else f"ended ({self.end_reason})"
        return f"{self.kind} {self.matter} {self.period} CAF {self.caf_record_id} {state}"


class InformationAccess(models.Model):
    """R33: one view of one module of a taxpayer's information by a representative."""

    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    caf_record = models.ForeignKey("caf.CafRecord", on_delete=models.PROTECT, related_name="+")
    taxpayer = models.ForeignKey(
        "taxpayers.Taxpayer", on_delete=models.PROTECT, related_name="information_accesses"
    )
    form = models.CharField(max_length=16)
    period = models.CharField(max_length=6)
    viewed_at = models.DateTimeField()

    class Meta:
        verbose_name = "view of tax information"
        verbose_name_plural = "views of tax information"
        ordering = ["-viewed_at", "-id"]
        indexes = [models.Index(fields=["taxpayer", "-viewed_at"])]

    def __str__(self) -> str:
        return f"{self.caf_record_id} viewed {self.form} {self.period} at {self.viewed_at}"


class WizardDraftQuerySet[Draft: WizardDraft](models.QuerySet[Draft]):
    def owned_by(self, user: object) -> Self:
        # R45: a draft is only ever fetched through its owner.
        return self.filter(owner=user)

    def unsent(self) -> Self:
        """The drafts not sent yet: only those are written (R47: a sent draft's answers are
        what was sent)."""
        return self.filter(**{f"{self.model.SENT_FIELD}__isnull": True})

    def unfinished(self) -> Self:
        """The drafts still being written: neither sent nor discarded."""
        return self.unsent().filter(discarded_at__isnull=True)


class WizardDraft(models.Model):
    """What a draft of either wizard holds (issue 9: one shape, not two copies): its answers
    per step in ``data``, never the TIN (R46), which lives encrypted in
    ``taxpayer_tin_ciphertext`` with only its last four in ``data``; when it was started and
    last saved; and when it was discarded (the answers are wiped and the row kept, so a doubled
    "Discard" is told so, R47). Each draft adds its owner and what it was sent as, a
    :func:`sent_as_field` it names in ``SENT_FIELD``."""

    # The name of the draft's sent_as_field (as Django's USERNAME_FIELD names a user's).
    SENT_FIELD: ClassVar[str]

    public_id = models.UUIDField(unique=True, editable=False)
    data = models.JSONField(default=dict, blank=True)
    taxpayer_tin_ciphertext = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    discarded_at = models.DateTimeField(null=True, blank=True)

    objects = WizardDraftQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-updated_at", "-id"]
        # Each draft's own ``owner`` (its related name differs): its list, last saved first.
        indexes = [models.Index(fields=["owner", "-updated_at"])]

    def __str__(self) -> str:
        return f"{capfirst(self._meta.verbose_name)} {self.public_id}"

    @property
    def sent_id(self) -> int | None:
        """The id of what the draft was sent as, once it was (R47: set once), else None."""
        sent_id: int | None = self.serializable_value(self.SENT_FIELD)
        return sent_id


def sent_as_field[Sent: models.Model](to: type[Sent]) -> models.OneToOneField[Sent | None]:
    """A draft's link to what it was sent as: empty until it is sent, then set once (R47), and
    the draft is kept as long as what it became (PROTECT)."""
    return models.OneToOneField(
        to, null=True, blank=True, on_delete=models.PROTECT, related_name="draft"
    )


class RequestDraft(WizardDraft):
    """A request being written in the wizard, saved on every step (R42: nothing is lost).

    ``data`` holds each step's answers; the TIN is never in it (R46): the taxpayer's TIN, as
    typed, lives encrypted in ``taxpayer_tin_ciphertext`` and only its last four in ``data``.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="request_drafts"
    )
    # R47: set once, when the draft is submitted; a submitted draft is never submitted again.
    submitted_request = sent_as_field(AuthorizationRequest)
    SENT_FIELD = "submitted_request"


class PractitionerNoticeKind(models.TextChoices):
    RECORDED = "recorded", "Request recorded"
    EXPIRING = "expiring", "Request about to expire"


class PractitionerNotice(models.Model):
    """A notice to the practitioner about one of their requests: it was recorded, or it expires
    within the reminder window (R18). Shown in the portal, and e-mailed unless they turned
    e-mail off. One of each kind per request, however often the worker runs."""

    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practitioner_notices"
    )
    request = models.ForeignKey(
        AuthorizationRequest, on_delete=models.CASCADE, related_name="practitioner_notices"
    )
    kind = models.CharField(max_length=10, choices=PractitionerNoticeKind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField()
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "kind"], name="practitioner_notice_once_per_kind"
            ),
        ]
        indexes = [models.Index(fields=["practitioner", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: request {self.request_id}"


class NoticePreference(models.Model):
    """Whether a practitioner's notices are also e-mailed. No row means yes (on by default)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_preference"
    )
    email = models.BooleanField("e-mail me these notices", default=True)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Notice preference of {self.user}"


# --- The forms channel (section H) ----------------------------------------------------------


class FormType(models.TextChoices):
    F2848 = "2848", "Form 2848 (power of attorney)"
    F8821 = "8821", "Form 8821 (tax information authorization)"


# R34b: what each form puts on the ledger.
FORM_KIND = {FormType.F2848: RequestKind.POA, FormType.F8821: RequestKind.TIA}


class FormState(models.TextChoices):
    """R39b: an uploaded form's life."""

    WAITING = "waiting", "Waiting"
    IN_REVIEW = "in_review", "In review"
    # R34b, R27: the clerk decided to record it; the worker puts it on the ledger (the outbox).
    RECORDING = "recording", "Being recorded"
    RECORDED = "recorded", "Recorded"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


# R34b: the forms in the CAF unit's line (the queue and each form's place in it).
FORM_IN_LINE_STATES = (FormState.WAITING, FormState.IN_REVIEW)
# R39: a form in one of these states blocks an upload of the same file or the same form; one
# being recorded is still "waiting" for the practitioner who would upload it again.
FORM_OPEN_STATES = (*FORM_IN_LINE_STATES, FormState.RECORDING)


class SignatureKind(models.TextChoices):
    """R34a."""

    INK = "ink", "Ink"
    ELECTRONIC = "electronic", "Electronic"


class RejectionReason(models.TextChoices):
    """R34b: the CAF unit's fixed list of reasons to reject a form."""

    SIGNATURE = "signature", "Missing or late signature or date"
    GENERAL_REFERENCE = "general_reference", 'General reference such as "all years"'
    PERIOD_LIMIT = "period_limit", "Period beyond the limit"
    DESIGNATION_MISSING = "designation_missing", "Missing designation or jurisdiction"
    DESIGNATION_NOT_ALLOWED = "designation_not_allowed", "Designation not allowed for a POA"
    RETENTION_INCOMPLETE = (
        "retention_incomplete",
        "Retention box checked without the authorizations to keep",
    )
    LATE_8821 = "late_8821", "Form 8821 received too late"
    ILLEGIBLE = "illegible", "Illegible"
    MORE_THAN_ONE = "more_than_one", "More than one form or taxpayer"
    DATA_MISMATCH = "data_mismatch", "Data does not match the form"


def private_storage() -> Storage:
    """R34: the private storage alias (settings.STORAGES["private"]); no URL ever serves it."""
    return storages["private"]


class UploadedForm(EncryptedTinFields):
    """R34: one uploaded Form 2848 or 8821, its keyed data and its file, and its way through the
    CAF unit's first-in, first-out queue (R34b). The taxpayer's TIN is in the encrypted columns
    (R46); ``data`` holds the rest of the keyed form (``forms_channel.data``)."""

    public_id = models.UUIDField(unique=True, editable=False)
    form_type = models.CharField(max_length=4, choices=FormType.choices)
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="uploaded_forms"
    )
    taxpayer_kind = models.CharField(max_length=10)
    taxpayer_name = models.CharField(max_length=150)
    data = models.JSONField()
    specific_use = models.BooleanField(
        default=False, help_text="Line 4, a specific use: kept, never put on the ledger."
    )
    file = models.FileField(storage=private_storage, upload_to="forms/%Y/%m/", max_length=200)
    file_content_type = models.CharField(max_length=40)
    file_size = models.PositiveIntegerField()
    file_sha256 = models.CharField(max_length=64)
    # R39: the same form for the same taxpayer, matters, periods and representatives.
    content_key = models.CharField(max_length=64)
    state = models.CharField(
        max_length=10, choices=FormState.choices, default=FormState.WAITING, db_index=True
    )
    received_at = models.DateTimeField()
    taken_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # R34b: the clerk holding the form, until the lease expires (then it is back in its place).
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="forms_held",
    )
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    rejection_reasons = models.JSONField(default=list, blank=True)
    rejection_note = models.TextField(blank=True)
    # R34: the e-mail receipt, sent by the worker after the upload's commit: the place in line
    # at upload, and when it went (once; the sweep sends what was never handed to the worker).
    receipt_place = models.PositiveIntegerField(null=True, blank=True)
    receipt_emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["received_at", "id"]
        # R34b: the CAF unit's clerks take, record, reject and release forms; Django's own
        # "view" permission lets a clerk open any form and its file, not only the one they hold.
        permissions = [
            ("process_uploadedform", "Can take, record, reject and release uploaded forms"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(form_type__in=FormType.values), name="uploaded_form_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=FormState.values), name="uploaded_form_state_valid"
            ),
            # A clerk holds a form exactly while it is in review, and for a limited time.
            models.CheckConstraint(
                condition=(
                    Q(
                        state=FormState.IN_REVIEW,
                        clerk__isnull=False,
                        lease_expires_at__isnull=False,
                    )
                    | (
                        ~Q(state=FormState.IN_REVIEW)
                        & Q(clerk__isnull=True, lease_expires_at__isnull=True)
                    )
                ),
                name="uploaded_form_clerk_iff_in_review",
            ),
            models.CheckConstraint(
                condition=~Q(state=FormState.REJECTED) | ~Q(rejection_reasons=[]),
                name="uploaded_form_rejected_has_reasons",
            ),
            # R39, under races too: one open form per file and per keyed content.
            models.UniqueConstraint(
                fields=["file_sha256"],
                condition=Q(state__in=FORM_OPEN_STATES),
                name="uploaded_form_open_file_once",
            ),
            models.UniqueConstraint(
                fields=["content_key"],
                condition=Q(state__in=FORM_OPEN_STATES),
                name="uploaded_form_open_content_once",
            ),
        ]
        indexes = [
            # The queue (R34b): first in, first out.
            models.Index(
                fields=["received_at", "id"],
                condition=Q(state__in=FORM_IN_LINE_STATES),
                name="uploaded_form_queue",
            ),
            # The outbox (R27): forms the clerk decided to record, for the sweeper.
            models.Index(
                fields=["decided_at", "id"],
                condition=Q(state=FormState.RECORDING),
                name="uploaded_form_recording",
            ),
            models.Index(fields=["practitioner", "-received_at"]),
        ]

    def __str__(self) -> str:
        return f"Form {self.form_type} {self.public_id} ({self.get_state_display()})"

    @property
    def receipt_number(self) -> str:
        """What the practitioner's receipt names (R34, R39): the public id, upper case."""
        return str(self.public_id).upper()


class FormDraft(WizardDraft):
    """An upload being keyed in the forms wizard, saved on every step (R42: nothing is lost).

    As in :class:`RequestDraft`, ``data`` holds each step's answers and never the TIN (R46),
    which lives encrypted in ``taxpayer_tin_ciphertext``. The signed form chosen at the file
    step is kept in the private storage (R34) until the upload, the discard or the expiry."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="form_drafts"
    )
    # Discarding wipes the file too (R47: a doubled discard is told so).
    file = models.FileField(
        storage=private_storage, upload_to="form-drafts/", max_length=200, blank=True
    )
    # R47: set once, when the draft is uploaded.
    submitted_form = sent_as_field(UploadedForm)
    SENT_FIELD = "submitted_form"


class ApiIdempotencyKey(models.Model):
    """One ``Idempotency-Key`` a practitioner's software sent with a POST (issue 14, R47).

    Scoped to the token's owner: the same key from two practitioners is two keys. The body's
    SHA-256 tells a replay (the stored answer is sent again) from a reuse with another body (a
    422). ``status`` is null while the first call is still being answered."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_idempotency_keys"
    )
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    body = models.JSONField(default=dict, blank=True)
    location = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="api_idempotency_key_once")
        ]
        indexes = [models.Index(fields=["created_at"], name="api_idempotency_by_age")]

    def __str__(self) -> str:
        return f"Idempotency key of user {self.owner_id}"
