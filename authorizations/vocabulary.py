"""The words users read for the authorizations app's states and codes, one place for each.

Two audiences read them. The practitioner is told a request's status as R19 allows (never why it
was rejected or failed). The taxpayer is not a tax professional: their words say what things
mean for them, without CAF numbers or form jargon. Pages, CSV files and service messages take
their wording from here; templates reach it through ``{% load authorizations_words %}``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from authorizations.models import (
    FORM_KIND,
    AuthorizationRequest,
    Channel,
    EndReason,
    FormState,
    RequestKind,
    RequestState,
)
from authorizations.periods import Matter, format_period
from taxpayers.models import TaxForm

# --- Request states as the practitioner is told them (R19, R20) ------------------------------

# R19: rejected and failed requests show no status; the practitioner is told to ask.
CONTACT_TAXPAYER = "No status is available. Contact the taxpayer."
PRACTITIONER_STATUS = {
    RequestState.DRAFT: "Draft (not sent)",
    RequestState.PENDING: "Pending with the taxpayer",
    RequestState.APPROVED: "Pending with the taxpayer",
    RequestState.RECORDED: "Recorded",
    RequestState.EXPIRED: "Expired",
    RequestState.CANCELLED: "Cancelled",
    RequestState.REJECTED: CONTACT_TAXPAYER,
    RequestState.FAILED: CONTACT_TAXPAYER,
}

# R19: the states the practitioner is told nothing about, derived from the words above.
NO_STATUS_STATES = frozenset(
    state for state, told in PRACTITIONER_STATUS.items() if told == CONTACT_TAXPAYER
)

# R19: the statuses a practitioner may filter the Requests list by, each with the states it
# covers. Rejected and failed share one bucket that names no status at all, so the filter cannot
# reveal which it was; the others read as the status column does.
REQUEST_STATUS_FILTERS: dict[str, tuple[str, list[str]]] = {
    "pending": (
        PRACTITIONER_STATUS[RequestState.PENDING],
        [RequestState.PENDING, RequestState.APPROVED],
    ),
    "recorded": (PRACTITIONER_STATUS[RequestState.RECORDED], [RequestState.RECORDED]),
    "expired": (PRACTITIONER_STATUS[RequestState.EXPIRED], [RequestState.EXPIRED]),
    "cancelled": (PRACTITIONER_STATUS[RequestState.CANCELLED], [RequestState.CANCELLED]),
    "contact": ("No status: contact the taxpayer", sorted(NO_STATUS_STATES)),
}


def request_status_for_practitioner(req: AuthorizationRequest) -> str:
    """R19. An approval waiting to be recorded still reads as pending: it is not on file yet."""
    return PRACTITIONER_STATUS[RequestState(req.state)]


def request_shows_no_status(req: AuthorizationRequest) -> bool:
    """R19: rejected or failed; the page names no status, and no decision date either."""
    return req.state in NO_STATUS_STATES


# --- Uploaded forms' states (R39b), as the practitioner and the CAF unit read them ------------

FORM_STATE = {
    FormState.WAITING: "Waiting",
    FormState.IN_REVIEW: "In review by the CAF unit",
    # R34b: the clerk recorded it; the ledger has it within moments (the worker).
    FormState.RECORDING: "Being recorded",
    FormState.RECORDED: "Recorded",
    FormState.REJECTED: "Rejected",
    FormState.WITHDRAWN: "Withdrawn",
}


def form_state_in_words(state: str) -> str:
    return FORM_STATE[FormState(state)] if state in FormState.values else state


# --- Request states as the taxpayer is told them (R18; R19 does not limit the taxpayer) -------

REQUEST_STATE = {
    RequestState.DRAFT: "Not sent yet",
    RequestState.PENDING: "Waiting for your decision",
    RequestState.APPROVED: "Approved: it is being recorded",
    RequestState.RECORDED: "Approved and in effect",
    RequestState.REJECTED: "You rejected it",
    RequestState.EXPIRED: "Expired: it was not approved in time",
    RequestState.CANCELLED: "The representative cancelled it",
    RequestState.FAILED: "It could not be processed",
}


def request_state_in_words(state: str) -> str:
    return REQUEST_STATE[RequestState(state)] if state in RequestState.values else state


# --- Matters and periods (R14 online matters, R36 forms that came on paper) ------------------


def matter_label(matter: str) -> str:
    """The label of a tax matter: an online matter (R14) or a form that came on paper (R36);
    a form the master file has no name for is called by its number ("Form 720")."""
    if matter in Matter.values:
        return str(Matter(matter).label)
    if matter in TaxForm.values:
        return str(TaxForm(matter).label)
    if matter and matter[0].isdigit() and matter.replace("-", "").isalnum():
        return f"Form {matter}"
    return matter


def period_label(*, matter: str, period: str) -> str:
    """A period as people say it (:func:`format_period`): a quarter of Form 941 or of a civil
    penalty names its quarter, a calendar year its year, a fiscal year the month it ends (R36)."""
    return format_period(matter=matter, period=period)


def matter_and_period(matter: str, period: str) -> tuple[str, str]:
    """A matter and one of its periods, labelled for people: the two columns every list of
    authorizations or account modules shows side by side."""
    return matter_label(matter), period_label(matter=matter, period=period)


class _Module(Protocol):
    matter: str
    period: str


@dataclass(frozen=True)
class MatterPeriods:
    """One tax matter and the periods asked for under it, in words."""

    matter: str
    periods: list[str]


def matters_and_periods(modules: Iterable[_Module]) -> list[MatterPeriods]:
    """A request's modules grouped by matter, in the order they come, labelled for people."""
    grouped: dict[str, list[str]] = {}
    for module in modules:
        grouped.setdefault(matter_label(module.matter), []).append(
            period_label(matter=module.matter, period=module.period)
        )
    return [MatterPeriods(matter, periods) for matter, periods in grouped.items()]


# --- The two kinds (R1, R23) as the taxpayer reads them ---------------------------------------


@dataclass(frozen=True)
class KindWords:
    """Every phrase one kind of authorization is said in, so each kind's words are in one place."""

    # Its name on its own: a table cell or a heading (a sentence lower-cases it).
    name: str
    # The kind in a practitioner's sentence ("your power of attorney request"), no form number.
    in_a_sentence: str
    # What the representative asks for, in a sentence ("... asks for a power of attorney").
    asked_for: str
    # What it lets the representative do: the one sentence a taxpayer needs (R23's kinds).
    allows: str
    # The same, in the taxpayer's own voice, for the declaration they sign (R21).
    declares: str
    # What a revocation takes away (R30): "... can no longer <this> for this matter and period".
    revokes: str


KIND_WORDS = {
    RequestKind.POA: KindWords(
        name="Power of attorney",
        in_a_sentence="power of attorney",
        asked_for="a power of attorney",
        allows="can represent you and act for you with the IRS for these matters",
        declares="to represent me and act for me with the IRS for these matters",
        revokes="act for you or see your tax information",
    ),
    RequestKind.TIA: KindWords(
        name="Permission to see your tax information",
        in_a_sentence="tax information authorization",
        asked_for="permission to see your tax information",
        allows="can see your tax information for these matters, but cannot act for you",
        declares="to see my tax information for these matters, but not to act for me",
        revokes="see your tax information",
    ),
}


def kind_words(kind: str) -> KindWords:
    """The words for ``kind``. A kind the portal does not know is named by its own value, and
    nothing is said of what it allows."""
    if kind in RequestKind.values:
        return KIND_WORDS[RequestKind(kind)]
    return KindWords(
        name=kind, in_a_sentence=kind, asked_for="", allows="", declares="", revokes=""
    )


# --- Why an authorization ended (R28), said to the taxpayer -----------------------------------

END_REASON = {
    EndReason.SUPERSEDED: "Replaced when you approved a newer authorization",
    EndReason.WITHDRAWN: "The representative withdrew",
    EndReason.REVOKED: "You revoked it",
    EndReason.PRACTICE_STATUS: "The representative is no longer allowed to practice",
    EndReason.ERROR: "It was recorded in error and removed",
}


def end_reason_in_words(reason: str) -> str:
    return END_REASON[EndReason(reason)] if reason in EndReason.values else "Ended"


# --- How an authorization came to be on file (R7: whatever the channel created it) -----------

# The practitioner's word for each channel; a form-channel row names the form it was recorded
# from, which its kind gives (R34b, FORM_KIND: a Form 2848 records POAs, a Form 8821 TIAs).
CHANNEL_ONLINE = "Online"
CHANNEL_FORM_BY_KIND = {kind: f"Form {form_type}" for form_type, kind in FORM_KIND.items()}
CHANNEL_FORM_ANY = "Form 2848 or 8821"

# The same, said to the taxpayer: what they did to give it.
CHANNEL_FOR_TAXPAYER_ONLINE = "Approved online"
CHANNEL_FOR_TAXPAYER_FORM_BY_KIND = {
    kind: f"Signed on {form}" for kind, form in CHANNEL_FORM_BY_KIND.items()
}

# The Active authorizations list's channel filter: value -> words.
CHANNEL_FILTERS: dict[str, str] = {
    Channel.ONLINE.value: CHANNEL_ONLINE,
    Channel.FORM.value: CHANNEL_FORM_ANY,
}


def channel_label(channel: str, kind: str = "") -> str:
    """``"Online"``, or ``"Form 2848"`` / ``"Form 8821"`` for a row recorded from a form."""
    if channel == Channel.FORM:
        if kind in RequestKind.values:
            return CHANNEL_FORM_BY_KIND[RequestKind(kind)]
        return CHANNEL_FORM_ANY
    return CHANNEL_ONLINE


def channel_for_taxpayer(channel: str, kind: str = "") -> str:
    """How the taxpayer gave an authorization: approved online, or signed on a form (R39b)."""
    if channel == Channel.FORM:
        if kind in RequestKind.values:
            return CHANNEL_FOR_TAXPAYER_FORM_BY_KIND[RequestKind(kind)]
        return "Signed on a form"
    return CHANNEL_FOR_TAXPAYER_ONLINE
