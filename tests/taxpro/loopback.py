"""Servers the taxpro tests start as real processes on loopback: each waits for its port, writes
its output to a file the test reads, and is stopped by whoever started it."""

from __future__ import annotations

import contextlib
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

from taxpro.embedded import process_stop
from tests.authorizations.fault_support import BASE_DIR, free_port, wait_for

__all__ = ["BASE_DIR", "free_port", "running", "wait_for", "wait_for_line"]


def port_accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


@contextlib.contextmanager
def running(
    command: list[str], *, port: int, env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Starts ``command``, which listens on ``port``, with its output in ``log``; yields once the
    port accepts connections and stops the process (SIGTERM, then SIGKILL) on the way out."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        wait_for(lambda: process.poll() is not None or port_accepts(port), timeout=60)
        assert process.poll() is None, f"{command[0]} ended: {log.read_text(errors='replace')}"
        assert port_accepts(port), f"{command[0]} never listened: {log.read_text()}"
        yield process
    finally:
        process_stop(process, grace=30)


def wait_for_line(log: Path, needle: str, timeout: float = 30) -> str:
    """The first line of ``log`` that contains ``needle``, once the process has written it."""

    def found() -> str:
        return next((line for line in log.read_text().splitlines() if needle in line), "")

    assert wait_for(lambda: bool(found()), timeout=timeout), f"no {needle!r} in {log.read_text()}"
    return found()
