"""The wizard's step registry (style.md, after pretix's checkout flow): each step has a slug, a
title, a form, a completeness test and its lines on the "check your answers" page. One view
(:mod:`authorizations.web.pro.wizard.views`) walks it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from authorizations.models import RequestDraft, RequestKind
from authorizations.periods import Matter, format_period
from taxpro.tins import tin_mask

RAW = "raw"
TIN = "tin"


@dataclass(frozen=True)
class SummaryRow:
    question: str
    lines: list[str]


def answers_of(draft: RequestDraft, slug: str) -> dict[str, Any]:
    value = draft.data.get(slug)
    return value if isinstance(value, dict) else {}


def raw_answers_of(draft: RequestDraft, slug: str) -> dict[str, Any] | None:
    raw = draft.data.get(RAW, {})
    value = raw.get(slug) if isinstance(raw, dict) else None
    return value if isinstance(value, dict) else None


def _address_lines(answers: dict[str, Any]) -> list[str]:
    lines = [
        answers.get("line1", ""),
        answers.get("line2", ""),
        f"{answers.get('city', '')}, {answers.get('state', '')} {answers.get('zip_code', '')}",
    ]
    return [line for line in lines if line.strip()]


def _representative_summary(draft: RequestDraft) -> list[SummaryRow]:
    answers = answers_of(draft, "representative")
    number = answers.get("caf_number", "")
    kind = answers.get("kind", "")
    return [
        SummaryRow("Kind of request", [RequestKind(kind).label if kind else ""]),
        SummaryRow("Your CAF number", [f"{number[:4]}-{number[4:]}" if number else ""]),
        SummaryRow("Your name on the CAF file", [answers.get("name", "")]),
        SummaryRow("Your address of record", _address_lines(answers)),
    ]


def _taxpayer_summary(draft: RequestDraft) -> list[SummaryRow]:
    answers = answers_of(draft, "taxpayer")
    tin = answers_of(draft, TIN)
    last4 = tin.get("last4", "")
    return [
        SummaryRow("Taxpayer's name", [answers.get("name", "")]),
        # R43: only the last four digits are shown.
        SummaryRow(
            "SSN or ITIN", [tin_mask(last4, tin_type=tin.get("type", "ssn"))] if last4 else []
        ),
        SummaryRow("Taxpayer's address", _address_lines(answers)),
    ]


def _matters_summary(draft: RequestDraft) -> list[SummaryRow]:
    rows = []
    for row in answers_of(draft, "matters").get("rows", []):
        matter = row.get("matter", "")
        if matter not in Matter.values:
            continue
        periods = [format_period(matter=matter, period=p) for p in row.get("periods", [])]
        rows.append(SummaryRow(Matter(matter).label, [", ".join(periods)]))
    return rows


def _notices_summary(draft: RequestDraft) -> list[SummaryRow]:
    answer = answers_of(draft, "notices").get("receives_notices")
    return [SummaryRow("Copies of notices", ["Yes" if answer == "yes" else "No"])]


def _complete(slug: str) -> Callable[[RequestDraft], bool]:
    def is_complete(draft: RequestDraft) -> bool:
        done = bool(answers_of(draft, slug)) and raw_answers_of(draft, slug) is None
        if slug == "taxpayer":
            done = done and bool(draft.taxpayer_tin_ciphertext)
        return done

    return is_complete


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    # The short label in the step indicator.
    label: str
    is_complete: Callable[[RequestDraft], bool]
    summary: Callable[[RequestDraft], list[SummaryRow]] = field(default=lambda draft: [])


STEPS: list[Step] = [
    Step(
        "representative",
        "You and the kind of request",
        "You",
        _complete("representative"),
        _representative_summary,
    ),
    Step("taxpayer", "The taxpayer", "Taxpayer", _complete("taxpayer"), _taxpayer_summary),
    Step("matters", "Tax matters and periods", "Matters", _complete("matters"), _matters_summary),
    Step("notices", "Copies of notices", "Notices", _complete("notices"), _notices_summary),
    Step("check", "Check your answers", "Check", lambda draft: False),
]
STEP_BY_SLUG = {step.slug: step for step in STEPS}
QUESTION_STEPS = STEPS[:-1]
CHECK = "check"


def first_incomplete(draft: RequestDraft) -> Step:
    """Where "Continue" takes the practitioner: the first unanswered step, else the check."""
    for step in QUESTION_STEPS:
        if not step.is_complete(draft):
            return step
    return STEP_BY_SLUG[CHECK]


def next_step(draft: RequestDraft, current: Step) -> Step:
    """After a step: the next one, or the check page once every question is answered."""
    index = STEPS.index(current)
    following = STEPS[index + 1]
    if following.slug != CHECK and all(step.is_complete(draft) for step in QUESTION_STEPS):
        return STEP_BY_SLUG[CHECK]
    return following
