"""CAF records, links to practitioners, PIN letters, practitioner profiles and designations.

Only services (``caf.services``) write these models; reads that apply rules live in
``caf.selectors``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from taxpro.addresses import US_STATES_AND_DC
from taxpro.models import AddressOfRecordFields, EncryptedTinFields, MailedCodeFields
from taxpro.public_ids import public_id_field
from taxpro.tins import HolderKind


class DesignationCode(models.TextChoices):
    """Form 2848 Part II designations (R1, R2)."""

    ATTORNEY = "a", "Attorney"
    CPA = "b", "Certified Public Accountant"
    ENROLLED_AGENT = "c", "Enrolled Agent"
    OFFICER = "d", "Officer"
    EMPLOYEE = "e", "Full-Time Employee"
    FAMILY = "f", "Family Member"
    ACTUARY = "g", "Enrolled Actuary"
    PREPARER = "h", "Unenrolled Return Preparer"
    STUDENT = "k", "Student Attorney or CPA"
    RETIREMENT_AGENT = "r", "Enrolled Retirement Plan Agent"


# R1: the designations that may make a POA request online.
POA_DESIGNATIONS = frozenset({"a", "b", "c", "g", "r"})
# R1: these also need a license in a state or DC.
LICENSED_DESIGNATIONS = frozenset({"a", "b"})
# R2: on the CAF, but never a POA request online.
FORMS_ONLY_DESIGNATIONS = frozenset({"d", "e", "f", "h", "k"})

JURISDICTION_CHOICES = [(code, code) for code in sorted(US_STATES_AND_DC)]


class PractitionerProfile(EncryptedTinFields, AddressOfRecordFields):
    """Who a practitioner user is, for CAF purposes: legal name, TIN, address, designations."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="practitioner_profile",
        limit_choices_to={"kind": "practitioner"},
    )
    legal_name = models.CharField(max_length=150)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["legal_name", "id"]

    def __str__(self) -> str:
        return self.legal_name


class Designation(models.Model):
    profile = models.ForeignKey(
        PractitionerProfile, on_delete=models.PROTECT, related_name="designations"
    )
    code = models.CharField(max_length=1, choices=DesignationCode.choices)
    # R1: the state or DC of the license (attorneys, CPAs) or blank.
    jurisdiction = models.CharField(max_length=2, blank=True, choices=JURISDICTION_CHOICES)
    # License number (a, b) or enrollment number (c, g, r).
    number = models.CharField("license or enrollment number", max_length=40, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["profile", "code"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "code"], name="designation_one_per_code"),
            models.CheckConstraint(
                condition=models.Q(code__in=DesignationCode.values), name="designation_code_valid"
            ),
            # R1: attorneys and CPAs need a state/DC jurisdiction and a license number.
            models.CheckConstraint(
                condition=(
                    ~models.Q(code__in=sorted(LICENSED_DESIGNATIONS))
                    | (models.Q(jurisdiction__in=sorted(US_STATES_AND_DC)) & ~models.Q(number=""))
                ),
                name="designation_license_for_attorney_cpa",
            ),
        ]

    def __str__(self) -> str:
        where = f" {self.jurisdiction}" if self.jurisdiction else ""
        return f"{self.code} {self.get_code_display()}{where}"


class PracticeStatus(models.TextChoices):
    """R3: only good standing lets a practitioner send requests."""

    GOOD_STANDING = "good", "Good standing"
    DISBARRED = "disbarred", "Disbarred"
    DECEASED = "deceased", "Deceased"
    RETIRED = "retired", "Retired"
    SUSPENDED = "suspended", "Suspended"
    INACTIVE = "inactive", "Inactive"


class CafRecordQuerySet(models.QuerySet["CafRecord"]):
    def linked_to(self, user: object) -> CafRecordQuerySet:
        return self.filter(link__practitioner=user)

    def in_good_standing(self) -> CafRecordQuerySet:
        return self.filter(practice_status=PracticeStatus.GOOD_STANDING)


class CafRecord(EncryptedTinFields, AddressOfRecordFields):
    """One CAF number (R5): nine digits stored as digits, unique, held by a person or a business."""

    caf_number = models.CharField("CAF number", max_length=9, unique=True)
    holder_kind = models.CharField(max_length=10, choices=HolderKind.choices)
    name = models.CharField(max_length=150)
    practice_status = models.CharField(
        max_length=10, choices=PracticeStatus.choices, default=PracticeStatus.GOOD_STANDING
    )
    # R3: when the current status took effect and when it was recorded.
    status_effective_on = models.DateField()
    status_changed_at = models.DateTimeField()
    # Designation codes on the CAF file, as letters ("bc"); informative, R1 reads the profile.
    designation_codes = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField()

    objects = CafRecordQuerySet.as_manager()

    class Meta:
        verbose_name = "CAF record"
        verbose_name_plural = "CAF records"
        ordering = ["caf_number"]
        constraints = [
            # R5: nine ASCII digits.
            models.CheckConstraint(
                condition=models.Q(caf_number__regex=r"^[0-9]{9}$"), name="caf_number_nine_digits"
            ),
            models.CheckConstraint(
                condition=models.Q(practice_status__in=PracticeStatus.values),
                name="caf_practice_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(designation_codes__regex=r"^[abcdefghkr]*$"),
                name="caf_designation_codes_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{format_caf_number(self.caf_number)} {self.name}"

    @property
    def caf_number_display(self) -> str:
        return format_caf_number(self.caf_number)

    @property
    def is_in_good_standing(self) -> bool:
        return self.practice_status == PracticeStatus.GOOD_STANDING


def format_caf_number(digits: str) -> str:
    """R5: stored as digits, shown as ``1234-56789``."""
    return f"{digits[:4]}-{digits[4:]}" if len(digits) == 9 else digits


class LinkMethod(models.TextChoices):
    PIN = "pin", "PIN letter"
    ISSUED = "issued", "Issued online"


class CafLink(models.Model):
    """R6: a CAF number linked to one practitioner, for ever. No unlink: the one-to-one on
    ``caf_record`` makes a second link impossible, and a trigger refuses DELETE and UPDATE."""

    caf_record = models.OneToOneField(CafRecord, on_delete=models.PROTECT, related_name="link")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="caf_links"
    )
    method = models.CharField(max_length=8, choices=LinkMethod.choices)
    linked_at = models.DateTimeField()

    class Meta:
        verbose_name = "CAF link"
        ordering = ["linked_at", "id"]

    def __str__(self) -> str:
        return f"{self.caf_record.caf_number_display} -> {self.practitioner}"


class PinLetterState(models.TextChoices):
    PENDING = "pending", "Pending"
    USED = "used", "Used"
    EXPIRED = "expired", "Expired"
    LOCKED = "locked", "Too many wrong attempts"
    SUPERSEDED = "superseded", "Replaced by a newer PIN"


class PinLetter(MailedCodeFields):
    """R6 step 1: a PIN mailed to the CAF address of record. Only a keyed hash of the PIN is
    kept here; the PIN itself is only in the letter."""

    public_id = public_id_field()

    caf_record = models.ForeignKey(CafRecord, on_delete=models.PROTECT, related_name="pin_letters")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    letter = models.OneToOneField(
        "taxpayers.Letter", on_delete=models.PROTECT, related_name="pin_letter"
    )
    pin_salt = models.CharField(max_length=32, editable=False)
    pin_hash = models.CharField(max_length=64, editable=False)
    state = models.CharField(
        max_length=10, choices=PinLetterState.choices, default=PinLetterState.PENDING
    )

    class Meta(MailedCodeFields.Meta):
        verbose_name = "PIN letter"
        constraints = [
            # One live PIN per CAF number and practitioner: a new request replaces the old one.
            models.UniqueConstraint(
                fields=["caf_record", "practitioner"],
                condition=models.Q(state="pending"),
                name="pin_letter_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"PIN letter for {self.caf_record.caf_number_display} ({self.get_state_display()})"


class CafLetter(models.Model):
    """Which CAF record a letter of the outbox went to (PIN letters, new numbers, revocation
    notices). The letter itself lives in the master file's outbox (``taxpayers.Letter``)."""

    letter = models.OneToOneField(
        "taxpayers.Letter", primary_key=True, on_delete=models.PROTECT, related_name="caf_letter"
    )
    caf_record = models.ForeignKey(CafRecord, on_delete=models.PROTECT, related_name="letters")

    class Meta:
        verbose_name = "CAF letter"

    def __str__(self) -> str:
        return f"Letter #{self.letter_id} to CAF {self.caf_record_id}"
