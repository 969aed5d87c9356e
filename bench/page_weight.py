"""Page weight (quality.md: <= 150 KB compressed for any page, CSS and JS included).

Signs in as the demo users, opens every page of both sides, and adds up the gzip-compressed
size of the HTML and of each stylesheet and script the page links to, as a browser with an
empty cache would fetch them. Prints each page's total and its ratio to the 150 KB budget.

    make bench        # or: python -m taxpro.launcher exec -- python bench/page_weight.py
"""

from __future__ import annotations

import gzip
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taxpro.settings")
os.environ.setdefault("DEBUG", "1")
# Its own database, like every benchmark: the demo is seeded afresh, DATABASE_URL's is untouched.
DATABASE_URL = common.bench_database_url()
os.environ["DATABASE_URL"] = DATABASE_URL

import django  # noqa: E402

django.setup()

from django.contrib.staticfiles import finders  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from taxpro.models import User  # noqa: E402

BUDGET = 150 * 1024
_ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src)="(/static/[^"?#]+)')

PAGES = {
    "cpa@demo.taxpro.test": [
        "/pro/",
        "/pro/requests/",
        "/pro/authorizations/",
        "/pro/clients/",
        "/pro/requests/new/",
        "/pro/profile/",
        "/pro/profile/link/",
    ],
    "alice@demo.taxpro.test": [
        "/account/",
        "/account/authorizations/",
        "/account/notices/",
        "/account/who-viewed/",
    ],
    "": ["/", "/auth/login/", "/accessibility/"],
}


def compressed(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def asset_size(path: str) -> int:
    found = finders.find(path.removeprefix("/static/"))
    if not found:
        raise SystemExit(f"{path} is linked but not found by the static finders")
    return compressed(Path(str(found)).read_bytes())


def main() -> None:
    common.database_recreate(DATABASE_URL)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    worst = 0.0
    print(f"{'page':40} {'html':>8} {'css+js':>8} {'total':>8}  ratio to 150 KB")
    for email, paths in PAGES.items():
        client = Client(HTTP_HOST="localhost")
        if email:
            client.force_login(User.objects.get(email=email))
        for path in paths:
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
            html = response.content
            assets = sorted(set(_ASSET.findall(html.decode())))
            html_kb = compressed(html)
            assets_kb = sum(asset_size(a) for a in assets)
            total = html_kb + assets_kb
            worst = max(worst, total / BUDGET)
            print(
                f"{path:40} {html_kb / 1024:7.1f}K {assets_kb / 1024:7.1f}K "
                f"{total / 1024:7.1f}K  {total / BUDGET:.2f}"
            )
    print(f"worst page: {worst:.2f} of the budget (fonts and images are not counted)")


if __name__ == "__main__":
    main()
