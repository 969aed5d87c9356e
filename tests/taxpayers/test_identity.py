"""A taxpayer proves who they are (R13): answers matched to a record, a code mailed to the address
of record, the code entered once. Mismatches are neutral and rate limited (like R12)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from authorizations.account_selectors import taxpayer_home_summary
from authorizations.selectors import requests_for_taxpayer
from taxpayers.demo import TAXPAYERS
from taxpayers.models import (
    IdentityCheck,
    IdentityCheckState,
    Letter,
    LetterKind,
    Taxpayer,
)
from taxpayers.services import (
    IDENTITY_MISMATCH_MESSAGE,
    IdentityAlreadyVerified,
    IdentityAnswers,
    IdentityCodeRefused,
    IdentityMismatch,
    IdentityRateLimited,
    identity_check_start,
    identity_code_confirm,
)
from taxpro.addresses import PostalAddress
from taxpro.errors import TinInvalid
from taxpro.models import AuditEvent
from tests.authorizations.conftest import make_rep, submit
from tests.factories import PractitionerFactory, UserFactory
from tests.taxpayers.factories import TaxpayerFactory

NOW = dt.datetime(2026, 11, 24, 17, 0, tzinfo=dt.UTC)
pytestmark = pytest.mark.django_db


def answers_for(taxpayer: Taxpayer, **changes: object) -> IdentityAnswers:
    values: dict[str, object] = {
        "tin": taxpayer.tin_reveal(),
        "name": taxpayer.name,
        "date_of_birth": taxpayer.date_of_birth,
        "address": taxpayer.postal_address,
    }
    values.update(changes)
    return IdentityAnswers(**values)  # type: ignore[arg-type]


def code_in(letter: Letter) -> str:
    """Read the code from the mailed letter, as the taxpayer would."""
    match = re.search(r"^\s+(\d{8})$", letter.body, re.MULTILINE)
    assert match, letter.body
    return match.group(1)


def test_r13_matching_answers_mail_a_code_to_the_address_of_record() -> None:
    taxpayer = TaxpayerFactory(line1="12 Oak Street", line2="Apartment 4")
    user = UserFactory()
    # Pub 28 (R11): "St" = "Street", "Apt" = "Apartment"; case and dashes folded.
    address = PostalAddress(
        line1="12 OAK ST", line2="apt 4", city="springfield", state="IL", zip_code="62701"
    )
    check = identity_check_start(
        user=user,
        answers=answers_for(taxpayer, address=address, name=taxpayer.name.upper()),
        now=NOW,
    )

    assert check.state == IdentityCheckState.PENDING
    assert check.taxpayer == taxpayer
    assert check.expires_at == NOW + dt.timedelta(days=30)
    letter = check.letter
    assert letter.kind == LetterKind.VERIFICATION_CODE
    assert letter.taxpayer == taxpayer
    assert "12 Oak Street" in letter.address_block
    code = code_in(letter)
    # Only a keyed hash is kept: the code itself is in no column but the letter's body.
    assert code not in check.code_hash
    assert AuditEvent.objects.filter(action="taxpayers.identity.code_sent").count() == 1
    taxpayer.refresh_from_db()
    assert taxpayer.user is None  # nothing is linked before the code comes back


def test_r13_the_right_code_links_the_account_once() -> None:
    taxpayer = TaxpayerFactory()
    user = UserFactory()
    check = identity_check_start(user=user, answers=answers_for(taxpayer), now=NOW)

    linked = identity_code_confirm(user=user, code=code_in(check.letter), now=NOW)

    assert linked == taxpayer
    taxpayer.refresh_from_db()
    assert taxpayer.user == user
    check.refresh_from_db()
    assert check.state == IdentityCheckState.USED
    assert check.used_at == NOW
    assert AuditEvent.objects.filter(action="taxpayers.taxpayer.account_attached").count() == 1
    # Single use: the same code again is refused, and nothing happens twice.
    with pytest.raises(IdentityAlreadyVerified):
        identity_code_confirm(user=user, code=code_in(check.letter), now=NOW)
    assert AuditEvent.objects.filter(action="taxpayers.taxpayer.account_attached").count() == 1


@pytest.mark.parametrize(
    "change",
    [
        {"name": "Someone Else"},
        {"date_of_birth": dt.date(1980, 5, 18)},
        {
            "address": PostalAddress(
                line1="1 Elm Street", city="Springfield", state="IL", zip_code="62701"
            )
        },
        {"tin": "123-45-6789"},
    ],
    ids=["name", "date_of_birth", "address", "tin"],
)
def test_each_wrong_answer_gets_the_same_neutral_message(change: dict[str, object]) -> None:
    taxpayer = TaxpayerFactory()
    user = UserFactory()
    with pytest.raises(IdentityMismatch) as refused:
        identity_check_start(user=user, answers=answers_for(taxpayer, **change), now=NOW)
    assert str(refused.value) == IDENTITY_MISMATCH_MESSAGE
    assert refused.value.field is None
    assert not Letter.objects.exists()
    assert not IdentityCheck.objects.exists()


def test_a_malformed_tin_is_a_field_error_and_not_counted() -> None:
    taxpayer = TaxpayerFactory()
    user = UserFactory()
    for raw in ["\uff11\uff12\uff13-45-6789", "123-45-67\u200b89", "000-12-3456"]:  # R13a
        with pytest.raises(TinInvalid):
            identity_check_start(user=user, answers=answers_for(taxpayer, tin=raw), now=NOW)
    # Five format errors did not use up the day's tries.
    identity_check_start(user=user, answers=answers_for(taxpayer), now=NOW)


def test_wrong_answers_are_limited_per_user_per_day(settings) -> None:
    settings.IDENTITY_ATTEMPTS_PER_DAY = 3
    taxpayer = TaxpayerFactory()
    user = UserFactory()
    wrong = answers_for(taxpayer, name="Not Them")
    for minute in range(3):
        with pytest.raises(IdentityMismatch):
            identity_check_start(user=user, answers=wrong, now=NOW + dt.timedelta(minutes=minute))
    # Now even the right answers are refused, so the check cannot be used to probe identities.
    with pytest.raises(IdentityRateLimited) as limited:
        identity_check_start(
            user=user, answers=answers_for(taxpayer), now=NOW + dt.timedelta(hours=1)
        )
    assert "try again after" in str(limited.value)
    assert not Letter.objects.exists()
    # Another user is not held back by this one's tries.
    with pytest.raises(IdentityMismatch):
        identity_check_start(user=UserFactory(), answers=wrong, now=NOW + dt.timedelta(hours=1))
    # 24 hours after the first miss, one try is back.
    later = NOW + dt.timedelta(hours=24, seconds=1)
    check = identity_check_start(user=user, answers=answers_for(taxpayer), now=later)
    assert check.state == IdentityCheckState.PENDING


def test_a_record_linked_to_another_account_looks_like_a_mismatch_and_is_audited() -> None:
    owner = UserFactory()
    taxpayer = TaxpayerFactory(user=owner)
    intruder = UserFactory()
    with pytest.raises(IdentityMismatch) as refused:
        identity_check_start(user=intruder, answers=answers_for(taxpayer), now=NOW)
    assert str(refused.value) == IDENTITY_MISMATCH_MESSAGE
    assert not Letter.objects.exists()
    event = AuditEvent.objects.get(action="taxpayers.identity.already_linked")
    assert event.actor == intruder
    taxpayer.refresh_from_db()
    assert taxpayer.user == owner


def test_a_code_expires_after_30_days() -> None:
    taxpayer = TaxpayerFactory()
    user = UserFactory()
    check = identity_check_start(user=user, answers=answers_for(taxpayer), now=NOW)
    with pytest.raises(IdentityCodeRefused, match="expired"):
        identity_code_confirm(
            user=user, code=code_in(check.letter), now=NOW + dt.timedelta(days=30)
        )
    check.refresh_from_db()
    assert check.state == IdentityCheckState.EXPIRED
    assert Taxpayer.objects.get(pk=taxpayer.pk).user is None


def test_wrong_codes_are_limited_then_the_code_stops_working(settings) -> None:
    settings.IDENTITY_CODE_ATTEMPTS = 3
    taxpayer = TaxpayerFactory()
    user = UserFactory()
    check = identity_check_start(user=user, answers=answers_for(taxpayer), now=NOW)
    right = code_in(check.letter)
    wrong = f"{(int(right) + 1) % 10**8:08d}"
    with pytest.raises(IdentityCodeRefused, match="2 more tries"):
        identity_code_confirm(user=user, code=wrong, now=NOW)
    with pytest.raises(IdentityCodeRefused, match="1 more try"):
        identity_code_confirm(user=user, code=wrong, now=NOW)
    with pytest.raises(IdentityCodeRefused, match="no longer works"):
        identity_code_confirm(user=user, code=wrong, now=NOW)
    check.refresh_from_db()
    assert check.state == IdentityCheckState.LOCKED
    # The right code is now too late.
    with pytest.raises(IdentityCodeRefused, match="no code waiting"):
        identity_code_confirm(user=user, code=right, now=NOW)
    assert Taxpayer.objects.get(pk=taxpayer.pk).user is None


def test_a_malformed_code_is_refused_without_using_a_try(settings) -> None:
    settings.IDENTITY_CODE_ATTEMPTS = 1
    taxpayer = TaxpayerFactory()
    user = UserFactory()
    check = identity_check_start(user=user, answers=answers_for(taxpayer), now=NOW)
    for raw in [
        "\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18",
        "1234\u200b5678",
        "abcdefgh",
        "123",
    ]:
        with pytest.raises(IdentityCodeRefused, match="digits 0 to 9"):
            identity_code_confirm(user=user, code=raw, now=NOW)
    identity_code_confirm(user=user, code=code_in(check.letter), now=NOW)


def test_r47_the_same_answers_again_the_same_day_mail_no_second_letter() -> None:
    taxpayer = TaxpayerFactory()
    user = UserFactory()
    first = identity_check_start(user=user, answers=answers_for(taxpayer), now=NOW)
    again = identity_check_start(
        user=user, answers=answers_for(taxpayer), now=NOW + dt.timedelta(hours=2)
    )
    assert again == first
    assert Letter.objects.count() == 1
    assert AuditEvent.objects.filter(action="taxpayers.identity.code_sent").count() == 1


def test_asking_again_replaces_the_older_code() -> None:
    taxpayer = TaxpayerFactory()
    user = UserFactory()
    first = identity_check_start(user=user, answers=answers_for(taxpayer), now=NOW)
    second = identity_check_start(
        user=user, answers=answers_for(taxpayer), now=NOW + dt.timedelta(days=1)
    )
    first.refresh_from_db()
    assert first.state == IdentityCheckState.SUPERSEDED
    old_code, new_code = code_in(first.letter), code_in(second.letter)
    if old_code != new_code:
        with pytest.raises(IdentityCodeRefused):
            identity_code_confirm(user=user, code=old_code, now=NOW + dt.timedelta(days=1))
    identity_code_confirm(user=user, code=new_code, now=NOW + dt.timedelta(days=1))
    assert Taxpayer.objects.get(pk=taxpayer.pk).user == user


def test_a_record_linked_by_someone_else_after_the_letter_is_refused_neutrally() -> None:
    taxpayer = TaxpayerFactory()
    first, second = UserFactory(), UserFactory()
    check_1 = identity_check_start(user=first, answers=answers_for(taxpayer), now=NOW)
    check_2 = identity_check_start(user=second, answers=answers_for(taxpayer), now=NOW)
    identity_code_confirm(user=first, code=code_in(check_1.letter), now=NOW)
    with pytest.raises(IdentityMismatch):
        identity_code_confirm(user=second, code=code_in(check_2.letter), now=NOW)
    assert Taxpayer.objects.get(pk=taxpayer.pk).user == first


def test_an_account_already_linked_cannot_start_again() -> None:
    user = UserFactory()
    TaxpayerFactory(user=user)
    other = TaxpayerFactory()
    with pytest.raises(IdentityAlreadyVerified):
        identity_check_start(user=user, answers=answers_for(other), now=NOW)


def test_only_taxpayer_accounts_can_verify() -> None:

    taxpayer = TaxpayerFactory()
    with pytest.raises(Exception, match="taxpayer"):
        identity_check_start(user=PractitionerFactory(), answers=answers_for(taxpayer), now=NOW)


def test_r13_a_request_sent_before_the_account_appears_once_verified() -> None:

    taxpayer = TaxpayerFactory()  # no online account yet
    rep = make_rep(code="b")
    req = submit(rep, taxpayer, now=NOW)  # TUESDAY-like time inside the request window
    user = UserFactory()
    check = identity_check_start(user=user, answers=answers_for(taxpayer), now=NOW)
    identity_code_confirm(user=user, code=code_in(check.letter), now=NOW)

    linked = Taxpayer.objects.get(user=user)
    assert list(requests_for_taxpayer(taxpayer_id=linked.pk)) == [req]
    summary = taxpayer_home_summary(taxpayer=linked, now=NOW)
    assert summary.pending_count == 1
    assert summary.soonest_expiry == req.expires_at


def test_staff_see_identity_checks_but_never_the_code(client, staff_user) -> None:

    staff_user.is_superuser = True
    staff_user.save()
    taxpayer = TaxpayerFactory()
    check = identity_check_start(user=UserFactory(), answers=answers_for(taxpayer), now=NOW)
    client.force_login(staff_user)
    listing = client.get(reverse("admin:taxpayers_identitycheck_changelist"))
    detail = client.get(reverse("admin:taxpayers_identitycheck_change", args=[check.pk]))
    assert listing.status_code == detail.status_code == 200
    for html in (listing.content.decode(), detail.content.decode()):
        assert code_in(check.letter) not in html
        assert check.code_hash not in html


def test_r13_demo_taxpayers_with_accounts_are_linked_and_have_a_date_of_birth() -> None:

    call_command("seed_demo", stdout=io.StringIO())
    for spec in TAXPAYERS:
        if spec["kind"] != "individual":
            continue
        taxpayer = Taxpayer.objects.get(name=spec["name"])
        assert taxpayer.date_of_birth == spec["dob"]
        if spec["email"]:
            assert taxpayer.user is not None and taxpayer.user.email == spec["email"]
