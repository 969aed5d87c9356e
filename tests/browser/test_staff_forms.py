"""The CAF unit's queue in a real browser (R34b), by keyboard alone: a clerk takes the next form
and records it (the form is being recorded until the worker, here the beat's drain, puts it on
the ledger), then takes the second and rejects it with reasons; 0 axe violations on the queue,
the processing page (the file beside the keyed data) and its errors."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from authorizations import services
from authorizations.models import Authorization, FormState
from tests.authorizations.conftest import private_media  # noqa: F401 - a fixture
from tests.browser.conftest import (
    assert_accessible,
    enter_authenticator_code,
    fits_320_px,
    sign_in_with_password,
    skip_the_file,
    tab_to,
)
from tests.views.staff_forms_support import clerk, uploaded_form

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("private_media")]


def _sign_in_as_a_clerk(page: Page, base_url: str) -> None:
    user = clerk()
    sign_in_with_password(page, base_url, user.email, next_url="/staff/forms/")
    enter_authenticator_code(page, user.totp_secret)


def _press_on(page: Page, selector: str, key: str) -> None:
    skip_the_file(page)
    tab_to(page, selector, max_presses=80)
    page.keyboard.press(key)


def test_a_clerk_records_one_form_and_rejects_another_by_keyboard(page: Page, live_server) -> None:
    first = uploaded_form()
    second = uploaded_form()
    _sign_in_as_a_clerk(page, live_server.url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Uploaded forms queue")
    expect(page.locator(".staff-counts")).to_contain_text("Waiting2")
    assert_accessible(page)
    assert fits_320_px(page)

    # Take the first form in line, and record it after going through the checklist.
    _press_on(page, "button:has-text('Take the next form')", "Enter")
    page.wait_for_url(f"**/staff/forms/{first.public_id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Form 2848 for {first.taxpayer_name}"
    )
    expect(
        page.get_by_title(f"The uploaded Form 2848 for {first.taxpayer_name} (PDF)")
    ).to_be_visible()
    assert_accessible(page)
    assert fits_320_px(page)

    # Recording with the checklist unticked: the error, focused and accessible, changes nothing.
    _press_on(page, "button:has-text('Record the form')", "Enter")
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    boxes = page.locator("input[name='checked']")
    for index in range(boxes.count()):
        _press_on(page, f"#id_checked_{index}", "Space")
        expect(boxes.nth(index)).to_be_checked()
    _press_on(page, "button:has-text('Record the form')", "Enter")
    expect(
        page.get_by_text(f"Form 2848 for {first.taxpayer_name} is being recorded on the CAF.")
    ).to_be_visible()
    expect(page.locator(".staff-counts")).to_contain_text("Being recorded1")
    first.refresh_from_db()
    assert first.state == FormState.RECORDING
    assert_accessible(page)
    # No worker here: the test does what the worker (or the beat's sweep) does.
    assert services.ledger_drain() == 1
    first.refresh_from_db()
    assert first.state == FormState.RECORDED
    assert Authorization.objects.filter(uploaded_form=first).exists()

    # The second: rejected with two reasons and a note.
    _press_on(page, "button:has-text('Take the next form')", "Enter")
    page.wait_for_url(f"**/staff/forms/{second.public_id}/")
    _press_on(page, "#id_reasons_0", "Space")
    _press_on(page, "#id_reasons_7", "Space")
    tab_to(page, "#id_note", max_presses=80)
    page.keyboard.type("The signature date is missing on page 2.")
    _press_on(page, "button:has-text('Reject the form')", "Enter")
    expect(page.get_by_text(f"Form 2848 for {second.taxpayer_name} is rejected.")).to_be_visible()
    second.refresh_from_db()
    assert second.state == FormState.REJECTED
    assert second.rejection_reasons == ["signature", "illegible"]
    assert second.rejection_note == "The signature date is missing on page 2."
    expect(page.locator(".staff-counts")).to_contain_text("Recorded1")
    expect(page.locator(".staff-counts")).to_contain_text("Rejected1")
    assert_accessible(page)


def test_take_and_put_back_work_without_javascript(
    page_without_javascript: Page, live_server
) -> None:
    page = page_without_javascript
    form = uploaded_form()
    _sign_in_as_a_clerk(page, live_server.url)
    page.get_by_role("button", name="Take the next form").click()
    page.wait_for_url(f"**/staff/forms/{form.public_id}/")
    page.get_by_role("button", name="Put the form back").click()
    page.wait_for_url("**/staff/forms/")
    expect(page.get_by_text("It is in its place in the queue again.")).to_be_visible()
    form.refresh_from_db()
    assert form.state == FormState.WAITING
