"""The taxpayer's side of form-channel authorizations: they are listed in the account with how
they were given (R39b), revoked exactly as online ones (R30, R47, R44), and views of the
information they cover are on the "Who viewed" page (R33)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from authorizations.models import Authorization, Channel, EndReason
from caf.models import CafLetter
from taxpayers.models import LetterKind
from taxpayers.services import TransactionLine, account_module_post
from taxpro.models import AuditEvent
from tests.personas import taxpayer_with_account
from tests.views.pro_support import insert_authorization, practitioner, signed_in_as

pytestmark = pytest.mark.django_db

INDEX = reverse("authorizations_account:index")
WHO_VIEWED = reverse("authorizations_account:access_log")


def _revoke_url(row: Authorization) -> str:
    return reverse("authorizations_account:revoke", kwargs={"public_id": row.public_id})


def _text(response) -> str:
    return " ".join(response.content.decode().split())


@pytest.fixture
def rep():
    return practitioner()


@pytest.fixture
def taxpayer():
    return taxpayer_with_account()


@pytest.fixture
def me(client: Client, taxpayer) -> Client:
    client.force_login(taxpayer.user)
    return client


@pytest.fixture
def from_form(rep, taxpayer) -> Authorization:
    """A power of attorney the CAF unit recorded from the taxpayer's Form 2848 (no request)."""
    row = insert_authorization(rep, taxpayer, channel=Channel.FORM)
    assert row.request is None and row.uploaded_form is not None
    return row


def test_r39b_the_account_lists_a_form_channel_authorization_with_how_it_was_given(
    me: Client, rep, taxpayer, from_form
) -> None:
    online = insert_authorization(rep, taxpayer, kind="tia", period="202312")
    html = me.get(INDEX).content.decode()
    assert '<th scope="col">How you gave it</th>' in html
    assert '<td data-label="How you gave it">Signed on Form 2848</td>' in html
    assert '<td data-label="How you gave it">Approved online</td>' in html
    assert "2 authorizations in effect" in html
    # Each can be revoked the same way.
    assert _revoke_url(from_form) in html and _revoke_url(online) in html


def test_r30_r47_the_taxpayer_revokes_a_form_channel_authorization_like_any_other(
    me: Client, client, rep, taxpayer, from_form
) -> None:
    page = _text(me.get(_revoke_url(from_form)))
    assert rep.caf_record.name in page
    assert "<dt>How you gave it</dt><dd>Signed on Form 2848</dd>" in page
    assert "Income Tax (Form 1040)" in page and "2024" in page

    done = _text(me.post(_revoke_url(from_form), follow=True))
    assert "We will send them a notice" in done
    from_form.refresh_from_db()
    assert from_form.end_reason == EndReason.REVOKED
    assert from_form.ended_by_user == taxpayer.user
    # R30: the representative is sent a notice, at their CAF address.
    notice = CafLetter.objects.get(
        caf_record=rep.caf_record, letter__kind=LetterKind.REVOCATION_NOTICE
    )
    assert taxpayer.name in notice.letter.body
    # R44: audited like an online revocation.
    assert AuditEvent.objects.filter(
        action="authorization.revoked", object_id=str(from_form.pk)
    ).exists()
    # R47: a second revocation changes nothing and says so.
    again = _text(me.post(_revoke_url(from_form), follow=True))
    assert "This authorization already ended on" in again
    assert CafLetter.objects.filter(letter__kind=LetterKind.REVOCATION_NOTICE).count() == 1
    # It has left the practitioner's active list and their clients (R7, R32).
    signed_in_as(client, rep)
    assert (
        taxpayer.name
        not in client.get(reverse("authorizations_pro:authorizations")).content.decode()
    )
    client_page = reverse("authorizations_pro:client", args=[taxpayer.public_id])
    assert client.get(client_page).status_code == 404


def test_r45_another_taxpayer_cannot_revoke_a_form_channel_authorization(
    client: Client, from_form
) -> None:
    stranger = taxpayer_with_account()
    client.force_login(stranger.user)
    assert client.get(_revoke_url(from_form)).status_code == 404
    assert client.post(_revoke_url(from_form)).status_code == 404
    from_form.refresh_from_db()
    assert from_form.ends_at is None


def test_r33_who_viewed_shows_views_of_form_channel_scope(
    me: Client, client, rep, taxpayer, from_form
) -> None:
    account_module_post(
        taxpayer=taxpayer,
        form="1040",
        period="202412",
        transactions=[TransactionLine(from_form.starts_at.date(), "150", "Tax assessed", 1)],
    )
    assert "Nobody has viewed your tax information" in _text(me.get(WHO_VIEWED))
    rep_client = Client()
    signed_in_as(rep_client, rep)
    client_page = reverse("authorizations_pro:client", args=[taxpayer.public_id])
    assert rep_client.get(client_page).status_code == 200
    page = _text(me.get(WHO_VIEWED))
    assert rep.caf_record.name in page
    assert rep.caf_record.caf_number_display in page
    assert "Income Tax (Form 1040), 2024" in page
    assert "Nobody has viewed" not in page
