"""What every app stands on: portal users (exactly one kind each, for life), the shared bases for
a TIN, an address of record and a mailed code, the audit trail, and the service-hours records."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q

from taxpro import clock
from taxpro.addresses import NormalisedAddress, PostalAddress, address_normalise
from taxpro.tin_crypto import tin_decrypt, tin_encrypt, tin_lookup_hash
from taxpro.tins import Tin, TinType, tin_mask


class UserKind(models.TextChoices):
    PRACTITIONER = "practitioner", "Tax professional"
    TAXPAYER = "taxpayer", "Taxpayer"
    STAFF = "staff", "Staff"


class PortalUserManager(UserManager["User"]):
    def create_superuser(  # type: ignore[override]
        self,
        username: str,
        email: str | None = None,
        password: str | None = None,
        **extra_fields: Any,
    ) -> User:
        extra_fields.setdefault("kind", UserKind.STAFF)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    kind = models.CharField(max_length=16, choices=UserKind.choices)

    objects = PortalUserManager()  # type: ignore[misc]

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=UserKind.values), name="user_kind_valid"
            ),
            # Only staff users may reach the admin; a practitioner or taxpayer never can.
            models.CheckConstraint(
                condition=models.Q(is_staff=False) | models.Q(kind=UserKind.STAFF),
                name="user_only_staff_kind_is_staff",
            ),
        ]

    @property
    def is_practitioner(self) -> bool:
        return self.kind == UserKind.PRACTITIONER

    @property
    def is_taxpayer(self) -> bool:
        return self.kind == UserKind.TAXPAYER

    @property
    def is_staff_kind(self) -> bool:
        return self.kind == UserKind.STAFF


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


class MailedCodeFields(models.Model):
    """A code mailed on paper and typed back once (a CAF PIN, R6; an identity code, R13): the
    columns :mod:`taxpro.mailed_codes` opens, counts wrong codes on and closes. Each app's row
    adds its letter, whose code it is, the code's salt and hash, and its states' words."""

    wrong_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]


class AuditEvent(models.Model):
    """One state change of a request, CAF link or authorization (R44).

    Who acted, when, what, and the state before and after.

    Append-only: the database refuses UPDATE and DELETE on this table (R28's trigger).
    """

    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # When no person acted (the worker, the scheduler), this says what did.
    actor_label = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=100, db_index=True)  # dotted, e.g. "caf.link.created"
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)

    class Meta:
        # Moved from the authorizations app: the table keeps its name and its rows.
        db_table = "authorizations_auditevent"
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action} {self.object_id}"


class MaintenanceWindow(models.Model):
    """Staff-scheduled closure of the practitioner portal (R40)."""

    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "authorizations_maintenancewindow"
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="maintenance_window_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        # In Eastern Time, as the admin form that schedules it and the closed page say (R40).
        starts, ends = clock.to_et(self.starts_at), clock.to_et(self.ends_at)
        return f"Maintenance {starts:%Y-%m-%d %H:%M} to {ends:%Y-%m-%d %H:%M} Eastern Time"


class ServiceEventKind(models.TextChoices):
    OPENED = "opened", "Opened"
    CLOSED = "closed", "Closed"


class ServiceEvent(models.Model):
    """R42: each opening and closing, recorded once whatever the number of beats."""

    kind = models.CharField(max_length=6, choices=ServiceEventKind.choices)
    at = models.DateTimeField(help_text="The instant the service opened or closed.")
    recorded_at = models.DateTimeField()
    drained = models.PositiveIntegerField(default=0, help_text="Approvals recorded on opening.")

    class Meta:
        db_table = "authorizations_serviceevent"
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "at"], name="service_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M %Z}"
