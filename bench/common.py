"""What the benchmarks share: a private database, servers started and stopped, a tiny HTTP client
with cookies, and the lines every report prints (machine, load average, ratio to target).

Each benchmark runs on its own database (``<DATABASE_URL's name>_bench`` unless
``BENCH_DATABASE_NAME`` says otherwise), dropped and migrated afresh, so it never writes to the
database ``make run`` uses and two runs never see each other's rows. The settings are the
production ones (DEBUG off) with three exceptions: plain HTTP on loopback, ``SERVICE_HOURS=always``
so that a run at night measures recording, not waiting for the opening, and e-mail sent to memory
(no SMTP server here).
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def bench_database_url() -> str:
    """The benchmark's database: the same for every bench module this process imports (one
    benchmark may build on another's setup), so it is worked out once and remembered."""
    if remembered := os.environ.get("BENCH_DATABASE_URL"):
        return remembered
    base = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    name = os.environ.get("BENCH_DATABASE_NAME") or f"{base.path.lstrip('/') or 'taxpro'}_bench"
    os.environ["BENCH_DATABASE_URL"] = urllib.parse.urlunsplit(base._replace(path=f"/{name}"))
    return os.environ["BENCH_DATABASE_URL"]


def production_environment(database_url: str) -> None:
    """Production settings (bench/bench_settings.py), on a private database, in this process
    and every child."""
    (ROOT / ".run" / "staticfiles").mkdir(parents=True, exist_ok=True)
    # A SIGTERM (a timeout, Ctrl-C from make) unwinds the context managers: no server is left.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.environ.setdefault("SECRET_KEY", "bench-only-insecure-key-" + "x" * 40)
    os.environ.update(
        DATABASE_URL=database_url,
        DEBUG="0",
        HTTPS="0",
        STATIC_MANIFEST="0",
        SERVICE_HOURS="always",
        # No SMTP server listens here: each notice's e-mail task failed its connect and logged a
        # traceback. The e-mails are rendered and "sent" to memory, as a working SMTP would.
        MAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="bench.bench_settings",
    )


def database_recreate(database_url: str) -> None:
    """Drop and create the benchmark's database (it is the benchmark's alone), then migrate."""
    parts = urllib.parse.urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(  # noqa: S603
        [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=dict(os.environ, DATABASE_URL=database_url),
        check=True,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on port {port} after {seconds:.0f} s")


@contextmanager
def gunicorn(
    workers: int, *, app: str = "taxpro.wsgi:application", database_url: str | None = None
) -> Iterator[int]:
    """gunicorn with sync workers on a free port (on ``database_url`` if given, else the
    benchmark's database); yields the port."""
    port = free_port()
    env = dict(os.environ, **({"DATABASE_URL": database_url} if database_url else {}))
    server = subprocess.Popen(  # noqa: S603
        [PYTHON, "-m", "gunicorn", app, "--workers", str(workers),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        wait_for_port(port)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextmanager
def celery(concurrency: int, *, beat: bool = True) -> Iterator[None]:
    """One worker (``-c concurrency``, prefork) and, unless told not, exactly one beat (its
    schedule file in a directory of its own, removed afterwards)."""
    with tempfile.TemporaryDirectory(prefix="bench-beat-") as run:
        commands = [
            [PYTHON, "-m", "celery", "-A", "taxpro", "worker", "-l", "warning", "-c",
             str(concurrency), "--without-gossip", "--without-mingle",
             "-P", os.environ.get("BENCH_WORKER_POOL", "prefork"),
             "-n", f"bench{os.getpid()}@%h"],
        ]  # fmt: skip
        if beat:
            commands.append(
                [PYTHON, "-m", "celery", "-A", "taxpro", "beat", "-l", "warning",
                 "-s", str(Path(run) / "celerybeat-schedule")]
            )  # fmt: skip
        children = [
            subprocess.Popen(cmd, cwd=ROOT, env=dict(os.environ), stdout=subprocess.DEVNULL)  # noqa: S603
            for cmd in commands
        ]
        try:
            yield
        finally:
            for child in children:
                child.terminate()
            for child in children:
                child.wait(timeout=60)


class Browser:
    """A cookie jar and a connection a request: gunicorn's sync workers close every
    connection after its answer, so a browser opens one per request too."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str]:
        headers = {"Host": "localhost"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = "http://localhost"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode()
            if 300 <= response.status < 400:
                text = response.headers.get("Location", "")
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, text

    def csrf_token(self, path: str) -> str:
        status, text = self.request("GET", path)
        found = _CSRF.search(text)
        if status != 200 or not found:
            raise SystemExit(f"GET {path} answered {status} without a form ({text[:80]})")
        return found.group(1)

    def sign_in(self, email: str, password: str) -> None:
        token = self.csrf_token("/auth/login/")
        status, _ = self.request(
            "POST",
            "/auth/login/",
            {"csrfmiddlewaretoken": token, "login": email, "password": password},
        )
        if status != 302:
            raise SystemExit(f"signing in as {email} answered {status}")

    def step_up(self, password: str) -> None:
        """Confirm it is them (allauth's re-authentication), as a POA's approval asks."""
        token = self.csrf_token("/auth/reauthenticate/")
        status, _ = self.request(
            "POST", "/auth/reauthenticate/", {"csrfmiddlewaretoken": token, "password": password}
        )
        if status != 302:
            raise SystemExit(f"the step-up answered {status}")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def spread(values_ms: list[float]) -> str:
    return (
        f"p50 {statistics.median(values_ms):.1f} ms, p95 {percentile(values_ms, 0.95):.1f} ms, "
        f"max {max(values_ms):.1f} ms"
    )


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def verdict(ratio: float, target: float, *, higher_is_better: bool = True) -> str:
    met = ratio >= target if higher_is_better else ratio <= target
    sign = ">=" if higher_is_better else "<="
    return f"{ratio:.2f} (target {sign} {target:g}: {'met' if met else 'MISSED'})"


def heading(title: str) -> None:
    print(f"\n== {title}  [{load_average()}]", flush=True)
