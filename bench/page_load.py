"""Portal pages under load (quality.md: throughput >= 50% of a bare "hello" Django view on the
same server; p95 <= 50 ms).

Runs gunicorn with the production settings (two sync workers, as on a 2-core machine) plus one
bare view, signs in as the demo users, and drives each page with the same number of keep-alive
clients for the same time, side by side in one run. Prints absolute figures and the ratios.

    make bench        # or: python -m taxpro.launcher exec -- python bench/page_load.py
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bench_settings"
# The key `make run` (DEBUG) seeds the demo with: TIN look-up hashes are derived from it, so
# another key would not find the demo taxpayers already in the database.
os.environ.setdefault("SECRET_KEY", "dev-only-insecure-key-" + "x" * 40)
os.environ.update(HTTPS="0", STATIC_MANIFEST="0", DEBUG="0")

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
    ("cpa@demo.taxpro.test", "/pro/"),
    ("cpa@demo.taxpro.test", "/pro/requests/"),
    ("cpa@demo.taxpro.test", "/pro/authorizations/"),
    ("cpa@demo.taxpro.test", "/pro/clients/"),
    ("alice@demo.taxpro.test", "/account/"),
    ("alice@demo.taxpro.test", "/account/authorizations/"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    cookies = {email: session_cookie(email) for email, _ in PAGES}
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "taxpro.wsgi:application", "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=dict(os.environ),
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        drive(port, "/bench-hello", "")  # warm both workers
        baseline = 0.0
        print(
            f"{CLIENTS} clients, {SECONDS:.0f} s a page, gunicorn with 2 sync workers, "
            f"{os.cpu_count()} cores"
        )
        print(
            f"{'page':28} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}"
            "  throughput vs hello"
        )
        for email, path in PAGES:
            rate, latencies, errors = drive(port, path, cookies[email])
            baseline = baseline or rate
            p50 = statistics.median(latencies) * 1000
            p95 = statistics.quantiles(latencies, n=20)[18] * 1000
            print(f"{path:28} {rate:8.1f} {p50:8.1f} {p95:8.1f} {errors:7d}  {rate / baseline:.2f}")
        print("targets: throughput >= 0.50 of hello; p95 <= 50 ms")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
