"""Fixtures shared by the whole suite; the personas' own live in tests/personas.py."""

from __future__ import annotations

import os

import hypothesis
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db.backends.postgresql.operations import DatabaseOperations
from django.test import Client
from pytest_django.fixtures import _set_suffix_to_test_databases

from tests.factories import PASSWORD, PractitionerFactory, UserFactory, enrol_totp

# The personas' fixtures (cpa_with_caf, enrolled_agent, taxpayer_with_account, staff_clerk...).
pytest_plugins = ["tests.personas"]

# Property tests: Hypothesis's own default (100 examples) under `make test`; a few under
# `make test-fast` (HYPOTHESIS_PROFILE=fast), many on demand (HYPOTHESIS_PROFILE=long). A test
# that sets its own count (the ledger's state machine) reads the profile's name itself.
hypothesis.settings.register_profile("fast", max_examples=10)
hypothesis.settings.register_profile("long", max_examples=1000)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_configure(config: pytest.Config) -> None:
    # WhiteNoise walks every file the static finders know (~2,600 vendored USWDS files, 0.2-0.3 s)
    # whenever its middleware is built, and Django's test Client builds the middleware chain
    # anew for every client: hundreds of times a run. Under tests WhiteNoise looks a file up
    # when one is asked for instead ("autorefresh"), so the same files are still served to the
    # test client and no client pays for the scan. Production is untouched: it serves the
    # collected, hashed files from STATIC_ROOT, scanned once per process (taxpro/settings.py).
    settings.WHITENOISE_AUTOREFRESH = True
    DatabaseOperations.sql_flush = _sql_flush_by_delete


# Django's own: one TRUNCATE of every table.
_sql_flush_by_truncate = DatabaseOperations.sql_flush


def _sql_flush_by_delete(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    """Empty the tables after a transactional test with DELETE instead of TRUNCATE.

    Every test on a live server or a real worker (browser, fault and race tests) commits, so
    Django empties all ~50 tables after it. A TRUNCATE gives every table and index a new file
    and syncs them at commit: 0.6-2.5 s a test here, several minutes of the run; a DELETE of
    the few rows a test leaves takes ~0.05 s, and leaves the same empty tables (neither
    restarts the id sequences). The append-only triggers (R6, R28, R44) refuse a DELETE of
    their rows, as they must everywhere else: `session_replication_role = replica` skips the
    triggers for this one transaction (SET LOCAL), foreign keys included, which is safe because
    every table is emptied. Only a superuser may set it; for anyone else, Django's TRUNCATE.
    """
    if reset_sequences or allow_cascade or not tables or not _is_superuser(self.connection):
        return _sql_flush_by_truncate(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
    return [
        "SET LOCAL session_replication_role = replica;",
        *(
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(t))};"
            for t in tables
        ),
    ]


def _is_superuser(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        return bool(cursor.fetchone()[0])


@pytest.hookimpl(tryfirst=True)  # before -m deselects anything
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Whatever drives Chromium is a browser test, marked or not, so that `-m "not browser"`
    # (make test-fast) never starts a browser because a file forgot its marker.
    for item in items:
        if "playwright_instance" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def django_db_modify_db_settings_xdist_suffix(request: pytest.FixtureRequest) -> None:
    """pytest-django's own, but a run outside the xdist workers (the second pass of `make test`,
    or TEST_WORKERS=0) also takes the first worker's test database, as it already takes that
    worker's Redis database (tests/parallel.py). With --reuse-db the second pass then finds the
    database the first pass migrated, instead of migrating a third one from nothing on a fresh
    clone (20-30 s)."""
    _set_suffix_to_test_databases(
        suffix=getattr(request.config, "workerinput", {}).get("workerid") or "gw0"
    )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # PBKDF2's deliberate slowness costs ~0.5 s a user; tests are not what it defends against.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    # allauth keeps rate limits and used TOTP codes in the shared cache; tests start clean.
    cache.clear()


@pytest.fixture(autouse=True)
def _service_hours_always(settings) -> None:
    # Pages and the worker behave the same whatever hour the suite runs; tests of R40-R42 ask
    # for the weekly hours (the `weekly_service_hours` fixture) and pass explicit times.
    settings.SERVICE_HOURS = "always"


@pytest.fixture
def weekly_service_hours(settings) -> None:
    settings.SERVICE_HOURS = "weekly"


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def taxpayer_user(db):
    return UserFactory()


@pytest.fixture
def practitioner_user(db):
    """A practitioner with a second factor enrolled (``.totp_secret`` to make codes)."""
    user = PractitionerFactory()
    user.totp_secret = enrol_totp(user)
    return user


@pytest.fixture
def practitioner_without_mfa(db):
    return PractitionerFactory()


@pytest.fixture
def staff_user(staff_clerk):
    return staff_clerk


@pytest.fixture
def signed_in(client: Client):
    """Sign a user in directly (for tests that are not about signing in)."""

    def sign_in(user) -> Client:
        client.force_login(user)
        return client

    return sign_in
