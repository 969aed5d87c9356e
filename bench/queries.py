"""Queries per page at 1 row and at 200 (quality.md: equal; the tests assert it page by page,
this prints the figures): the practitioner's pages, each asked for by a signed-in practitioner
whose lists hold one request and one active authorization, then 200 of each.

    make bench   # or: python -m taxpro.launcher exec -- python bench/queries.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

DATABASE_URL = common.bench_database_url()
common.production_environment(DATABASE_URL)

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from tests.views.pro_support import (  # noqa: E402
    insert_authorizations,
    insert_requests,
    practitioner,
    signed_in_as,
)

PAGES = (
    "/pro/",
    "/pro/requests/",
    "/pro/authorizations/",
    "/pro/authorizations/export.csv",
    "/pro/clients/",
    "/pro/notices/",
)


def queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, secure=True)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        if response.streaming:
            b"".join(response.streaming_content)  # type: ignore[arg-type]
        else:
            response.content  # noqa: B018 - a CSV reads its rows as it is written
    return len(captured)


def main() -> None:
    common.database_recreate(DATABASE_URL)
    rep = practitioner()
    client = signed_in_as(Client(HTTP_HOST="localhost"), rep)
    insert_requests(rep, 1)
    insert_authorizations(rep, 1)
    for path in PAGES:
        client.get(path, secure=True)  # the session and the caches warmed
    one = {path: queries(client, path) for path in PAGES}
    insert_requests(rep, 199)
    insert_authorizations(rep, 199)
    many = {path: queries(client, path) for path in PAGES}
    common.heading("queries per page, 1 row vs 200 (requests and active authorizations)")
    print(f"{'page':34} {'1 row':>6} {'200 rows':>9}  ratio")
    for path in PAGES:
        verdict = common.verdict(many[path] / one[path], 1.0, higher_is_better=False)
        print(f"{path:34} {one[path]:6d} {many[path]:9d}  {verdict}")


if __name__ == "__main__":
    main()
