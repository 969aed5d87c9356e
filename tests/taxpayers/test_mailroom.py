"""Letters on the development console only: a PIN or a code never reaches production logs."""

from __future__ import annotations

import logging

import pytest

from taxpayers.models import LetterKind
from taxpayers.services import letter_send
from tests.taxpayers.factories import TaxpayerFactory

pytestmark = pytest.mark.django_db


def _send() -> None:
    letter_send(
        kind=LetterKind.VERIFICATION_CODE,
        subject="Your code",
        body="Your code is 12345678.",
        taxpayer=TaxpayerFactory(),
    )


def test_with_debug_on_each_letter_is_printed_for_the_developer(settings, caplog) -> None:
    settings.DEBUG = True
    with caplog.at_level(logging.INFO, logger="taxpro.mailroom"):
        _send()
    assert "Your code is 12345678." in caplog.text


def test_r6_with_debug_off_no_letter_body_is_logged(settings, caplog) -> None:
    settings.DEBUG = False
    with caplog.at_level(logging.DEBUG):
        _send()
    assert "12345678" not in caplog.text
