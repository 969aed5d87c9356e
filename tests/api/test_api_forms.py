"""POST /api/v1/forms, GET /api/v1/forms and POST /api/v1/forms/{id}/withdraw (issue 14): a
signed Form 2848/8821 with its keyed data through the upload service the wizard uses, with
its checks (R34 file, R36/R38 limits, R39a pre-check, R39 duplicates), R47's one effect for a
resent upload, and R45/R39b for following and withdrawing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from django.test import Client

from authorizations.forms_channel.data import FormMatter
from authorizations.models import FormState, UploadedForm
from authorizations.services import forms
from taxpro import clock
from taxpro.models import AuditEvent
from tests.api.support import call, form_json, token_for, upload_call
from tests.authorizations.conftest import make_rep, make_taxpayer, private_media
from tests.authorizations.factories import UploadedFormFactory
from tests.authorizations.forms_support import (
    GIF_BYTES,
    PNG_BYTES,
    form_data,
    form_rep,
    form_taxpayer,
    pdf_bytes,
)
from tests.factories import enrol_totp
from tests.personas import staff_clerk

__all__ = ["private_media"]  # the fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

URL = "/api/v1/forms"


@pytest.fixture
def cpa():
    rep = make_rep(code="b")
    enrol_totp(rep.user)
    return rep


def _signed() -> dt.date:
    return clock.today_et() - dt.timedelta(days=3)


def _data(rep, taxpayer=None, **changes):
    """Keyed data that passes the pre-check today (R39a), dated from today."""
    last_year = f"{clock.today_et().year - 1}12"
    base = form_data(
        taxpayer=form_taxpayer(taxpayer or make_taxpayer()),
        reps=(form_rep(rep, signed_on=_signed()),),
        matters=(FormMatter("1040", "Income tax", (last_year,), "last year"),),
        signed_on=_signed(),
    )
    return dataclasses.replace(base, **changes)


def _post(client, token, data, content=None, **kwargs):
    body = form_json(data) if not isinstance(data, str | dict) else data
    return upload_call(
        client, URL, token=token, data=body, content=content or pdf_bytes(marker="x"), **kwargs
    )


# --- Upload (R34) ------------------------------------------------------------------------------


def test_r34_r39b_an_upload_answers_201_with_its_address_receipt_state_and_place(
    client: Client, cpa
) -> None:
    UploadedFormFactory(state=FormState.WAITING)  # another's form, ahead in line
    token = token_for(cpa.user, scopes=["forms:write"])
    response = _post(client, token, _data(cpa))
    assert response.status_code == 201, response.content
    body = response.json()
    form = UploadedForm.objects.get(practitioner=cpa.user)
    assert response["Location"] == body["url"] == f"{URL}/{form.public_id}"
    assert (body["status"], body["place_in_line"], body["form_type"]) == ("waiting", 2, "2848")
    assert body["receipt_number"] == form.receipt_number
    assert form.file_content_type == "application/pdf"
    assert AuditEvent.objects.filter(action="form.uploaded", actor=cpa.user).count() == 1
    assert form.tin_reveal() not in response.content.decode()  # R46


def test_r47_the_same_upload_resent_with_another_boundary_replays_one_form(
    client: Client, cpa
) -> None:
    """A resent multipart body has a new boundary: the key's fingerprint is the file's bytes
    and the keyed data, so the resend is the same call."""
    token = token_for(cpa.user, scopes=["forms:write"])
    data, content = _data(cpa), pdf_bytes(marker="once")
    first = _post(client, token, data, content, key="up-1", boundary="first-boundary")
    # The same data, its keys in another order, in another framing.
    reordered = json.dumps(dict(reversed(list(form_json(data).items()))))
    again = _post(client, token, reordered, content, key="up-1", boundary="other-boundary-22")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert UploadedForm.objects.filter(practitioner=cpa.user).count() == 1
    other_file = _post(client, token, data, pdf_bytes(marker="other"), key="up-1")
    assert other_file.status_code == 422
    assert other_file.json()["type"] == "/api/problems/idempotency-key-reused"
    assert _post(client, token, data, content, key=None).status_code == 400


# --- Refusals: nothing stored ------------------------------------------------------------------


def _refused_fields(response) -> dict[str, str]:
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    return {e["field"]: e["detail"] for e in response.json()["errors"]}


def test_r39a_pre_check_problems_are_field_errors_and_nothing_is_stored(
    client: Client, cpa
) -> None:
    token = token_for(cpa.user, scopes=["forms:write"])
    data = _data(cpa, taxpayer_signed_on=None, taxpayer_count=2)
    fields = _refused_fields(_post(client, token, data))
    assert {"data.taxpayer_signed_on", "data.taxpayer"} <= set(fields)
    assert not UploadedForm.objects.exists()
    assert not AuditEvent.objects.filter(action="form.uploaded").exists()


def test_r36_r38_limits_on_periods_and_an_8821s_age_are_refused_at_their_fields(
    client: Client, cpa
) -> None:
    token = token_for(cpa.user, scopes=["forms:write"])
    far = f"{clock.today_et().year + 5}12"
    late = _data(
        cpa,
        form_type="8821",
        taxpayer_signed_on=clock.today_et() - dt.timedelta(days=200),
        matters=(FormMatter("1040", "Income tax", (far,), "far"),),
    )
    fields = _refused_fields(_post(client, token, late))
    assert "data.taxpayer_signed_on" in fields  # R38: 120 days
    assert "data.matters.0.periods" in fields  # R36: three years ahead at most
    assert not UploadedForm.objects.exists()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (PNG_BYTES, "PDF, JPG or GIF"),
        (b"%PDF-1.7 not really", "cannot be opened"),
        (pdf_bytes(password="secret"), "password"),
    ],
    ids=["png", "broken-pdf", "encrypted-pdf"],
)
def test_r34_the_files_type_comes_from_its_bytes_and_a_pdf_must_open(
    client: Client, cpa, content: bytes, words: str
) -> None:
    token = token_for(cpa.user, scopes=["forms:write"])
    fields = _refused_fields(_post(client, token, _data(cpa), content, name="form.pdf"))
    assert words in fields["file"]
    assert not UploadedForm.objects.exists()


def test_r34_a_gif_is_a_form(client: Client, cpa) -> None:
    token = token_for(cpa.user, scopes=["forms:write"])
    response = _post(client, token, _data(cpa), GIF_BYTES, name="scan.pdf")
    assert response.status_code == 201, response.content
    assert UploadedForm.objects.get().file_content_type == "image/gif"


def test_r34_a_body_over_the_limit_is_refused_from_its_length_before_it_is_read(
    client: Client, cpa, settings
) -> None:
    settings.FORM_UPLOAD_MAX_BYTES = 1024
    token = token_for(cpa.user, scopes=["forms:write"])
    big = b"%PDF-" + b"0" * (300 * 1024)
    response = _post(client, token, _data(cpa), big)
    assert response.status_code == 413
    assert response.json()["errors"][0]["field"] == "file"
    # A file over the limit inside a body under the allowance is refused by its size too.
    small_body = b"%PDF-" + b"0" * 4096
    response = _post(client, token, _data(cpa), small_body)
    assert response.status_code == 413
    assert not UploadedForm.objects.exists()


def test_r46_bad_json_and_a_bad_tin_are_refused_at_their_field_without_echoing_it(
    client: Client, cpa
) -> None:
    token = token_for(cpa.user, scopes=["forms:write"])
    assert "data" in _refused_fields(_post(client, token, "{not json"))
    body = form_json(_data(cpa))
    body["taxpayer"]["tin"] = "000-12-9876"
    response = _post(client, token, body)
    assert "data.taxpayer.tin" in _refused_fields(response)
    assert b"9876" not in response.content
    del body["matters"]
    assert "data.matters" in _refused_fields(_post(client, token, body))
    assert not UploadedForm.objects.exists()


def test_a_body_that_is_not_multipart_is_a_problem_document_not_a_fault(
    client: Client, cpa
) -> None:
    token = token_for(cpa.user, scopes=["forms:write"])
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "broken-1"}
    no_boundary = client.post(
        URL, data=b"--x\r\n", content_type="multipart/form-data", headers=headers
    )
    assert no_boundary.status_code == 400
    assert no_boundary["Content-Type"] == "application/problem+json"
    as_json = client.post(URL, data=b"{}", content_type="application/json", headers=headers)
    assert as_json.status_code == 422
    assert as_json.json()["errors"][0]["field"] == "file"
    assert not UploadedForm.objects.exists()


# --- Duplicates (R39) ---------------------------------------------------------------------------


def test_r39_a_duplicate_is_409_with_the_waiting_forms_address(client: Client, cpa) -> None:
    token = token_for(cpa.user, scopes=["forms:write"])
    data = _data(cpa)
    first = _post(client, token, data, pdf_bytes(marker="first"))
    assert first.status_code == 201
    # The same content on another scan: the same form (R39).
    again = _post(client, token, data, pdf_bytes(marker="second"))
    assert again.status_code == 409
    assert again["Location"] == again.json()["existing"] == first.json()["url"]
    assert again.json()["type"] == "/api/problems/duplicate-form"
    assert UploadedForm.objects.count() == 1


def test_r39_r45_another_practitioners_waiting_form_gives_no_address(client: Client, cpa) -> None:
    other = make_rep(code="b")
    enrol_totp(other.user)
    content = pdf_bytes(marker="shared")
    assert _post(client, token_for(cpa.user), _data(cpa), content).status_code == 201
    again = _post(client, token_for(other.user), _data(other), content)
    assert again.status_code == 409
    assert not again.has_header("Location")
    assert again.json().get("existing") is None
    assert UploadedForm.objects.count() == 1


# --- List and withdraw (R39b, R45, R47) ---------------------------------------------------------


def test_r39b_r45_the_list_is_yours_newest_first_in_pages(client: Client, cpa, monkeypatch) -> None:
    monkeypatch.setattr("authorizations.api.paging.PAGE_SIZE", 2)
    token = token_for(cpa.user, scopes=["forms:read"])
    UploadedFormFactory(state=FormState.WAITING)  # another practitioner's
    now = clock.now()
    mine = [
        UploadedFormFactory(
            caf_record=cpa.caf_record,
            state=FormState.WAITING,
            received_at=now - dt.timedelta(minutes=n),
        )
        for n in range(3)
    ]
    first = call(client, "get", URL, token=token).json()
    assert [i["id"] for i in first["items"]] == [str(f.public_id) for f in mine[:2]]
    second = call(client, "get", first["next"], token=token).json()
    assert [i["id"] for i in second["items"]] == [str(mine[2].public_id)]
    assert second["next"] is None
    forms.form_withdraw(practitioner=cpa.user, public_id=mine[0].public_id)
    withdrawn = call(client, "get", f"{URL}?status=withdrawn", token=token).json()
    assert [i["id"] for i in withdrawn["items"]] == [str(mine[0].public_id)]
    assert call(client, "get", f"{URL}?status=lost", token=token).status_code == 422
    assert call(client, "get", f"{URL}?cursor=forged", token=token).status_code == 422


def test_r39b_r47_withdraw_a_waiting_form_once_and_not_one_in_review(client: Client, cpa) -> None:
    token = token_for(cpa.user, scopes=["forms:write"])
    waiting = UploadedFormFactory(caf_record=cpa.caf_record, state=FormState.WAITING)
    url = f"{URL}/{waiting.public_id}/withdraw"
    first = call(client, "post", url, token=token, key="w-1")
    assert first.status_code == 200, first.content
    assert first.json()["status"] == "withdrawn"
    assert call(client, "post", url, token=token, key="w-2").json()["status"] == "withdrawn"
    assert AuditEvent.objects.filter(action="form.withdrawn").count() == 1
    taken = UploadedFormFactory(caf_record=cpa.caf_record, state=FormState.WAITING)
    forms.form_take_next(clerk=staff_clerk())
    taken.refresh_from_db()
    assert taken.state == FormState.IN_REVIEW
    refused = call(client, "post", f"{URL}/{taken.public_id}/withdraw", token=token)
    assert refused.status_code == 409
    assert refused.json()["type"] == "/api/problems/form-not-waiting"
    taken.refresh_from_db()
    assert taken.state == FormState.IN_REVIEW
