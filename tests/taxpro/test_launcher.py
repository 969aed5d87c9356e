"""The launcher stops what it started on Ctrl-C, even where it was started with SIGINT ignored
(from a script, under nohup, in the background), and says how it ended."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from taxpro.launcher import BASE_DIR


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize("sigint_inherited", ["ignored", "default"])
def test_ctrl_c_stops_the_launcher_and_its_command(tmp_path: Path, sigint_inherited: str) -> None:
    started = tmp_path / "started"
    child_pid_file = tmp_path / "child.pid"
    # The command records its pid, then waits far longer than the test may take.
    script = (
        "import os, pathlib, time; "
        f"pathlib.Path({str(child_pid_file)!r}).write_text(str(os.getpid())); "
        f"pathlib.Path({str(started)!r}).touch(); "
        "time.sleep(600)"
    )
    launcher = subprocess.Popen(
        [sys.executable, "-m", "taxpro.launcher", "exec", "--", sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=os.environ.copy(),  # the suite's DATABASE_URL/REDIS_URL: no embedded servers
        preexec_fn=_ignore_sigint if sigint_inherited == "ignored" else None,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not started.exists():
            assert launcher.poll() is None, launcher.stdout.read() if launcher.stdout else ""
            assert time.monotonic() < deadline, "the command never started"
            time.sleep(0.05)
        os.kill(launcher.pid, signal.SIGINT)
        returncode = launcher.wait(timeout=60)
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
    output = launcher.stdout.read().decode() if launcher.stdout else ""
    # An interrupted command did not finish: 130, as a shell says for Ctrl-C.
    assert returncode == 130, output
    assert "[taxpro] stopped" in output
    child_pid = int(child_pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(child_pid, 0)
