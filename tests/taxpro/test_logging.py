"""R46: no whole TIN appears in a log line."""

from __future__ import annotations

import logging

import pytest

from taxpro.logging import MaskTinFilter, mask_tins


@pytest.mark.parametrize(
    "text",
    ["SSN 123-45-6789 refused", "tin=123456789.", "EIN 12-3456789", "(987654321)"],
)
def test_r46_tins_in_log_messages_are_masked(text: str) -> None:
    masked = mask_tins(text)
    digits = "".join(ch for ch in text if ch.isdigit())
    assert digits not in masked.replace("-", "")
    assert digits[-4:] in masked


def test_r46_the_filter_masks_formatted_arguments(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("tests.tin")
    logger.addFilter(MaskTinFilter())
    with caplog.at_level(logging.INFO, logger="tests.tin"):
        logger.info("looked up %s for %s", "123-45-6789", "a practitioner")
    assert "123-45-6789" not in caplog.text
    assert "*****6789" in caplog.text
    assert "a practitioner" in caplog.text


def test_longer_digit_runs_are_not_mistaken_for_tins() -> None:
    assert mask_tins("order 1234567890123") == "order 1234567890123"
