"""The taxpayer master file: taxpayers, their account modules, and the outbox of letters.

Two abstract bases here are shared with ``caf``: :class:`EncryptedTinFields` (R46) and
:class:`AddressOfRecordFields` (R9-R11). Only services write these models.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from taxpayers.addresses import NormalisedAddress, PostalAddress, address_normalise
from taxpayers.tin_crypto import tin_decrypt, tin_encrypt, tin_lookup_hash
from taxpayers.tins import HolderKind, Tin, TinType, tin_mask


class EncryptedTinFields(models.Model):
    """R46: the TIN is stored encrypted, with a keyed hash for look-ups and the last four for
    masking (R43). The whole number is in no column in clear."""

    tin_type = models.CharField(max_length=4, choices=TinType.choices)
    tin_ciphertext = models.TextField(editable=False)
    tin_hash = models.CharField(max_length=64, db_index=True, editable=False)
    tin_last4 = models.CharField(max_length=4, editable=False)

    class Meta:
        abstract = True

    def set_tin(self, tin: Tin) -> None:
        """Fill the TIN columns from a validated :class:`Tin` (no save, no side effect)."""
        self.tin_type = tin.tin_type
        self.tin_ciphertext = tin_encrypt(tin.digits)
        self.tin_hash = tin_lookup_hash(tin.digits)
        self.tin_last4 = tin.last4

    @property
    def tin_masked(self) -> str:
        """R43: what every list and page shows."""
        return tin_mask(self.tin_last4, tin_type=self.tin_type)

    def tin_reveal(self) -> str:
        """The whole TIN, for the owner or staff only (R43). Never log it (R46)."""
        return tin_decrypt(self.tin_ciphertext)

    def tin_equals(self, digits: str) -> bool:
        return self.tin_hash == tin_lookup_hash(digits)


class AddressOfRecordFields(models.Model):
    """An address of record as entered, and its Pub 28 form for comparison (R11).

    R9: the portal never changes an address of record; only staff do, from a letter or a form.
    """

    address_line1 = models.CharField(max_length=100)
    address_line2 = models.CharField(max_length=100, blank=True)
    city = models.CharField(max_length=60)
    state = models.CharField(max_length=2)
    zip_code = models.CharField("ZIP code", max_length=10)
    norm_line1 = models.CharField(max_length=100, editable=False)
    norm_line2 = models.CharField(max_length=100, blank=True, editable=False)
    norm_city = models.CharField(max_length=60, editable=False)
    norm_state = models.CharField(max_length=2, editable=False)
    norm_zip = models.CharField(max_length=10, editable=False)

    class Meta:
        abstract = True

    def set_address(self, address: PostalAddress) -> None:
        """Store ``address`` as entered and in Pub 28 form (no save, no side effect)."""
        normal = address_normalise(address)
        self.address_line1 = address.line1.strip()
        self.address_line2 = address.line2.strip()
        self.city = address.city.strip()
        self.state = address.state.strip().upper()
        self.zip_code = address.zip_code.strip()
        self.norm_line1 = normal.line1
        self.norm_line2 = normal.line2
        self.norm_city = normal.city
        self.norm_state = normal.state
        self.norm_zip = normal.zip_code

    @property
    def postal_address(self) -> PostalAddress:
        return PostalAddress(
            line1=self.address_line1,
            line2=self.address_line2,
            city=self.city,
            state=self.state,
            zip_code=self.zip_code,
        )

    @property
    def normalised_address(self) -> NormalisedAddress:
        return NormalisedAddress(
            line1=self.norm_line1,
            line2=self.norm_line2,
            city=self.norm_city,
            state=self.norm_state,
            zip_code=self.norm_zip,
        )

    @property
    def address_lines(self) -> list[str]:
        return self.postal_address.as_lines()


class TaxpayerQuerySet(models.QuerySet["Taxpayer"]):
    def with_tin(self, digits: str) -> TaxpayerQuerySet:
        return self.filter(tin_hash=tin_lookup_hash(digits))

    def individuals(self) -> TaxpayerQuerySet:
        return self.filter(kind=HolderKind.INDIVIDUAL)


class Taxpayer(EncryptedTinFields, AddressOfRecordFields):
    """A person (SSN/ITIN) or a business (EIN) on the master file."""

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
    or to a CAF record's address of record; the address is copied as it was when sent."""

    kind = models.CharField(max_length=16, choices=LetterKind.choices)
    taxpayer = models.ForeignKey(
        Taxpayer, null=True, blank=True, on_delete=models.PROTECT, related_name="letters"
    )
    caf_record = models.ForeignKey(
        "caf.CafRecord", null=True, blank=True, on_delete=models.PROTECT, related_name="letters"
    )
    addressee_name = models.CharField(max_length=150)
    address_block = models.TextField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Exactly one addressee.
            models.CheckConstraint(
                condition=(
                    models.Q(taxpayer__isnull=False, caf_record__isnull=True)
                    | models.Q(taxpayer__isnull=True, caf_record__isnull=False)
                ),
                name="letter_one_addressee",
            ),
        ]

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


class IdentityCheck(models.Model):
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
    wrong_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
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
