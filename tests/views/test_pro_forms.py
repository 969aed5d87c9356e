"""The practitioner's forms pages (section H): the one-page upload (R34, R34a, R35, R36), the
pre-check at the questions (R39a), the duplicate refusal (R39), the receipt, "Your forms" with
place in line and median time (R39b), withdrawing (R47), and access (R45).

Real PostgreSQL, real files in a private folder of each test's own."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authorizations.models import FormState, RejectionReason, UploadedForm
from authorizations.services import forms as form_services
from authorizations.web.pro.forms_channel.forms import expand_periods
from authorizations.web.pro.forms_channel.selectors import median_processing_time
from authorizations.web.pro.forms_channel.views import duration_words
from taxpayers.models import Letter
from taxpro import clock
from taxpro.models import AuditEvent
from tests.authorizations import conftest as authorizations_conftest
from tests.authorizations.forms_support import GIF_BYTES, PNG_BYTES, pdf_bytes
from tests.personas import staff_clerk
from tests.views.pro_support import practitioner, signed_in_as

# The forms channel's private storage in a folder of each test's own (a fixture).
private_media = authorizations_conftest.private_media

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

LIST = reverse("authorizations_pro:forms")
NEW = reverse("authorizations_pro:form_new")
CHECK = reverse("authorizations_pro:form_check")
MB = 1024 * 1024
EIN = "23-4567001"


@pytest.fixture
def rep():
    return practitioner()


@pytest.fixture
def pro(client: Client, rep) -> Client:
    return signed_in_as(client, rep)


def _html(response) -> str:
    return response.content.decode()


def _address(prefix: str, line1: str = "500 Main Street") -> dict[str, str]:
    return {
        f"{prefix}-address_line1": line1,
        f"{prefix}-address_line2": "",
        f"{prefix}-city": "Burlington",
        f"{prefix}-state": "VT",
        f"{prefix}-zip_code": "05401",
    }


def answers(**changes: Any) -> dict[str, Any]:
    """A Form 2848 for a business with quarterly 941 periods that passes the pre-check today."""
    today = clock.today_et()
    signed = (today - dt.timedelta(days=3)).isoformat()
    year = today.year - 1
    data: dict[str, Any] = {
        "form_type": "2848",
        "taxpayer_kind": "business",
        "tin": EIN,
        "taxpayer_name": "Evergreen Bakery LLC",
        "signer_title": "Member",
        **_address("taxpayer"),
        "rep_name": "Casey Morgan",
        "rep_caf_number": "0300-12345",
        "rep_ptin": "",
        "rep_designation": "b",
        "rep_jurisdiction": "PA",
        "rep_license_number": "CPA-1",
        "rep_signed_on": signed,
        **_address("rep", "200 Market Street"),
        "matter0-form_code": "941",
        "matter0-description": "Employment tax",
        "matter0-period_kind": "quarterly",
        "matter0-first_year": str(year),
        "matter0-last_year": "",
        "matter1-period_kind": "annual",
        "matter2-period_kind": "annual",
        "signature_kind": "ink",
        "taxpayer_signed_on": signed,
    }
    data.update(changes)
    return data


def a_pdf(marker: str = "one", name: str = "form.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(marker=marker), content_type="application/pdf")


def post(client: Client, file: Any = None, **changes: Any):
    """The answers page; when they pass, the check page with ``file`` attached (if any)."""
    response = client.post(NEW, answers(**changes))
    if response.status_code != 302:
        return response
    assert response["Location"] == CHECK
    return client.post(CHECK, {} if file is None else {"file": file})


def written() -> tuple[int, int, int]:
    return (
        UploadedForm.objects.count(),
        Letter.objects.count(),
        AuditEvent.objects.filter(action__startswith="form.").count(),
    )


# --- The upload page ---------------------------------------------------------------------------


def test_the_upload_page_asks_every_question_in_fieldsets(pro) -> None:
    html = _html(pro.get(NEW))
    for legend in (
        "The taxpayer (line 1)",
        "The representative or designee (line 2)",
        "Tax matters and periods (line 3)",
        "The taxpayer's signature",
    ):
        assert legend in html


def test_the_check_page_shows_the_answers_and_asks_for_the_file(pro) -> None:
    assert pro.get(CHECK)["Location"] == NEW  # nothing to check yet
    pro.post(NEW, answers())
    html = _html(pro.get(CHECK))
    year = clock.today_et().year - 1
    assert "Evergreen Bakery LLC (**-***7001)" in html
    assert f"{year}-03, {year}-06, {year}-09, {year}-12" in html
    assert 'enctype="multipart/form-data"' in html and 'type="file"' in html
    assert "234567001" not in html
    # Change your answers: the page comes back filled, the TIN named by its last four.
    html = _html(pro.get(NEW + "?change=1"))
    assert 'value="Evergreen Bakery LLC"' in html and "ending 7001" in html
    assert written() == (0, 0, 0)


def test_r34_r36_a_2848_for_a_business_with_quarters_joins_the_line(pro, rep) -> None:
    response = post(pro, a_pdf())
    form = UploadedForm.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("authorizations_pro:form", args=[form.public_id])
    year = clock.today_et().year - 1
    assert form.practitioner == rep.user
    assert form.state == FormState.WAITING
    assert form.taxpayer_kind == "business"
    assert form.data["taxpayer"]["signer_title"] == "Member"
    assert form.data["matters"][0]["periods"] == [
        f"{year}03",
        f"{year}06",
        f"{year}09",
        f"{year}12",
    ]
    # R46: the TIN is encrypted on its row, never in the JSON.
    assert "234567001" not in str(form.data)
    receipt = _html(pro.get(response["Location"]))
    assert form.receipt_number in receipt
    assert "number 1 in line" in receipt


def test_r36_periods_expand_to_explicit_months() -> None:
    assert expand_periods("annual", 2022, 2023, None) == ("202212", "202312")
    assert expand_periods("quarterly", 2024, 2024, None) == ("202403", "202406", "202409", "202412")
    assert expand_periods("fiscal", 2023, 2024, 6) == ("202306", "202406")


def test_a_missing_answer_keeps_what_was_typed_but_not_the_tin(pro) -> None:
    response = post(pro, a_pdf(), taxpayer_name="", rep_license_number="CPA-77")
    html = _html(response)
    assert response.status_code == 200
    assert html.startswith("<!") and "<title>Error:" in html
    assert "There is a problem" in html
    assert 'value="CPA-77"' in html
    assert "234567001" not in html and EIN not in html  # R46: never echoed
    assert "ending 7001" in html  # kept, encrypted, named by its last four digits
    assert written() == (0, 0, 0)
    # Typed again without the TIN: the kept one is used.
    response = post(pro, a_pdf(), tin="")
    assert response.status_code == 302
    assert UploadedForm.objects.get().tin_masked.endswith("7001")


def test_r39a_precheck_problems_are_shown_at_their_questions_at_once(pro) -> None:
    future = (clock.today_et() + dt.timedelta(days=2)).isoformat()
    response = post(
        pro,
        a_pdf(),
        signer_title="",
        rep_designation="",
        **{"matter0-description": "All years"},
        taxpayer_signed_on=future,
    )
    html = _html(response)
    assert response.status_code == 200
    assert "Enter the title of the person who signed for the business" in html
    assert "Enter the designation of Casey Morgan" in html
    assert "later than today" in html
    assert re.search(r"general|all years", html, re.IGNORECASE)
    assert 'href="#id_signer_title"' in html and 'href="#id_rep_designation"' in html
    assert written() == (0, 0, 0)


def test_r35_the_retention_box_needs_the_authorizations_to_keep(pro) -> None:
    response = post(pro, a_pdf(), retention_box="on", retained="")
    assert "name each prior authorization to keep" in _html(response)
    response = post(pro, a_pdf(), retention_box="on", retained="not a row")
    assert "as a CAF number, a form and a period" in _html(response)
    assert written() == (0, 0, 0)
    response = post(pro, a_pdf(), retention_box="on", retained="0300-54321 941 202403")
    assert response.status_code == 302
    assert UploadedForm.objects.get().data["retained"] == [
        {"caf_number": "030054321", "matter": "941", "period": "202403", "kind": "poa"}
    ]


def test_r34a_a_remote_electronic_signature_needs_the_identity_attestation(pro) -> None:
    response = post(
        pro, a_pdf(), signature_kind="electronic", remote_without_prior_relationship="on"
    )
    assert "Confirm that you checked the taxpayer" in _html(response)
    assert written() == (0, 0, 0)


def test_r38_an_8821_signed_over_120_days_ago_is_refused(pro) -> None:
    old = (clock.today_et() - dt.timedelta(days=130)).isoformat()
    response = post(pro, a_pdf(), form_type="8821", taxpayer_signed_on=old)
    assert "within 120 days" in _html(response)
    assert written() == (0, 0, 0)


# --- Bad files ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (
            SimpleUploadedFile("form.pdf", PNG_BYTES, content_type="application/pdf"),
            "must be a PDF, JPG or GIF",
        ),
        (SimpleUploadedFile("form.pdf", b"", content_type="application/pdf"), "The file is empty"),
        (
            SimpleUploadedFile(
                "form.pdf", pdf_bytes(password="secret"), content_type="application/pdf"
            ),
            "protected by a password",
        ),
        (
            SimpleUploadedFile("form.pdf", b"%PDF-1.7 not really", content_type="application/pdf"),
            "cannot be opened",
        ),
    ],
    ids=["png-behind-a-pdf-name", "empty", "encrypted-pdf", "damaged-pdf"],
)
def test_r34_a_bad_file_gets_a_clear_message_and_writes_nothing(
    pro, file, message, private_media
) -> None:
    response = post(pro, file)
    assert response.status_code == 200
    assert message in _html(response)
    assert written() == (0, 0, 0)
    assert not [p for p in private_media.rglob("*") if p.is_file()]


def test_r34_no_file_asks_for_one(pro) -> None:
    assert "Choose the signed form to upload" in _html(post(pro))
    assert written() == (0, 0, 0)


def test_r34_two_files_are_refused(pro) -> None:
    files = [a_pdf("a"), SimpleUploadedFile("b.gif", GIF_BYTES, content_type="image/gif")]
    response = post(pro, files)
    assert "Choose one file" in _html(response)
    assert written() == (0, 0, 0)


def test_r34_a_gif_is_accepted(pro) -> None:
    response = post(pro, SimpleUploadedFile("scan.gif", GIF_BYTES, content_type="image/gif"))
    assert response.status_code == 302
    assert UploadedForm.objects.get().file_content_type == "image/gif"


def test_r34_a_16_mb_body_is_refused_from_its_length_before_it_is_read(pro) -> None:
    body = b"x" * (16 * MB)
    pro.post(NEW, answers())
    response = pro.generic(
        "POST",
        CHECK,
        data=body,
        content_type="multipart/form-data; boundary=BoUnDaRy",
    )
    assert response.status_code == 413
    html = _html(response)
    assert "larger than 15 MB" in html and "nothing was uploaded" in html
    assert "Evergreen Bakery LLC" in html  # the answers are still there
    assert written() == (0, 0, 0)


@pytest.mark.parametrize(
    ("megabytes", "status"),
    [(16, 413), (15, 200)],
    ids=["16-mb-refused-from-its-length", "just-over-15-mb-refused-by-its-size"],
)
def test_r34_a_file_over_15_mb_in_a_real_multipart_body_is_refused(pro, megabytes, status) -> None:
    big = SimpleUploadedFile(
        "big.pdf", b"%PDF-1.7\n" + b"0" * (megabytes * MB), content_type="application/pdf"
    )
    response = post(pro, big)
    assert response.status_code == status
    assert "larger than 15 MB" in _html(response)
    assert written() == (0, 0, 0)


# --- Duplicates (R39), receipt, list (R39b) ----------------------------------------------------


def test_r39_a_second_upload_names_the_waiting_receipt(pro) -> None:
    post(pro, a_pdf("first"))
    first = UploadedForm.objects.get()
    response = post(pro, a_pdf("second"))  # another file, the same form
    assert response.status_code == 200
    assert f"receipt {first.receipt_number}" in _html(response)
    assert UploadedForm.objects.count() == 1


def test_r47_upload_posted_again_after_it_was_done_is_one_form(pro) -> None:
    assert post(pro, a_pdf("once")).status_code == 302
    again = pro.post(CHECK, {"file": a_pdf("once")})
    assert again["Location"] == LIST
    assert UploadedForm.objects.count() == 1


def test_r47_a_doubled_upload_is_one_form(pro) -> None:
    content = pdf_bytes(marker="same")
    for _ in range(2):
        post(pro, SimpleUploadedFile("f.pdf", content, content_type="application/pdf"))
    assert UploadedForm.objects.count() == 1


def test_r39b_your_forms_shows_state_place_reasons_and_median(pro, rep) -> None:
    clerk = staff_clerk()
    post(pro, a_pdf("a"))
    post(pro, a_pdf("b"), tin="23-4567002", taxpayer_name="Second Shop LLC")
    post(pro, a_pdf("c"), tin="23-4567003", taxpayer_name="Third Shop LLC")
    first = UploadedForm.objects.order_by("received_at", "id").first()
    taken = form_services.form_take_next(clerk=clerk)
    assert taken == first
    form_services.form_reject(
        clerk=clerk,
        public_id=first.public_id,
        reasons=[RejectionReason.ILLEGIBLE],
        note="Page 2 is blank.",
    )
    html = _html(pro.get(LIST))
    assert "Rejected" in html and "Illegible" in html and "Page 2 is blank." in html
    assert "number 1 in line" in html and "number 2 in line" in html
    assert "forms have taken" in html
    assert html.count("Withdraw<span") == 2


def test_r39b_the_median_is_of_forms_decided_lately(pro) -> None:
    assert median_processing_time() is None
    for n in range(4):
        post(pro, a_pdf(f"m{n}"), tin=f"23-456701{n}", taxpayer_name=f"Shop {n} LLC")
    now = clock.now()
    taken = [dt.timedelta(hours=h) for h in (1, 2, 10)]
    forms = list(UploadedForm.objects.order_by("id"))
    for form, hours in zip(forms, taken, strict=False):
        UploadedForm.objects.filter(pk=form.pk).update(
            state=FormState.RECORDED, received_at=now - hours, decided_at=now
        )
    # The fourth was decided 31 days ago: not lately, so not counted.
    UploadedForm.objects.filter(pk=forms[3].pk).update(
        state=FormState.RECORDED,
        received_at=now - dt.timedelta(days=40),
        decided_at=now - dt.timedelta(days=31),
    )
    assert median_processing_time(now=now) == dt.timedelta(hours=2)
    assert "forms have taken 2 hours from upload to decision" in _html(pro.get(LIST))
    assert duration_words(dt.timedelta(days=2, hours=3)) == "2 days and 3 hours"
    assert duration_words(dt.timedelta(minutes=45)) == "45 minutes"
    assert duration_words(dt.timedelta(hours=1)) == "1 hour"
    assert duration_words(dt.timedelta(seconds=5)) == "less than a minute"


def test_the_list_runs_the_same_queries_for_1_and_many_forms(pro, rep) -> None:
    post(pro, a_pdf("a"))
    with CaptureQueriesContext(connection) as one:
        pro.get(LIST)
    for n in range(2, 6):
        post(pro, a_pdf(f"x{n}"), tin=f"23-456700{n}", taxpayer_name=f"Shop {n} LLC")
    with CaptureQueriesContext(connection) as many:
        pro.get(LIST)
    assert len(many) == len(one)


# --- Withdraw (R39b, R47) and access (R45) -----------------------------------------------------


def test_r47_withdraw_asks_first_then_withdraws_once(pro) -> None:
    post(pro, a_pdf())
    form = UploadedForm.objects.get()
    url = reverse("authorizations_pro:form_withdraw", args=[form.public_id])
    assert "Yes, withdraw this form" in _html(pro.get(url))
    assert UploadedForm.objects.get().state == FormState.WAITING
    for _ in range(2):
        response = pro.post(url)
        assert response.status_code == 302
    form.refresh_from_db()
    assert form.state == FormState.WITHDRAWN
    assert AuditEvent.objects.filter(action="form.withdrawn").count() == 1
    assert "cannot be withdrawn" in _html(pro.get(url))


def test_withdraw_needs_csrf(rep) -> None:
    client = signed_in_as(Client(enforce_csrf_checks=True), rep)
    client.post(NEW, {**answers(), "file": a_pdf()})
    csrf_client = signed_in_as(Client(), rep)
    post(csrf_client, a_pdf())
    form = UploadedForm.objects.get()
    url = reverse("authorizations_pro:form_withdraw", args=[form.public_id])
    assert client.post(url).status_code == 403
    assert UploadedForm.objects.get().state == FormState.WAITING


def test_r45_another_practitioners_form_is_not_found(client: Client, rep) -> None:
    post(signed_in_as(Client(), rep), a_pdf())
    form = UploadedForm.objects.get()
    other = signed_in_as(client, practitioner())
    for name in ("form", "form_withdraw"):
        url = reverse(f"authorizations_pro:{name}", args=[form.public_id])
        assert other.get(url).status_code == 404
    assert (
        other.post(reverse("authorizations_pro:form_withdraw", args=[form.public_id])).status_code
        == 404
    )
    assert form.receipt_number not in _html(other.get(LIST))
    assert UploadedForm.objects.get().state == FormState.WAITING


def test_anonymous_is_sent_to_sign_in(client: Client) -> None:
    for url in (LIST, NEW):
        response = client.get(url)
        assert response.status_code == 302
        assert "/auth/" in response["Location"] or "login" in response["Location"]


def test_the_home_links_to_your_forms(pro) -> None:
    assert f'href="{LIST}"' in _html(pro.get(reverse("practitioner_home")))


# --- Bad input (quality.md) --------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["Evergreen\x00Bakery", "Evergreen\u202eBakery", "E" * 151, "Evergreen\x07Bakery"],
    ids=["nul", "rtl-override", "over-long", "control-character"],
)
def test_bad_text_gets_a_message_at_its_question_and_writes_nothing(pro, typed) -> None:
    response = post(pro, a_pdf(), taxpayer_name=typed, rep_name=typed)
    html = _html(response)
    assert response.status_code == 200
    assert 'href="#id_taxpayer_name"' in html and 'href="#id_rep_name"' in html
    assert written() == (0, 0, 0)


def test_a_tin_that_is_not_an_ein_is_refused_and_never_echoed(pro) -> None:
    response = post(pro, a_pdf(), tin="07-1234567")
    html = _html(response)
    assert 'href="#id_tin"' in html
    assert "071234567" not in html and "07-1234567" not in html
    assert written() == (0, 0, 0)
