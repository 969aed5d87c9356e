"""Submitting requests: who may (R1-R4), to whom (R10-R13), for what (R14-R17)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from authorizations import services
from authorizations.errors import PeriodRefused, RequestRefused
from authorizations.models import AuthorizationRequest, RequestKind, RequestState
from authorizations.periods import Matter, allowed_periods, parse_periods
from caf.models import PracticeStatus
from taxpayers.models import TaxForm
from taxpro.models import AuditEvent
from tests.authorizations.conftest import (
    INCOME_2024,
    TUESDAY_NOON,
    make_rep,
    make_taxpayer,
    submit,
    taxpayer_details,
)
from tests.taxpayers.factories import BusinessTaxpayerFactory

TODAY = TUESDAY_NOON.date()


@pytest.mark.django_db
def test_r1_any_individual_caf_holder_may_request_a_tia_but_a_poa_needs_a_designation() -> None:
    preparer = make_rep(code="h")
    taxpayer = make_taxpayer()
    assert submit(preparer, taxpayer, kind=RequestKind.TIA).state == RequestState.PENDING
    with pytest.raises(RequestRefused, match="cannot make a power of attorney request online") as e:
        submit(preparer, taxpayer, kind=RequestKind.POA)
    # R2 is said in words: a practitioner reads no rule id.
    assert "(R" not in str(e.value)


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["a", "b", "c", "g", "r"])
def test_r1_the_five_designations_may_request_a_poa(code: str) -> None:
    assert submit(make_rep(code=code), make_taxpayer()).kind == RequestKind.POA


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["d", "e", "f", "h", "k"])
def test_r2_other_designations_never_make_a_poa_request_online(code: str) -> None:
    with pytest.raises(RequestRefused):
        submit(make_rep(code=code), make_taxpayer(), kind=RequestKind.POA)
    assert not AuthorizationRequest.objects.exists()


@pytest.mark.django_db
def test_r3_a_caf_record_not_in_good_standing_cannot_send_requests(cpa, taxpayer) -> None:
    cpa.caf_record.practice_status = PracticeStatus.SUSPENDED
    cpa.caf_record.save()
    with pytest.raises(RequestRefused, match="not in good standing"):
        submit(cpa, taxpayer)


@pytest.mark.django_db
def test_r3_a_refusal_out_of_good_standing_leaves_an_audit_event(cpa, taxpayer) -> None:
    submit(cpa, taxpayer)  # in good standing: no such event
    assert not AuditEvent.objects.filter(action="request.refused_out_of_standing").exists()
    cpa.caf_record.practice_status = PracticeStatus.DISBARRED
    cpa.caf_record.save()
    with pytest.raises(RequestRefused):
        submit(cpa, taxpayer)
    event = AuditEvent.objects.get(action="request.refused_out_of_standing")
    assert event.actor == cpa.user
    assert (event.object_type, event.object_id) == ("caf.cafrecord", str(cpa.caf_record.pk))
    assert event.after == {"practice_status": "disbarred"}


@pytest.mark.django_db
def test_r3_a_caf_number_and_address_that_do_not_match_the_file_are_refused(cpa, taxpayer) -> None:
    representative = cpa.representative()
    wrong = dataclasses.replace(
        representative, address=dataclasses.replace(representative.address, zip_code="10001")
    )

    with pytest.raises(RequestRefused, match="do not match the CAF file"):
        services.request_submit(
            practitioner=cpa.user,
            kind=RequestKind.POA,
            representative=wrong,
            taxpayer=taxpayer_details(taxpayer),
            modules=[INCOME_2024],
            receives_notices=False,
            now=TUESDAY_NOON,
        )


@pytest.mark.django_db
def test_r4_nobody_submits_with_a_colleagues_caf_number(cpa, agent, taxpayer) -> None:

    with pytest.raises(RequestRefused):
        services.request_submit(
            practitioner=agent.user,
            kind=RequestKind.POA,
            representative=cpa.representative(),
            taxpayer=taxpayer_details(taxpayer),
            modules=[INCOME_2024],
            receives_notices=False,
            now=TUESDAY_NOON,
        )


@pytest.mark.django_db
def test_r7_an_unlinked_practitioner_can_still_send_requests(taxpayer) -> None:
    unlinked = make_rep(code="c", linked=False)
    assert submit(unlinked, taxpayer).state == RequestState.PENDING


@pytest.mark.django_db
def test_r12_a_taxpayer_mismatch_is_told_without_naming_the_field(cpa, taxpayer) -> None:

    details = taxpayer_details(taxpayer)
    messages = set()
    for wrong in (
        dataclasses.replace(details, name="Somebody Else"),
        dataclasses.replace(
            details, address=dataclasses.replace(details.address, line1="1 Other Rd")
        ),
    ):
        with pytest.raises(RequestRefused) as refused:
            services.request_submit(
                practitioner=cpa.user,
                kind=RequestKind.POA,
                representative=cpa.representative(),
                taxpayer=wrong,
                modules=[INCOME_2024],
                receives_notices=False,
                now=TUESDAY_NOON,
            )
        messages.add(refused.value.message)
        assert refused.value.field is None  # told at once, not attached to one field
    # One and the same sentence whichever field was wrong.
    assert len(messages) == 1
    assert "do not match our records" in messages.pop()
    assert not AuthorizationRequest.objects.exists()


@pytest.mark.django_db
def test_r13_a_request_can_go_to_a_taxpayer_without_an_online_account(cpa) -> None:
    offline = make_taxpayer(with_account=False)
    req = submit(cpa, offline)
    assert req.state == RequestState.PENDING and offline.user is None


@pytest.mark.django_db
def test_r10_business_taxpayers_cannot_receive_online_requests(cpa) -> None:

    with pytest.raises(RequestRefused):
        submit(cpa, BusinessTaxpayerFactory())


def test_r14_the_online_matters_are_exactly_five() -> None:
    assert set(Matter.values) == {"1040", "8857", "srp", "srp_split", "civil_penalty"}
    # The same codes as the master file's forms, so ledger rows and modules line up (R32).

    assert set(Matter.values) <= set(TaxForm.values)


def test_r15_years_run_from_20_back_to_3_ahead() -> None:
    periods = allowed_periods(matter=Matter.INCOME_1040, today=TODAY)
    assert periods[0] == "200612" and periods[-1] == "202912"
    with pytest.raises(PeriodRefused, match="from 2006 through 2029"):
        parse_periods(matter=Matter.INCOME_1040, text="2005", today=TODAY)
    with pytest.raises(PeriodRefused):
        parse_periods(matter=Matter.INCOME_1040, text="2030", today=TODAY)


def test_r15_shared_responsibility_starts_at_2014_whatever_the_window() -> None:
    assert allowed_periods(matter=Matter.SHARED_RESPONSIBILITY, today=TODAY)[0] == "201412"
    with pytest.raises(PeriodRefused, match="from 2014"):
        parse_periods(matter=Matter.SHARED_RESPONSIBILITY_SPLIT, text="2013", today=TODAY)


def test_r16_civil_penalty_periods_are_quarters_in_the_window() -> None:
    assert parse_periods(matter=Matter.CIVIL_PENALTY, text="202606", today=TODAY) == ["202606"]
    with pytest.raises(PeriodRefused, match="03, 06, 09 or 12"):
        parse_periods(matter=Matter.CIVIL_PENALTY, text="202605", today=TODAY)
    assert parse_periods(matter=Matter.CIVIL_PENALTY, text="202509-202603", today=TODAY) == [
        "202509",
        "202512",
        "202603",
    ]


def test_r17_no_general_references_and_ranges_are_expanded() -> None:
    for general in ("all", "All years", "all periods", "*"):
        with pytest.raises(PeriodRefused, match="Name each tax period"):
            parse_periods(matter=Matter.INCOME_1040, text=general, today=TODAY)
    assert parse_periods(matter=Matter.INCOME_1040, text="2021-2023", today=TODAY) == [
        "202112",
        "202212",
        "202312",
    ]


@pytest.mark.parametrize(
    "text",
    ["\uff12\uff10\uff12\uff14", "\u0662\u0660\u0662\u0664", "2024\u200b", "20\x0024", "2023-2021"],
)
def test_r17_malformed_periods_get_a_clear_message(text: str) -> None:
    with pytest.raises(PeriodRefused):
        parse_periods(matter=Matter.INCOME_1040, text=text, today=TODAY)


@pytest.mark.django_db
def test_r15_a_request_outside_the_window_writes_nothing(cpa, taxpayer) -> None:
    with pytest.raises(PeriodRefused):
        submit(cpa, taxpayer, modules=[("1040", "200512")])
    with pytest.raises(PeriodRefused, match="at least one"):
        submit(cpa, taxpayer, modules=[])
    assert not AuthorizationRequest.objects.exists()


@pytest.mark.django_db
def test_r15_the_window_follows_the_current_year_in_et(cpa, taxpayer) -> None:
    new_year_et = dt.datetime(2027, 1, 1, 0, 30, tzinfo=TUESDAY_NOON.tzinfo)
    # 2030 is allowed from January 1, 2027 in ET (even though it is still 2026 nowhere west).
    req = submit(cpa, taxpayer, modules=[("1040", "203012")], now=new_year_et)
    assert req.modules.get().period == "203012"
