"""The taxpayer's own pages: verify (R13), home, Notices, Who viewed (R33). Access (R45), bad
input, replays (R47) and constant queries."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from taxpayers.models import IdentityCheck, Letter, LetterKind, Taxpayer
from taxpayers.services import IDENTITY_MISMATCH_MESSAGE, letter_send
from taxpro import clock
from taxpro.models import AuditEvent
from tests.authorizations.conftest import make_rep, submit
from tests.factories import PractitionerFactory, UserFactory, enrol_totp
from tests.taxpayers.factories import TaxpayerFactory
from tests.views.taxpayer_support import (
    code_in,
    identity_form_data,
    insert_letters,
    insert_views,
    verified_taxpayer,
)

pytestmark = pytest.mark.django_db

VERIFIED_PAGES = ["taxpayers_account:notices", "authorizations_account:access_log"]
ALL_PAGES = ["taxpayer_home", "taxpayers_account:verify", *VERIFIED_PAGES]


def signed_in(client: Client, user: object) -> Client:
    client.force_login(user)  # type: ignore[arg-type]
    return client


# --- Access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client: Client, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", [*ALL_PAGES, "taxpayers_account:verify_code"])
def test_a_practitioner_gets_403(client: Client, name: str) -> None:
    practitioner = PractitionerFactory()
    enrol_totp(practitioner)
    response = signed_in(client, practitioner).get(reverse(name))
    assert response.status_code == 403


@pytest.mark.parametrize("name", VERIFIED_PAGES)
def test_an_unverified_taxpayer_is_sent_to_verify(client: Client, name: str) -> None:
    response = signed_in(client, UserFactory()).get(reverse(name))
    assert response.status_code == 302
    assert response["Location"] == reverse("taxpayers_account:verify")


def test_r45_another_taxpayers_notice_is_not_found(client: Client) -> None:
    owner, taxpayer = verified_taxpayer()
    (letter,) = insert_letters(taxpayer, 1)
    assert (
        signed_in(client, owner)
        .get(reverse("taxpayers_account:notice", args=[letter.public_id]))
        .status_code
        == 200
    )
    someone, _ = verified_taxpayer()
    client.force_login(someone)
    assert (
        client.get(reverse("taxpayers_account:notice", args=[letter.public_id])).status_code == 404
    )
    assert client.get(reverse("taxpayers_account:notice", args=[uuid.uuid4()])).status_code == 404


def test_the_notice_page_scopes_for_the_anonymous_and_practitioners(client: Client) -> None:
    _, taxpayer = verified_taxpayer()
    (letter,) = insert_letters(taxpayer, 1)
    url = reverse("taxpayers_account:notice", args=[letter.public_id])
    assert client.get(url)["Location"].startswith(reverse("account_login"))
    practitioner = PractitionerFactory()
    enrol_totp(practitioner)
    assert signed_in(client, practitioner).get(url).status_code == 403


def test_a_verified_taxpayer_opening_verify_is_sent_home(client: Client) -> None:
    user, _ = verified_taxpayer()
    for name in ["taxpayers_account:verify", "taxpayers_account:verify_code"]:
        response = signed_in(client, user).get(reverse(name), follow=True)
        assert response.redirect_chain[-1][0] == reverse("taxpayer_home")
        assert "already connected" in response.content.decode()


# --- Verify: the journey, bad input, replays ----------------------------------------------------


def test_r13_verify_mails_a_code_then_the_code_links_the_account(client: Client) -> None:
    taxpayer = TaxpayerFactory()
    user = UserFactory()
    client = signed_in(client, user)
    page = client.get(reverse("taxpayers_account:verify"))
    assert page.status_code == 200
    assert "Confirm who you are" in page.content.decode()

    response = client.post(
        reverse("taxpayers_account:verify"), identity_form_data(taxpayer), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("taxpayers_account:verify_code")
    html = response.content.decode()
    assert "A letter is on its way" in html
    letter = Letter.objects.get(kind=LetterKind.VERIFICATION_CODE)
    code = code_in(letter)
    assert code not in html  # the code comes by mail only
    check = IdentityCheck.objects.get(user=user)
    assert f"{check.expires_at.astimezone().year}" in html

    # The home page now points to the code page.
    home = client.get(reverse("taxpayer_home")).content.decode()
    assert reverse("taxpayers_account:verify_code") in home

    response = client.post(reverse("taxpayers_account:verify_code"), {"code": code}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("taxpayer_home")
    assert "now connected" in response.content.decode()
    assert Taxpayer.objects.get(pk=taxpayer.pk).user == user


def test_r13_a_request_sent_before_the_account_shows_once_verified(client: Client) -> None:

    taxpayer = TaxpayerFactory()  # no online account when the request is sent
    rep = make_rep(code="b")
    submit(rep, taxpayer, now=clock.now())
    user = UserFactory()
    client = signed_in(client, user)
    assert rep.caf_record.name not in client.get(reverse("taxpayer_home")).content.decode()
    client.post(reverse("taxpayers_account:verify"), identity_form_data(taxpayer))
    code = code_in(Letter.objects.get(kind=LetterKind.VERIFICATION_CODE))
    client.post(reverse("taxpayers_account:verify_code"), {"code": code})
    html = client.get(reverse("taxpayer_home")).content.decode()
    assert "1 request</strong>" in html
    assert f"{rep.caf_record.name} asks for a power of attorney" in html


def test_r47_a_doubled_code_post_has_one_effect(client: Client) -> None:
    taxpayer = TaxpayerFactory()
    user = UserFactory()
    client = signed_in(client, user)
    client.post(reverse("taxpayers_account:verify"), identity_form_data(taxpayer))
    code = code_in(Letter.objects.get(kind=LetterKind.VERIFICATION_CODE))
    first = client.post(reverse("taxpayers_account:verify_code"), {"code": code})
    second = client.post(reverse("taxpayers_account:verify_code"), {"code": code}, follow=True)
    assert first.status_code == 302
    assert second.redirect_chain[-1][0] == reverse("taxpayer_home")
    assert "already connected" in second.content.decode()
    assert AuditEvent.objects.filter(action="taxpayers.taxpayer.account_attached").count() == 1


def test_r47_a_doubled_answers_post_mails_one_letter(client: Client) -> None:
    taxpayer = TaxpayerFactory()
    client = signed_in(client, UserFactory())
    for _ in range(2):
        response = client.post(reverse("taxpayers_account:verify"), identity_form_data(taxpayer))
        assert response.status_code == 302
        assert response["Location"] == reverse("taxpayers_account:verify_code")
    assert Letter.objects.count() == 1


def test_a_mismatch_says_nothing_about_which_answer_and_keeps_the_rest(client: Client) -> None:
    taxpayer = TaxpayerFactory()
    client = signed_in(client, UserFactory())
    data = identity_form_data(taxpayer, dob_year="1981")
    response = client.post(reverse("taxpayers_account:verify"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert IDENTITY_MISMATCH_MESSAGE in html
    assert "There is a problem" in html
    assert f'value="{taxpayer.city}"' in html  # what they typed is kept
    assert not Letter.objects.exists()


def test_a_record_linked_to_someone_else_gets_the_same_message(client: Client) -> None:
    _, taxpayer = verified_taxpayer()
    client = signed_in(client, UserFactory())
    response = client.post(reverse("taxpayers_account:verify"), identity_form_data(taxpayer))
    assert IDENTITY_MISMATCH_MESSAGE in response.content.decode()
    assert AuditEvent.objects.filter(action="taxpayers.identity.already_linked").count() == 1


def test_the_daily_limit_is_shown_as_a_message(client: Client, settings) -> None:
    settings.IDENTITY_ATTEMPTS_PER_DAY = 1
    taxpayer = TaxpayerFactory()
    client = signed_in(client, UserFactory())
    client.post(
        reverse("taxpayers_account:verify"), identity_form_data(taxpayer, name="Wrong Name")
    )
    response = client.post(reverse("taxpayers_account:verify"), identity_form_data(taxpayer))
    assert response.status_code == 200
    assert "too many times" in response.content.decode()
    assert not Letter.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("tin", "\uff11\uff12\uff13-45-6789", "digits 0 to 9 only"),
        ("tin", "123-45-67\u200b89", "invisible or control characters"),
        ("tin", "9" * 200, "exactly 9 digits"),
        ("tin", "<b>123456789</b>", "Enter the SSN or ITIN as 9 digits"),
        ("name", "Pat\u202eExample", "invisible or control characters"),
        ("name", "x" * 151, "at most 150 characters"),
        ("dob_year", "\uff11\uff19\uff18\uff10", "digits 0 to 9"),
        ("dob_day", "31", "real date"),
        ("zip_code", "6270\u0661", "5-digit ZIP code"),
        ("state", "PR", "Addresses in US territories, such as Puerto Rico"),
        ("address_line1", "1 Main St\x00", "invisible or control characters"),
    ],
)
def test_bad_input_gets_a_field_message_and_changes_nothing(
    client: Client, field: str, value: str, message: str
) -> None:
    taxpayer = TaxpayerFactory(date_of_birth=dt.date(1980, 2, 10))
    client = signed_in(client, UserFactory())
    data = identity_form_data(taxpayer, **{field: value})
    if field == "dob_day":
        data["dob_month"] = "2"
    response = client.post(reverse("taxpayers_account:verify"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert f'id="id_{field}_error"' in html
    assert not Letter.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="taxpayers.identity").exists()


def test_markup_in_the_name_is_shown_as_text(client: Client) -> None:
    taxpayer = TaxpayerFactory()
    client = signed_in(client, UserFactory())
    data = identity_form_data(taxpayer, name="<script>alert(1)</script>")
    response = client.post(reverse("taxpayers_account:verify"), data)
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert IDENTITY_MISMATCH_MESSAGE in html


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18", "digits 0 to 9"),
        ("1234\u200b5678", "invisible or control characters"),
        ("1" * 50, "at most 20 characters"),
        ("<i>12345678</i>", "digits 0 to 9"),
        ("", "Enter code from the letter"),
    ],
)
def test_a_malformed_code_is_a_field_error(client: Client, code: str, message: str) -> None:
    taxpayer = TaxpayerFactory()
    client = signed_in(client, UserFactory())
    client.post(reverse("taxpayers_account:verify"), identity_form_data(taxpayer))
    response = client.post(reverse("taxpayers_account:verify_code"), {"code": code})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'id="id_code_error"' in html
    assert IdentityCheck.objects.get().wrong_attempts == 0


def test_a_wrong_code_counts_and_says_how_many_tries_are_left(client: Client) -> None:
    taxpayer = TaxpayerFactory()
    client = signed_in(client, UserFactory())
    client.post(reverse("taxpayers_account:verify"), identity_form_data(taxpayer))
    right = code_in(Letter.objects.get())
    wrong = f"{(int(right) + 1) % 10**8:08d}"
    response = client.post(reverse("taxpayers_account:verify_code"), {"code": wrong})
    assert "That code is wrong. You have 4 more tries." in response.content.decode()
    assert Taxpayer.objects.get(pk=taxpayer.pk).user is None


def test_the_code_page_without_a_letter_sends_to_the_questions(client: Client) -> None:
    response = signed_in(client, UserFactory()).get(reverse("taxpayers_account:verify_code"))
    assert response.status_code == 302
    assert response["Location"] == reverse("taxpayers_account:verify")


# --- Home ---------------------------------------------------------------------------------------


def test_home_of_an_unverified_taxpayer_explains_and_starts_verification(client: Client) -> None:
    html = signed_in(client, UserFactory()).get(reverse("taxpayer_home")).content.decode()
    assert "not connected to your tax records yet" in html
    assert reverse("taxpayers_account:verify") in html


def test_r13_home_lists_the_requests_that_expire_first(client: Client) -> None:

    user, taxpayer = verified_taxpayer()
    rep = make_rep(code="b")
    req = submit(rep, taxpayer, now=clock.now())
    html = signed_in(client, user).get(reverse("taxpayer_home")).content.decode()
    assert "1 request</strong>" in html
    assert f"{rep.caf_record.name} asks for a power of attorney" in html
    assert reverse("authorizations_account:request", args=[req.public_id]) in html


def test_home_of_a_verified_taxpayer_counts_and_links(client: Client) -> None:
    user, taxpayer = verified_taxpayer()
    insert_letters(taxpayer, 5)
    insert_views(taxpayer, 2)
    html = signed_in(client, user).get(reverse("taxpayer_home")).content.decode()
    assert "No requests are waiting for you" in html
    assert "No authorizations are in force" in html
    assert "All 5 notices" in html
    assert html.count(reverse("taxpayers_account:notices")) >= 1
    assert "viewed your tax information 2 times" in html
    assert reverse("authorizations_account:index") in html
    assert 'id="taxpayer-address-change"' in html  # R9


def test_r11_home_shows_the_name_and_address_a_request_must_match(client: Client) -> None:
    user, taxpayer = verified_taxpayer()
    html = signed_in(client, user).get(reverse("taxpayer_home")).content.decode()
    record = html.split('id="taxpayer-record"', 1)[1].split("</dl>", 1)[0]
    assert taxpayer.name in record
    assert taxpayer.tin_masked in record
    assert taxpayer.tin_reveal() not in html  # R43: masked, even for the owner's home
    for line in taxpayer.address_lines:
        assert line in record
    assert 'id="taxpayer-address-change"' in html  # R9: how to change it, elsewhere


def test_one_notice_is_called_your_notice_not_all_1_notice(client: Client) -> None:
    user, taxpayer = verified_taxpayer()
    insert_letters(taxpayer, 1)
    html = signed_in(client, user).get(reverse("taxpayer_home")).content.decode()
    assert "Your notice</a>" in html
    assert "All 1 notice" not in html


def test_home_queries_do_not_grow_with_rows(client: Client) -> None:

    user, taxpayer = verified_taxpayer()
    rep = make_rep(code="b")
    client = signed_in(client, user)
    insert_letters(taxpayer, 1)
    insert_views(taxpayer, 1)
    submit(rep, taxpayer, modules=[("1040", "202412")], now=clock.now())
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("taxpayer_home"))
    insert_letters(taxpayer, 200)
    insert_views(taxpayer, 200)
    for year in (2021, 2022, 2023):
        submit(make_rep(code="c"), taxpayer, modules=[("1040", f"{year}12")], now=clock.now())
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("taxpayer_home"))
    assert len(few) == len(many)


# --- Notices ------------------------------------------------------------------------------------


def test_notices_empty_state(client: Client) -> None:
    user, _ = verified_taxpayer()
    html = signed_in(client, user).get(reverse("taxpayers_account:notices")).content.decode()
    assert "You have no notices" in html


def test_notices_are_newest_first_and_paginated(client: Client) -> None:
    user, taxpayer = verified_taxpayer()
    insert_letters(taxpayer, 45)
    client = signed_in(client, user)
    html = client.get(reverse("taxpayers_account:notices")).content.decode()
    assert html.index("Notice number 0<") < html.index("Notice number 1<")
    assert "Notice number 20<" not in html
    assert "Page 1 of 3" in html
    second = client.get(reverse("taxpayers_account:notices"), {"page": "2"}).content.decode()
    assert "Notice number 20<" in second
    # A page that is not one gives the nearest page, never an error.
    assert client.get(reverse("taxpayers_account:notices"), {"page": "zz<>"}).status_code == 200


def test_a_code_letter_never_shows_its_code(client: Client) -> None:
    taxpayer = TaxpayerFactory()
    user = UserFactory()
    client = signed_in(client, user)
    client.post(reverse("taxpayers_account:verify"), identity_form_data(taxpayer))
    letter = Letter.objects.get(kind=LetterKind.VERIFICATION_CODE)
    code = code_in(letter)
    client.post(reverse("taxpayers_account:verify_code"), {"code": code})
    notices = client.get(reverse("taxpayers_account:notices")).content.decode()
    detail = client.get(
        reverse("taxpayers_account:notice", args=[letter.public_id])
    ).content.decode()
    for html in (notices, detail):
        assert letter.subject in html
        assert code not in html
        assert "mailed to your address" in html


def test_r43_no_whole_tin_on_the_notices_or_the_home(client: Client) -> None:
    user, taxpayer = verified_taxpayer()
    letter_send(
        kind=LetterKind.OTHER, taxpayer=taxpayer, subject="A letter", body="Something to know."
    )
    client = signed_in(client, user)
    digits = taxpayer.tin_reveal()
    for url in [reverse("taxpayer_home"), reverse("taxpayers_account:notices")]:
        html = client.get(url).content.decode()
        assert digits not in html
        assert f"{digits[:3]}-{digits[3:5]}-{digits[5:]}" not in html


@pytest.mark.parametrize("name", ["taxpayers_account:notices", "authorizations_account:access_log"])
def test_list_queries_do_not_grow_with_rows(client: Client, name: str) -> None:
    user, taxpayer = verified_taxpayer()
    client = signed_in(client, user)
    insert = insert_letters if name == "taxpayers_account:notices" else insert_views
    insert(taxpayer, 1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse(name)).status_code == 200
    insert(taxpayer, 199)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse(name)).status_code == 200
    assert len(one) == len(many)


# --- Who viewed ---------------------------------------------------------------------------------


def test_r33_who_viewed_shows_who_what_and_when(client: Client) -> None:
    user, taxpayer = verified_taxpayer()
    (view, *_) = insert_views(taxpayer, 2)
    html = (
        signed_in(client, user).get(reverse("authorizations_account:access_log")).content.decode()
    )
    assert view.caf_record.name in html
    assert view.caf_record.caf_number_display in html
    assert "Quarter ending September 2024 (Q3)" in html  # civil penalty, in plain words
    assert "Income Tax (Form 1040), 2024" in html
    assert '<th scope="col">' in html
    assert "<caption>" in html


def test_who_viewed_empty_state(client: Client) -> None:
    user, _ = verified_taxpayer()
    html = (
        signed_in(client, user).get(reverse("authorizations_account:access_log")).content.decode()
    )
    assert "Nobody has viewed your tax information" in html


def test_who_viewed_shows_only_the_taxpayers_own_views(client: Client) -> None:
    user, _ = verified_taxpayer()
    _, other = verified_taxpayer()
    (view,) = insert_views(other, 1)
    html = (
        signed_in(client, user).get(reverse("authorizations_account:access_log")).content.decode()
    )
    assert view.caf_record.name not in html


@pytest.mark.parametrize("name", ["taxpayer_home", "authorizations_account:index", *VERIFIED_PAGES])
def test_r40_taxpayers_are_not_shown_the_tax_professionals_hours(client: Client, name: str) -> None:
    user, _taxpayer = verified_taxpayer()
    html = signed_in(client, user).get(reverse(name)).content.decode()
    assert "Hours of service" not in html
    assert "The portal for tax professionals is open" not in html


def test_r33_one_view_of_two_forms_is_counted_once_on_the_home(client: Client) -> None:
    user, taxpayer = verified_taxpayer()
    rows = insert_views(taxpayer, 1)
    # The same opening of the client page showed a second form and period: one more row, same
    # moment and representative.
    second = rows[0]
    second.pk = None
    second.form, second.period = "civil_penalty", "202409"
    second.save()
    html = signed_in(client, user).get(reverse("taxpayer_home")).content.decode()
    assert "viewed your tax information 1 time," in html
