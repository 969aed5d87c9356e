"""R39a: the pre-check. Before a form joins the queue, the keyed data is checked against every
rejection reason of R34b that data can show; each problem names its field and the reason a
clerk would have given, so nothing waits weeks to be rejected for what a machine can see.

A pure function of the keyed data and the day the form is received (a calendar day in ET).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from authorizations.forms_channel.data import FormData, FormMatter, FormRepresentative
from authorizations.models import FormType, RejectionReason, SignatureKind
from caf.models import LICENSED_DESIGNATIONS, DesignationCode
from taxpro.tins import HolderKind

# R36: a future period may end no later than this many years after the form is received.
FUTURE_YEARS = 3
# R38: a Form 8821 must be received within this many days of the taxpayer's signature.
FORM_8821_DAYS = 120

_PERIOD = re.compile(r"^([0-9]{4})(0[1-9]|1[0-2])$")
# "All years", "all periods", "all taxes", "any year"...: general references (R34b).
_GENERAL = re.compile(
    r"\b(all|any|every)\b(\s+(tax(es)?|years?|periods?|quarters?|matters?|forms?|returns?))?"
    r"|\b(various|etc)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the keyed data: where, what to do, and R34b's reason for it."""

    field: str
    message: str
    reason: str  # RejectionReason


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def period_end(period: str) -> dt.date:
    """The last day of the month ``YYYYMM`` names."""
    year, month = int(period[:4]), int(period[4:])
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _signature_problems(data: FormData, received_on: dt.date) -> list[Problem]:
    problems: list[Problem] = []
    signed = data.taxpayer_signed_on
    if signed is None:
        problems.append(
            Problem(
                "taxpayer_signed_on",
                "Enter the date the taxpayer signed the form. A form without it cannot be"
                " recorded.",
                RejectionReason.SIGNATURE,
            )
        )
    elif signed > received_on:
        # R34a: never later than the day of upload.
        problems.append(
            Problem(
                "taxpayer_signed_on",
                "The taxpayer's signature date is later than today. Check the date on the form.",
                RejectionReason.SIGNATURE,
            )
        )
    elif data.form_type == FormType.F8821 and (received_on - signed).days > FORM_8821_DAYS:
        # R38.
        problems.append(
            Problem(
                "taxpayer_signed_on",
                f"A Form 8821 must arrive within {FORM_8821_DAYS} days of the taxpayer's"
                f" signature; this one was signed {(received_on - signed).days} days ago. Ask"
                " the taxpayer to sign a new form.",
                RejectionReason.LATE_8821,
            )
        )
    if data.taxpayer.kind == HolderKind.BUSINESS and not data.taxpayer.signer_title.strip():
        problems.append(
            Problem(
                "taxpayer.signer_title",
                "Enter the title of the person who signed for the business (for example,"
                " president or member).",
                RejectionReason.SIGNATURE,
            )
        )
    if data.signature_kind not in SignatureKind.values:
        problems.append(
            Problem("signature_kind", "Choose ink or electronic.", RejectionReason.SIGNATURE)
        )
    elif (
        data.signature_kind == SignatureKind.ELECTRONIC
        and data.remote_without_prior_relationship
        and not data.identity_attested
    ):
        # R34a: remote electronic signature, no prior relationship: identity checked first.
        problems.append(
            Problem(
                "identity_attested",
                "Confirm that you checked the taxpayer's identity before uploading a form they"
                " signed electronically and remotely.",
                RejectionReason.SIGNATURE,
            )
        )
    return problems


def _representative_problems(
    data: FormData, index: int, rep: FormRepresentative, received_on: dt.date
) -> list[Problem]:
    where = f"representatives.{index}"
    problems: list[Problem] = []
    if rep.caf_number and not re.fullmatch(r"[0-9]{9}", rep.caf_number):
        problems.append(
            Problem(
                f"{where}.caf_number",
                "Enter the CAF number as 9 digits, or leave it empty if there is none.",
                RejectionReason.DATA_MISMATCH,
            )
        )
    if data.form_type != FormType.F2848:
        return problems
    # Form 2848, Part II: each representative's designation, jurisdiction and signature.
    if not rep.designation:
        problems.append(
            Problem(
                f"{where}.designation",
                f"Enter the designation of {rep.name} (Part II of the form).",
                RejectionReason.DESIGNATION_MISSING,
            )
        )
    elif rep.designation not in DesignationCode.values:
        # R2: every Part II designation (a-h, k, r) may arrive on a form, including those that
        # can never make a POA request online; a letter that is not one of them cannot.
        allowed = ", ".join(DesignationCode.values)
        problems.append(
            Problem(
                f"{where}.designation",
                f"Designation {rep.designation} is not one of Form 2848's designations; the"
                f" designations are {allowed}.",
                RejectionReason.DESIGNATION_NOT_ALLOWED,
            )
        )
    elif rep.designation in LICENSED_DESIGNATIONS and not (
        rep.jurisdiction.strip() and rep.license_number.strip()
    ):
        problems.append(
            Problem(
                f"{where}.jurisdiction",
                f"Enter the licensing jurisdiction (state or DC) and license number of {rep.name}.",
                RejectionReason.DESIGNATION_MISSING,
            )
        )
    if rep.signed_on is None:
        problems.append(
            Problem(
                f"{where}.signed_on",
                f"Enter the date {rep.name} signed Part II.",
                RejectionReason.SIGNATURE,
            )
        )
    elif rep.signed_on > received_on:
        problems.append(
            Problem(
                f"{where}.signed_on",
                f"The date {rep.name} signed is later than today. Check the date on the form.",
                RejectionReason.SIGNATURE,
            )
        )
    return problems


def _matter_problems(index: int, matter: FormMatter, received_on: dt.date) -> list[Problem]:
    where = f"matters.{index}"
    problems: list[Problem] = []
    written = f"{matter.description} {matter.periods_as_written}"
    if _GENERAL.search(written):
        problems.append(
            Problem(
                f"{where}.periods",
                'Name each tax matter and period: a general reference such as "all years" or'
                ' "all taxes" is not accepted.',
                RejectionReason.GENERAL_REFERENCE,
            )
        )
    if not matter.form_code.strip():
        problems.append(
            Problem(
                f"{where}.form_code",
                "Enter the form number of the tax matter (for example 1040 or 941).",
                RejectionReason.DATA_MISMATCH,
            )
        )
    if not matter.periods:
        problems.append(
            Problem(
                f"{where}.periods",
                "Enter at least one tax period.",
                RejectionReason.GENERAL_REFERENCE,
            )
        )
    limit = _add_years(received_on, FUTURE_YEARS)
    for period in matter.periods:
        if not _PERIOD.match(period):
            problems.append(
                Problem(
                    f"{where}.periods",
                    f"{period!r} is not a period: give the year and month it ends (YYYYMM).",
                    RejectionReason.DATA_MISMATCH,
                )
            )
        elif period_end(period) > limit:
            # R36.
            problems.append(
                Problem(
                    f"{where}.periods",
                    f"The period ending {period[:4]}-{period[4:]} ends more than {FUTURE_YEARS}"
                    f" years after today ({limit:%B %-d, %Y} at the latest).",
                    RejectionReason.PERIOD_LIMIT,
                )
            )
    return problems


def form_precheck(data: FormData, *, received_on: dt.date) -> list[Problem]:
    """R39a: every problem the keyed data shows, in the order of the form. Empty when none."""
    problems: list[Problem] = []
    if data.form_type not in FormType.values:
        problems.append(
            Problem("form_type", "Choose Form 2848 or Form 8821.", RejectionReason.DATA_MISMATCH)
        )
    if data.taxpayer.kind not in HolderKind.values:
        problems.append(
            Problem(
                "taxpayer.kind",
                "Say whether the taxpayer is an individual or a business.",
                RejectionReason.DATA_MISMATCH,
            )
        )
    if not data.taxpayer.name.strip():
        problems.append(
            Problem(
                "taxpayer.name",
                "Enter the taxpayer's name as it is on the form.",
                RejectionReason.DATA_MISMATCH,
            )
        )
    if data.taxpayer_count != 1:
        # R34: one taxpayer TIN per form (a married couple files two).
        problems.append(
            Problem(
                "taxpayer",
                "A form names one taxpayer. A married couple files two forms, one each.",
                RejectionReason.MORE_THAN_ONE,
            )
        )
    if not data.representatives:
        problems.append(
            Problem(
                "representatives",
                "Enter at least one representative or designee.",
                RejectionReason.DATA_MISMATCH,
            )
        )
    for index, rep in enumerate(data.representatives):
        problems += _representative_problems(data, index, rep, received_on)
    if not data.matters:
        problems.append(
            Problem(
                "matters",
                "Enter at least one tax matter with its periods (line 3).",
                RejectionReason.DATA_MISMATCH,
            )
        )
    for index, matter in enumerate(data.matters):
        problems += _matter_problems(index, matter, received_on)
    if data.retention_box and not data.retained:
        # R35.
        problems.append(
            Problem(
                "retained",
                "The retention box is checked: name each prior authorization to keep"
                " (representative, matter, period), or clear the box.",
                RejectionReason.RETENTION_INCOMPLETE,
            )
        )
    problems += _signature_problems(data, received_on)
    return problems
