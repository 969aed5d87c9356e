"""Profile and CAF numbers pages: profile and designations (R1, R2), linking with a mailed PIN
(R6), getting a CAF number (R8), addresses not changed here (R9), access (R45), replays (R47)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from authorizations.services import caf_practice_status_change
from caf.models import (
    CafLink,
    CafRecord,
    Designation,
    PinLetter,
    PinLetterState,
    PracticeStatus,
    PractitionerProfile,
)
from caf.selectors import caf_number_issue_refusal
from caf.services import caf_number_issue, caf_pin_request, caf_pin_request_once
from caf.web.pro.forms import DesignationForm
from taxpayers.models import Letter, LetterKind
from taxpro import clock
from taxpro.models import AuditEvent
from tests.caf.factories import CafRecordFactory, PractitionerProfileFactory
from tests.factories import PractitionerFactory, UserFactory
from tests.views.caf_support import (
    latest_pin_letter,
    pin_from_letter,
    practitioner_with_profile,
    practitioner_without_profile,
    their_caf_record,
    with_second_factor,
    wrong_pin,
)

pytestmark = pytest.mark.django_db

PROFILE = reverse("caf_pro:profile")
CREATE = reverse("caf_pro:profile_create")
DESIGNATIONS = reverse("caf_pro:designation_add")
LINK = reverse("caf_pro:link_start")
GET_CAF = reverse("caf_pro:get_caf_number")
NOBODYS = uuid.UUID(int=1)  # a public id no row has


def fullwidth(text: str) -> str:
    """R13a: other-script digits are refused, not converted."""
    return "".join(chr(0xFF10 + int(c)) if c.isdigit() else c for c in text)


def _html(response) -> str:
    return response.content.decode()


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


@pytest.fixture
def cpa():
    return practitioner_with_profile()


@pytest.fixture
def cpa_client(client: Client, cpa) -> Client:
    client.force_login(cpa.user)
    return client


# --- Access (R45) ----------------------------------------------------------------------------


def _confirm_url(public_id: uuid.UUID = NOBODYS) -> str:
    return reverse("caf_pro:link_confirm", args=[public_id])


@pytest.mark.parametrize("url", [PROFILE, CREATE, DESIGNATIONS, LINK, GET_CAF, _confirm_url()])
def test_anonymous_is_sent_to_sign_in(client: Client, url) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("url", [PROFILE, LINK, GET_CAF, _confirm_url()])
def test_a_taxpayer_gets_403(client: Client, url) -> None:
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403


def test_r45_another_practitioners_pin_letter_is_not_found(client: Client, cpa) -> None:
    record = their_caf_record(cpa)
    pin_letter = caf_pin_request(practitioner=cpa.user, caf_number=record.caf_number)
    other = practitioner_with_profile(legal_name="Other Person")
    client.force_login(other.user)
    url = _confirm_url(pin_letter.public_id)
    assert client.get(url).status_code == 404
    assert client.post(url, {"pin": pin_from_letter(pin_letter)}).status_code == 404
    assert not CafLink.objects.exists()
    client.force_login(cpa.user)
    assert client.get(url).status_code == 200


def test_posts_only_where_state_changes(cpa_client: Client) -> None:
    # R47: the writes answer POST only.
    assert cpa_client.get(CREATE).status_code == 405
    assert cpa_client.get(DESIGNATIONS).status_code == 405


# --- Profile (creating it) ------------------------------------------------------------------

PROFILE_DATA = {
    "legal_name": "Robin Newcomer",
    "tin": "123-45-6789",
    "address_line1": "10 Main Street",
    "address_line2": "",
    "city": "Albany",
    "state": "NY",
    "zip_code": "12207",
}


def test_without_a_profile_the_page_asks_for_one(client: Client) -> None:
    rep = practitioner_without_profile()
    client.force_login(rep.user)
    html = _html(client.get(PROFILE))
    assert "Save your profile" in html
    assert "Link a CAF number" not in html.split("<h1>")[1].split("CAF numbers</h2>")[1]


def test_profile_is_created(client: Client) -> None:
    rep = practitioner_without_profile()
    client.force_login(rep.user)
    response = client.post(CREATE, PROFILE_DATA, follow=True)
    html = _html(response)
    assert "Your profile is saved" in html
    assert "Robin Newcomer" in html
    assert "***-**-6789" in html
    assert "123-45-6789" not in html  # R43


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("tin", "000-12-3456", "This is not a valid SSN or ITIN."),
        ("tin", fullwidth("123-45-6789"), "the digits 0 to 9 only"),
        ("legal_name", "Robin\u202eNewcomer", "invisible or control characters"),
        ("legal_name", "x" * 151, "at most 150 characters"),
        ("zip_code", "ABCDE", "ZIP"),
        ("state", "PR", "Addresses in US territories, such as Puerto Rico"),
        ("address_line1", "", "Enter street address"),
    ],
)
def test_profile_errors_are_shown_and_nothing_is_saved(
    client: Client, field, value, message
) -> None:
    rep = practitioner_without_profile()
    client.force_login(rep.user)
    response = client.post(CREATE, {**PROFILE_DATA, field: value})
    assert response.status_code == 200
    html = _html(response)
    assert "There is a problem" in html
    assert message in html
    assert 'value="Albany"' in html  # the rest of what was typed is kept
    assert "<title>Error:" in html

    assert not PractitionerProfile.objects.filter(user=rep.user).exists()


def test_markup_in_a_name_is_shown_as_text(client: Client) -> None:
    rep = practitioner_without_profile()
    client.force_login(rep.user)
    client.post(CREATE, {**PROFILE_DATA, "legal_name": "<b>Robin</b> Newcomer"})
    html = _html(client.get(PROFILE))
    assert "&lt;b&gt;Robin&lt;/b&gt; Newcomer" in html
    assert "<b>Robin</b>" not in html


def test_r47_a_doubled_profile_post_creates_one_profile(client: Client) -> None:
    rep = practitioner_without_profile()
    client.force_login(rep.user)
    client.post(CREATE, PROFILE_DATA)
    response = client.post(CREATE, PROFILE_DATA, follow=True)
    assert "already has a practitioner profile" in _html(response)

    assert PractitionerProfile.objects.filter(user=rep.user).count() == 1


# --- Designations (R1, R2) ------------------------------------------------------------------


def test_r1_r2_profile_says_which_designations_allow_poa_requests(client: Client) -> None:
    rep = practitioner_with_profile(code="h")
    client.force_login(rep.user)
    html = _html(client.get(PROFILE))
    assert "can send power of attorney requests online" in html
    assert "Unenrolled Return Preparer (h)" in html
    assert "No: tax information authorizations only" in html
    cpa = practitioner_with_profile(code="b", legal_name="Cee Pea")
    client.force_login(cpa.user)
    html = _html(client.get(PROFILE))
    assert "Certified Public Accountant (b)" in html
    assert "CPA-123456" in html and ">NY<" in html
    assert '<td data-label="Power of attorney requests online">Yes</td>' in html


def test_r1_a_designation_is_added(cpa_client: Client, cpa) -> None:
    response = cpa_client.post(
        DESIGNATIONS, {"code": "c", "jurisdiction": "", "number": "EA-777"}, follow=True
    )
    assert "Enrolled Agent added to your profile" in _html(response)
    assert Designation.objects.filter(profile=cpa.profile, code="c", number="EA-777").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "a", "jurisdiction": "", "number": "LIC-1"}, "choose the licensing jurisdiction"),
        ({"code": "a", "jurisdiction": "NY", "number": ""}, "need a license number"),
        (
            {"code": "a", "jurisdiction": "PR", "number": "LIC-1"},
            "Select one of the 50 states or DC",
        ),
        ({"code": "z", "jurisdiction": "", "number": ""}, "Select a designation from the list"),
        ({"code": "", "jurisdiction": "", "number": ""}, "Select a designation."),
        ({"code": "b", "jurisdiction": "NY", "number": "CPA-9"}, "already on the profile"),
        ({"code": "c", "jurisdiction": "", "number": "EA\u200b1"}, "invisible or control"),
        ({"code": "c", "jurisdiction": "", "number": "9" * 41}, "at most 40 characters"),
    ],
)
def test_r1_designation_errors_are_shown_and_nothing_is_added(
    cpa_client: Client, cpa, data, message
) -> None:
    response = cpa_client.post(DESIGNATIONS, data)
    assert response.status_code == 200
    html = _html(response)
    assert "There is a problem" in html and message in html
    assert Designation.objects.filter(profile=cpa.profile).count() == 1  # only the CPA's own


def test_designation_without_a_profile_says_so(client: Client) -> None:
    rep = practitioner_without_profile()
    client.force_login(rep.user)
    response = client.post(DESIGNATIONS, {"code": "c"}, follow=True)
    assert "Complete your profile" in _html(response)
    assert not Designation.objects.exists()


# --- CAF numbers on the profile (R9, R3) ----------------------------------------------------


def test_r9_linked_caf_numbers_with_address_and_how_to_change_it(
    cpa_client: Client, cpa, staff_user
) -> None:
    record = their_caf_record(cpa)
    CafLink.objects.create(
        caf_record=record, practitioner=cpa.user, method="pin", linked_at=clock.now()
    )
    html = _html(cpa_client.get(PROFILE))
    assert record.caf_number_display in html
    assert "Good standing" in html
    assert record.address_line1 in html
    assert "cannot be changed in this portal" in html
    assert "write to the CAF unit, or send a Form 2848 or 8821" in html
    # R3: a status other than good standing is said in words, not by colour.
    caf_practice_status_change(caf_record=record, status=PracticeStatus.SUSPENDED, actor=staff_user)
    assert "Not in good standing: suspended" in _html(cpa_client.get(PROFILE))


# --- Linking, step 1: ask for a PIN (R6) ----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Enter your CAF number."),
        ("12345", "exactly 9 digits"),
        ("1234567890", "exactly 9 digits"),
        ("1234-5678a", "Enter the CAF number as 9 digits"),
        (fullwidth("123456789"), "Enter the CAF number as 9 digits"),
        ("1234\u200b56789", "invisible or control characters"),
        ("<script>1</script>", "Enter the CAF number as 9 digits"),
        ("9" * 21, "at most 20 characters"),
    ],
)
def test_r5_bad_caf_numbers_get_a_clear_message(cpa_client: Client, value, message) -> None:
    response = cpa_client.post(LINK, {"caf_number": value})
    assert response.status_code == 200
    html = _html(response)
    assert "There is a problem" in html and message in html
    assert not PinLetter.objects.exists() and not Letter.objects.exists()


def test_r6_unknown_number_is_refused_like_someone_elses(cpa_client: Client) -> None:
    CafRecordFactory(caf_number="300099999", name="Somebody Else")
    for number in ("999999999", "3000-99999"):
        html = _html(cpa_client.post(LINK, {"caf_number": number}))
        assert "not assigned to a representative with your name and TIN" in html
    assert not Letter.objects.exists()


def test_r6_a_number_linked_to_another_account_is_refused(client: Client, cpa) -> None:
    record = their_caf_record(cpa)
    CafLink.objects.create(
        caf_record=record, practitioner=cpa.user, method="pin", linked_at=clock.now()
    )
    # The same person with a second account (same name and TIN).
    twin_user = with_second_factor(PractitionerFactory())
    PractitionerProfileFactory(
        user=twin_user, legal_name=cpa.profile.legal_name, tin=cpa.profile.tin_reveal()
    )
    client.force_login(twin_user)
    html = _html(client.post(LINK, {"caf_number": record.caf_number_display}))
    assert "already linked to another account" in html
    assert not Letter.objects.exists()


def test_r6_asking_for_a_pin_mails_a_letter_and_never_shows_the_pin(
    cpa_client: Client, cpa
) -> None:
    record = their_caf_record(cpa)
    response = cpa_client.post(LINK, {"caf_number": record.caf_number_display}, follow=True)
    pin_letter = latest_pin_letter(cpa.user)
    assert response.redirect_chain[-1][0] == _confirm_url(pin_letter.public_id)
    html = _html(response)
    assert "We mailed a PIN letter to the CAF address of record" in html
    assert f"{record.city}, {record.state}" in html
    assert record.address_line1 not in html  # city and state only
    assert pin_from_letter(pin_letter) not in html  # R6: never on screen
    expires = clock.to_et(pin_letter.expires_at)
    assert f"{expires:%B} {expires.day}, {expires.year}" in html
    assert pin_letter.expires_at - pin_letter.created_at == dt.timedelta(days=30)
    letter = Letter.objects.get()
    assert letter.kind == LetterKind.CAF_PIN and letter.caf_letter.caf_record == record


def test_r47_a_doubled_pin_request_mails_one_letter(cpa_client: Client, cpa) -> None:
    record = their_caf_record(cpa)
    cpa_client.post(LINK, {"caf_number": record.caf_number})
    response = cpa_client.post(LINK, {"caf_number": record.caf_number}, follow=True)
    assert "no second letter was sent" in _html(response)
    assert Letter.objects.count() == 1
    assert PinLetter.objects.get().state == PinLetterState.PENDING


def test_link_without_a_profile_explains(client: Client) -> None:
    rep = practitioner_without_profile()
    client.force_login(rep.user)
    assert "complete your profile" in _html(client.get(LINK))
    client.post(LINK, {"caf_number": "300000001"})
    assert not PinLetter.objects.exists()


def test_profile_lists_pin_letters_waiting_with_a_link(cpa_client: Client, cpa) -> None:
    record = their_caf_record(cpa)
    pin_letter = caf_pin_request(practitioner=cpa.user, caf_number=record.caf_number)
    html = _html(cpa_client.get(PROFILE))
    assert "Waiting for a PIN" in html
    assert _confirm_url(pin_letter.public_id) in html


# --- Linking, step 2: enter the PIN (R6) ----------------------------------------------------


@pytest.fixture
def pin_letter(cpa) -> PinLetter:
    record = their_caf_record(cpa)
    return caf_pin_request(practitioner=cpa.user, caf_number=record.caf_number)


def test_r6_the_right_pin_links_the_caf_number(cpa_client: Client, cpa, pin_letter) -> None:
    response = cpa_client.post(
        _confirm_url(pin_letter.public_id), {"pin": pin_from_letter(pin_letter)}, follow=True
    )
    assert response.redirect_chain[-1][0] == PROFILE
    html = _html(response)
    record = pin_letter.caf_record
    assert f"CAF number {record.caf_number_display} is now linked to your account" in html
    assert CafLink.objects.get().practitioner == cpa.user
    assert "Waiting for a PIN" not in html


def test_r6_wrong_pin_says_how_many_attempts_are_left(cpa_client: Client, pin_letter) -> None:
    url = _confirm_url(pin_letter.public_id)
    html = _html(cpa_client.post(url, {"pin": wrong_pin(pin_from_letter(pin_letter))}))
    assert "That PIN is wrong. You have 4 more attempts." in html
    assert "There is a problem" in html
    assert "You have 4 attempts left." in html
    assert not CafLink.objects.exists()


@pytest.mark.parametrize("value", ["", "1234", "abcdefgh", fullwidth("12345678"), "1" * 21])
def test_r6_a_pin_that_is_not_8_digits_does_not_count_as_an_attempt(
    cpa_client: Client, pin_letter, value
) -> None:
    html = _html(cpa_client.post(_confirm_url(pin_letter.public_id), {"pin": value}))
    assert "There is a problem" in html
    pin_letter.refresh_from_db()
    assert pin_letter.wrong_attempts == 0


def test_r6_too_many_wrong_attempts_lock_the_pin(cpa_client: Client, pin_letter) -> None:
    url = _confirm_url(pin_letter.public_id)
    pin = pin_from_letter(pin_letter)
    for _ in range(4):
        cpa_client.post(url, {"pin": wrong_pin(pin)})
    html = _html(cpa_client.post(url, {"pin": wrong_pin(pin)}))
    assert "too many wrong attempts" in html
    assert "Mail me a new PIN" in html
    # The right PIN no longer works either; the page still says how to get a new one.
    html = _html(cpa_client.post(url, {"pin": pin}))
    assert "Mail me a new PIN" in html
    assert not CafLink.objects.exists()
    assert PinLetter.objects.get().state == PinLetterState.LOCKED


def test_r6_a_new_pin_can_be_asked_for_after_a_lock(cpa_client: Client, pin_letter) -> None:
    url = _confirm_url(pin_letter.public_id)
    for _ in range(5):
        cpa_client.post(url, {"pin": wrong_pin(pin_from_letter(pin_letter))})
    response = cpa_client.post(LINK, {"caf_number": pin_letter.caf_record.caf_number}, follow=True)
    assert "We mailed a PIN letter" in _html(response)
    new_letter = latest_pin_letter(pin_letter.practitioner)
    assert new_letter.pk != pin_letter.pk and new_letter.state == PinLetterState.PENDING


def test_r6_an_expired_pin_says_so_and_how_to_get_a_new_one(cpa_client: Client, cpa) -> None:
    record = their_caf_record(cpa)
    old = caf_pin_request(
        practitioner=cpa.user,
        caf_number=record.caf_number,
        now=clock.now() - dt.timedelta(days=31),
    )
    url = _confirm_url(old.public_id)
    html = _html(cpa_client.get(url))
    assert "This PIN has expired" in html and "Mail me a new PIN" in html
    html = _html(cpa_client.post(url, {"pin": pin_from_letter(old)}))
    assert "This PIN has expired" in html
    assert not CafLink.objects.exists()
    # An expired letter is not listed as waiting.
    assert "Waiting for a PIN" not in _html(cpa_client.get(PROFILE))


def test_r47_a_doubled_pin_confirm_links_once(cpa_client: Client, cpa, pin_letter) -> None:
    url = _confirm_url(pin_letter.public_id)
    pin = pin_from_letter(pin_letter)
    cpa_client.post(url, {"pin": pin})
    response = cpa_client.post(url, {"pin": pin}, follow=True)
    assert response.status_code == 200
    assert "is linked to your account" in _html(response)
    assert CafLink.objects.count() == 1

    assert AuditEvent.objects.filter(action="caf.link.created").count() == 1


# --- Getting a CAF number (R8) ---------------------------------------------------------------


def test_r8_get_a_caf_number_confirm_then_issue(cpa_client: Client, cpa) -> None:
    html = _html(cpa_client.get(PROFILE))
    assert GET_CAF in html
    html = _html(cpa_client.get(GET_CAF))
    assert "Get my CAF number" in html and cpa.profile.legal_name in html
    response = cpa_client.post(GET_CAF, follow=True)
    record = CafRecord.objects.get()
    html = _html(response)
    assert f"Your new CAF number is {record.caf_number_display}" in html
    assert CafLink.objects.get(caf_record=record).practitioner == cpa.user
    assert GET_CAF not in html  # no longer offered


def test_r47_a_doubled_get_caf_number_issues_one(cpa_client: Client) -> None:
    cpa_client.post(GET_CAF)
    response = cpa_client.post(GET_CAF, follow=True)
    assert "You already have CAF number" in _html(response)
    assert CafRecord.objects.count() == 1


def test_r8_not_offered_when_a_caf_number_is_already_assigned(cpa_client: Client, cpa) -> None:
    their_caf_record(cpa)
    assert GET_CAF not in _html(cpa_client.get(PROFILE))
    assert "Link it with a PIN instead" in _html(cpa_client.get(GET_CAF))
    response = cpa_client.post(GET_CAF, follow=True)
    assert "Link it with a PIN instead" in _html(response)
    assert CafRecord.objects.count() == 1


def test_r8_needs_a_profile(client: Client) -> None:
    rep = practitioner_without_profile()
    client.force_login(rep.user)
    assert "Complete your profile" in _html(client.get(GET_CAF))
    client.post(GET_CAF)
    assert not CafRecord.objects.exists()


# --- The two functions the pages added to the caf app ----------------------------------------


def test_r47_caf_pin_request_once_returns_the_letter_just_mailed(cpa) -> None:
    record = their_caf_record(cpa)
    now = clock.now()
    first, mailed = caf_pin_request_once(
        practitioner=cpa.user, caf_number=record.caf_number, now=now
    )
    assert mailed
    again, mailed = caf_pin_request_once(
        practitioner=cpa.user, caf_number=record.caf_number, now=now + dt.timedelta(minutes=4)
    )
    assert again == first and not mailed
    # Past the replay window a new request is a new letter, and the old PIN stops working (R6).
    later, mailed = caf_pin_request_once(
        practitioner=cpa.user, caf_number=record.caf_number, now=now + dt.timedelta(minutes=6)
    )
    assert mailed and later != first
    first.refresh_from_db()
    assert first.state == PinLetterState.SUPERSEDED
    assert Letter.objects.count() == 2


def test_r8_issue_refusal_agrees_with_the_service(cpa) -> None:
    assert caf_number_issue_refusal(user=cpa.user) == ""
    record = caf_number_issue(practitioner=cpa.user)
    assert caf_number_issue_refusal(user=cpa.user) == (
        f"You already have CAF number {record.caf_number_display}."
    )
    assert "Only a tax professional" in caf_number_issue_refusal(user=UserFactory())


def test_the_licensing_jurisdiction_lists_states_by_name() -> None:
    choices = dict(DesignationForm().fields["jurisdiction"].choices)
    assert choices["NY"] == "New York" and choices["DC"] == "District of Columbia"
    names = [name for code, name in DesignationForm().fields["jurisdiction"].choices if code]
    assert names == sorted(names)
