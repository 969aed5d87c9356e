"""Log filter that masks anything shaped like a TIN (R46: no whole TIN in a log line)."""

from __future__ import annotations

import logging
import re

# Nine digits, with or without the SSN/EIN dashes, not inside a longer run of digits.
TIN_PATTERN = re.compile(r"(?<!\d)(\d{3}-?\d{2}-?\d{4}|\d{2}-\d{7})(?!\d)")


def mask_tins(text: str) -> str:
    return TIN_PATTERN.sub(lambda m: "*****" + re.sub(r"\D", "", m.group(0))[-4:], text)


class MaskTinFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_tins(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True
