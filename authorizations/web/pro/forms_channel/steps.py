"""The forms wizard's step registry (style.md, as the request wizard's): one question or one
small group per page, walked by one view (:mod:`.views`), which never asks which step it is.

Every step keeps what was typed, valid or not (R42), never the TIN (R46). The keyed data of the
form (:class:`FormData`) is built from the steps' saved answers, each re-judged by its own
form, so the R39a pre-check can run at any step and show each problem at the step where it can
be seen; the check page runs it whole and refuses to upload while any problem remains.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from django import forms
from django.urls import reverse

from authorizations.forms_channel.data import FormData, FormTaxpayer
from authorizations.forms_channel.precheck import Problem, form_precheck
from authorizations.models import FormDraft, FormType, RejectionReason, SignatureKind
from authorizations.services.form_drafts import FILE
from authorizations.web.pro.forms_channel.forms import (
    ACT_CHOICES,
    ActsForm,
    FileForm,
    FormTypeForm,
    MattersForm,
    RepresentativesForm,
    RetentionForm,
    RowList,
    SignatureForm,
    SpecificUseForm,
    TaxpayerForm,
    typed_values,
)
from authorizations.web.pro.wizard_kit import (
    CheckYourAnswers,
    Edit,
    KitStep,
    SummaryRow,
    raw_answers_of,
)
from caf.models import DesignationCode
from taxpro import clock
from taxpro.addresses import PostalAddress
from taxpro.errors import TinInvalid
from taxpro.tin_crypto import tin_decrypt
from taxpro.tins import HolderKind, Tin, tin_mask, tin_parse


def answers_of(draft: FormDraft, slug: str) -> dict[str, Any] | None:
    value = draft.data.get(slug)
    return value if isinstance(value, dict) else None


def form_type_of(draft: FormDraft) -> str:
    value = (answers_of(draft, "form") or {}).get("form_type", "")
    return value if value in FormType.values else ""


def kept_tin_of(draft: FormDraft) -> str:
    return tin_decrypt(draft.taxpayer_tin_ciphertext) if draft.taxpayer_tin_ciphertext else ""


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


class Step(KitStep[FormDraft]):
    """One page. A question step is complete once it was posted valid and not changed since
    into something invalid."""

    # The template of its questions, in authorizations/pro/forms/steps/.
    template: ClassVar[str] = "questions"
    intro: ClassVar[str] = ""
    # Questions shown with JavaScript only when a radio of the step has a value ("name=value");
    # without JavaScript, and whenever they hold an error, they are always shown.
    shown_when: ClassVar[dict[str, str]] = {}
    # The keys of a pre-check problem's field (its first part) that this step shows (R39a).
    problem_heads: ClassVar[tuple[str, ...]] = ()

    def applies(self, draft: FormDraft) -> bool:
        return True

    def is_complete(self, draft: FormDraft) -> bool:
        return answers_of(draft, self.slug) is not None and raw_answers_of(draft, self.slug) is None

    def form_kwargs(self, draft: FormDraft) -> dict[str, Any]:
        return {}

    def form(self, *, draft: FormDraft, data: Mapping[str, Any] | None = None) -> Any:
        """Bound to ``data`` (a POST), else to what was typed and kept, else to the saved
        answers (which are kept as typed, so they are judged again), else unbound."""
        if data is None:
            data = raw_answers_of(draft, self.slug) or answers_of(draft, self.slug)
        return self.form_class(data=data, **self.form_kwargs(draft))

    def saved_form(self, draft: FormDraft) -> Any | None:
        """The form bound to the step's valid answers, or None while it has none."""
        answers = answers_of(draft, self.slug)
        if answers is None:
            return None
        return self.form_class(data=answers, **self.form_kwargs(draft))

    def typed(self, *, post: Mapping[str, Any], form: Any) -> dict[str, Any]:
        return typed_values(form, post)

    def edit(self, *, draft: FormDraft, post: Mapping[str, Any], action: str) -> Edit | None:
        return None

    def contribute(self, form: Any, parts: dict[str, Any]) -> None:
        """Put a valid form's answers into the keyed data."""

    def show(self, form: Any, problem: Problem) -> None:
        """R39a: a pre-check problem at its question, else at the top of the step."""
        _head, _, rest = problem.field.partition(".")
        name = rest if rest in form.fields else None
        if name is None and problem.field in form.fields:
            name = problem.field
        form.add_error(name, problem.message)

    def summary(self, form: Any) -> list[SummaryRow]:
        return []


class FormTypeStep(Step):
    slug = "form"
    title = "Which form are you uploading?"
    label = "Form"
    form_class = FormTypeForm
    problem_heads = ("form_type",)

    def contribute(self, form: Any, parts: dict[str, Any]) -> None:
        parts["form_type"] = form.cleaned_data["form_type"]

    def summary(self, form: Any) -> list[SummaryRow]:
        return [SummaryRow("Form", [FormType(form.cleaned_data["form_type"]).label])]


class TaxpayerStep(Step):
    slug = "taxpayer"
    title = "The taxpayer (line 1)"
    label = "Taxpayer"
    form_class = TaxpayerForm
    problem_heads = ("taxpayer",)
    shown_when = {"signer_title": "taxpayer_kind=business"}

    def is_complete(self, draft: FormDraft) -> bool:
        return super().is_complete(draft) and bool(draft.taxpayer_tin_ciphertext)

    def form_kwargs(self, draft: FormDraft) -> dict[str, Any]:
        return {"kept_tin": kept_tin_of(draft)}

    def tin(self, form: Any) -> Tin | None:
        parsed: Tin | None = form.parsed_tin
        return parsed

    def typed_tin(self, post: Mapping[str, Any]) -> Tin | None:
        kind = post.get("taxpayer_kind", "")
        if kind not in HolderKind.values:
            return None
        try:
            return tin_parse(str(post.get("tin", "")), holder_kind=kind)
        except TinInvalid:
            return None

    def contribute(self, form: Any, parts: dict[str, Any]) -> None:
        data = form.cleaned_data
        parts["taxpayer"] = FormTaxpayer(
            kind=data["taxpayer_kind"],
            tin=form.parsed_tin.digits,
            name=data["name"],
            address=form.postal_address(),
            signer_title=data["signer_title"],
        )
        parts["taxpayer_count"] = 2 if data["more_than_one"] else 1

    def show(self, form: Any, problem: Problem) -> None:
        name = {
            "taxpayer": "more_than_one",  # R34: one taxpayer per form
            "taxpayer.kind": "taxpayer_kind",
            "taxpayer.name": "name",
            "taxpayer.signer_title": "signer_title",
        }.get(problem.field)
        form.add_error(name, problem.message)

    def summary(self, form: Any) -> list[SummaryRow]:
        data = form.cleaned_data
        tin: Tin = form.parsed_tin
        rows = [
            SummaryRow("Person or business", [HolderKind(data["taxpayer_kind"]).label]),
            SummaryRow("Taxpayer's name", [data["name"]]),
            # R43: only the last four digits are shown.
            SummaryRow("SSN, ITIN or EIN", [tin_mask(tin.last4, tin_type=tin.tin_type)]),
            SummaryRow("Taxpayer's address", form.postal_address().as_lines()),
        ]
        if data["signer_title"]:
            rows.append(SummaryRow("Signed for the business by", [data["signer_title"]]))
        if data["more_than_one"]:
            rows.append(SummaryRow("Taxpayers on line 1", ["More than one"]))
        return rows


class RowsStep(Step):
    """A step of rows: "Add another" and "Remove" edit the rows and show the step again
    without judging rows still being written; "Continue" judges them all."""

    form_class: ClassVar[type[RowList]]
    template = "rows"

    @property
    def row_noun(self) -> str:
        """What a row is, as its rows' form says ("representative", "row")."""
        return self.form_class.noun

    @property
    def add_words(self) -> str:
        return f"Add another {self.row_noun}"

    def form(self, *, draft: FormDraft, data: Mapping[str, Any] | None = None) -> RowList:
        form_type = form_type_of(draft)
        if data is not None:
            return self.form_class.from_post(data, form_type=form_type)
        raw = raw_answers_of(draft, self.slug)
        saved = answers_of(draft, self.slug)
        rows = (raw or saved or {}).get("rows") or [self.form_class.new_row()]
        return self.form_class(rows=list(rows), bound=bool(raw or saved), form_type=form_type)

    def saved_form(self, draft: FormDraft) -> RowList | None:
        saved = answers_of(draft, self.slug)
        if saved is None:
            return None
        return self.form_class(
            rows=list(saved.get("rows", [])), bound=True, form_type=form_type_of(draft)
        )

    def typed(self, *, post: Mapping[str, Any], form: Any) -> dict[str, Any]:
        return form.raw_answers()  # type: ignore[no-any-return]

    def edit(self, *, draft: FormDraft, post: Mapping[str, Any], action: str) -> Edit | None:
        if action == "continue":
            return None
        posted = self.form_class.from_post(post, form_type=form_type_of(draft))
        rows = posted.rows
        focus_row: int | None = None
        status = ""
        if action == "add" and len(rows) < self.form_class.limit:
            rows.append(self.form_class.new_row())
            focus_row, status = len(rows) - 1, f"A {self.row_noun} was added."
        elif action == "add":
            rows_class = self.form_class
            status = f"A form can have at most {rows_class.limit} {rows_class.noun}s here."
        elif action.startswith("remove-"):
            index = action.removeprefix("remove-")
            if index.isdigit() and int(index) < len(rows):
                rows.pop(int(index))
                status = f"The {self.row_noun} was removed."
                focus_row = min(int(index), len(rows) - 1) if rows else None
        form = self.form_class(
            rows=rows, bound=False, form_type=posted.form_type, rows_dropped=posted.rows_dropped
        )
        return Edit(
            form=form,
            typed=form.raw_answers(),
            extra={"focus_row": focus_row, "focus_add": focus_row is None, "rows_status": status},
        )

    def show(self, form: Any, problem: Problem) -> None:
        _head, _, rest = problem.field.partition(".")
        index, _, name = rest.partition(".")
        if not index.isdigit() or int(index) >= len(form.forms):
            form.add_error(None, problem.message)
            return
        row = form.forms[int(index)]
        name = self.field_of(name, problem)
        row.add_error(name if name in row.fields else None, problem.message)

    def field_of(self, name: str, problem: Problem) -> str:
        return name


class RepresentativesStep(RowsStep):
    slug = "representatives"
    title = "Representatives or designees (line 2)"
    label = "Representatives"
    form_class = RepresentativesForm
    problem_heads = ("representatives",)
    intro = (
        "Enter each representative (Form 2848) or designee (Form 8821) named on line 2, as on"
        " the form. On a Form 2848, also enter what each one wrote in Part II."
    )

    def context(self, draft: FormDraft) -> dict[str, Any]:
        # Form 8821 names designees; Form 2848 names representatives.
        if form_type_of(draft) == FormType.F8821:
            return {"row_noun": "designee", "add_words": "Add another designee"}
        return {}

    def contribute(self, form: Any, parts: dict[str, Any]) -> None:
        parts["representatives"] = form.representatives()

    def summary(self, form: Any) -> list[SummaryRow]:
        rows = []
        for number, row in enumerate(form.forms, start=1):
            rep = row.representative()
            lines = [rep.name, *rep.address.as_lines()]
            lines.append(
                f"CAF number {rep.caf_number[:4]}-{rep.caf_number[4:]}"
                if rep.caf_number
                else "No CAF number yet"
            )
            if rep.ptin:
                lines.append(f"PTIN {rep.ptin}")
            lines.append(f"Copies of notices: {_yes_no(rep.receives_notices)}")
            if row.is_2848:
                designation = (
                    DesignationCode(rep.designation).label
                    if rep.designation in DesignationCode.values
                    else "None given"
                )
                where = f", {rep.jurisdiction} {rep.license_number}".rstrip(", ")
                lines.append(f"Designation: {designation}{where if rep.jurisdiction else ''}")
                if rep.signed_on:
                    lines.append(f"Signed Part II on {rep.signed_on:%B %-d, %Y}")
            rows.append(SummaryRow(f"Number {number}", lines))
        return rows


class MattersStep(RowsStep):
    slug = "matters"
    title = "Tax matters and periods (line 3)"
    label = "Matters"
    form_class = MattersForm
    problem_heads = ("matters",)
    intro = (
        "One row for each line of line 3: the form number, the matter as written, and the"
        " periods. Each year, quarter or fiscal year from the first year to the last is"
        ' included. A general reference such as "all years" cannot be recorded.'
    )

    def contribute(self, form: Any, parts: dict[str, Any]) -> None:
        parts["matters"] = form.matters()

    def field_of(self, name: str, problem: Problem) -> str:
        # A general reference ("all years") is in what was written; other period problems
        # are about the years.
        if name == "periods":
            general = problem.reason == RejectionReason.GENERAL_REFERENCE
            return "description" if general else "first_year"
        return name

    def summary(self, form: Any) -> list[SummaryRow]:
        rows = []
        for row in form.forms:
            matter = row.matter()
            ending = ", ".join(f"{p[:4]}-{p[4:]}" for p in matter.periods)
            about = f" ({matter.description})" if matter.description else ""
            rows.append(SummaryRow(f"Form {matter.form_code}{about}", [f"Periods ending {ending}"]))
        return rows


class SpecificUseStep(Step):
    slug = "specific-use"
    title = "Specific use (line 4)"
    label = "Line 4"
    form_class = SpecificUseForm

    def contribute(self, form: Any, parts: dict[str, Any]) -> None:
        parts["specific_use"] = form.cleaned_data["specific_use"] == "yes"

    def summary(self, form: Any) -> list[SummaryRow]:
        specific = form.cleaned_data["specific_use"] == "yes"
        words = "Yes: the form is kept, not recorded" if specific else "No"
        return [SummaryRow("Line 4 checked", [words])]


class ActsStep(Step):
    """Form 2848, lines 5a and 5b; an 8821 has none, so the step is skipped for it."""

    slug = "acts"
    title = "Acts authorized and not authorized (lines 5a and 5b)"
    label = "Acts"
    form_class = ActsForm

    def applies(self, draft: FormDraft) -> bool:
        return form_type_of(draft) != FormType.F8821

    def contribute(self, form: Any, parts: dict[str, Any]) -> None:
        parts["acts"] = form.acts()

    def summary(self, form: Any) -> list[SummaryRow]:
        acts = form.acts()
        names = dict(ACT_CHOICES)
        added = [names[code] for code in acts["added"]]
        if acts["other"]:
            added.append(acts["other"])
        return [
            SummaryRow("Acts added", added or ["None"]),
            SummaryRow("Acts not authorized", [acts["removed"] or "None"]),
        ]


class RetentionStep(Step):
    slug = "retention"
    title = "Prior authorizations (retention box)"
    label = "Retention"
    form_class = RetentionForm
    problem_heads = ("retained",)
    shown_when = {"retained": "retention_box=yes"}

    def form_kwargs(self, draft: FormDraft) -> dict[str, Any]:
        return {"form_type": form_type_of(draft)}

    def contribute(self, form: Any, parts: dict[str, Any]) -> None:
        parts["retention_box"] = form.cleaned_data["retention_box"] == "yes"
        parts["retained"] = form.cleaned_data["retained_rows"]

    def summary(self, form: Any) -> list[SummaryRow]:
        if form.cleaned_data["retention_box"] != "yes":
            return [SummaryRow("Retention box checked", ["No"])]
        kept = [
            f"{r.caf_number} Form {r.matter} {r.period}" for r in form.cleaned_data["retained_rows"]
        ]
        return [SummaryRow("Retention box checked", ["Yes"]), SummaryRow("To keep", kept)]


class SignatureStep(Step):
    slug = "signature"
    title = "The taxpayer's signature"
    label = "Signature"
    form_class = SignatureForm
    problem_heads = ("taxpayer_signed_on", "signature_kind", "identity_attested")

    def contribute(self, form: Any, parts: dict[str, Any]) -> None:
        for name in (
            "signature_kind",
            "taxpayer_signed_on",
            "remote_without_prior_relationship",
            "identity_attested",
        ):
            parts[name] = form.cleaned_data[name]

    def summary(self, form: Any) -> list[SummaryRow]:
        data = form.cleaned_data
        signed = data["taxpayer_signed_on"]
        rows = [
            SummaryRow("How the taxpayer signed", [SignatureKind(data["signature_kind"]).label]),
            SummaryRow("Date the taxpayer signed", [f"{signed:%B %-d, %Y}" if signed else ""]),
        ]
        if data["remote_without_prior_relationship"]:
            rows.append(
                SummaryRow(
                    "Identity checked before the upload", [_yes_no(data["identity_attested"])]
                )
            )
        return rows


class FileStep(Step):
    """The signed form, last before the check: kept privately under the draft (R34)."""

    slug = "file"
    title = "Attach the signed form"
    label = "File"
    form_class = FileForm
    problem_heads = ("file",)
    template = "file"

    def is_complete(self, draft: FormDraft) -> bool:
        return bool(draft.file)

    def form(self, *, draft: FormDraft, data: Mapping[str, Any] | None = None) -> Any:
        return FileForm(data=data)

    def typed(self, *, post: Mapping[str, Any], form: Any) -> dict[str, Any]:
        return {}

    def context(self, draft: FormDraft) -> dict[str, Any]:
        return {"kept_file": draft.data.get(FILE) if draft.file else None}


class CheckStep(CheckYourAnswers[FormDraft], Step):
    form_class = forms.Form
    template = "check"

    def context(self, draft: FormDraft) -> dict[str, Any]:
        sections = []
        for each in question_steps(draft):
            saved = each.saved_form(draft)
            rows = each.summary(saved) if saved is not None and saved.is_valid() else []
            if each is FILE_STEP and draft.file:
                kept = draft.data.get(FILE) or {}
                rows = [SummaryRow("File", [f"{kept.get('name', '')} ({kept.get('kind', '')})"])]
            sections.append({"step": each, "rows": rows, "url": step_url(draft, each)})
        problems = [
            {
                "message": problem.message,
                "step": step_of(problem),
                "url": step_url(draft, step_of(problem)),
            }
            for problem in draft_problems(draft)
        ]
        return {"sections": sections, "problems": problems}


STEPS: list[Step] = [
    FormTypeStep(),
    TaxpayerStep(),
    RepresentativesStep(),
    MattersStep(),
    SpecificUseStep(),
    ActsStep(),
    RetentionStep(),
    SignatureStep(),
    FileStep(),
    CheckStep(),
]
STEP_BY_SLUG = {step.slug: step for step in STEPS}
CHECK_STEP = STEPS[-1]
FILE_STEP = STEP_BY_SLUG["file"]


def question_steps(draft: FormDraft) -> list[Step]:
    return [step for step in STEPS if step.is_question and step.applies(draft)]


def steps_of(draft: FormDraft) -> list[Step]:
    return [step for step in STEPS if step.applies(draft)]


def step_url(draft: FormDraft, step: Step) -> str:
    return reverse("authorizations_pro:form_draft_step", args=[draft.public_id, step.slug])


def first_incomplete(draft: FormDraft) -> Step:
    for step in question_steps(draft):
        if not step.is_complete(draft):
            return step
    return CHECK_STEP


def next_step(draft: FormDraft, current: Step) -> Step:
    """After a step: the next one that applies, or the check page once all are answered."""
    if first_incomplete(draft) is CHECK_STEP:
        return CHECK_STEP
    steps = steps_of(draft)
    following = STEPS[STEPS.index(current) + 1 :]
    return next(step for step in following if step in steps)


def step_of(problem: Problem) -> Step:
    """R39a: the step where a pre-check problem can be seen."""
    head = problem.field.split(".", 1)[0]
    for step in STEPS:
        if head in step.problem_heads:
            return step
    return CHECK_STEP


def form_data_of(
    draft: FormDraft, *, current: Step | None = None, current_form: Any = None
) -> FormData:
    """The keyed data the draft's valid answers make, with ``current_form`` (valid) standing in
    for ``current``'s saved answers; what is not answered yet stays empty."""
    parts: dict[str, Any] = {
        "form_type": "",
        "taxpayer": FormTaxpayer(
            kind="",
            tin="",
            name="",
            address=PostalAddress(line1="", city="", state="", zip_code=""),
        ),
        "representatives": (),
        "matters": (),
        "signature_kind": "",
    }
    for step in STEPS:
        if not step.is_question or not step.applies(draft):
            continue
        form = current_form if step is current else step.saved_form(draft)
        if form is not None and form.is_valid():
            step.contribute(form, parts)
    return FormData(**parts)


def draft_problems(
    draft: FormDraft, *, current: Step | None = None, current_form: Any = None
) -> list[Problem]:
    """R39a: the pre-check of the keyed data so far, as if received today."""
    data = form_data_of(draft, current=current, current_form=current_form)
    return form_precheck(data, received_on=clock.today_et())


def step_problems(draft: FormDraft, current: Step, form: Any) -> list[Problem]:
    """The pre-check's problems this valid step's answers show (R39a), for the step itself."""
    if not current.problem_heads:
        return []
    problems = draft_problems(draft, current=current, current_form=form)
    return [problem for problem in problems if step_of(problem) is current]
