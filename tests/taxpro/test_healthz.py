"""/healthz: the database, Redis, and a worker that answered recently."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import Client

from taxpro import health
from taxpro.embedded import process_stop

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_heartbeat() -> None:
    health.redis_client().delete(health.WORKER_HEARTBEAT_KEY)


@pytest.fixture
def real_worker():
    """A real Celery worker on the test run's Redis; stopped at the end, whatever happens."""
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "taxpro",
            "worker",
            "-c",
            "1",
            "-P",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "warning",
            "-n",
            f"healthz-{os.getpid()}@%h",
        ],
        cwd=BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield worker
    finally:
        process_stop(worker, grace=15)


@pytest.mark.django_db
def test_healthz_is_up_when_database_redis_and_a_real_worker_answer(
    client: Client, no_heartbeat: None, real_worker: subprocess.Popen[bytes]
) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        response = client.get("/healthz")
        if response.status_code == 200:
            break
        time.sleep(0.25)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok", "worker": "ok"},
    }


@pytest.mark.django_db
def test_healthz_is_503_when_no_worker_has_answered(client: Client, no_heartbeat: None) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == "silent"


@pytest.mark.django_db
def test_healthz_is_503_when_redis_is_unreachable(client: Client, settings) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == "unavailable"


def test_healthz_is_503_with_json_when_the_database_is_down() -> None:
    # A separate process whose database is a closed port: the real failure, no mocks.
    env = dict(
        os.environ,
        DATABASE_URL="postgresql://postgres@127.0.0.1:1/nothing",
        DJANGO_SETTINGS_MODULE="taxpro.settings",
    )
    code = (
        "import django; django.setup(); from django.test import Client; "
        "import json; r = Client(HTTP_HOST='localhost').get('/healthz'); "
        "print(r.status_code, json.dumps(json.loads(r.content)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    status, body = result.stdout.strip().split(" ", 1)
    assert status == "503", result.stderr
    assert json.loads(body)["checks"]["database"] == "unavailable"
