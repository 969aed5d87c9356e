"""How periods, matters and channels read on every page and file (the vocabulary): a quarter of
Form 941 names its quarter, a fiscal year the month it ends (R36, R16), and a row says whether it
came online or on a Form 2848 or 8821 (R7: whatever the channel)."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from authorizations.models import Channel, RequestKind
from authorizations.vocabulary import (
    channel_for_taxpayer,
    channel_label,
    matter_label,
    period_label,
)


@pytest.mark.parametrize(
    ("matter", "period", "said"),
    [
        # R36: Form 941 is filed for calendar quarters; the period is the quarter's last month.
        ("941", "202503", "Quarter ending March 2025 (Q1)"),
        ("941", "202506", "Quarter ending June 2025 (Q2)"),
        ("941", "202509", "Quarter ending September 2025 (Q3)"),
        ("941", "202512", "Quarter ending December 2025 (Q4)"),
        ("720", "202409", "Quarter ending September 2024 (Q3)"),
        # R16: the online channel's civil penalty quarters read the same way.
        ("civil_penalty", "202403", "Quarter ending March 2024 (Q1)"),
        # A quarterly form's period that is not a quarter's end is not called one.
        ("941", "202502", "Period ending February 2025"),
        # R36: fiscal years name the month they end; a calendar year is its year.
        ("1120", "202506", "Fiscal year ending June 2025"),
        ("1120", "202409", "Fiscal year ending September 2024"),
        ("1120", "202412", "2024"),
        ("1065", "202503", "Fiscal year ending March 2025"),
        ("1040", "202412", "2024"),
        ("srp", "201812", "2018"),
        # An estate's return is for the period to the date of death, not a tax year.
        ("706", "202507", "Period ending July 2025"),
        # Something that is not a period is shown as it is, never a 500.
        ("941", "2025", "2025"),
        ("1120", "202513", "202513"),
    ],
)
def test_r36_periods_read_as_quarters_fiscal_years_or_years(
    matter: str, period: str, said: str
) -> None:
    assert period_label(matter=matter, period=period) == said


@pytest.mark.parametrize(
    ("matter", "said"),
    [
        ("1040", "Income Tax (Form 1040)"),
        ("941", "Form 941 Employer's Quarterly Federal Tax"),
        ("1120", "Form 1120 Corporation Income Tax"),
        ("720", "Form 720"),  # keyed from a form, not in the master file's list
        ("990-EZ", "Form 990-EZ"),
        ("", ""),
    ],
)
def test_r36_matters_from_forms_are_named(matter: str, said: str) -> None:
    assert matter_label(matter) == said


def test_r7_the_channel_in_words_for_the_practitioner_and_the_taxpayer() -> None:
    assert channel_label(Channel.ONLINE, RequestKind.POA) == "Online"
    assert channel_label(Channel.FORM, RequestKind.POA) == "Form 2848"
    assert channel_label(Channel.FORM, RequestKind.TIA) == "Form 8821"
    assert channel_label(Channel.FORM, "") == "Form 2848 or 8821"
    assert channel_for_taxpayer(Channel.ONLINE, RequestKind.TIA) == "Approved online"
    assert channel_for_taxpayer(Channel.FORM, RequestKind.TIA) == "Signed on Form 8821"


def test_templates_say_the_channel_through_the_filters() -> None:
    template = Template(
        "{% load authorizations_words %}"
        "{{ channel|channel_label:kind }}|{{ channel|channel_for_taxpayer:kind }}|"
        "{{ period|period_label:matter }}"
    )
    context = Context({"channel": "form", "kind": "poa", "period": "202506", "matter": "1120"})
    assert template.render(context) == "Form 2848|Signed on Form 2848|Fiscal year ending June 2025"
