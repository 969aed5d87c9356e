"""Plain words for a taxpayer: who is asking, what an authorization lets them do, why one ended.

The taxpayer is not a tax professional. These labels say what things mean for them, without
CAF numbers or form jargon; any page that speaks to a taxpayer reuses them from here.
"""

from __future__ import annotations

from authorizations.models import EndReason, RequestKind, RequestState
from authorizations.selectors import matter_label, period_label
from caf.models import DesignationCode

__all__ = [
    "designations_in_words",
    "end_reason_in_words",
    "kind_allows",
    "kind_declaration",
    "kind_name",
    "matter_in_words",
    "period_in_words",
    "request_state_in_words",
]

KIND_NAME = {
    RequestKind.POA: "Power of attorney",
    RequestKind.TIA: "Permission to see your tax information",
}

# What each kind lets the representative do: the one sentence a taxpayer needs (R23's kinds).
KIND_ALLOWS = {
    RequestKind.POA: ("can represent you and act for you with the tax agency for these matters"),
    RequestKind.TIA: ("can see your tax information for these matters, but cannot act for you"),
}

# The same, in the taxpayer's own voice, for the declaration they sign (R21).
KIND_DECLARES = {
    RequestKind.POA: "to represent me and act for me with the tax agency for these matters",
    RequestKind.TIA: "to see my tax information for these matters, but not to act for me",
}

# R28's end reasons, said to the taxpayer.
END_REASON = {
    EndReason.SUPERSEDED: "Replaced when you approved a newer authorization",
    EndReason.WITHDRAWN: "The representative withdrew",
    EndReason.REVOKED: "You revoked it",
    EndReason.PRACTICE_STATUS: "The representative is no longer allowed to practice",
    EndReason.ERROR: "It was recorded in error and removed",
}

# R18's states, said to the taxpayer (who, unlike the practitioner under R19, may see them all).
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


def kind_name(kind: str) -> str:
    return KIND_NAME.get(RequestKind(kind), kind) if kind in RequestKind.values else kind


def kind_allows(kind: str) -> str:
    return KIND_ALLOWS[RequestKind(kind)] if kind in RequestKind.values else ""


def kind_declaration(kind: str) -> str:
    return KIND_DECLARES[RequestKind(kind)] if kind in RequestKind.values else ""


def designations_in_words(codes: str) -> str:
    """``"bc"`` -> "Certified Public Accountant and Enrolled Agent" (R1's designations)."""
    names = [str(DesignationCode(c).label) for c in codes if c in DesignationCode.values]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def end_reason_in_words(reason: str) -> str:
    return END_REASON[EndReason(reason)] if reason in EndReason.values else "Ended"


def request_state_in_words(state: str) -> str:
    return REQUEST_STATE[RequestState(state)] if state in RequestState.values else state


# The practitioner's pages say matters and periods in the same words: one implementation each.
matter_in_words = matter_label
period_in_words = period_label
