"""Lighthouse on the signed-in pages, as a phone sees them (issue 13's targets: layout shift
<= 0.1, accessibility 100, performance >= 90), against the production settings: gunicorn,
WhiteNoise serving collected, compressed, cache-forever static files. Prints each page's figures
and whether it meets the targets; never fails a build.

    make lighthouse      # or: python -m taxpro.launcher exec -- python bench/lighthouse.py

Lighthouse itself comes from the npm registry on first use (npx); Chromium from the machine.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bench_settings"
# The key `make run` seeds the demo with: TIN look-up hashes are derived from it.
os.environ.setdefault("SECRET_KEY", "dev-only-insecure-key-" + "x" * 40)
os.environ.update(HTTPS="0", STATIC_MANIFEST="1", DEBUG="0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from taxpro.models import User  # noqa: E402

LIGHTHOUSE = os.environ.get("LIGHTHOUSE", "lighthouse@13")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PAGES = [
    ("cpa@demo.taxpro.test", "/pro/"),
    ("cpa@demo.taxpro.test", "/pro/requests/"),
    ("cpa@demo.taxpro.test", "/pro/authorizations/"),
    ("cpa@demo.taxpro.test", "/pro/clients/"),
    ("cpa@demo.taxpro.test", "/pro/profile/"),
    ("cpa@demo.taxpro.test", "/pro/requests/new/"),
    ("alice@demo.taxpro.test", "/account/"),
    ("alice@demo.taxpro.test", "/account/authorizations/"),
    ("", "/auth/login/"),
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


def audit(url: str, cookie: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        command = [
            "npx", "--yes", LIGHTHOUSE, url,
            "--only-categories=performance,accessibility",
            "--form-factor=mobile", "--screenEmulation.mobile",
            f"--chrome-flags=--headless=new --no-sandbox --user-data-dir={tmp}/profile",
            "--output=json", f"--output-path={report}", "--quiet",
        ]  # fmt: skip
        if cookie:
            command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
        env = dict(os.environ, CHROME_PATH=CHROMIUM)
        subprocess.run(command, check=True, env=env, cwd=tmp, timeout=300)  # noqa: S603
        data = json.loads(report.read_text())
    audits, categories = data["audits"], data["categories"]
    return {
        "performance": categories["performance"]["score"] * 100,
        "accessibility": categories["accessibility"]["score"] * 100,
        "cls": audits["cumulative-layout-shift"]["numericValue"],
        "lcp_ms": audits["largest-contentful-paint"]["numericValue"],
        "bytes": audits["total-byte-weight"]["numericValue"],
    }


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    call_command("collectstatic", interactive=False, verbosity=0)
    cookies = {email: session_cookie(email) for email, _ in PAGES}
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "taxpro.wsgi:application", "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--no-control-socket"],
        cwd=ROOT, env=dict(os.environ),
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        load = os.getloadavg()
        print(f"Lighthouse ({LIGHTHOUSE}), mobile, production settings; load {load[0]:.2f}")
        print(f"{'page':28} {'perf':>5} {'a11y':>5} {'CLS':>6} {'LCP ms':>7} {'KB':>6}  targets")
        for email, path in PAGES:
            figures = audit(f"http://127.0.0.1:{port}{path}", cookies[email])
            met = (
                figures["cls"] <= 0.1
                and figures["accessibility"] >= 100
                and figures["performance"] >= 90
            )
            print(
                f"{path:28} {figures['performance']:5.0f} {figures['accessibility']:5.0f} "
                f"{figures['cls']:6.3f} {figures['lcp_ms']:7.0f} {figures['bytes'] / 1024:6.1f}"
                f"  {'met' if met else 'MISSED'}"
            )
        print("targets: performance >= 90, accessibility 100, layout shift <= 0.1")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
