"""Portal users. A user is exactly one kind for life: practitioner, taxpayer or staff."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


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
