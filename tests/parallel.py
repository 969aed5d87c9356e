"""Each pytest-xdist worker of `make test` on servers of its own (loaded by ``-p tests.parallel``).

`make test` runs the suite in two worker processes (pytest-xdist, ``-n``). Two workers must not
see each other's state:

- PostgreSQL: pytest-django already gives each worker its own test database
  (``<TEST_DATABASE_NAME>_gw0``, ``_gw1``...; a serial run takes ``_gw0``, tests/conftest.py),
  and the fault test that restarts PostgreSQL does it on a private cluster of its own
  (tests/authorizations/private_postgres.py).
- Redis: one server, but each worker its own database number, for the cache (every test starts
  with ``cache.clear()``, a FLUSHDB that would wipe the other worker's rate limits and used TOTP
  codes) and for the Celery broker (two workers' tasks on one broker would be taken by the
  wrong worker's Celery). Worker ``gwN`` uses database ``base + N``, where ``base`` is the
  database REDIS_URL names (0 for the embedded Redis). Set here, in the environment, before
  Django reads its settings; every process a test starts (Celery workers, gunicorn) inherits it.
- Ports: every server a test starts (live server, gunicorn, nginx, private Redis) binds a free
  port the kernel picks; nothing listens on a fixed one.

This module runs on import, not in a hook: pytest-django loads the settings in its own
``pytest_load_initial_conftests``, before any hook of a ``-p`` plugin or a conftest could run,
and xdist sets ``PYTEST_XDIST_WORKER`` before the worker's pytest starts.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

# redis-server's default `databases 16`: numbers 0-15.
REDIS_DATABASES = 16


def worker_number(worker_id: str | None) -> int | None:
    """0 for ``gw0``, 1 for ``gw1``...; None outside pytest-xdist (the controller, a serial run)."""
    if not worker_id or not worker_id.startswith("gw"):
        return None
    return int(worker_id.removeprefix("gw"))


def redis_database(url: str) -> int:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    if "db" in query:
        return int(query["db"][0])
    path = parts.path.strip("/")
    return int(path) if parts.scheme in {"redis", "rediss"} and path else 0


def redis_url_with_database(url: str, database: int) -> str:
    """``url`` naming Redis database ``database``: ``redis://h:p/N``, ``unix:///s.sock?db=N``."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    if parts.scheme in {"redis", "rediss"} and "db" not in query:
        return urlunsplit(parts._replace(path=f"/{database}"))
    # Not urlunsplit: it drops the empty host of unix:///path.
    query["db"] = [str(database)]
    return f"{url.partition('?')[0]}?{urlencode(query, doseq=True)}"


def redis_url_for_worker(url: str, worker: int) -> str:
    database = redis_database(url) + worker
    if database >= REDIS_DATABASES:
        raise RuntimeError(
            f"REDIS_URL names database {redis_database(url)}; with the test workers' one each "
            f"(worker gw{worker} would take {database}), that is past Redis's last database "
            f"({REDIS_DATABASES - 1}). Name a lower database in REDIS_URL, or run fewer workers "
            "(make test TEST_WORKERS=1)."
        )
    return redis_url_with_database(url, database)


# Set once per worker: a pytest started by a test inherits the worker's environment, and must
# not move one database further. The URL before the move stays readable (tests check the move).
_DONE = "TAXPRO_TEST_WORKER_REDIS"
BEFORE = "TAXPRO_TEST_REDIS_URL_BEFORE_WORKERS"


def _isolate_this_worker() -> None:
    worker_id = os.environ.get("PYTEST_XDIST_WORKER")
    worker = worker_number(worker_id)
    if worker is None or not os.environ.get("REDIS_URL") or os.environ.get(_DONE) == worker_id:
        return
    os.environ[BEFORE] = os.environ["REDIS_URL"]
    os.environ["REDIS_URL"] = redis_url_for_worker(os.environ["REDIS_URL"], worker)
    os.environ[_DONE] = str(worker_id)


_isolate_this_worker()
