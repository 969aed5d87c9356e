"""R46: no whole TIN appears in a log line (messages, tracebacks, access logs); client errors
are one line; messages to the user are kept in the session, not in a cookie."""

from __future__ import annotations

import io
import logging
import os
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from taxpro.logging import MaskTinFilter, mask_tins
from tests.authorizations import fault_support
from tests.factories import PASSWORD
from tests.taxpro.loopback import free_port, running, wait_for_line


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


# --- The portal's logging configuration, as every process gets it -------------------------


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """What the portal's one console handler (settings.LOGGING) writes during the test."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.StreamHandler)
        and any(isinstance(f, MaskTinFilter) for f in h.filters)
    )
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(previous)


def test_r46_a_traceback_is_masked_like_the_message(console: io.StringIO) -> None:
    try:
        raise ValueError("no taxpayer with TIN 123-45-6789 (EIN 12-3456789)")
    except ValueError:
        logging.getLogger("django.request").exception("Internal Server Error: %s", "/pro/")
    written = console.getvalue()
    assert "Traceback (most recent call last)" in written
    assert "123-45-6789" not in written and "12-3456789" not in written
    assert "TIN *****6789 (EIN *****6789)" in written


@pytest.mark.django_db
def test_a_403_is_one_warning_line_without_a_traceback(
    console: io.StringIO, signed_in, taxpayer_user
) -> None:
    client = signed_in(taxpayer_user)
    console.seek(0)
    console.truncate()  # the sign-in's own line (taxpro.sign_in) is not the 403's
    assert client.get("/pro/").status_code == 403
    lines = [line for line in console.getvalue().splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "WARNING django.request: Forbidden (Permission denied): /pro/" in lines[0]


def test_r46_no_logger_of_django_or_gunicorn_writes_past_the_masking_handler() -> None:
    # Django's defaults give `django` and the development server's `django.server` handlers of
    # their own, and gunicorn its two loggers; Celery's worker would replace the root handler.
    for name in ("django", "django.server", "gunicorn.access", "gunicorn.error"):
        logger = logging.getLogger(name)
        assert logger.handlers == [] and logger.propagate, name
    assert settings.LOGGING["loggers"]["gunicorn.access"]["handlers"] == []
    assert settings.CELERY_WORKER_HIJACK_ROOT_LOGGER is False


@pytest.mark.django_db
def test_r46_the_development_servers_access_log_masks_tins(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": fault_support.test_database_url()}
    command = [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    log = tmp_path / "runserver.log"
    with running(command, port=port, env=env, log=log):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/?tin=123-45-6789", timeout=60) as r:
            assert r.status == 200
        line = wait_for_line(log, '"GET /?tin=')
    assert "tin=*****6789" in line
    assert "123-45-6789" not in log.read_text()


# --- Messages live in the session ----------------------------------------------------------


@pytest.mark.django_db
def test_messages_stay_in_the_session_not_in_a_readable_cookie(client, taxpayer_user) -> None:
    response = client.post("/auth/login/", {"login": taxpayer_user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert "messages" not in response.cookies and "messages" not in client.cookies
    page = client.get(response["Location"]).content.decode()
    assert taxpayer_user.email in page  # the sign-in message, read back from the session
