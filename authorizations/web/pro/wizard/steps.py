"""The wizard's step registry (style.md, after pretix's checkout flow).

Each step declares its slug, title and form class; how its form is built from the draft (what
was typed and kept, else the saved answers, plus what the form needs to know, such as the POA
eligibility); what of a POST is kept in the draft, valid or not (never the TIN, R46); and when
it is complete. "Check your answers" is a step like the others. One view
(:mod:`authorizations.web.pro.wizard.views`) walks :data:`STEPS` and never asks which step it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from django.urls import reverse

from authorizations.errors import AuthorizationError
from authorizations.models import RequestDraft, RequestKind
from authorizations.periods import Matter, format_period
from authorizations.services.drafts import TIN
from authorizations.web.pro.wizard import selectors
from authorizations.web.pro.wizard.forms import (
    MAX_MATTER_ROWS,
    OTHER_CAF,
    DeclarationForm,
    MattersForm,
    NoticesForm,
    RepresentativeForm,
    TaxpayerForm,
    declaration,
)
from authorizations.web.pro.wizard_kit import (
    CheckYourAnswers,
    Edit,
    KitStep,
    SummaryRow,
    raw_answers_of,
)
from caf.errors import CafError
from taxpayers.errors import TaxpayerError
from taxpro import clock
from taxpro.addresses import PostalAddress
from taxpro.errors import TinInvalid
from taxpro.form_fields import text_for_keeping
from taxpro.models import User
from taxpro.tins import HolderKind, Tin, tin_mask, tin_parse

# What is kept of a value typed into a step that is not valid yet (R42): enough, and bounded.
RAW_VALUE_LIMIT = 200


def answers_of(draft: RequestDraft, slug: str) -> dict[str, Any]:
    value = draft.data.get(slug)
    return value if isinstance(value, dict) else {}


def postal_address_of(answers: dict[str, Any]) -> PostalAddress:
    """The address a step's answers name (the representative's or the taxpayer's)."""
    return PostalAddress(
        line1=answers.get("line1", ""),
        line2=answers.get("line2", ""),
        city=answers.get("city", ""),
        state=answers.get("state", ""),
        zip_code=answers.get("zip_code", ""),
    )


class Step(KitStep[RequestDraft]):
    """One page of the wizard. A question step keeps what was typed on every POST (R42) and is
    complete once it was posted valid."""

    # Its form_class is a Django form, or MattersForm (rows of forms) for the matters step.
    # is_question is False for "check your answers": its form posts to the wizard_submit URL,
    # so a POST to the page itself saves nothing, and the page is shown only once every
    # question is answered.

    # R12: a refusal caused by one of these sends the practitioner back to this step.
    refusal_causes: ClassVar[tuple[type[Exception], ...]] = ()
    # Where a practitioner refused for this step's answers finds help: (URL name, link words).
    refusal_help: ClassVar[tuple[str, str] | None] = None

    def is_complete(self, draft: RequestDraft) -> bool:
        return bool(answers_of(draft, self.slug)) and raw_answers_of(draft, self.slug) is None

    def summary(self, draft: RequestDraft) -> list[SummaryRow]:
        return []

    def form_kwargs(self, *, draft: RequestDraft, practitioner: User) -> dict[str, Any]:
        """What the form needs besides data and the saved answers (which are its initial)."""
        return {}

    def form(
        self, *, draft: RequestDraft, practitioner: User, data: Mapping[str, Any] | None = None
    ) -> Any:
        """The step's form: bound to ``data``, else to the kept typed answers, else initial."""
        kwargs: dict[str, Any] = {
            "data": data if data is not None else raw_answers_of(draft, self.slug),
            "initial": answers_of(draft, self.slug),
        }
        kwargs.update(self.form_kwargs(draft=draft, practitioner=practitioner))
        return self.form_class(**kwargs)

    def answers(self, form: Any) -> dict[str, Any]:
        """A valid form's answers as the draft keeps them, never the TIN (R46)."""
        return {name: value for name, value in form.cleaned_data.items() if name != "tin"}

    def typed(self, *, post: Mapping[str, Any], form: Any) -> dict[str, Any]:
        """What was typed on the step, without the TIN (R46), each value bounded and without
        the characters the database cannot hold (a NUL would make the save fail)."""
        names = [name for name in form.fields if name != "tin"]
        return {name: text_for_keeping(post.get(name, ""), limit=RAW_VALUE_LIMIT) for name in names}

    def edit(self, *, post: Mapping[str, Any], action: str) -> Edit | None:
        """The step's own buttons; None when the step has only "Continue"."""
        return None

    def checks_caf_file(self, form: Any) -> bool:
        """Does this valid form name a CAF number to check against the CAF file at once?"""
        return False

    def unanswered_message(self) -> str:
        # The request wizard's titles are phrases that read in lower case within a sentence.
        return f"Answer this step first: {self.title.lower()}."

    def owns_refusal(self, error: AuthorizationError) -> bool:
        return isinstance(error.__cause__, self.refusal_causes) or (error.field or "").startswith(
            self.slug
        )


class RepresentativeStep(Step):
    slug = "representative"
    title = "You and the kind of request"
    label = "You"
    form_class = RepresentativeForm
    refusal_causes = (CafError,)
    refusal_help = ("help_caf_numbers", "Help with CAF numbers")

    def form_kwargs(self, *, draft: RequestDraft, practitioner: User) -> dict[str, Any]:
        # R7: the linked CAF numbers to pick from; R1-R2: whether a POA may be asked for.
        records = selectors.linked_caf_records(practitioner=practitioner)
        kwargs: dict[str, Any] = {
            "records": records,
            "poa": selectors.poa_eligibility(practitioner=practitioner, records=records),
        }
        answers = answers_of(draft, self.slug)
        if not answers.get("caf_choice") and records:
            kwargs["initial"] = {**answers, "caf_choice": records[0].caf_number}
        return kwargs

    def checks_caf_file(self, form: Any) -> bool:
        # R3: a typed CAF number is checked at its step, not only when the request is sent.
        return bool(form.cleaned_data.get("caf_choice") == OTHER_CAF)

    def summary(self, draft: RequestDraft) -> list[SummaryRow]:
        answers = answers_of(draft, self.slug)
        number = answers.get("caf_number", "")
        kind = answers.get("kind", "")
        return [
            SummaryRow("Kind of request", [RequestKind(kind).label if kind else ""]),
            SummaryRow("Your CAF number", [f"{number[:4]}-{number[4:]}" if number else ""]),
            SummaryRow("Your name on the CAF file", [answers.get("name", "")]),
            SummaryRow("Your address of record", postal_address_of(answers).as_lines()),
        ]


class TaxpayerStep(Step):
    slug = "taxpayer"
    title = "The taxpayer"
    label = "Taxpayer"
    form_class = TaxpayerForm
    refusal_causes = (TaxpayerError,)
    refusal_help = ("help_abbreviations", "Approved abbreviations for addresses")

    def is_complete(self, draft: RequestDraft) -> bool:
        return super().is_complete(draft) and bool(draft.taxpayer_tin_ciphertext)

    def form_kwargs(self, *, draft: RequestDraft, practitioner: User) -> dict[str, Any]:
        # R46: the page only learns the last four digits of a TIN already kept.
        kept = draft.taxpayer_tin_ciphertext
        return {"stored_tin_last4": answers_of(draft, TIN).get("last4", "") if kept else ""}

    def tin(self, form: Any) -> Tin | None:
        return form.parsed_tin

    def typed_tin(self, post: Mapping[str, Any]) -> Tin | None:
        try:
            return tin_parse(post.get("tin", ""), holder_kind=HolderKind.INDIVIDUAL)
        except TinInvalid:
            return None

    def summary(self, draft: RequestDraft) -> list[SummaryRow]:
        answers = answers_of(draft, self.slug)
        tin = answers_of(draft, TIN)
        last4 = tin.get("last4", "")
        return [
            SummaryRow("Taxpayer's name", [answers.get("name", "")]),
            # R43: only the last four digits are shown.
            SummaryRow(
                "SSN or ITIN", [tin_mask(last4, tin_type=tin.get("type", "ssn"))] if last4 else []
            ),
            SummaryRow("Taxpayer's address", postal_address_of(answers).as_lines()),
        ]


class MattersStep(Step):
    slug = "matters"
    title = "Tax matters and periods"
    label = "Matters"
    form_class = MattersForm

    def form(
        self, *, draft: RequestDraft, practitioner: User, data: Mapping[str, Any] | None = None
    ) -> MattersForm:
        today = clock.today_et()
        if data is not None:
            return MattersForm.from_post(data, today=today)
        raw = raw_answers_of(draft, self.slug)
        rows = (raw or answers_of(draft, self.slug)).get("rows") or [MattersForm.new_row()]
        return MattersForm(rows=rows, today=today, bound=raw is not None)

    def answers(self, form: Any) -> dict[str, Any]:
        return form.answers()

    def typed(self, *, post: Mapping[str, Any], form: Any) -> dict[str, Any]:
        return {"rows": MattersForm.rows_for_keeping(MattersForm.rows_from_post(post))}

    def edit(self, *, post: Mapping[str, Any], action: str) -> Edit | None:
        """ "Add another matter", "Remove" and "Update periods": edit the rows and show the step
        again without judging rows still being written."""
        if action == "continue":
            return None
        posted = MattersForm.from_post(post, today=clock.today_et())
        rows = posted.rows
        focus_row: int | None = None
        status_text = ""
        if action == "add" and len(rows) < MAX_MATTER_ROWS:
            rows.append(MattersForm.new_row())
            focus_row, status_text = len(rows) - 1, "A tax matter was added."
        elif action == "add":
            status_text = f"A request can have at most {MAX_MATTER_ROWS} rows of tax matters."
        elif action.startswith("remove-"):
            index = action.removeprefix("remove-")
            if index.isdigit() and int(index) < len(rows):
                rows.pop(int(index))
                status_text = "The tax matter was removed."
                focus_row = min(int(index), len(rows) - 1) if rows else None
        elif action.startswith("update"):
            status_text = "The periods were updated for the tax matter."
        form = MattersForm(
            rows=rows, today=clock.today_et(), bound=False, rows_dropped=posted.rows_dropped
        )
        return Edit(
            form=form,
            typed=form.raw_answers(),
            extra={
                "focus_row": focus_row,
                # After the last row is removed (or at the row limit) focus goes to "Add".
                "focus_add": focus_row is None and not action.startswith("update"),
                "rows_status": status_text,
            },
        )

    def owns_refusal(self, error: AuthorizationError) -> bool:
        # Whatever the representative and taxpayer steps do not own is about the matters.
        return True

    def summary(self, draft: RequestDraft) -> list[SummaryRow]:
        rows = []
        for row in answers_of(draft, self.slug).get("rows", []):
            matter = row.get("matter", "")
            if matter not in Matter.values:
                continue
            periods = [format_period(matter=matter, period=p) for p in row.get("periods", [])]
            rows.append(SummaryRow(Matter(matter).label, [", ".join(periods)]))
        return rows


class NoticesStep(Step):
    slug = "notices"
    title = "Copies of notices"
    label = "Notices"
    form_class = NoticesForm

    def summary(self, draft: RequestDraft) -> list[SummaryRow]:
        answer = answers_of(draft, self.slug).get("receives_notices")
        return [SummaryRow("Copies of notices", ["Yes" if answer == "yes" else "No"])]


class CheckStep(CheckYourAnswers[RequestDraft], Step):
    form_class = DeclarationForm

    def context(self, draft: RequestDraft) -> dict[str, Any]:
        return {
            "sections": [
                {"step": each, "rows": each.summary(draft), "url": step_url(draft, each)}
                for each in QUESTION_STEPS
            ],
            "declaration": declaration(answers_of(draft, "representative").get("kind", "")),
        }


STEPS: list[Step] = [
    RepresentativeStep(),
    TaxpayerStep(),
    MattersStep(),
    NoticesStep(),
    CheckStep(),
]
STEP_BY_SLUG = {step.slug: step for step in STEPS}
QUESTION_STEPS = [step for step in STEPS if step.is_question]
CHECK_STEP = STEPS[-1]


def step_url(draft: RequestDraft, step: Step) -> str:
    return reverse("authorizations_pro:wizard_step", args=[draft.public_id, step.slug])


def first_incomplete(draft: RequestDraft) -> Step:
    """Where "Continue" takes the practitioner: the first unanswered step, else the check."""
    for step in QUESTION_STEPS:
        if not step.is_complete(draft):
            return step
    return CHECK_STEP


def next_step(draft: RequestDraft, current: Step) -> Step:
    """After a step: the next one, or the check page once every question is answered."""
    following = STEPS[STEPS.index(current) + 1]
    if first_incomplete(draft) is CHECK_STEP:
        return CHECK_STEP
    return following


def refusal_step(error: AuthorizationError) -> Step:
    """Which step a refusal sends the practitioner back to (never which taxpayer field, R12)."""
    return next(step for step in QUESTION_STEPS if step.owns_refusal(error))
