"""factory_boy factories for portal users. Domain apps add their own next to their tests."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)

from taxpro.models import User, UserKind

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    kind = UserKind.TAXPAYER
    email = factory.Sequence(lambda n: f"user{n}@example.test")
    username = factory.SelfAttribute("email")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class PractitionerFactory(UserFactory):
    kind = UserKind.PRACTITIONER


class StaffFactory(UserFactory):
    kind = UserKind.STAFF
    is_staff = True


def enrol_totp(user: User) -> str:
    """Give ``user`` a TOTP authenticator; returns the secret so a test can make codes."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def current_totp_code(secret: str) -> str:

    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


def has_authenticator(user: User) -> bool:
    return Authenticator.objects.filter(user=user).exists()
