"""`make test` runs the suite in pytest-xdist workers, each on state of its own (tests/parallel.py):
a worker's cache flush or Celery task must never reach another worker's tests."""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from tests.parallel import (
    BEFORE,
    redis_database,
    redis_url_for_worker,
    redis_url_with_database,
    worker_number,
)


@pytest.mark.parametrize(
    ("url", "worker", "expected"),
    [
        ("redis://127.0.0.1:6379/5", 0, "redis://127.0.0.1:6379/5"),
        ("redis://127.0.0.1:6379/5", 1, "redis://127.0.0.1:6379/6"),
        ("redis://127.0.0.1:6379", 1, "redis://127.0.0.1:6379/1"),
        ("redis://:secret@cache:6380/0", 2, "redis://:secret@cache:6380/2"),
        ("unix:///work/.run/redis-test.sock?db=0", 1, "unix:///work/.run/redis-test.sock?db=1"),
        ("unix:///tmp/r.sock", 1, "unix:///tmp/r.sock?db=1"),
        ("redis://127.0.0.1:6379?db=3", 1, "redis://127.0.0.1:6379?db=4"),
    ],
)
def test_each_worker_takes_the_next_redis_database(url: str, worker: int, expected: str) -> None:
    assert redis_url_for_worker(url, worker) == expected
    assert redis_database(expected) == redis_database(url) + worker


def test_a_worker_past_redis_last_database_is_refused_with_what_to_do() -> None:
    # Silently wrapping round to database 0 would share it with whoever uses 0.
    with pytest.raises(RuntimeError, match="TEST_WORKERS"):
        redis_url_for_worker("redis://127.0.0.1:6379/15", 1)
    assert redis_url_with_database("redis://h/15", 15) == "redis://h/15"


def test_only_xdist_workers_have_a_number() -> None:
    assert worker_number("gw0") == 0
    assert worker_number("gw11") == 11
    assert worker_number(None) is None
    assert worker_number("master") is None


def test_this_worker_cache_and_broker_are_on_its_own_redis_database(request, db) -> None:
    worker = worker_number(getattr(request.config, "workerinput", {}).get("workerid"))
    if worker is None:
        pytest.skip("a serial run: one process, nothing to keep apart (make test runs workers)")
    before = os.environ.get(BEFORE)
    assert before, "tests.parallel did not run in this worker (pyproject's addopts: -p)"
    # Worker gwN on database base + N: gw0 and gw1 never share one.
    database = redis_database(before) + worker
    assert redis_database(os.environ["REDIS_URL"]) == database
    assert redis_database(settings.REDIS_URL) == database
    assert redis_database(settings.CACHES["default"]["LOCATION"]) == database
    broker = settings.CELERY_BROKER_URL.replace("redis+socket://", "unix://")
    assert redis_database(broker) == database
    # And its own test database (pytest-django's suffix).
    assert settings.DATABASES["default"]["NAME"].endswith(f"_gw{worker}")
