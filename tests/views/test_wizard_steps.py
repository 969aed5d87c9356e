"""Each wizard step refuses bad input with a message next to the field, keeps what was typed,
and never marks the step done (R1-R3, R10-R17, R13a, R46)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from authorizations.models import RequestDraft
from authorizations.web.pro.wizard.steps import STEP_BY_SLUG
from caf.models import CafRecord
from caf.selectors import NOT_ON_FILE
from taxpro import clock
from taxpro.models import AuditEvent
from tests.page_text import rule_ids_read
from tests.views.wizard_support import (
    drafting_representative,
    make_taxpayer,
    matters_answers,
    new_draft,
    representative,
    representative_answers,
    signed_in,
    step_url,
    taxpayer_answers,
    typed_representative_answers,
)

pytestmark = pytest.mark.django_db


def _post(client: Client, draft: RequestDraft, slug: str, data: dict[str, str]) -> str:
    response = client.post(step_url(draft, slug), data)
    assert response.status_code == 200, "bad input must come back to the same page"
    body = response.content.decode()
    assert "There is a problem" in body and "usa-error-message" in body
    draft.refresh_from_db()
    assert not STEP_BY_SLUG[slug].is_complete(draft)
    return body


# --- Step 1: the representative and the kind of request ------------------------------------


def test_r1_poa_is_offered_to_a_cpa_and_explained_in_plain_words(client: Client) -> None:
    rep = representative(code="b")
    draft = new_draft(rep)
    body = signed_in(client, rep).get(step_url(draft, "representative")).content.decode()
    assert 'value="poa"' in body and 'value="tia"' in body
    assert "you may represent the taxpayer" in body
    assert "You cannot represent them" in body


@pytest.mark.parametrize("code", ["h", "k", "e"])
def test_r2_poa_is_not_offered_to_designations_that_cannot_ask_for_it(
    client: Client, code: str
) -> None:
    rep = representative(code=code)
    draft = new_draft(rep)
    body = signed_in(client, rep).get(step_url(draft, "representative")).content.decode()
    assert 'value="poa"' not in body
    assert 'value="tia"' in body
    assert "Only a tax information authorization can be sent online" in body


def test_r2_a_forged_post_choosing_poa_is_refused(client: Client) -> None:
    rep, draft = drafting_representative(client, code="h")
    body = _post(client, draft, "representative", representative_answers(rep, kind="poa"))
    assert "cannot make a power of attorney request online" in body
    assert "representative" not in draft.data or draft.data.get("raw", {}).get("representative")


def test_r1_a_tia_from_a_preparer_is_accepted(client: Client) -> None:
    rep, draft = drafting_representative(client, code="h")
    response = client.post(
        step_url(draft, "representative"), representative_answers(rep, kind="tia")
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.data["representative"]["kind"] == "tia"


def test_a_typed_caf_number_needs_its_name_and_address(client: Client) -> None:
    _, draft = drafting_representative(client)
    body = _post(
        client, draft, "representative", {"kind": "poa", "caf_choice": "other", "caf_number": ""}
    )
    assert "Enter your CAF number." in body
    assert "Enter the street address of record." in body


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("caf_number", "0300-1234", "exactly 9 digits"),
        ("caf_number", "\uff10\uff13\uff10\uff10\uff11\uff12\uff13\uff14\uff15", "9 digits"),
        ("name", "<b>Ann</b>", "without the characters"),
        ("name", "Ann\u202eEvil", "invisible or control characters"),
        ("name", "A" * 151, "at most 150 characters"),
        ("zip_code", "1234", "5-digit ZIP code"),
        # R3: a territory is told the rule in words, not "Select a valid choice".
        ("state", "PR", "Addresses in US territories, such as Puerto Rico, need a paper Form"),
    ],
)
def test_r3_bad_typed_caf_details_get_a_message_next_to_the_field(
    client: Client, field: str, value: str, message: str
) -> None:
    rep, draft = drafting_representative(client)
    answers = typed_representative_answers(rep)
    answers[field] = value
    body = _post(client, draft, "representative", answers)
    assert message in body
    # What was typed in the other fields is kept on the page and in the draft (R42).
    assert rep.caf_record.city in body
    assert draft.data["raw"]["representative"]["city"] == rep.caf_record.city


# --- Step 2: the taxpayer ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tin", "message"),
    [
        ("000-12-3456", "not a valid SSN or ITIN"),
        ("666-12-3456", "not a valid SSN or ITIN"),
        ("123-00-4567", "not a valid SSN or ITIN"),
        ("123-45-0000", "not a valid SSN or ITIN"),
        ("900-12-3456", "not a valid SSN or ITIN"),  # an ITIN's 4th-5th digits: 12 is not one
        ("123-45-678", "exactly 9 digits"),
        (
            "\uff11\uff12\uff13-45-6789",
            "digits 0 to 9 only",
        ),  # fullwidth digits: refused, not converted
        (
            "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669",
            "digits 0 to 9 only",
        ),  # Arabic-Indic digits
        ("123-45-67\u200b89", "invisible or control characters"),
        ("123\x0045-6789", "invisible or control characters"),
        ("12-3456789a", "Enter the SSN or ITIN as 9 digits"),
    ],
)
def test_r13a_bad_tins_get_a_field_message(client: Client, tin: str, message: str) -> None:
    _, draft = drafting_representative(client)
    taxpayer = make_taxpayer()
    body = _post(client, draft, "taxpayer", taxpayer_answers(taxpayer, tin=tin))
    assert message in body
    assert taxpayer.name in body  # the rest of what was typed is kept
    assert draft.taxpayer_tin_ciphertext == ""


def test_r13a_an_itin_is_accepted(client: Client) -> None:
    _, draft = drafting_representative(client)
    taxpayer = make_taxpayer()
    response = client.post(
        step_url(draft, "taxpayer"), taxpayer_answers(taxpayer, tin="912-70-1234")
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.data["tin"] == {"last4": "1234", "type": "itin"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "N" * 151, "at most 150 characters"),
        ("name", "<script>alert(1)</script>", "without the characters"),
        ("name", "", "Enter taxpayer"),
        ("line1", "1 Main St\r\nBcc: x@example.com", "invisible or control characters"),
        ("city", "Spring\u200bfield", "invisible or control characters"),
        ("zip_code", "\uff16\uff12\uff17\uff10\uff11", "5-digit ZIP code"),
        ("state", "GU", "Addresses in US territories, such as Guam, need a paper Form"),
        ("state", "AE", "Military (APO, FPO or DPO) addresses need a paper Form"),
        # Told at the step, in words, not later as a mismatch with the record (issue 10).
        ("name", "J\u0430ne Doe", "mixes letters of different alphabets"),  # Cyrillic a
        ("name", "\u0391nn Smith", "mixes letters of different alphabets"),  # Greek capital A
        ("name", "Jane \U0001f600 Doe", "Remove the emoji or symbols"),
        ("name", "Jane D\ufffde", "could not be read"),
        ("city", "Spr\u0456ngfield", "mixes letters of different alphabets"),  # Ukrainian i
        ("line1", "1 Main St \u2605", "Remove the emoji or symbols"),
        ("zip_code", "00000", "ZIP code 00000 is not in use"),
        ("zip_code", "10001", "ZIP code 10001 is not in Illinois"),
        ("zip_code", "00901", "ZIP code 00901 is in Puerto Rico"),
    ],
)
def test_r10_r11_bad_taxpayer_details_get_a_field_message(
    client: Client, field: str, value: str, message: str
) -> None:
    _, draft = drafting_representative(client)
    taxpayer = make_taxpayer()
    assert taxpayer.state == "IL"
    body = _post(client, draft, "taxpayer", taxpayer_answers(taxpayer, **{field: value}))
    assert message in body
    assert f'id="id_{field}_error"' in body
    assert "<script>alert(1)" not in body  # markup is escaped, never run


def test_r46_the_tin_is_never_in_the_json_nor_sent_back_to_the_page(client: Client) -> None:
    _, draft = drafting_representative(client)
    taxpayer = make_taxpayer()
    tin = taxpayer.tin_reveal()
    assert client.post(step_url(draft, "taxpayer"), taxpayer_answers(taxpayer)).status_code == 302
    draft.refresh_from_db()
    stored = json.dumps(draft.data)
    assert tin not in stored and tin.replace("-", "") not in stored
    assert draft.taxpayer_tin_ciphertext and tin not in draft.taxpayer_tin_ciphertext
    page = client.get(step_url(draft, "taxpayer")).content.decode()
    assert tin not in page and tin.replace("-", "") not in page
    assert f"ending {tin[-4:]}" in page
    # Leaving the TIN blank keeps the stored one.
    answers = taxpayer_answers(taxpayer, tin="")
    assert client.post(step_url(draft, "taxpayer"), answers).status_code == 302
    draft.refresh_from_db()
    assert STEP_BY_SLUG["taxpayer"].is_complete(draft)


def test_r11_the_address_hint_names_the_approved_abbreviations(client: Client) -> None:
    rep = representative()
    draft = new_draft(rep)
    body = signed_in(client, rep).get(step_url(draft, "taxpayer")).content.decode()
    assert '"St" is the same as "Street"' in body
    assert "District of Columbia" in body and "Puerto Rico" not in body


# --- Step 3: tax matters and periods ----------------------------------------------------------


def _year(offset: int) -> str:
    return str(clock.today_et().year + offset)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("1040", _year(-21), ""), "periods must be from"),  # R15: 20 years back at most
        (("1040", _year(4), ""), "periods must be from"),  # R15: 3 years ahead at most
        (("1040", _year(-2), _year(5)), "periods must be from"),  # a range running past
        (("srp", "2013", ""), "from 2014 through"),  # R15: SRP starts in 2014
        (("srp_split", "2010", "2015"), "from 2014 through"),
        (("civil_penalty", f"{_year(-1)}04", ""), "quarters ending in March"),  # R16
        (("civil_penalty", f"{_year(-1)}", ""), "Enter a quarter as YYYYMM"),
        (("1040", "", ""), "Select the first period"),
        (("1040", "all", ""), "Name each tax period"),  # R17
        (("1040", _year(-1), _year(-3)), "from the earlier year"),
        (("8821", _year(-1), ""), "Choose the tax matter from the list"),  # R14
        (("", "", ""), "Select a tax matter"),
    ],
)
def test_r14_to_r17_bad_periods_get_a_field_message(
    client: Client, row: tuple[str, str, str], message: str
) -> None:
    _, draft = drafting_representative(client)
    body = _post(client, draft, "matters", matters_answers(row))
    assert message in body
    assert draft.data["raw"]["matters"]["rows"][0]["matter"] == row[0]


def test_r17_a_range_is_expanded_to_explicit_periods(client: Client) -> None:
    _, draft = drafting_representative(client)
    first, last = _year(-3), _year(-1)
    quarter = f"{_year(-1)}06"
    data = matters_answers(("1040", first, last), ("civil_penalty", quarter, ""))
    assert client.post(step_url(draft, "matters"), data).status_code == 302
    draft.refresh_from_db()
    rows = draft.data["matters"]["rows"]
    assert rows[0]["periods"] == [f"{y}12" for y in range(int(first), int(last) + 1)]
    assert rows[1]["periods"] == [quarter]


def test_no_matters_at_all_is_refused(client: Client) -> None:
    _, draft = drafting_representative(client)
    body = _post(client, draft, "matters", {"row_count": "0", "action": "continue"})
    assert "Add at least one tax matter and period." in body


def test_rows_are_added_removed_and_updated_without_javascript(client: Client) -> None:
    _, draft = drafting_representative(client)
    url = step_url(draft, "matters")
    body = client.post(url, matters_answers(action="add")).content.decode()
    assert 'id="matter-row-1"' in body and "A tax matter was added." in body
    assert "There is a problem" not in body  # a new row is not judged yet
    data = matters_answers(("1040", _year(-1), ""), ("civil_penalty", "", ""), action="update-1")
    body = client.post(url, data).content.decode()
    assert "Quarter ending" in body  # R16: the Civil Penalty row now offers quarters
    data["action"] = "remove-0"
    body = client.post(url, data).content.decode()
    assert 'id="matter-row-1"' not in body
    draft.refresh_from_db()
    assert [row["matter"] for row in draft.data["raw"]["matters"]["rows"]] == ["civil_penalty"]


def test_a_forged_row_count_is_bounded(client: Client) -> None:
    _, draft = drafting_representative(client)
    response = client.post(step_url(draft, "matters"), {"row_count": "100000", "action": "add"})
    assert response.status_code == 200
    assert response.content.decode().count('class="usa-fieldset wizard-row"') == 20


# --- Step 4: notices ---------------------------------------------------------------------------


def test_r25_the_notices_question_says_the_limit_is_applied_at_approval(client: Client) -> None:
    _, draft = drafting_representative(client)
    body = _post(client, draft, "notices", {"receives_notices": "maybe"})
    assert "Select a valid choice" in body
    assert "checked later, when the taxpayer approves" in body
    body = _post(client, draft, "notices", {})
    assert "Select yes or no." in body


# --- Checked at the step, in words, not later as a mismatch (issue 10) -------------------------


def test_r11_a_name_in_one_other_alphabet_and_accents_are_not_called_lookalikes(
    client: Client,
) -> None:
    _, draft = drafting_representative(client)
    taxpayer = make_taxpayer()
    for name in ("Jos\u00e9 N\u00fa\u00f1ez", "O'Neil-Smith, Jr."):
        response = client.post(step_url(draft, "taxpayer"), taxpayer_answers(taxpayer, name=name))
        assert response.status_code == 302, name


def test_r13a_an_ein_typed_with_its_dash_is_named_as_an_ein_at_the_step(client: Client) -> None:
    _, draft = drafting_representative(client)
    body = _post(client, draft, "taxpayer", taxpayer_answers(make_taxpayer(), tin="12-3456789"))
    assert "This looks like an EIN" in body and "Enter the person&#x27;s SSN or ITIN" in body


@pytest.mark.parametrize("tin", ["078-05-1120", "987-65-4325", "111-11-1111", "555555555"])
def test_r13a_published_advertising_and_repeated_tins_are_refused_at_the_step(
    client: Client, tin: str
) -> None:
    _, draft = drafting_representative(client)
    body = _post(client, draft, "taxpayer", taxpayer_answers(make_taxpayer(), tin=tin))
    assert "This is not a valid SSN or ITIN." in body


# --- R3: territories in words; the linked CAF record's address too -----------------------------


def test_r3_a_linked_caf_record_in_puerto_rico_is_told_the_rule_not_a_mismatch(
    client: Client,
) -> None:
    rep, draft = drafting_representative(client)
    CafRecord.objects.filter(pk=rep.caf_record.pk).update(state="PR", zip_code="00901")
    body = _post(client, draft, "representative", representative_answers(rep, kind="tia"))
    assert (
        "Addresses in US territories, such as Puerto Rico, need a paper Form 2848 or 8821" in body
    )
    assert "50 states and DC" in body
    assert "does not match" not in body and "do not match" not in body


# --- R3 with R12's spirit: one answer for a typed CAF number, audited, rate limited -----------


def _someone_elses_caf_number(state: str) -> dict[str, str]:
    """Answers naming another representative's CAF number exactly as it is on the CAF file."""
    if state == "unknown":
        other = representative(linked=False)
        answers = typed_representative_answers(other)
        answers["caf_number"] = "9999-99999"
        return answers
    other = representative(linked=state == "linked to another representative")
    return typed_representative_answers(other)


CAF_STATES = ["unknown", "assigned to someone else", "linked to another representative"]


def test_r3_r12_a_typed_caf_number_gets_one_answer_whoever_holds_it(client: Client) -> None:
    rep, draft = drafting_representative(client)
    answers_seen = set()
    for state in CAF_STATES:
        answers = _someone_elses_caf_number(state)
        body = _post(client, draft, "representative", answers)
        summary = body.split("There is a problem", 1)[1].split("</ul>", 1)[0]
        answers_seen.add(summary.strip())
        assert NOT_ON_FILE in body, state
        assert "not assigned to you" not in body and "another representative" not in body
    assert len(answers_seen) == 1, "the three states of the CAF file must read the same"
    refusals = AuditEvent.objects.filter(action="request.caf_number_refused", actor=rep.user)
    assert refusals.count() == 3
    # The practitioner's own number, typed, still passes at the step.
    response = client.post(step_url(draft, "representative"), typed_representative_answers(rep))
    assert response.status_code == 302


def test_r12_refused_caf_numbers_are_rate_limited_with_a_429_page(client: Client, settings) -> None:
    settings.ACCOUNT_RATE_LIMITS = {"wizard_caf_check": "2/h/user"}
    rep, draft = drafting_representative(client)
    answers = _someone_elses_caf_number("assigned to someone else")
    for _ in range(2):
        assert client.post(step_url(draft, "representative"), answers).status_code == 200
    response = client.post(step_url(draft, "representative"), answers)
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    page = response.content.decode()
    assert "Too many attempts" in page and "try again in <strong>60 minutes</strong>" in page
    assert "What you entered was saved" in page
    assert rule_ids_read(page) == []
    assert AuditEvent.objects.filter(action="request.caf_number_throttled", actor=rep.user).exists()
    assert AuditEvent.objects.filter(action="request.caf_number_refused").count() == 2
    # With htmx, which does not swap a 429 in, the step is reloaded and says why.
    response = client.post(step_url(draft, "representative"), answers, HTTP_HX_REQUEST="true")
    assert response.status_code == 429 and response["HX-Refresh"] == "true"
    step_page = client.get(step_url(draft, "representative")).content.decode()
    assert "Too many attempts. Try again in 60 minutes." in step_page
    # What was typed is kept in the draft (R42).
    draft.refresh_from_db()
    assert draft.data["raw"]["representative"]["city"] == answers["city"]
    # Another practitioner is not held back by this one's attempts.
    other_client = Client()
    other, other_draft = drafting_representative(other_client)
    ok = other_client.post(
        step_url(other_draft, "representative"), typed_representative_answers(other)
    )
    assert ok.status_code == 302


# --- Matters: rows past the limit are reported, not dropped silently -----------------------


def test_rows_past_twenty_are_reported_and_the_first_twenty_kept(client: Client) -> None:
    _, draft = drafting_representative(client)
    rows = [("1040", _year(-offset), "") for offset in range(1, 24)]  # 23 rows
    body = _post(client, draft, "matters", matters_answers(*rows))
    assert (
        "A request can have at most 20 rows of tax matters, so 3 rows after row 20 were not kept"
        in body
    )
    assert 'id="rows-limit-error"' in body
    assert len(draft.data["raw"]["matters"]["rows"]) == 20
    # The first twenty, sent again, are accepted.
    response = client.post(step_url(draft, "matters"), matters_answers(*rows[:20]))
    assert response.status_code == 302


def test_a_nul_in_a_matter_row_is_a_field_message_not_a_500(client: Client) -> None:
    _, draft = drafting_representative(client)
    body = _post(client, draft, "matters", matters_answers(("10\x0040", _year(-1), "")))
    assert 'id="id_row-0-matter_error"' in body
    assert "\\u0000" not in json.dumps(draft.data)


def test_r12_with_the_cache_unreachable_a_typed_caf_number_is_still_answered_not_a_500(
    client: Client, settings
) -> None:
    rep, draft = drafting_representative(client)
    answers = _someone_elses_caf_number("assigned to someone else")
    # A real Redis client pointed at a port where nothing listens: the limiter cannot count.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    body = _post(client, draft, "representative", answers)
    assert NOT_ON_FILE in body
    assert AuditEvent.objects.filter(action="request.caf_number_refused", actor=rep.user).exists()
