"""R39a: the pre-check tells the practitioner, field by field, every R34b reason the keyed data
shows. One test per reason, named after its rule; each also checks that a good form passes."""

from __future__ import annotations

import dataclasses
import datetime as dt

from authorizations.forms_channel.data import FormMatter, RetainedAuthorization
from authorizations.forms_channel.precheck import Problem, form_precheck
from authorizations.models import RejectionReason
from taxpro.tins import HolderKind
from tests.authorizations.forms_support import form_data, form_rep, form_taxpayer

RECEIVED = dt.date(2026, 11, 24)


def problems(**changes) -> list[Problem]:
    return form_precheck(form_data(**changes), received_on=RECEIVED)


def reasons(found: list[Problem]) -> set[str]:
    return {p.reason for p in found}


def test_r39a_a_complete_form_has_no_problems() -> None:
    assert problems() == []
    assert problems(form_type="8821", reps=(form_rep(designation="", jurisdiction=""),)) == []


def test_r34a_missing_taxpayer_signature_date() -> None:
    found = problems(signed_on=None)
    assert [(p.field, p.reason) for p in found] == [
        ("taxpayer_signed_on", RejectionReason.SIGNATURE)
    ]


def test_r34a_signature_date_later_than_the_upload_day() -> None:
    assert problems(signed_on=RECEIVED) == []
    found = problems(signed_on=RECEIVED + dt.timedelta(days=1))
    assert [(p.field, p.reason) for p in found] == [
        ("taxpayer_signed_on", RejectionReason.SIGNATURE)
    ]


def test_r34a_representative_signature_missing_or_late_on_a_2848() -> None:
    found = problems(reps=(form_rep(signed_on=None),))
    assert [(p.field, p.reason) for p in found] == [
        ("representatives.0.signed_on", RejectionReason.SIGNATURE)
    ]
    found = problems(reps=(form_rep(signed_on=RECEIVED + dt.timedelta(days=2)),))
    assert reasons(found) == {RejectionReason.SIGNATURE}


def test_r34a_remote_electronic_signature_needs_the_identity_attestation() -> None:
    remote = {"signature_kind": "electronic", "remote_without_prior_relationship": True}
    found = problems(**remote)
    assert [(p.field, p.reason) for p in found] == [
        ("identity_attested", RejectionReason.SIGNATURE)
    ]
    assert problems(**remote, identity_attested=True) == []
    # Ink, or a prior relationship: no attestation asked.
    assert problems(remote_without_prior_relationship=True) == []
    assert problems(signature_kind="electronic") == []


def test_r34a_a_business_signer_needs_a_title() -> None:
    business = form_taxpayer(kind=HolderKind.BUSINESS, tin="234567001", signer_title="")
    found = problems(taxpayer=business)
    assert [(p.field, p.reason) for p in found] == [
        ("taxpayer.signer_title", RejectionReason.SIGNATURE)
    ]
    assert problems(taxpayer=dataclasses.replace(business, signer_title="Member")) == []


def test_r34b_general_reference_such_as_all_years() -> None:
    for written in ("all years", "All periods", "any year", "various"):
        found = problems(matters=(FormMatter("1040", "Income tax", ("202412",), written),))
        assert reasons(found) == {RejectionReason.GENERAL_REFERENCE}, written
        assert found[0].field == "matters.0.periods"
    found = problems(matters=(FormMatter("1040", "All taxes", ("202412",), "2024"),))
    assert reasons(found) == {RejectionReason.GENERAL_REFERENCE}


def test_r17_a_matter_without_periods_is_a_general_reference() -> None:
    found = problems(matters=(FormMatter("941", "Employment tax", (), ""),))
    assert reasons(found) == {RejectionReason.GENERAL_REFERENCE}


def test_r36_a_future_period_may_end_at_most_3_years_after_receipt() -> None:
    # Received 2026-11-24: a period ending 2029-10-31 is inside, one ending 2029-12-31 is not.
    assert problems(matters=(FormMatter("941", "Employment tax", ("202909",), ""),)) == []
    found = problems(matters=(FormMatter("941", "Employment tax", ("202909", "202912"), ""),))
    assert [(p.field, p.reason) for p in found] == [
        ("matters.0.periods", RejectionReason.PERIOD_LIMIT)
    ]
    assert "2029-12" in found[0].message


def test_r36_fiscal_and_quarterly_periods_are_explicit_months() -> None:
    ok = (FormMatter("1120", "Corporation income tax", ("202506", "202606"), "FYE June"),)
    assert problems(matters=ok) == []
    found = problems(matters=(FormMatter("941", "Employment tax", ("2025Q1", "202513"), ""),))
    assert [p.reason for p in found] == [RejectionReason.DATA_MISMATCH] * 2


def test_r1_missing_designation_on_a_2848() -> None:
    found = problems(reps=(form_rep(designation=""),))
    assert [(p.field, p.reason) for p in found] == [
        ("representatives.0.designation", RejectionReason.DESIGNATION_MISSING)
    ]


def test_r1_attorney_or_cpa_without_jurisdiction_or_license() -> None:
    for changes in ({"jurisdiction": ""}, {"license_number": " "}):
        found = problems(reps=(form_rep(designation="a", **changes),))
        assert [(p.field, p.reason) for p in found] == [
            ("representatives.0.jurisdiction", RejectionReason.DESIGNATION_MISSING)
        ]
    # An enrolled agent needs no state license.
    assert problems(reps=(form_rep(designation="c", jurisdiction="", license_number=""),)) == []


def test_r2_every_part_ii_designation_may_arrive_on_a_form_and_no_other() -> None:
    for code in ("z", "i", "1"):
        found = problems(reps=(form_rep(designation=code),))
        assert [(p.field, p.reason) for p in found] == [
            ("representatives.0.designation", RejectionReason.DESIGNATION_NOT_ALLOWED)
        ], code
    # R2: officers, employees, family members, unenrolled preparers and students may be named on
    # a Form 2848, though none of them can ask for a POA online (R1).
    for code in ("a", "b", "c", "d", "e", "f", "g", "h", "k", "r"):
        assert problems(reps=(form_rep(designation=code),)) == [], code


def test_r34b_an_8821_needs_no_designation() -> None:
    assert problems(form_type="8821", reps=(form_rep(designation="h", signed_on=None),)) == []


def test_r35_retention_box_without_the_authorizations_to_keep() -> None:
    found = problems(retention_box=True)
    assert [(p.field, p.reason) for p in found] == [
        ("retained", RejectionReason.RETENTION_INCOMPLETE)
    ]
    kept = (RetainedAuthorization("030054321", "1040", "202412", "poa"),)
    assert problems(retention_box=True, retained=kept) == []


def test_r38_an_8821_received_more_than_120_days_after_signature() -> None:
    day_120 = RECEIVED - dt.timedelta(days=120)
    assert problems(form_type="8821", signed_on=day_120) == []
    found = problems(form_type="8821", signed_on=day_120 - dt.timedelta(days=1))
    assert [(p.field, p.reason) for p in found] == [
        ("taxpayer_signed_on", RejectionReason.LATE_8821)
    ]
    # A 2848 has no such limit.
    assert problems(form_type="2848", signed_on=day_120 - dt.timedelta(days=400)) == []


def test_r34_more_than_one_taxpayer() -> None:
    found = problems(taxpayer_count=2)
    assert [(p.field, p.reason) for p in found] == [("taxpayer", RejectionReason.MORE_THAN_ONE)]


def test_r39a_no_representative_or_no_matter() -> None:
    found = problems(reps=(), matters=())
    assert [p.field for p in found] == ["representatives", "matters"]


def test_r5_a_caf_number_is_nine_digits_or_none() -> None:
    assert problems(reps=(form_rep(caf_number=""),)) == []
    found = problems(reps=(form_rep(caf_number="0300-12345"),))
    assert [(p.field, p.reason) for p in found] == [
        ("representatives.0.caf_number", RejectionReason.DATA_MISMATCH)
    ]


def test_r39a_every_problem_is_listed_at_once() -> None:
    found = problems(
        signed_on=None,
        retention_box=True,
        reps=(form_rep(designation=""),),
        matters=(FormMatter("1040", "Income tax", ("203512",), "all years"),),
    )
    assert reasons(found) == {
        RejectionReason.SIGNATURE,
        RejectionReason.RETENTION_INCOMPLETE,
        RejectionReason.DESIGNATION_MISSING,
        RejectionReason.GENERAL_REFERENCE,
        RejectionReason.PERIOD_LIMIT,
    }


def test_r36_the_taxpayer_is_an_individual_or_a_business_with_a_name() -> None:
    found = problems(taxpayer=form_taxpayer(kind="estate", name=" "))
    assert [(p.field, p.reason) for p in found] == [
        ("taxpayer.kind", RejectionReason.DATA_MISMATCH),
        ("taxpayer.name", RejectionReason.DATA_MISMATCH),
    ]
