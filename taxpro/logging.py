"""Logging for every process of the portal: TINs masked in every line (R46), tracebacks too, and
client errors (4xx) kept to one line.

``logging_config()`` is the one configuration: Django's ``LOGGING`` (web, worker, beat, the
development server) and gunicorn's ``logconfig_dict`` (its access and error logs,
taxpro/deploy/gunicorn.conf.py) are both built from it, so no process has a handler of its own
that bypasses the filters below.
"""

from __future__ import annotations

import logging
import re
from typing import Any

# Nine digits, with or without the SSN/EIN dashes, not inside a longer run of digits.
TIN_PATTERN = re.compile(r"(?<!\d)(\d{3}-?\d{2}-?\d{4}|\d{2}-\d{7})(?!\d)")

# Formats a traceback the way every handler's formatter would, so it can be masked first.
_TRACEBACK_FORMATTER = logging.Formatter()


def mask_tins(text: str) -> str:
    return TIN_PATTERN.sub(lambda m: "*****" + re.sub(r"\D", "", m.group(0))[-4:], text)


class MaskTinFilter(logging.Filter):
    """R46: masks the message, the traceback and the stack of a record before any handler
    formats it (a traceback quotes exception messages and source lines that may carry a TIN)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_tins(message)
        if masked != message:
            record.msg = masked
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = _TRACEBACK_FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_tins(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_tins(record.stack_info)
        return True


class ClientErrorsOnOneLine(logging.Filter):
    """A refusal the client caused (403, 404, 400: Django logs them with the exception that
    produced them) is one warning line; only the server's own errors (5xx) keep a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """The dictConfig for every process: one console handler through both filters, and every
    logger that Django or gunicorn would otherwise give a handler of its own sent to it."""
    # Emptied handler lists make dictConfig drop the defaults Django (`django`, the development
    # server's `django.server`) and gunicorn (`gunicorn.error`, `gunicorn.access`) install, whose
    # handlers would print unmasked copies of the same lines.
    through_root = ("django", "django.server", "gunicorn.error", "gunicorn.access")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "client_errors_on_one_line": {"()": "taxpro.logging.ClientErrorsOnOneLine"},
            "mask_tins": {"()": "taxpro.logging.MaskTinFilter"},
        },
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["client_errors_on_one_line", "mask_tins"],
                "formatter": "plain",
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "INFO"},
            **{name: {"handlers": [], "propagate": True, "level": "INFO"} for name in through_root},
        },
    }
