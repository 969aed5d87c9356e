"""The practitioner's forms pages (section H): the upload as a wizard of steps (R34, R34a, R35,
R36, R42, R46), the pre-check at the step where each problem can be seen (R39a), the duplicate
refusal (R39), the receipt, "Your forms" with place in line and median time (R39b), withdrawing
(R47), and access (R45).

Real PostgreSQL, real files in a private folder of each test's own."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authorizations.models import (
    FormDraft,
    FormState,
    RejectionReason,
    UploadedForm,
    private_storage,
)
from authorizations.services import forms as form_services
from authorizations.services.form_drafts import form_drafts_expire
from authorizations.web.pro.forms_channel.forms import (
    MAX_MATTER_ROWS,
    MAX_REPRESENTATIVES,
    expand_periods,
)
from authorizations.web.pro.forms_channel.selectors import median_processing_time
from authorizations.web.pro.forms_channel.views import duration_words
from taxpayers.models import Letter
from taxpro import clock
from taxpro.models import AuditEvent
from taxpro.session_lifetime import SESSION_LAST_SEEN_KEY, SESSION_STARTED_KEY
from tests.authorizations import conftest as authorizations_conftest
from tests.authorizations.forms_support import GIF_BYTES, PNG_BYTES, pdf_bytes
from tests.personas import staff_clerk
from tests.views.pro_support import practitioner, signed_in_as
from tests.views.wizard_support import maintenance_now

# The forms channel's private storage in a folder of each test's own (a fixture).
private_media = authorizations_conftest.private_media

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

LIST = reverse("authorizations_pro:forms")
NEW = reverse("authorizations_pro:form_new")
MB = 1024 * 1024
EIN = "23-4567001"
ORDER = [
    "form",
    "taxpayer",
    "representatives",
    "matters",
    "specific-use",
    "acts",
    "retention",
    "signature",
    "file",
]


@pytest.fixture
def rep():
    return practitioner()


@pytest.fixture
def pro(client: Client, rep) -> Client:
    return signed_in_as(client, rep)


def _html(response) -> str:
    return response.content.decode()


def _address(prefix: str = "", line1: str = "500 Main Street") -> dict[str, str]:
    return {
        f"{prefix}address_line1": line1,
        f"{prefix}address_line2": "",
        f"{prefix}city": "Burlington",
        f"{prefix}state": "VT",
        f"{prefix}zip_code": "05401",
    }


def signed_day(days_ago: int = 3) -> str:
    return (clock.today_et() - dt.timedelta(days=days_ago)).isoformat()


def representative(index: int = 0, **changes: str) -> dict[str, str]:
    row = {
        "name": "Casey Morgan",
        "caf_number": "0300-12345",
        "ptin": "",
        **_address(line1="200 Market Street"),
        "receives_notices": "on",
        "designation": "b",
        "jurisdiction": "PA",
        "license_number": "CPA-1",
        "signed_on": signed_day(),
        **changes,
    }
    return {f"rep-{index}-{key}": value for key, value in row.items()}


def matter_row(index: int = 0, **changes: str) -> dict[str, str]:
    row = {
        "form_code": "941",
        "description": "Employment tax",
        "period_kind": "quarterly",
        "first_year": str(clock.today_et().year - 1),
        "last_year": "",
        "fiscal_month": "",
        **changes,
    }
    return {f"matter-{index}-{key}": value for key, value in row.items()}


def step_answers() -> dict[str, dict[str, Any]]:
    """A Form 2848 for a business with quarterly 941 periods that passes the pre-check today."""
    return {
        "form": {"form_type": "2848"},
        "taxpayer": {
            "taxpayer_kind": "business",
            "tin": EIN,
            "name": "Evergreen Bakery LLC",
            "signer_title": "Member",
            **_address(),
        },
        "representatives": {"row_count": "1", **representative(), "action": "continue"},
        "matters": {"row_count": "1", **matter_row(), "action": "continue"},
        "specific-use": {"specific_use": "no"},
        "acts": {"added": ["isp", "sign_return"], "other": "", "removed": "Sign Form 1040-X"},
        "retention": {"retention_box": "no", "retained": ""},
        "signature": {"signature_kind": "ink", "taxpayer_signed_on": signed_day()},
    }


def a_pdf(marker: str = "one", name: str = "form.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(marker=marker), content_type="application/pdf")


def start(client: Client) -> FormDraft:
    response = client.post(NEW)
    assert response.status_code == 302
    return FormDraft.objects.get(public_id=response["Location"].split("/")[-3])


def url(draft: FormDraft, slug: str) -> str:
    return reverse("authorizations_pro:form_draft_step", args=[draft.public_id, slug])


def submit_url(draft: FormDraft) -> str:
    return reverse("authorizations_pro:form_draft_submit", args=[draft.public_id])


def walk(
    client: Client,
    file: Any = None,
    changes: dict[str, dict[str, Any]] | None = None,
    *,
    until: str = "",
    draft: FormDraft | None = None,
):
    """Answers each step in order (with ``changes`` merged into a step's answers) and returns
    the first response that is not a redirect, else the last one, and the draft."""
    draft = draft or start(client)
    answers = step_answers()
    for slug, values in (changes or {}).items():
        answers[slug] = {**answers[slug], **values}
    form_type = answers["form"]["form_type"]
    response = None
    for slug in ORDER:
        if slug == until:
            break
        if slug == "acts" and form_type == "8821":
            continue
        data = {"file": file if file is not None else a_pdf()} if slug == "file" else answers[slug]
        response = client.post(url(draft, slug), data)
        if response.status_code != 302:
            return response, draft
    return response, draft


def post(client: Client, file: Any = None, changes: dict[str, dict[str, Any]] | None = None):
    """Every step, then "Upload the form" on the check page."""
    response, draft = walk(client, file, changes)
    if response.status_code != 302:
        return response
    assert response["Location"] == url(draft, "check")
    return client.post(submit_url(draft))


def written() -> tuple[int, int, int]:
    return (
        UploadedForm.objects.count(),
        Letter.objects.count(),
        AuditEvent.objects.filter(action__startswith="form.").count(),
    )


# --- Start, steps, check -----------------------------------------------------------------------


def test_r47_starting_is_a_post_and_a_doubled_start_makes_one_draft(pro) -> None:
    html = _html(pro.get(NEW))
    assert "Start a new upload" in html and 'method="post"' in html
    assert FormDraft.objects.count() == 0
    first, second = start(pro), start(pro)
    assert first == second


def test_each_step_is_its_own_page_and_leads_to_the_next(pro) -> None:
    draft = start(pro)
    answers = step_answers()
    for slug, following in zip(ORDER, [*ORDER[1:], "check"], strict=True):
        page = _html(pro.get(url(draft, slug)))
        assert "Step " in page and 'aria-current="step"' in page
        data = {"file": a_pdf()} if slug == "file" else answers[slug]
        response = pro.post(url(draft, slug), data)
        assert response.status_code == 302, (slug, _html(response)[:3000])
        assert response["Location"] == url(draft, following)
    assert written() == (0, 0, 0)


def test_the_check_page_shows_every_answer_with_a_change_link(pro) -> None:
    _response, draft = walk(pro)
    html = _html(pro.get(url(draft, "check")))
    year = clock.today_et().year - 1
    assert "Evergreen Bakery LLC" in html and "**-***7001" in html
    assert f"{year}-03, {year}-06, {year}-09, {year}-12" in html
    assert "Casey Morgan" in html and "Certified Public Accountant" in html
    assert "Sign a return" in html and "Sign Form 1040-X" in html
    assert "form.pdf" in html
    for slug in ORDER:
        assert f'href="{url(draft, slug)}"' in html, slug
    assert "234567001" not in html and EIN not in html  # R46
    assert written() == (0, 0, 0)


def test_the_check_page_waits_for_every_step(pro) -> None:
    draft = start(pro)
    response = pro.get(url(draft, "check"))
    assert response["Location"] == url(draft, "form")
    assert pro.post(submit_url(draft))["Location"] == url(draft, "form")
    assert written() == (0, 0, 0)


def test_the_check_page_says_which_step_to_answer_first(pro) -> None:
    draft = start(pro)
    page = _html(pro.get(url(draft, "check"), follow=True))
    assert "Answer this step first: Which form are you uploading?" in page


def test_r47_an_uploaded_forms_draft_cannot_be_discarded(pro) -> None:
    assert post(pro, a_pdf()).status_code == 302
    draft, form = FormDraft.objects.get(), UploadedForm.objects.get()
    discard = reverse("authorizations_pro:form_draft_discard", args=[draft.public_id])
    response = pro.post(discard)
    assert response["Location"] == reverse("authorizations_pro:form", args=[form.public_id])
    assert "This form was already uploaded, so its draft cannot be discarded." in _html(
        pro.get(response["Location"])
    )
    draft.refresh_from_db()
    assert draft.discarded_at is None and draft.submitted_form == form


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
    # R46: the TIN is encrypted on its row, never in the JSON; the draft no longer holds it.
    assert "234567001" not in str(form.data)
    draft = FormDraft.objects.get()
    assert draft.submitted_form == form and draft.taxpayer_tin_ciphertext == ""
    receipt = _html(pro.get(response["Location"]))
    assert form.receipt_number in receipt
    assert "number 1 in line" in receipt
    # A letter to the representative says it was received (the receipt by letter).
    assert Letter.objects.filter(subject="We received your Form 2848").count() == 1


def test_several_representatives_and_many_rows_round_trip_to_the_form(pro) -> None:
    reps = {
        "row_count": "3",
        **representative(0),
        **representative(1, name="Jordan Lee", caf_number="", designation="c", jurisdiction=""),
        **representative(2, name="Sam Ortiz", caf_number="0300-77777", receives_notices=""),
        "action": "continue",
    }
    rows = {"row_count": "5", "action": "continue"}
    this_year = clock.today_et().year
    for index, (code, kind, first, month) in enumerate(
        [
            ("941", "quarterly", this_year - 1, ""),
            ("1120", "fiscal", this_year - 3, "6"),
            ("940", "annual", this_year - 2, ""),
            ("720", "quarterly", this_year - 1, ""),
            ("1065", "annual", this_year - 4, ""),
        ]
    ):
        rows.update(
            matter_row(
                index,
                form_code=code,
                description="",
                period_kind=kind,
                first_year=str(first),
                last_year=str(first + 1) if code == "1120" else "",
                fiscal_month=month,
            )
        )
    response = post(pro, a_pdf(), {"representatives": reps, "matters": rows})
    assert response.status_code == 302, _html(response)[:4000]
    data = UploadedForm.objects.get().data
    assert [r["name"] for r in data["representatives"]] == [
        "Casey Morgan",
        "Jordan Lee",
        "Sam Ortiz",
    ]
    assert data["representatives"][1]["caf_number"] == ""
    assert data["representatives"][1]["designation"] == "c"
    assert [r["receives_notices"] for r in data["representatives"]] == [True, True, False]
    assert [m["form_code"] for m in data["matters"]] == ["941", "1120", "940", "720", "1065"]
    assert data["matters"][1]["periods"] == [f"{this_year - 3}06", f"{this_year - 2}06"]
    # Acts added and removed (line 5a, 5b).
    assert data["acts"] == {
        "added": ["isp", "sign_return"],
        "other": "",
        "removed": "Sign Form 1040-X",
    }


def test_an_8821_skips_the_acts_and_part_ii(pro) -> None:
    reps = {"row_count": "1", **representative(), "action": "continue"}
    for name in ("designation", "jurisdiction", "license_number", "signed_on"):
        reps.pop(f"rep-0-{name}")
    response, draft = walk(pro, changes={"form": {"form_type": "8821"}, "representatives": reps})
    assert response["Location"] == url(draft, "check")
    assert pro.get(url(draft, "acts")).status_code == 404
    assert "rep-0-designation" not in _html(pro.get(url(draft, "representatives")))
    assert pro.post(submit_url(draft)).status_code == 302
    data = UploadedForm.objects.get().data
    assert data["acts"] == {} and data["representatives"][0]["designation"] == ""


def test_add_and_remove_rows_work_without_javascript_and_keep_what_was_typed(pro) -> None:
    draft = start(pro)
    pro.post(url(draft, "form"), {"form_type": "2848"})
    typed = {"row_count": "1", **matter_row(description="Payroll"), "action": "add"}
    html = _html(pro.post(url(draft, "matters"), typed))
    assert 'value="Payroll"' in html and 'id="row-1"' in html
    assert "A row was added." in html
    both = {"row_count": "2", **matter_row(description="Payroll"), **matter_row(1, form_code="940")}
    html = _html(pro.post(url(draft, "matters"), {**both, "action": "remove-0"}))
    assert 'value="940"' in html and 'value="Payroll"' not in html and 'id="row-1"' not in html
    # What is on the page is in the draft (R42).
    html = _html(pro.get(url(draft, "matters")))
    assert 'value="940"' in html


def test_rows_past_the_limit_are_not_kept_and_the_page_says_how_many(pro) -> None:
    draft = start(pro)
    pro.post(url(draft, "form"), {"form_type": "2848"})
    data: dict[str, str] = {"row_count": str(MAX_MATTER_ROWS + 2), "action": "continue"}
    for index in range(MAX_MATTER_ROWS + 2):
        data.update(matter_row(index))
    html = _html(pro.post(url(draft, "matters"), data))
    assert f"at most {MAX_MATTER_ROWS} rows here, so 2 rows after number" in html
    assert f'id="row-{MAX_MATTER_ROWS - 1}"' in html and f'id="row-{MAX_MATTER_ROWS}"' not in html


def test_r36_periods_expand_to_explicit_months() -> None:
    assert expand_periods("annual", 2022, 2023, None) == ("202212", "202312")
    assert expand_periods("quarterly", 2024, 2024, None) == ("202403", "202406", "202409", "202412")
    assert expand_periods("fiscal", 2023, 2024, 6) == ("202306", "202406")


def test_r42_r46_a_step_with_errors_keeps_what_was_typed_but_not_the_tin(pro) -> None:
    draft = start(pro)
    pro.post(url(draft, "form"), {"form_type": "2848"})
    answers = step_answers()["taxpayer"]
    response = pro.post(url(draft, "taxpayer"), {**answers, "name": "", "city": "Montpelier"})
    html = _html(response)
    assert response.status_code == 200
    assert html.startswith("<!") and "<title>Error:" in html
    assert "There is a problem" in html
    assert 'value="Montpelier"' in html
    assert "234567001" not in html and EIN not in html  # R46: never echoed
    assert "ending 7001" in html  # kept, encrypted, named by its last four digits
    assert "234567001" not in str(FormDraft.objects.get().data)
    # Typed again without the TIN: the kept one stands.
    response = pro.post(url(draft, "taxpayer"), {**answers, "tin": ""})
    assert response.status_code == 302
    assert written() == (0, 0, 0)


def test_r39a_the_precheck_speaks_at_the_step_where_the_problem_is(pro) -> None:
    future = (clock.today_et() + dt.timedelta(days=2)).isoformat()
    response, draft = walk(pro, changes={"taxpayer": {"signer_title": ""}})
    html = _html(response)
    assert response.status_code == 200 and response.request["PATH_INFO"] == url(draft, "taxpayer")
    assert "Enter the title of the person who signed for the business" in html
    assert 'href="#id_signer_title"' in html
    reps = {"row_count": "1", **representative(designation=""), "action": "continue"}
    response, draft = walk(pro, changes={"representatives": reps})
    assert response.request["PATH_INFO"] == url(draft, "representatives")
    assert "Enter the designation of Casey Morgan" in _html(response)
    assert 'href="#id_rep-0-designation"' in _html(response)
    rows = {"row_count": "1", **matter_row(description="All years"), "action": "continue"}
    response, draft = walk(pro, changes={"matters": rows})
    assert response.request["PATH_INFO"] == url(draft, "matters")
    assert "general reference" in _html(response)
    assert 'id="id_matter-0-description_error"' in _html(response)
    response, draft = walk(pro, changes={"signature": {"taxpayer_signed_on": future}})
    assert response.request["PATH_INFO"] == url(draft, "signature")
    assert "later than today" in _html(response)
    assert written() == (0, 0, 0)


def test_r34_r39a_a_form_naming_two_taxpayers_is_refused_at_the_taxpayer_step(pro) -> None:
    response, draft = walk(pro, changes={"taxpayer": {"more_than_one": "on"}})
    html = _html(response)
    assert response.status_code == 200 and response.request["PATH_INFO"] == url(draft, "taxpayer")
    assert "A married couple files two forms, one each." in html
    assert 'href="#id_more_than_one"' in html
    assert written() == (0, 0, 0)
    # Unticked, the same answers go on: the box is the only thing that refused them.
    response, draft = walk(pro)
    assert response.request["PATH_INFO"] != url(draft, "taxpayer")


def test_r39a_the_check_page_refuses_while_a_problem_remains_and_points_to_its_step(pro) -> None:
    response, draft = walk(pro)
    # The form type changes after the representatives were entered: an 8821 signed 130 days
    # ago is too late (R38), which the check page names with a link to the signature step.
    draft.refresh_from_db()
    data = dict(draft.data)
    data["signature"] = {**data["signature"], "taxpayer_signed_on": signed_day(130)}
    data["form"] = {"form_type": "8821"}
    FormDraft.objects.filter(pk=draft.pk).update(data=data)
    html = _html(pro.get(url(draft, "check")))
    assert "within 120 days" in html and f'href="{url(draft, "signature")}"' in html
    response = pro.post(submit_url(draft))
    assert response.status_code == 200 and "within 120 days" in _html(response)
    assert written() == (0, 0, 0)


def test_r35_the_retention_box_needs_the_authorizations_to_keep(pro) -> None:
    response, _ = walk(pro, changes={"retention": {"retention_box": "yes", "retained": ""}})
    assert "name each prior authorization to keep" in _html(response)
    response, _ = walk(pro, changes={"retention": {"retention_box": "yes", "retained": "not a"}})
    assert "as a CAF number, a form and a period" in _html(response)
    assert written() == (0, 0, 0)
    keep = {"retention": {"retention_box": "yes", "retained": "0300-54321 941 202403"}}
    response = post(pro, a_pdf(), keep)
    assert response.status_code == 302
    assert UploadedForm.objects.get().data["retained"] == [
        {"caf_number": "030054321", "matter": "941", "period": "202403", "kind": "poa"}
    ]


def test_r34a_a_remote_electronic_signature_needs_the_identity_attestation(pro) -> None:
    signature = {"signature_kind": "electronic", "remote_without_prior_relationship": "on"}
    response, _ = walk(pro, changes={"signature": signature})
    assert "Confirm that you checked the taxpayer" in _html(response)
    assert 'id="id_identity_attested_error"' in _html(response)
    assert written() == (0, 0, 0)


def test_r38_an_8821_signed_over_120_days_ago_is_refused_at_the_signature_step(pro) -> None:
    changes = {
        "form": {"form_type": "8821"},
        "signature": {"taxpayer_signed_on": signed_day(130)},
    }
    response, _ = walk(pro, changes=changes)
    assert "within 120 days" in _html(response)
    assert written() == (0, 0, 0)


# --- The file (R34) ----------------------------------------------------------------------------


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
def test_r34_a_bad_file_gets_a_clear_message_and_keeps_nothing(
    pro, file, message, private_media
) -> None:
    response, _draft = walk(pro, file)
    assert response.status_code == 200
    assert message in _html(response)
    assert written() == (0, 0, 0)
    assert not FormDraft.objects.get().file
    assert not [p for p in private_media.rglob("*") if p.is_file()]


def test_r34_the_file_is_kept_privately_under_the_draft_and_goes_with_the_upload(
    pro, private_media, django_capture_on_commit_callbacks
) -> None:
    _response, draft = walk(pro)
    draft.refresh_from_db()
    assert draft.file.name.startswith(f"form-drafts/{draft.public_id}/")
    kept = [p for p in private_media.rglob("*") if p.is_file()]
    assert len(kept) == 1 and str(kept[0]).startswith(str(private_media))
    # Continue on the file step without a new file: the kept one stands.
    assert pro.post(url(draft, "file"), {})["Location"] == url(draft, "check")
    with django_capture_on_commit_callbacks(execute=True):
        pro.post(submit_url(draft))
    files = [p for p in private_media.rglob("*") if p.is_file()]
    assert len(files) == 1 and "form-drafts" not in str(files[0])


def test_r34_no_file_asks_for_one(pro) -> None:
    _response, draft = walk(pro, until="file")
    assert "Choose the signed form to upload" in _html(pro.post(url(draft, "file"), {}))


def test_r34_two_files_are_refused(pro) -> None:
    files = [a_pdf("a"), SimpleUploadedFile("b.gif", GIF_BYTES, content_type="image/gif")]
    response, _ = walk(pro, files)
    assert "Choose one file" in _html(response)
    assert written() == (0, 0, 0)


def test_r34_a_gif_is_accepted(pro) -> None:
    response = post(pro, SimpleUploadedFile("scan.gif", GIF_BYTES, content_type="image/gif"))
    assert response.status_code == 302
    assert UploadedForm.objects.get().file_content_type == "image/gif"


def test_r34_a_16_mb_body_is_refused_from_its_length_before_it_is_read(pro) -> None:
    _, draft = walk(pro, until="file")
    response = pro.generic(
        "POST",
        url(draft, "file"),
        data=b"x" * (16 * MB),
        content_type="multipart/form-data; boundary=BoUnDaRy",
    )
    assert response.status_code == 413
    html = _html(response)
    assert "larger than 15 MB" in html and "nothing was uploaded" in html
    assert written() == (0, 0, 0)


def test_r34_a_file_just_over_15_mb_is_refused_by_its_size(pro) -> None:
    big = SimpleUploadedFile(
        "big.pdf", b"%PDF-1.7\n" + b"0" * (15 * MB), content_type="application/pdf"
    )
    response, _ = walk(pro, big)
    assert response.status_code == 200
    assert "larger than 15 MB" in _html(response)
    assert written() == (0, 0, 0)


def test_discard_wipes_the_answers_and_the_file_once(pro, private_media) -> None:
    _, draft = walk(pro, until="check")
    discard = reverse("authorizations_pro:form_draft_discard", args=[draft.public_id])
    assert "Discard the draft upload?" in _html(pro.get(discard))
    for _ in range(2):
        assert pro.post(discard)["Location"] == NEW
    draft.refresh_from_db()
    assert draft.discarded_at and draft.data == {} and not draft.taxpayer_tin_ciphertext
    assert not [p for p in private_media.rglob("*") if p.is_file()]
    assert AuditEvent.objects.filter(action="form_draft.discarded").count() == 1
    assert pro.get(url(draft, "form"))["Location"] == NEW


def test_stale_drafts_expire_with_their_files(pro, private_media) -> None:
    _, _draft = walk(pro, until="check")
    later = clock.now() + dt.timedelta(days=31)
    assert form_drafts_expire(now=later) == 1
    assert form_drafts_expire(now=later) == 0
    assert not [p for p in private_media.rglob("*") if p.is_file()]


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
    draft = FormDraft.objects.get()
    again = pro.post(submit_url(draft))
    assert again["Location"] == reverse(
        "authorizations_pro:form", args=[UploadedForm.objects.get().public_id]
    )
    assert UploadedForm.objects.count() == 1


def test_r47_a_doubled_upload_is_one_form(pro) -> None:
    content = pdf_bytes(marker="same")
    for _ in range(2):
        post(pro, SimpleUploadedFile("f.pdf", content, content_type="application/pdf"))
    assert UploadedForm.objects.count() == 1


def test_r39b_your_forms_shows_state_place_reasons_and_median(pro, rep) -> None:
    clerk = staff_clerk()
    post(pro, a_pdf("a"))
    post(pro, a_pdf("b"), {"taxpayer": {"tin": "23-4567002", "name": "Second Shop LLC"}})
    post(pro, a_pdf("c"), {"taxpayer": {"tin": "23-4567003", "name": "Third Shop LLC"}})
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
        post(pro, a_pdf(f"m{n}"), {"taxpayer": {"tin": f"23-456701{n}", "name": f"Shop {n} LLC"}})
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
        post(pro, a_pdf(f"x{n}"), {"taxpayer": {"tin": f"23-456700{n}", "name": f"Shop {n} LLC"}})
    with CaptureQueriesContext(connection) as many:
        pro.get(LIST)
    assert len(many) == len(one)


# --- Withdraw (R39b, R47) and access (R45) -----------------------------------------------------


def test_r47_withdraw_asks_first_then_withdraws_once(pro) -> None:
    post(pro, a_pdf())
    form = UploadedForm.objects.get()
    withdraw = reverse("authorizations_pro:form_withdraw", args=[form.public_id])
    assert "Yes, withdraw this form" in _html(pro.get(withdraw))
    assert UploadedForm.objects.get().state == FormState.WAITING
    for _ in range(2):
        response = pro.post(withdraw)
        assert response.status_code == 302
    form.refresh_from_db()
    assert form.state == FormState.WITHDRAWN
    assert AuditEvent.objects.filter(action="form.withdrawn").count() == 1
    assert "cannot be withdrawn" in _html(pro.get(withdraw))


def test_withdraw_needs_csrf(rep) -> None:
    client = signed_in_as(Client(enforce_csrf_checks=True), rep)
    assert client.post(NEW).status_code == 403
    csrf_client = signed_in_as(Client(), rep)
    post(csrf_client, a_pdf())
    form = UploadedForm.objects.get()
    withdraw = reverse("authorizations_pro:form_withdraw", args=[form.public_id])
    assert client.post(withdraw).status_code == 403
    assert UploadedForm.objects.get().state == FormState.WAITING


def test_r45_another_practitioners_form_is_not_found(client: Client, rep) -> None:
    post(signed_in_as(Client(), rep), a_pdf())
    form = UploadedForm.objects.get()
    other = signed_in_as(client, practitioner())
    for name in ("form", "form_withdraw"):
        page = reverse(f"authorizations_pro:{name}", args=[form.public_id])
        assert other.get(page).status_code == 404
    assert (
        other.post(reverse("authorizations_pro:form_withdraw", args=[form.public_id])).status_code
        == 404
    )
    assert form.receipt_number not in _html(other.get(LIST))
    assert UploadedForm.objects.get().state == FormState.WAITING


def test_anonymous_is_sent_to_sign_in(client: Client) -> None:
    for page in (LIST, NEW):
        response = client.get(page)
        assert response.status_code == 302
        assert "/auth/" in response["Location"] or "login" in response["Location"]


def test_the_home_links_to_your_forms(pro) -> None:
    assert f'href="{LIST}"' in _html(pro.get(reverse("practitioner_home")))


# --- htmx and closed hours (R42) ---------------------------------------------------------------


def test_htmx_swaps_the_step_region_and_is_told_where_to_go_next(pro) -> None:
    draft = start(pro)
    pro.post(url(draft, "form"), {"form_type": "2848"})
    added = pro.post(
        url(draft, "matters"),
        {"row_count": "1", **matter_row(), "action": "add"},
        HTTP_HX_REQUEST="true",
    )
    body = _html(added)
    assert "<html" not in body and '<div id="wizard-step"' in body and 'id="row-1"' in body
    wrong = pro.post(url(draft, "taxpayer"), {"name": ""}, HTTP_HX_REQUEST="true")
    assert "<title>Error: " in _html(wrong) and "There is a problem" in _html(wrong)
    valid = pro.post(url(draft, "taxpayer"), step_answers()["taxpayer"], HTTP_HX_REQUEST="true")
    assert valid["HX-Redirect"] == url(draft, "representatives")


def test_r42_a_step_posted_while_closed_is_kept_and_nothing_is_uploaded(pro) -> None:
    _, draft = walk(pro, until="check")
    maintenance_now()
    response = pro.post(url(draft, "taxpayer"), {**step_answers()["taxpayer"], "city": "Barre"})
    assert response.status_code == 503
    draft.refresh_from_db()
    assert draft.data["raw"]["taxpayer"]["city"] == "Barre"
    assert "tin" not in draft.data["raw"]["taxpayer"] and "234567001" not in str(draft.data)
    assert pro.post(submit_url(draft)).status_code == 503
    assert written() == (0, 0, 0)


def test_a_step_sent_after_the_idle_timeout_keeps_its_answers_in_the_draft(pro) -> None:
    """Issue 10, as for the request wizard: signed out, and what was typed is kept."""
    draft = start(pro)
    session = pro.session
    stale = clock.now().timestamp() - 31 * 60
    session[SESSION_STARTED_KEY], session[SESSION_LAST_SEEN_KEY] = stale - 3600, stale
    session.save()
    response = pro.post(url(draft, "taxpayer"), {**step_answers()["taxpayer"], "city": "Bar\x00re"})
    assert response["Location"] == f"/auth/login/?next={url(draft, 'taxpayer')}"
    draft.refresh_from_db()
    assert draft.data["raw"]["taxpayer"]["city"] == "Barre"
    assert draft.taxpayer_tin_ciphertext and "234567001" not in str(draft.data)


def test_r34_a_drafts_file_is_in_the_private_storage_only() -> None:
    """No URL ever serves the private storage: the drafts' files are kept there too."""
    field = FormDraft._meta.get_field("file")
    assert field._storage_callable is private_storage
    assert UploadedForm._meta.get_field("file")._storage_callable is private_storage


def test_a_form_takes_at_most_four_representatives(pro) -> None:
    draft = start(pro)
    pro.post(url(draft, "form"), {"form_type": "2848"})
    data: dict[str, str] = {"row_count": str(MAX_REPRESENTATIVES), "action": "add"}
    for index in range(MAX_REPRESENTATIVES):
        data.update(representative(index, name=f"Person {index}"))
    html = _html(pro.post(url(draft, "representatives"), data))
    assert f"at most {MAX_REPRESENTATIVES} representatives here." in html
    assert f'id="row-{MAX_REPRESENTATIVES}"' not in html and 'value="Person 3"' in html
    data.update(representative(MAX_REPRESENTATIVES, name="Person 4"))
    data.update(row_count=str(MAX_REPRESENTATIVES + 1), action="continue")
    html = _html(pro.post(url(draft, "representatives"), data))
    assert "so 1 representative after number 4 was not kept" in html


def test_an_8821_names_designees(pro) -> None:
    draft = start(pro)
    pro.post(url(draft, "form"), {"form_type": "8821"})
    html = _html(pro.get(url(draft, "representatives")))
    assert "Designee 1" in html and "Add another designee" in html
    assert "Representative 1" not in html


def test_the_start_page_lists_unfinished_uploads_in_a_constant_number_of_queries(pro) -> None:
    _, first = walk(pro, until="matters")
    with CaptureQueriesContext(connection) as one:
        html = _html(pro.get(NEW))
    assert "Evergreen Bakery LLC" in html and url(first, "matters") in html
    for _ in range(3):
        now = clock.now()
        more = FormDraft.objects.create(
            public_id=uuid.uuid4(), owner=first.owner, created_at=now, updated_at=now
        )
        walk(pro, until="file", draft=more)
    with CaptureQueriesContext(connection) as many:
        html = _html(pro.get(NEW))
    assert html.count("Continue<span") == 4
    assert len(many) == len(one)


def test_questions_that_depend_on_an_answer_are_marked_for_scripts_and_always_in_the_page(
    pro,
) -> None:
    draft = start(pro)
    pro.post(url(draft, "form"), {"form_type": "2848"})
    html = _html(pro.get(url(draft, "taxpayer")))
    assert '<div data-shown-when="taxpayer_kind=business">' in html and "id_signer_title" in html
    html = _html(pro.get(url(draft, "retention")))
    assert '<div data-shown-when="retention_box=yes">' in html and "id_retained" in html
