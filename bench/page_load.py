"""Portal pages under load (quality.md: a signed-in page's throughput >= 0.5 of a bare signed-in
view on the same server, p95 <= 50 ms; that bare signed-in view >= 0.25 of an anonymous one).

Runs gunicorn with the production settings (two sync workers, as on a 2-core machine) plus the
two bare views of bench/bench_urls.py, signs in as the demo users, and drives each page with the
same number of clients for the same time, side by side in one run. Prints absolute figures and
the ratios.

    make bench        # or: python -m taxpro.launcher exec -- python bench/page_load.py
"""

from __future__ import annotations

import http.client
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402

# Its own database, the demo seeded afresh (bench/common.py: production settings but plain HTTP
# and SERVICE_HOURS=always, so a run at night measures the pages, not the closed page).
DATABASE_URL = common.bench_database_url()
common.production_environment(DATABASE_URL)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from taxpro.models import User  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
PAGES = [
    ("", "/bench-hello"),
    ("cpa@demo.taxpro.test", "/bench-hello-signed-in"),
    ("cpa@demo.taxpro.test", "/pro/"),
    ("cpa@demo.taxpro.test", "/pro/requests/"),
    ("cpa@demo.taxpro.test", "/pro/authorizations/"),
    ("cpa@demo.taxpro.test", "/pro/clients/"),
    ("alice@demo.taxpro.test", "/account/"),
    ("alice@demo.taxpro.test", "/account/authorizations/"),
]


def session_cookie(email: str) -> str:
    if not email:
        return ""
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(email=email))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def drive(port: int, path: str, cookie: str) -> tuple[float, list[float], int]:
    """CLIENTS keep-alive connections for SECONDS; returns (requests/s, latencies, errors)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + SECONDS
    headers = {"Host": "localhost", "Cookie": cookie} if cookie else {"Host": "localhost"}

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - start)
            if response.status != 200:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies) / SECONDS, latencies, errors[0]


def main() -> None:
    common.database_recreate(DATABASE_URL)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    cookies = {email: session_cookie(email) for email, _ in PAGES}
    with common.gunicorn(2) as port:
        drive(port, "/bench-hello", "")  # warm both workers
        rates: dict[str, float] = {}
        common.heading(
            f"pages under load: {CLIENTS} keep-alive clients, {SECONDS:.0f} s a page, gunicorn "
            "with 2 sync workers"
        )
        print(
            f"{'page':28} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}"
            "  throughput vs the signed-in floor"
        )
        for email, path in PAGES:
            rate, latencies, errors = drive(port, path, cookies[email])
            rates[path] = rate
            floor = rates.get("/bench-hello-signed-in")
            ratio = f"{rate / floor:.2f}" if email and floor else "-"
            p50 = statistics.median(latencies) * 1000
            p95 = statistics.quantiles(latencies, n=20)[18] * 1000
            print(f"{path:28} {rate:8.1f} {p50:8.1f} {p95:8.1f} {errors:7d}  {ratio}")
        print("targets: a page's throughput >= 0.50 of the bare signed-in view; p95 <= 50 ms")
        signed_in = common.verdict(rates["/bench-hello-signed-in"] / rates["/bench-hello"], 0.25)
        print(f"the cost of being signed in (bare signed-in vs anonymous): {signed_in}")


if __name__ == "__main__":
    main()
