"""A practitioner's book: the first page of active authorizations with 50,000 active rows
against the same page with 50 (quality.md: <= 1.2x; the page never reads more rows than it
shows).

Two representatives, each with a linked CAF number and a second factor, hold BENCH_BOOK_BIG
(50,000) and BENCH_BOOK_SMALL (50) active rows over 50 taxpayers; the two pages are fetched in
alternation from gunicorn (production settings), one request at a time, BENCH_BOOK_REQUESTS
times each, and their medians compared.

    make bench   # or: python -m taxpro.launcher exec -- python bench/book.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

DATABASE_URL = common.bench_database_url()
common.production_environment(DATABASE_URL)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from tests.personas import representative, taxpayer_without_account  # noqa: E402

BIG = int(os.environ.get("BENCH_BOOK_BIG", "50000"))
SMALL = int(os.environ.get("BENCH_BOOK_SMALL", "50"))
REQUESTS = int(os.environ.get("BENCH_BOOK_REQUESTS", "60"))
TAXPAYERS = 50
PAGE = "/pro/authorizations/"

# One active row per taxpayer x period: periods 100012, 100112, ... (distinct, six characters).
BOOK = """
INSERT INTO authorizations_authorization
    (taxpayer_id, caf_record_id, kind, matter, period, receives_notices, channel, request_id,
     signed_at, signed_on, starts_at, ends_at, end_reason, ended_by_user_id,
     ended_by_request_id, ended_by_label)
SELECT (%(taxpayers)s::bigint[])[1 + g %% %(n_taxpayers)s], %(caf)s, 'poa', '1040',
       (1000 + g / %(n_taxpayers)s)::text || '12', false, 'form', NULL,
       now() - g * interval '1 minute', (now() - g * interval '1 minute')::date,
       now() - g * interval '1 minute', NULL, '', NULL, NULL, ''
FROM generate_series(0, %(rows)s - 1) AS g
"""


def book(rows: int, taxpayer_ids: list[int]) -> str:
    """A representative holding ``rows`` active rows; their session cookie."""
    rep = representative(second_factor=True)
    with connection.cursor() as cursor:
        cursor.execute(
            BOOK,
            {
                "taxpayers": taxpayer_ids,
                "n_taxpayers": len(taxpayer_ids),
                "caf": rep.caf_record.pk,
                "rows": rows,
            },
        )
    client = Client(HTTP_HOST="localhost")
    client.force_login(rep.user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def fetch(port: int, cookie: str) -> float:
    browser = common.Browser(port)
    name, _, value = cookie.partition("=")
    browser.cookies[name] = value
    began = time.perf_counter()
    status, _ = browser.request("GET", PAGE)
    took = (time.perf_counter() - began) * 1000
    if status != 200:
        raise SystemExit(f"{PAGE} answered {status}")
    return took


def main() -> None:
    common.database_recreate(DATABASE_URL)
    taxpayer_ids = [taxpayer_without_account().pk for _ in range(TAXPAYERS)]
    big, small = book(BIG, taxpayer_ids), book(SMALL, taxpayer_ids)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load
    connection.close()
    timings: dict[str, list[float]] = {"big": [], "small": []}
    with common.gunicorn(1) as port:
        for cookie in (big, small):  # warm the worker and its connection
            fetch(port, cookie)
        for _ in range(REQUESTS):
            timings["big"].append(fetch(port, big))
            timings["small"].append(fetch(port, small))
    common.heading(
        f"a practitioner's first page of active authorizations, {BIG:,} active vs {SMALL:,} "
        f"({REQUESTS} requests each, alternating, one gunicorn worker)"
    )
    for label, rows in (("big", BIG), ("small", SMALL)):
        print(f"{rows:>7,} active: {common.spread(timings[label])}")
    ratio = statistics.median(timings["big"]) / statistics.median(timings["small"])
    verdict = common.verdict(ratio, 1.2, higher_is_better=False)
    print(f"first page, {BIG:,} vs {SMALL:,} (medians): {verdict}")


if __name__ == "__main__":
    main()
