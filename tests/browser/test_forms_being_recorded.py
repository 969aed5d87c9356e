"""A form the CAF unit recorded updates itself on the practitioner's page (R39b): "Being
recorded" until the worker has put it on the ledger, then "Recorded", swapped in place by htmx
(which then stops asking); without JavaScript, a link reloads the page. 0 axe violations."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from authorizations import services
from authorizations.models import FormState
from authorizations.services import forms
from tests.authorizations import conftest as authorizations_conftest
from tests.authorizations.conftest import make_rep
from tests.browser.conftest import (
    assert_accessible,
    enter_authenticator_code,
    sign_in_with_password,
)
from tests.factories import enrol_totp
from tests.views.staff_forms_support import clerk, uploaded_form

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("private_media")]

# The forms channel's files in a folder of each test's own (a fixture).
private_media = authorizations_conftest.private_media


def _signed_in_with_a_form_being_recorded(page: Page, base_url: str):
    rep = make_rep(code="b")
    form = uploaded_form(rep)
    staff = clerk()
    assert forms.form_take_next(clerk=staff) == form
    forms.form_record(clerk=staff, public_id=form.public_id)
    form.refresh_from_db()
    assert form.state == FormState.RECORDING  # no worker here: the test records it
    secret = enrol_totp(rep.user)
    sign_in_with_password(page, base_url, rep.user.email, next_url=f"/pro/forms/{form.public_id}/")
    enter_authenticator_code(page, secret)
    return form


def test_being_recorded_refreshes_itself_until_recorded(page: Page, live_server) -> None:
    _signed_in_with_a_form_being_recorded(page, live_server.url)
    status = page.locator("#form-live dd").last
    expect(status).to_have_text("Being recorded")
    assert_accessible(page)
    page.evaluate("document.body.dataset.sameDocument = 'yes'")

    assert services.ledger_drain() == 1  # what the worker (or the beat's sweep) does

    expect(status).to_contain_text("Recorded", timeout=30_000)
    expect(page.get_by_text("This page updates itself")).to_have_count(0)
    assert page.evaluate("document.body.dataset.sameDocument === 'yes'")
    expect(page.locator("#form-live")).not_to_have_attribute("hx-trigger", "every 2s")
    assert_accessible(page)


def test_without_javascript_a_link_reloads_the_page(
    page_without_javascript: Page, live_server
) -> None:
    page = page_without_javascript
    _signed_in_with_a_form_being_recorded(page, live_server.url)
    services.ledger_drain()
    page.get_by_role("link", name="Refresh the page").click()
    expect(page.locator("#form-live dd").last).to_contain_text("Recorded")
