"""The API for practice software under load (issue 14), beside the page it stands in for:
listing requests (GET /api/v1/requests against the Requests page, /pro/requests/) and sending
requests (POST /api/v1/requests, each with its own Idempotency-Key, each a new request).

Same harness as page_load.py: gunicorn with the production settings and two sync workers, the
demo seeded afresh on the benchmark's own database, CLIENTS keep-alive clients for SECONDS.
The throttles are raised for the run (a script is what they slow down; here the script is the
point). Figures, never pass/fail.

    make bench        # or: python -m taxpro.launcher exec -- python bench/api.py
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import secrets
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402

DATABASE_URL = common.bench_database_url()
common.production_environment(DATABASE_URL)
# Raised for the run only: every call of the benchmark is one practitioner's.
os.environ.update(
    API_CALL_RATE="1000000/m/key",
    REQUEST_SUBMIT_RATE="1000000/m/user",
    REQUEST_SUBMIT_PER_TAXPAYER_RATE="1000000/h/key",
)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from oauth2_provider.models import AccessToken, Application, set_token_value  # noqa: E402

from authorizations.periods import Matter, allowed_periods  # noqa: E402
from taxpro import clock  # noqa: E402
from taxpro.models import User  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
CPA = "cpa@demo.taxpro.test"
# The demo CPA and Carmen Diaz (README's cheat sheet): a TIA for one period at a time, each a
# new request (a request already waiting for the same periods would be refused as a duplicate).
REPRESENTATIVE = {
    "caf_number": "0300-12345",
    "name": "Casey Morgan",
    "address": {
        "line1": "200 Market Street",
        "line2": "Suite 410",
        "city": "Philadelphia",
        "state": "PA",
        "zip_code": "19106",
    },
}
TAXPAYER = {
    "tin": "912-70-4003",
    "name": "Carmen Diaz",
    "address": {
        "line1": "1600 Pennsylvania Avenue NW",
        "city": "Washington",
        "state": "DC",
        "zip_code": "20500",
    },
}


def bearer_token(email: str) -> str:
    application = Application.objects.create(
        name="Bench software",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://software.example/callback",
        algorithm=Application.NO_ALGORITHM,
    )
    raw = secrets.token_urlsafe(30)
    token = AccessToken(
        user=User.objects.get(email=email),
        application=application,
        scope=" ".join(settings.API_SCOPES),
        expires=clock.now() + dt.timedelta(hours=2),
    )
    set_token_value(token, raw)
    token.save()
    return raw


def session_cookie(email: str) -> str:
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(email=email))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def request_bodies() -> list[bytes]:
    today = clock.today_et(clock.now())
    modules = [(m, p) for m in Matter.values for p in allowed_periods(matter=m, today=today)]
    bodies = [
        json.dumps(
            {
                "kind": kind,
                "representative": REPRESENTATIVE,
                "taxpayer": TAXPAYER,
                "modules": [{"matter": matter, "period": period}],
            }
        ).encode()
        for kind in ("tia", "poa")
        for matter, period in modules
    ]
    return bodies


def drive(
    port: int, method: str, path: str, headers: dict[str, str], bodies: list[bytes] | None = None
) -> tuple[float, list[float], int, int]:
    """(requests/s, latencies, errors, bodies left unsent)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    queue = list(bodies or [])
    deadline = time.perf_counter() + SECONDS

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        while time.perf_counter() < deadline:
            body = None
            sent = dict(headers, Host="localhost")
            if method == "POST":
                with lock:
                    if not queue:
                        break
                    body = queue.pop()
                sent |= {"Idempotency-Key": str(uuid.uuid4()), "Content-Type": "application/json"}
            start = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=sent)
                response = conn.getresponse()
                response.read()
                ok = response.status in (200, 201)
            except OSError:  # a timeout on a loaded machine: counted, and a new connection
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                ok = False
            mine.append(time.perf_counter() - start)
            if not ok:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = min(SECONDS, time.perf_counter() - started)
    return len(latencies) / elapsed, latencies, errors[0], len(queue)


def drive_once(port: int, path: str, headers: dict[str, str]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=dict(headers, Host="localhost"))
    conn.getresponse().read()
    conn.close()


def main() -> None:
    common.database_recreate(DATABASE_URL)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    token = {"Authorization": f"Bearer {bearer_token(CPA)}"}
    cookie = {"Cookie": session_cookie(CPA)}
    with common.gunicorn(2) as port:
        drive(port, "GET", "/bench-hello", {})  # warm both workers
        for warm_path, warm_headers in (("/pro/requests/", cookie), ("/api/v1/requests", token)):
            for _ in range(4):
                drive_once(port, warm_path, warm_headers)
        common.heading(
            f"the API under load: {CLIENTS} keep-alive clients, {SECONDS:.0f} s a row, gunicorn "
            "with 2 sync workers"
        )
        print(f"{'row':34} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}  vs the page")
        page_rate = 0.0
        rows = [
            ("page GET /pro/requests/", "GET", "/pro/requests/", cookie, None),
            ("API GET /api/v1/requests", "GET", "/api/v1/requests", token, None),
            ("API POST /api/v1/requests", "POST", "/api/v1/requests", token, request_bodies()),
        ]
        for label, method, path, headers, bodies in rows:
            rate, latencies, errors, left = drive(port, method, path, headers, bodies)
            if label.startswith("page"):
                page_rate = rate
            ratio = f"{rate / page_rate:.2f}" if page_rate and label.startswith("API GET") else "-"
            p50 = statistics.median(latencies) * 1000
            p95 = statistics.quantiles(latencies, n=20)[18] * 1000
            note = "" if not left else f"  ({left} bodies unsent)"
            print(f"{label:34} {rate:8.1f} {p50:8.1f} {p95:8.1f} {errors:7d}  {ratio}{note}")
        print(f"load average: {common.load_average()}")
        print("a new request by API runs the wizard's checks and one transaction; the list reads")
        print("one page of 50 (the Requests page shows 25 rows)")


if __name__ == "__main__":
    main()
