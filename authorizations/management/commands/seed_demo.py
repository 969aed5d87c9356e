"""Load the demo data. Idempotent: running it again changes nothing that is already there.

It lives in the app at the top of the stairs because it seeds every app below, in order."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q

from authorizations import demo as authorizations_demo
from authorizations import forms_demo
from authorizations.clerks import clerk_enrol
from caf import demo as caf_demo
from taxpayers import demo as taxpayers_demo
from taxpro.demo import DEMO_PASSWORD, DEMO_USERS
from taxpro.models import User, UserKind


class Command(BaseCommand):
    help = "Create the demo users (and, as the domain grows, their records). Safe to re-run."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        created = 0
        for _who, email, kind in DEMO_USERS:
            user, was_created = User.objects.get_or_create(
                username=email,
                defaults={"email": email, "kind": kind, "is_staff": kind == UserKind.STAFF},
            )
            if was_created:
                user.set_password(DEMO_PASSWORD)
                if kind == UserKind.STAFF:
                    user.is_superuser = False
                user.save()
                created += 1
                if kind == UserKind.STAFF:
                    _grant_clerk_permissions(user)
            if kind == UserKind.STAFF:
                clerk_enrol(user)  # R34b: the demo clerk works the forms queue
            EmailAddress.objects.get_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            if (
                kind in {UserKind.PRACTITIONER, UserKind.STAFF}
                and not Authenticator.objects.filter(
                    user=user, type=Authenticator.Type.TOTP
                ).exists()
            ):
                TOTP.activate(user, generate_totp_secret())
                RecoveryCodes.activate(user)
        # In the order of the stairs' dependencies: CAF records, the master file, the ledger.
        for seed in (
            caf_demo.seed,
            taxpayers_demo.seed,
            authorizations_demo.seed,
            forms_demo.seed,
        ):
            seed(stdout=self.stdout)
        self.stdout.write(f"Demo data ready ({created} users created).")


def _grant_clerk_permissions(user: User) -> None:
    # The clerk sees every domain model in the admin, and the audit trail and service hours;
    # never the portal's users.
    user.user_permissions.set(
        Permission.objects.filter(
            Q(content_type__app_label__in=["caf", "taxpayers", "authorizations"])
            | Q(
                content_type__app_label="taxpro",
                content_type__model__in=["auditevent", "maintenancewindow", "serviceevent"],
            )
        )
    )
