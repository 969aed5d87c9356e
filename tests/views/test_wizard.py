"""The request wizard's journey: starting, resuming, submitting once, others' drafts, htmx and
closed hours (R4, R12, R42, R45, R47)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authorizations.models import AuthorizationRequest, RequestDraft, RequestState
from authorizations.web.pro.wizard.selectors import drafts_for
from authorizations.web.pro.wizard.steps import STEP_BY_SLUG
from caf.models import CafRecord
from taxpayers.models import MatchAttempt
from taxpro import clock
from tests.authorizations.conftest import approve_and_record, submit
from tests.factories import UserFactory
from tests.views.wizard_support import (
    complete_questions,
    drafting_representative,
    last_year,
    maintenance_now,
    make_taxpayer,
    matters_answers,
    new_draft,
    representative,
    signed_in,
    step_url,
    submit_url,
    taxpayer_answers,
    typed_representative_answers,
)

pytestmark = pytest.mark.django_db


def test_the_whole_wizard_sends_one_pending_request(client: Client) -> None:
    rep = representative()
    taxpayer = make_taxpayer()
    signed_in(client, rep)
    start = client.get(reverse("authorizations_pro:wizard_start")).content.decode()
    assert "Start a new request" in start and "You have no unfinished requests." in start
    response = client.post(reverse("authorizations_pro:wizard_start"))
    draft = RequestDraft.objects.get(owner=rep.user)
    assert response.status_code == 302
    assert response["Location"] == step_url(draft, "representative")
    complete_questions(client, draft, rep, taxpayer)
    check = client.get(step_url(draft, "check"))
    assert check.status_code == 200
    body = check.content.decode()
    assert taxpayer.name in body and taxpayer.tin_masked in body
    assert taxpayer.tin_reveal() not in body  # R43, R46
    assert body.count(">Change<") >= 8
    response = client.post(submit_url(draft), {"declaration": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("authorizations_pro:wizard_done", args=[draft.public_id])
    req = AuthorizationRequest.objects.get()
    assert req.state == RequestState.PENDING and req.taxpayer == taxpayer
    assert req.practitioner == rep.user and req.receives_notices  # R4
    assert [(m.matter, m.period) for m in req.modules.all()] == [
        ("1040", f"{req.submitted_at.year - 1}12")
    ]
    done = client.get(response["Location"]).content.decode()
    assert "sent to the taxpayer's online account" in done
    assert "must sign in and approve it there" in done
    assert f"{req.expires_at:%Y}" in done and "expires on" in done
    assert reverse("authorizations_pro:requests") in done and reverse("practitioner_home") in done
    # A sent draft is no longer unfinished, and its steps lead to the confirmation.
    assert not drafts_for(practitioner=rep.user).exists()
    assert client.get(step_url(draft, "taxpayer"))["Location"] == response["Location"]


def test_a_typed_caf_number_with_its_name_and_address_of_record_also_works(
    client: Client,
) -> None:
    rep = representative(linked=False)  # R7: linking is not needed to send requests
    taxpayer = make_taxpayer()
    draft = new_draft(rep)
    signed_in(client, rep)
    answers = typed_representative_answers(rep)
    answers["line1"] = answers["line1"].replace("Street", "St")  # R11: Pub 28 abbreviations
    assert client.post(step_url(draft, "representative"), answers).status_code == 302
    complete_questions(client, draft, rep, taxpayer, skip=("representative",))
    assert client.post(submit_url(draft), {"declaration": "on"}).status_code == 302
    assert AuthorizationRequest.objects.get().caf_record == rep.caf_record


def test_r47_a_doubled_submit_has_one_effect(client: Client) -> None:
    rep, draft = drafting_representative(client)
    taxpayer = make_taxpayer()
    complete_questions(client, draft, rep, taxpayer)
    first = client.post(submit_url(draft), {"declaration": "on"})
    second = client.post(submit_url(draft), {"declaration": "on"}, follow=True)
    assert first.status_code == 302
    assert second.status_code == 200
    assert "already sent. It was not sent again." in second.content.decode()
    assert AuthorizationRequest.objects.count() == 1


def test_r47_a_doubled_start_makes_one_draft(client: Client) -> None:
    rep = representative()
    signed_in(client, rep)
    client.post(reverse("authorizations_pro:wizard_start"))
    client.post(reverse("authorizations_pro:wizard_start"))
    assert RequestDraft.objects.filter(owner=rep.user).count() == 1


def test_the_declaration_is_required(client: Client) -> None:
    rep, draft = drafting_representative(client)
    complete_questions(client, draft, rep, make_taxpayer())
    response = client.post(submit_url(draft), {})
    assert response.status_code == 200
    assert "Confirm the declaration to send the request." in response.content.decode()
    assert not AuthorizationRequest.objects.exists()


def test_the_check_page_waits_for_every_answer(client: Client) -> None:
    _, draft = drafting_representative(client)
    response = client.get(step_url(draft, "check"))
    assert response["Location"] == step_url(draft, "representative")
    response = client.post(submit_url(draft), {"declaration": "on"})
    assert response["Location"] == step_url(draft, "representative")
    assert not AuthorizationRequest.objects.exists()


def test_the_check_page_says_which_step_to_answer_first(client: Client) -> None:
    _, draft = drafting_representative(client)
    title = STEP_BY_SLUG["representative"].title.lower()
    page = client.get(step_url(draft, "check"), follow=True).content.decode()
    assert f"Answer this step first: {title}." in page


def test_a_change_from_the_check_page_comes_back_to_it(client: Client) -> None:
    rep, draft = drafting_representative(client)
    taxpayer = make_taxpayer()
    complete_questions(client, draft, rep, taxpayer)
    response = client.post(step_url(draft, "notices"), {"receives_notices": "no"})
    assert response["Location"] == step_url(draft, "check")


def test_r12_a_mismatch_never_says_which_field_and_is_counted(client: Client) -> None:
    rep, draft = drafting_representative(client)
    taxpayer = make_taxpayer()
    complete_questions(client, draft, rep, taxpayer, taxpayer_overrides={"name": "Someone Else"})
    response = client.post(submit_url(draft), {"declaration": "on"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "do not match our records" in body
    assert "There is a problem" in body
    assert f'href="{step_url(draft, "taxpayer")}"' in body
    # Where to look: the taxpayer's account or a notice, and the approved abbreviations.
    assert "online account or on a recent notice" in body
    assert f'href="{reverse("help_abbreviations")}"' in body
    assert "name does not" not in body.lower()
    assert MatchAttempt.objects.filter(practitioner=rep.user).count() == 1
    assert not AuthorizationRequest.objects.exists()


def test_r12_mismatches_are_rate_limited(client: Client, settings) -> None:
    settings.TAXPAYER_MISMATCH_LIMIT_PER_HOUR = 1
    rep, draft = drafting_representative(client)
    taxpayer = make_taxpayer()
    complete_questions(client, draft, rep, taxpayer, taxpayer_overrides={"name": "Someone Else"})
    client.post(submit_url(draft), {"declaration": "on"})
    client.post(step_url(draft, "taxpayer"), taxpayer_answers(taxpayer))
    response = client.post(submit_url(draft), {"declaration": "on"})
    assert "Too many taxpayer details did not match" in response.content.decode()
    assert not AuthorizationRequest.objects.exists()


def test_r3_a_caf_address_not_on_file_is_refused_with_a_link_to_the_step(client: Client) -> None:
    rep, draft = drafting_representative(client)
    taxpayer = make_taxpayer()
    complete_questions(client, draft, rep, taxpayer)
    answers = typed_representative_answers(rep)
    assert client.post(step_url(draft, "representative"), answers).status_code == 302
    # The CAF file changes after the step was answered: the submission checks it again.
    CafRecord.objects.filter(pk=rep.caf_record.pk).update(name="Someone Else Entirely")
    body = client.post(submit_url(draft), {"declaration": "on"}).content.decode()
    assert "do not match the CAF file" in body
    assert f'href="{step_url(draft, "representative")}"' in body
    assert not AuthorizationRequest.objects.exists()


# --- Drafts: saved, resumed, discarded ------------------------------------------------------


def test_r42_a_draft_survives_a_new_session(client: Client) -> None:
    rep, draft = drafting_representative(client)
    taxpayer = make_taxpayer()
    client.post(step_url(draft, "representative"), typed_representative_answers(rep))
    # Invalid answers are kept too: the name typed so far comes back.
    client.post(step_url(draft, "taxpayer"), taxpayer_answers(taxpayer, tin="123"))
    other = Client()
    other.force_login(rep.user)
    start = other.get(reverse("authorizations_pro:wizard_start")).content.decode()
    assert "Continue" in start and step_url(draft, "taxpayer") in start
    body = other.get(step_url(draft, "taxpayer")).content.decode()
    assert taxpayer.name in body and taxpayer.address_line1 in body


def test_drafts_for_lists_own_unfinished_drafts_newest_first(client: Client) -> None:
    rep = representative()
    older = new_draft(rep)
    signed_in(client, rep)
    client.post(step_url(older, "notices"), {"receives_notices": "no"})
    newer = RequestDraft.objects.create(
        public_id=uuid.uuid4(),
        owner=rep.user,
        data={"notices": {"receives_notices": "yes"}},
        created_at=older.created_at,
        updated_at=older.updated_at.replace(year=older.updated_at.year + 1),
    )
    new_draft(representative())  # someone else's draft is never listed
    assert list(drafts_for(practitioner=rep.user)) == [newer, older]


def test_discarding_a_draft_asks_first_and_a_doubled_discard_is_told(client: Client) -> None:
    rep, draft = drafting_representative(client)
    client.post(step_url(draft, "notices"), {"receives_notices": "no"})
    url = reverse("authorizations_pro:wizard_discard", args=[draft.public_id])
    assert "Discard the draft" in client.get(url).content.decode()
    first = client.post(url, follow=True)
    assert "The draft request was discarded." in first.content.decode()
    second = client.post(url, follow=True)
    assert "already discarded" in second.content.decode()
    draft.refresh_from_db()
    assert draft.data == {} and draft.discarded_at is not None
    assert not drafts_for(practitioner=rep.user).exists()
    assert client.get(step_url(draft, "notices"))["Location"] == reverse(
        "authorizations_pro:wizard_start"
    )


def test_a_sent_draft_cannot_be_discarded(client: Client) -> None:
    rep, draft = drafting_representative(client)
    complete_questions(client, draft, rep, make_taxpayer())
    client.post(submit_url(draft), {"declaration": "on"})
    response = client.post(reverse("authorizations_pro:wizard_discard", args=[draft.public_id]))
    assert response["Location"] == reverse("authorizations_pro:wizard_done", args=[draft.public_id])
    assert AuthorizationRequest.objects.get().state == RequestState.PENDING
    page = client.get(response["Location"]).content.decode()
    assert "This request was already sent, so its draft cannot be discarded." in page


# --- Access (R4, R45) -----------------------------------------------------------------------


def _draft_urls(draft: RequestDraft) -> list[tuple[str, str]]:
    return [
        ("get", step_url(draft, "representative")),
        ("post", step_url(draft, "notices")),
        ("get", step_url(draft, "check")),
        ("post", submit_url(draft)),
        ("get", reverse("authorizations_pro:wizard_done", args=[draft.public_id])),
        ("get", reverse("authorizations_pro:wizard_discard", args=[draft.public_id])),
        ("post", reverse("authorizations_pro:wizard_discard", args=[draft.public_id])),
    ]


def test_r45_another_practitioners_draft_is_404_everywhere(client: Client) -> None:
    owner, intruder = representative(), representative()
    draft = new_draft(owner)
    signed_in(client, owner)
    complete_questions(client, draft, owner, make_taxpayer())
    signed_in(client, intruder)
    for method, url in _draft_urls(draft):
        data = {"declaration": "on", "receives_notices": "yes"} if method == "post" else None
        assert getattr(client, method)(url, data).status_code == 404, url
    assert not AuthorizationRequest.objects.exists()  # R4
    draft.refresh_from_db()
    assert draft.discarded_at is None and draft.data["notices"]["receives_notices"] == "yes"


def test_the_owner_gets_200_and_strangers_are_kept_out(client: Client) -> None:
    owner = representative()
    draft = new_draft(owner)
    signed_in(client, owner)
    assert client.get(step_url(draft, "representative")).status_code == 200
    assert client.get(reverse("authorizations_pro:wizard_start")).status_code == 200
    assert client.get(step_url(draft, "nonsense")).status_code == 404
    client.logout()
    response = client.get(step_url(draft, "representative"))
    assert response.status_code == 302 and "/auth/login/" in response["Location"]
    client.force_login(UserFactory())  # a taxpayer
    assert client.get(step_url(draft, "representative")).status_code == 403
    assert client.post(reverse("authorizations_pro:wizard_start")).status_code == 403
    assert RequestDraft.objects.count() == 1


# --- htmx -----------------------------------------------------------------------------------


def test_htmx_gets_the_step_region_for_errors_and_a_redirect_when_valid(client: Client) -> None:
    _, draft = drafting_representative(client)
    taxpayer = make_taxpayer()
    url = step_url(draft, "taxpayer")
    partial = client.post(
        url, taxpayer_answers(taxpayer, tin="000-00-0000"), HTTP_HX_REQUEST="true"
    )
    body = partial.content.decode()
    assert partial.status_code == 200
    assert body.lstrip().startswith('<div id="wizard-step"')
    assert "<html" not in body and "not a valid SSN or ITIN" in body
    valid = client.post(url, taxpayer_answers(taxpayer), HTTP_HX_REQUEST="true")
    assert valid["HX-Redirect"] == step_url(draft, "matters")


def test_htmx_adds_a_matter_row_in_place(client: Client) -> None:
    _, draft = drafting_representative(client)
    response = client.post(
        step_url(draft, "matters"), matters_answers(action="add"), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="wizard-step"')
    assert 'id="matter-row-1"' in body and 'hx-select="#matter-row-1"' in body


# --- Closed hours (R42) ---------------------------------------------------------------------


def test_r42_a_step_posted_while_closed_is_saved_and_answered_503(client: Client) -> None:
    rep, draft = drafting_representative(client)
    taxpayer = make_taxpayer()
    complete_questions(client, draft, rep, taxpayer)
    client.post(step_url(draft, "taxpayer"), taxpayer_answers(taxpayer, name="Draft Name"))
    maintenance_now()
    response = client.post(
        step_url(draft, "notices"), {"receives_notices": "no", "action": "continue"}
    )
    assert response.status_code == 503
    assert "saved in your draft" in response.content.decode()
    assert "Retry-After" in response
    draft.refresh_from_db()
    # Kept as typed, not advanced: the step waits to be posted again when the portal opens.
    assert draft.data["raw"]["notices"]["receives_notices"] == "no"
    assert not STEP_BY_SLUG["notices"].is_complete(draft)
    # Submitting while closed is refused by the middleware, and nothing is sent.
    assert client.post(submit_url(draft), {"declaration": "on"}).status_code == 503
    assert client.get(step_url(draft, "check")).status_code == 503
    assert not AuthorizationRequest.objects.exists()


def test_r42_a_taxpayer_step_posted_while_closed_keeps_the_tin_encrypted(client: Client) -> None:
    _, draft = drafting_representative(client)
    taxpayer = make_taxpayer()
    maintenance_now()
    response = client.post(step_url(draft, "taxpayer"), taxpayer_answers(taxpayer))
    assert response.status_code == 503
    draft.refresh_from_db()
    assert draft.data["raw"]["taxpayer"]["name"] == taxpayer.name
    assert "tin" not in draft.data["raw"]["taxpayer"]
    assert draft.taxpayer_tin_ciphertext  # R46: encrypted, never in the JSON
    assert taxpayer.tin_reveal() not in str(draft.data)


def test_the_start_page_lists_drafts_in_a_constant_number_of_queries(client: Client) -> None:

    rep = representative()
    signed_in(client, rep)

    def add_drafts(count: int) -> None:
        draft = new_draft(rep)
        RequestDraft.objects.bulk_create(
            RequestDraft(
                public_id=uuid.uuid4(),
                owner=rep.user,
                data={"taxpayer": {"name": f"Taxpayer {n}"}},
                created_at=draft.created_at,
                updated_at=draft.updated_at,
            )
            for n in range(count)
        )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("authorizations_pro:wizard_start")).status_code == 200
        return len(captured)

    add_drafts(1)
    one = queries()
    add_drafts(200)
    body = client.get(reverse("authorizations_pro:wizard_start")).content.decode()
    assert body.count(">Continue<") == 20 and "page 1 of 11" in body
    assert queries() == one
    last = client.get(reverse("authorizations_pro:wizard_start"), {"page": "11"}).content.decode()
    assert last.count(">Continue<") == 2 and "Newer drafts" in last


def test_r46_staff_see_drafts_read_only_and_never_the_tin(client: Client, staff_user) -> None:
    _, draft = drafting_representative(client)
    taxpayer = make_taxpayer()
    client.post(step_url(draft, "taxpayer"), taxpayer_answers(taxpayer))
    staff_user.is_superuser = True  # as in tests/taxpayers/test_admin.py
    staff_user.save()
    client.force_login(staff_user)
    url = reverse("admin:authorizations_requestdraft_change", args=[draft.pk])
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert taxpayer.tin_reveal() not in body and "taxpayer_tin_ciphertext" not in body
    assert client.post(url, {}).status_code == 403


def test_r26_a_correction_sent_today_says_from_which_day_the_taxpayer_can_approve(
    client: Client,
) -> None:
    rep, draft = drafting_representative(client)
    taxpayer = make_taxpayer()
    now = clock.now()
    # Today the taxpayer approved this representative's request for the year the wizard asks.
    approve_and_record(
        submit(rep, taxpayer, modules=[("1040", f"{last_year()}12")], now=now), now=now
    )
    complete_questions(client, draft, rep, taxpayer)
    client.post(submit_url(draft), {"declaration": "on"})
    done = client.get(reverse("authorizations_pro:wizard_done", args=[draft.public_id]))
    body = done.content.decode()
    assert 'id="correction-wait"' in body
    tomorrow = clock.today_et(now) + dt.timedelta(days=1)
    assert f"{tomorrow:%A, %B %-d, %Y}" in body


def test_a_request_that_corrects_nothing_says_nothing_of_waiting(client: Client) -> None:
    rep, draft = drafting_representative(client)
    complete_questions(client, draft, rep, make_taxpayer())
    client.post(submit_url(draft), {"declaration": "on"})
    done = client.get(reverse("authorizations_pro:wizard_done", args=[draft.public_id]))
    assert 'id="correction-wait"' not in done.content.decode()


def test_the_check_step_says_acronyms_and_the_tia_declaration_in_their_own_words(
    client: Client,
) -> None:
    rep, draft = drafting_representative(client)
    complete_questions(client, draft, rep, make_taxpayer(), kind="tia")
    body = client.get(step_url(draft, "check")).content.decode()
    assert "caf number" not in body  # "Change your caf number" for screen readers, before
    assert "CAF number</span>" in body
    # A tax information authorization lets them see, never act (R1, R23).
    assert "asked me to receive and inspect their tax information" in body
    assert "act for them" not in body
