"""`manage.py seed_demo`: every kind of demo user and a lived-in ledger, idempotently."""

from __future__ import annotations

import io

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from django.urls import reverse

from authorizations.clerks import CLERKS_GROUP
from authorizations.client_selectors import clients_of_practitioner
from authorizations.models import (
    Authorization,
    AuthorizationRequest,
    Channel,
    FormState,
    RequestState,
    UploadedForm,
)
from taxpayers.models import AccountTransaction, Taxpayer
from taxpro.demo import DEMO_USERS
from taxpro.models import User
from taxpro.tins import HolderKind, TinType
from tests.authorizations.conftest import private_media  # noqa: F401 - a fixture

# The demo's uploaded forms are written to a private folder of the test's own.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


def counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        AuthorizationRequest.objects.count(),
        Authorization.objects.count(),
        Authenticator.objects.count(),
        UploadedForm.objects.count(),
    )


def test_seed_demo_creates_each_kind_and_a_lived_in_ledger_and_is_idempotent() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    first = counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert counts() == first
    for _who, email, kind in DEMO_USERS:
        assert User.objects.get(email=email).kind == kind
    for email in ("cpa@demo.taxpro.test", "clerk@demo.taxpro.test"):
        assert Authenticator.objects.filter(user__email=email, type="totp").exists()
    states = set(AuthorizationRequest.objects.values_list("state", flat=True))
    assert {
        RequestState.PENDING,
        RequestState.RECORDED,
        RequestState.REJECTED,
        RequestState.FAILED,
    } <= states
    assert Authorization.objects.active().exists()
    assert Authorization.objects.filter(end_reason="superseded").exists()
    assert Authorization.objects.filter(end_reason="withdrawn").exists()


def test_seed_demo_r34b_puts_the_clerk_in_the_group_and_forms_in_each_state() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    clerk = User.objects.get(email="clerk@demo.taxpro.test")
    assert clerk.groups.filter(name=CLERKS_GROUP).exists()
    assert clerk.has_perm("authorizations.process_uploadedform")
    # R39b: a form in every state the practitioner and the CAF unit see, but "being recorded":
    # the moment between the clerk's decision and the worker, which the demo's worker ends.
    states = set(UploadedForm.objects.values_list("state", flat=True))
    assert states == set(FormState.values) - {FormState.RECORDING}
    assert Authorization.objects.filter(channel=Channel.FORM).active().exists()


def test_seed_demo_r7_r36_businesses_with_941_quarters_1120_fiscal_years_and_form_rows() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    businesses = Taxpayer.objects.filter(kind=HolderKind.BUSINESS)
    assert businesses.count() >= 2
    for business in businesses:
        assert business.tin_type == TinType.EIN
        forms = set(business.modules.values_list("form", flat=True))
        assert {"941", "1120"} <= forms
        # 941 periods are quarters; some 1120 period is a fiscal year (not ending in December).
        assert all(
            p[4:] in ("03", "06", "09", "12")
            for p in business.modules.filter(form="941").values_list("period", flat=True)
        )
        assert business.modules.filter(form="1120").exclude(period__endswith="12").exists()
        assert AccountTransaction.objects.filter(module__taxpayer=business).exists()
    # The demo CPA holds recorded form-channel authorizations on a business, without a
    # request, so the client pages show one (R7, R32).
    cpa = User.objects.get(email="cpa@demo.taxpro.test")
    clients = clients_of_practitioner(practitioner=cpa)
    assert clients.filter(kind=HolderKind.BUSINESS).exists()
    rows = Authorization.objects.active().filter(
        channel=Channel.FORM, taxpayer__kind=HolderKind.BUSINESS, caf_record__link__practitioner=cpa
    )
    assert rows.filter(request__isnull=True, uploaded_form__state=FormState.RECORDED).exists()
    assert rows.filter(matter="941").exists() and rows.filter(matter="1120").exists()
    # And a taxpayer with an online account has one in her account, to revoke (R30).
    carmen = Taxpayer.objects.get(user__email="carmen@demo.taxpro.test")
    assert Authorization.objects.active().filter(taxpayer=carmen, channel=Channel.FORM).exists()


def test_seed_demo_the_readme_walk_through_of_the_forms_channel_holds(client) -> None:
    """What the README's "Try the forms channel" promises the CPA and Carmen see."""
    call_command("seed_demo", stdout=io.StringIO())
    client.force_login(User.objects.get(email="cpa@demo.taxpro.test"))
    clients = client.get(reverse("authorizations_pro:clients")).content.decode()
    for name in ("Evergreen Bakery LLC", "Lakeside Tool Works Inc", "Carmen Diaz"):
        assert name in clients
    assert "EIN **-***7001" in clients
    active = client.get(reverse("authorizations_pro:authorizations")).content.decode()
    assert '<td data-label="Channel">Form 2848</td>' in active
    assert '<td data-label="Channel">Form 8821</td>' in active
    assert '<td data-label="Channel">Online</td>' in active
    bakery = Taxpayer.objects.get(name="Evergreen Bakery LLC")
    page = client.get(reverse("authorizations_pro:client", args=[bakery.public_id]))
    html = page.content.decode()
    assert "Quarter ending March 2025 (Q1)" in html
    assert "Fiscal year ending June 2025" in html
    # R32: in the bakery's account, not in the CPA's scope.
    assert "Quarter ending December 2024 (Q4)" not in html
    assert "Fiscal year ending June 2024" not in html
    forms = client.get(reverse("authorizations_pro:forms")).content.decode()
    assert "Withdrawn" in forms
    client.force_login(User.objects.get(email="carmen@demo.taxpro.test"))
    account = client.get(reverse("authorizations_account:index")).content.decode()
    assert '<td data-label="How you gave it">Signed on Form 8821</td>' in account
