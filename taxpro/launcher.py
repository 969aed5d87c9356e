"""One command to set up and run the portal, or its tests, on any machine.

    python -m taxpro.launcher run            # web server, one Celery worker and one beat
    python -m taxpro.launcher test [ARGS]    # the whole test suite (pytest ARGS)
    python -m taxpro.launcher exec -- CMD    # any command with the same environment

When ``DATABASE_URL`` / ``REDIS_URL`` are unset, embedded PostgreSQL and Redis are started
first and stopped last. Ctrl-C and SIGTERM stop everything this process started.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from taxpro.demo import DEMO_SIGN_INS
from taxpro.embedded import RUN_DIR, EmbeddedPostgres, EmbeddedRedis, process_stop

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEMO_BYPASS_CODE = "123456"


class Stop(Exception):
    """Raised in the main thread by SIGTERM so that cleanup runs as for Ctrl-C."""


def _raise_stop(signum: int, frame: object) -> None:
    raise Stop(signum)


def say(message: str) -> None:
    print(f"[taxpro] {message}", flush=True)


@contextmanager
def services(*, for_tests: bool = False) -> Iterator[None]:
    """Point DATABASE_URL and REDIS_URL somewhere: the caller's servers, else embedded ones.

    The test run gets servers of its own, so `make test` beside a running `make run` neither
    shares nor stops the portal's.
    """
    postgres = redis = None
    suffix = "-test" if for_tests else ""
    try:
        if not os.environ.get("DATABASE_URL"):
            postgres = EmbeddedPostgres(RUN_DIR / f"pgdata{suffix}")
            os.environ["DATABASE_URL"] = postgres.start()
            say(f"embedded PostgreSQL started ({postgres.datadir})")
        if not os.environ.get("REDIS_URL"):
            redis = EmbeddedRedis(name=f"redis{suffix}")
            os.environ["REDIS_URL"] = redis.start()
            say(f"embedded Redis started ({redis.socket})")
        yield
    finally:
        if redis is not None:
            redis.stop()
            say("embedded Redis stopped")
        if postgres is not None:
            postgres.stop()
            say("embedded PostgreSQL stopped")


def manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, check=True)  # noqa: S603


def _stop_children(children: list[subprocess.Popen[bytes]]) -> None:
    # SIGTERM to each leader only: the Celery worker then stops its pool children itself
    # (a warm shutdown); signalling the whole group killed children in mid-transaction.
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + 15
    for child in children:
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        # Anything the leader left behind in its group goes too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)


def run_portal() -> int:
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("MFA_TOTP_INSECURE_BYPASS_CODE", DEMO_BYPASS_CODE)
    port = os.environ.get("PORT", "8000")
    manage("migrate", "--noinput", "-v", "0")
    manage("seed_demo")
    RUN_DIR.mkdir(exist_ok=True)
    commands = {
        "web": [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        "worker": [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "taxpro",
            "worker",
            "-l",
            "warning",
            "-c",
            "1",
            "--without-gossip",
            "--without-mingle",
            "-n",
            "worker@%h",
        ],
        "beat": [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "taxpro",
            "beat",
            "-l",
            "warning",
            "-s",
            str(RUN_DIR / "celerybeat-schedule"),
            "--pidfile",
            str(RUN_DIR / "celerybeat.pid"),
        ],
    }
    # Each child gets its own process group, so shutdown happens in our order, not the terminal's.
    children = [
        subprocess.Popen(cmd, cwd=BASE_DIR, start_new_session=True)  # noqa: S603
        for cmd in commands.values()
    ]
    try:
        say(f"Tax Pro Portal is running at http://127.0.0.1:{port}/")
        say(
            f"Demo sign-ins (password for all: {DEMO_SIGN_INS['password']}; "
            f"second-factor code for all: {os.environ['MFA_TOTP_INSECURE_BYPASS_CODE']}):"
        )
        for kind, email in DEMO_SIGN_INS["users"]:
            say(f"  {kind:<28} {email}")
        say("Press Ctrl-C to stop everything.")
        while True:
            for name, child in zip(commands, children, strict=True):
                if child.poll() is not None:
                    say(f"the {name} process exited ({child.returncode}); stopping everything")
                    return 1
            time.sleep(0.5)
    finally:
        _stop_children(children)
        say("web server, worker and beat stopped")


def run_tests(args: list[str]) -> int:
    # The suite runs the production settings, over plain HTTP on loopback.
    os.environ.setdefault("SECRET_KEY", "test-" + "k3y-n0t-f0r-producti0n-" * 3)
    os.environ.setdefault("HTTPS", "0")
    os.environ.setdefault("STATIC_MANIFEST", "0")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # Results must not depend on the hour the suite runs (R40 is tested with explicit times).
    os.environ.setdefault("SERVICE_HOURS", "always")
    return run_command([PYTHON, "-m", "pytest", *args])


def run_command(command: list[str]) -> int:
    """Run a command in the foreground; on Ctrl-C or SIGTERM, stop it and wait for it."""
    child = subprocess.Popen(command, cwd=BASE_DIR)  # noqa: S603
    try:
        return child.wait()
    except (Stop, KeyboardInterrupt):
        # Ctrl-C from a terminal reached the command too (same process group); a signal sent
        # to us alone, or SIGTERM, did not: stop it ourselves, and leave nothing behind.
        process_stop(child, grace=15)
        raise


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test", "exec"}:
        print(__doc__)
        return 2
    mode, rest = argv[0], argv[1:]
    if rest[:1] == ["--"]:
        rest = rest[1:]
    signal.signal(signal.SIGTERM, _raise_stop)
    # Started from a script, under nohup or in the background, a process inherits SIGINT
    # ignored; Ctrl-C must stop what we started wherever we were started from.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.chdir(BASE_DIR)
    try:
        with services(for_tests=mode == "test"):
            if mode == "run":
                return run_portal()
            if mode == "test":
                return run_tests(rest)
            return run_command(rest)
    except (KeyboardInterrupt, Stop):
        say("stopped")
        # Stopping the portal is how a run ends, not a failure (make would say "Error 130");
        # an interrupted test run or command did not finish, and says so.
        return 0 if mode == "run" else 130
    except subprocess.CalledProcessError as exc:
        say(f"set-up step failed: {' '.join(map(str, exc.cmd))}")
        return exc.returncode or 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
