"""The taxpayer master file: taxpayers, their account modules, and the outbox of letters.

Taxpayers keep their TIN and address of record in the shared bases of :mod:`taxpro.models`
(R46, R9-R11). Only services write these models.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from taxpro.models import AddressOfRecordFields, EncryptedTinFields, MailedCodeFields
from taxpro.public_ids import public_id_field
from taxpro.tin_crypto import tin_lookup_hash
from taxpro.tins import HolderKind, TinType


class TaxpayerQuerySet(models.QuerySet["Taxpayer"]):
    def with_tin(self, digits: str) -> TaxpayerQuerySet:
        return self.filter(tin_hash=tin_lookup_hash(digits))

    def individuals(self) -> TaxpayerQuerySet:
        return self.filter(kind=HolderKind.INDIVIDUAL)


class Taxpayer(EncryptedTinFields, AddressOfRecordFields):
    """A person (SSN/ITIN) or a business (EIN) on the master file."""

    public_id = public_id_field()

    kind = models.CharField(max_length=10, choices=HolderKind.choices)
    name = models.CharField("legal name", max_length=150)
    date_of_birth = models.DateField(null=True, blank=True)
    # R13: the online account, once the taxpayer opens one and verifies who they are.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="taxpayer",
        limit_choices_to={"kind": "taxpayer"},
    )
    created_at = models.DateTimeField()

    objects = TaxpayerQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tin_hash"], name="taxpayer_tin_unique"),
            # R13a: an EIN is for businesses only; businesses have only EINs.
            models.CheckConstraint(
                condition=(
                    models.Q(kind=HolderKind.BUSINESS, tin_type=TinType.EIN)
                    | models.Q(kind=HolderKind.INDIVIDUAL, tin_type__in=[TinType.SSN, TinType.ITIN])
                ),
                name="taxpayer_tin_type_fits_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(tin_last4__regex=r"^[0-9]{4}$"), name="taxpayer_tin_last4_digits"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.tin_masked})"


class TaxForm(models.TextChoices):
    """Tax matters: the first five are the online channel's (R14), the rest come on forms (R36)."""

    F1040 = "1040", "Form 1040 Income Tax"
    SPLIT_SPOUSAL = "8857", "Split Spousal Assessment or Form 8857 Innocent Spouse Relief"
    SRP = "srp", "Shared Responsibility Payment"
    SRP_SPLIT = "srp_split", "Shared Responsibility Payment - Split Spousal Assessment"
    CIVIL_PENALTY = "civil_penalty", "Civil Penalty"
    F941 = "941", "Form 941 Employer's Quarterly Federal Tax"
    F940 = "940", "Form 940 Federal Unemployment Tax"
    F1120 = "1120", "Form 1120 Corporation Income Tax"
    F1065 = "1065", "Form 1065 Partnership Return"


class AccountModule(models.Model):
    """One taxpayer x one tax matter x one tax period (period = ``YYYYMM`` of its end)."""

    taxpayer = models.ForeignKey(Taxpayer, on_delete=models.PROTECT, related_name="modules")
    form = models.CharField(max_length=16, choices=TaxForm.choices)
    period = models.CharField(max_length=6, help_text="YYYYMM: the month the period ends.")
    balance = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        ordering = ["taxpayer", "form", "-period"]
        constraints = [
            models.UniqueConstraint(
                fields=["taxpayer", "form", "period"], name="account_module_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(period__regex=r"^[0-9]{4}(0[1-9]|1[0-2])$"),
                name="account_module_period_yyyymm",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_form_display()} {self.period_label}"

    @property
    def period_label(self) -> str:
        return f"{self.period[:4]}-{self.period[4:]}"


class AccountTransaction(models.Model):
    module = models.ForeignKey(AccountModule, on_delete=models.PROTECT, related_name="transactions")
    posted_on = models.DateField()
    code = models.CharField(max_length=3, help_text="Transaction code, e.g. 150 (tax assessed).")
    description = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["module", "posted_on", "id"]

    def __str__(self) -> str:
        return f"{self.posted_on} {self.code} {self.amount}"


class LetterKind(models.TextChoices):
    CAF_PIN = "caf_pin", "CAF link PIN"
    CAF_NUMBER_ISSUED = "caf_issued", "CAF number issued"
    WITHDRAWAL_NOTICE = "withdrawal", "Withdrawal notice"
    REVOCATION_NOTICE = "revocation", "Revocation notice"
    REMINDER = "reminder", "Reminder"
    VERIFICATION_CODE = "code", "Verification code"
    OTHER = "other", "Other"


# Letters whose body holds a secret (a PIN, a code): the admin never shows their body.
SECRET_LETTER_KINDS = frozenset({LetterKind.CAF_PIN, LetterKind.VERIFICATION_CODE})


class Letter(models.Model):
    """The outbox: everything the portal "mails". A letter goes to a taxpayer's address of record
    (``taxpayer`` set) or to a CAF record's (``caf.CafLetter`` names the record: the CAF sits
    above the master file); the address is copied as it was when sent."""

    public_id = public_id_field()

    kind = models.CharField(max_length=16, choices=LetterKind.choices)
    taxpayer = models.ForeignKey(
        Taxpayer, null=True, blank=True, on_delete=models.PROTECT, related_name="letters"
    )
    addressee_name = models.CharField(max_length=150)
    address_block = models.TextField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d} {self.get_kind_display()} to {self.addressee_name}"


class MatchAttempt(models.Model):
    """R12: each failed taxpayer match by a practitioner, kept in the database so the rate limit
    survives a cache flush or a restart."""

    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    attempted_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["practitioner", "attempted_at"])]

    def __str__(self) -> str:
        return f"mismatch by user #{self.practitioner_id} at {self.attempted_at:%Y-%m-%d %H:%M}"


class IdentityAttempt(models.Model):
    """A signed-up taxpayer's answers that did not match a record (or matched one already linked
    to someone else). Kept in the database so the daily limit survives a cache flush."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    attempted_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "attempted_at"])]

    def __str__(self) -> str:
        return f"identity mismatch by user #{self.user_id} at {self.attempted_at:%Y-%m-%d %H:%M}"


class IdentityCheckState(models.TextChoices):
    PENDING = "pending", "Waiting for the code"
    USED = "used", "Code entered"
    EXPIRED = "expired", "Expired"
    LOCKED = "locked", "Too many wrong codes"
    SUPERSEDED = "superseded", "Replaced by a newer code"


class IdentityCheck(MailedCodeFields):
    """R13: a taxpayer proving who they are. Their answers matched ``taxpayer``; a one-time code
    was mailed to the address of record (``letter``). Only a keyed hash of the code is kept
    here: the code itself is only in the letter, so knowing the password is not enough."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="identity_checks"
    )
    taxpayer = models.ForeignKey(Taxpayer, on_delete=models.PROTECT, related_name="+")
    letter = models.OneToOneField(Letter, on_delete=models.PROTECT, related_name="identity_check")
    code_salt = models.CharField(max_length=32, editable=False)
    code_hash = models.CharField(max_length=64, editable=False)
    state = models.CharField(
        max_length=10, choices=IdentityCheckState.choices, default=IdentityCheckState.PENDING
    )
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta(MailedCodeFields.Meta):
        constraints = [
            # One live code per user: asking again replaces the older code.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(state="pending"),
                name="identity_check_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"identity check for user #{self.user_id} ({self.get_state_display()})"
