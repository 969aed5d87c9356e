"""The test suite against CI's bar (quality.md: `make test`, the default tier, under 10 minutes
on 2 cores): runs `make test` as a newcomer does, on the embedded servers (no service variables
passed on), and prints its wall time against the 600 s target. BENCH_SUITE=0 skips it.

    make bench   # or: python bench/suite.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

TARGET_SECONDS = 600
SERVICE_VARIABLES = ("DATABASE_URL", "REDIS_URL", "BENCH_DATABASE_URL")


def main() -> None:
    if os.environ.get("BENCH_SUITE", "1") == "0":
        print("\n== test suite: skipped (BENCH_SUITE=0)")
        return
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    began = time.perf_counter()
    result = subprocess.run(["make", "test"], cwd=common.ROOT, env=env, check=False)  # noqa: S607
    seconds = time.perf_counter() - began
    common.heading(f"make test, the whole suite on the embedded servers (exit {result.returncode})")
    print(f"wall time {seconds:.0f} s")
    ratio = seconds / TARGET_SECONDS
    print(f"vs the {TARGET_SECONDS} s bar: {common.verdict(ratio, 1.0, higher_is_better=False)}")


if __name__ == "__main__":
    main()
