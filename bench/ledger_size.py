"""The ledger at 10 million rows against the same measures at 10 thousand (quality.md: recording,
the practitioner's first page of active authorizations and the home <= 1.2x).

One database, two phases. Phase one: a practitioner with a book of 50 active rows, and other
practitioners' rows around it up to BENCH_LEDGER_SMALL (10,000) rows in all. Phase two: the same
database grown to BENCH_LEDGER_BIG (10,000,000) rows in all: nine in ten ended (superseded), one
in ten active, over 500 other taxpayers and 20 other CAF numbers, then VACUUM ANALYZE as
autovacuum would. In each phase the same three things are measured:

- recording: BENCH_LEDGER_RECORDINGS (100) approved requests, each for a new taxpayer, recorded
  one after the other by the service (``request_record``, in this process), each timed;
- the first page of /pro/authorizations/ and the home /pro/ of the practitioner with 50 rows,
  fetched in alternation from gunicorn (production settings, one worker), BENCH_LEDGER_REQUESTS
  (60) times each.

Medians are compared, 10 M over 10 k. The phases run one after the other, so a burst of load
from elsewhere during one of them moves the ratio: the load average is printed with each.

    make bench   # or: python -m taxpro.launcher exec -- python bench/ledger_size.py
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

from django.db import connection  # noqa: E402

from authorizations.models import RequestState  # noqa: E402
from authorizations.services import request_record  # noqa: E402
from bench.book import book  # noqa: E402
from tests.authorizations.factories import AuthorizationRequestFactory  # noqa: E402
from tests.personas import representative, taxpayer_without_account  # noqa: E402

SMALL = int(os.environ.get("BENCH_LEDGER_SMALL", "10000"))
BIG = int(os.environ.get("BENCH_LEDGER_BIG", "10000000"))
RECORDINGS = int(os.environ.get("BENCH_LEDGER_RECORDINGS", "100"))
REQUESTS = int(os.environ.get("BENCH_LEDGER_REQUESTS", "60"))
BOOK_ROWS = 50
FILLER_TAXPAYERS = 500
FILLER_CAF_NUMBERS = 20
CHUNK = 1_000_000
PAGES = {"first page": "/pro/authorizations/", "home": "/pro/"}

# Rows number ``first`` .. ``first + rows - 1`` of the filler: row g belongs to taxpayer
# g mod 500 and CAF number g mod 20 (500 is a multiple of 20, so the taxpayer names the pair),
# its period is the (g div 500)th month from January 1000 (a taxpayer never repeats one), and
# every tenth row is active, the rest ended, superseded a day after they began.
FILLER = """
INSERT INTO authorizations_authorization
    (taxpayer_id, caf_record_id, kind, matter, period, receives_notices, channel, request_id,
     signed_at, signed_on, starts_at, ends_at, end_reason, ended_by_user_id,
     ended_by_request_id, ended_by_label)
SELECT (%(taxpayers)s::bigint[])[1 + g %% %(n_taxpayers)s],
       (%(cafs)s::bigint[])[1 + g %% %(n_cafs)s],
       CASE WHEN g %% 2 = 0 THEN 'poa' ELSE 'tia' END, '1040',
       (1000 + g / %(n_taxpayers)s / 12)::text
           || lpad((1 + g / %(n_taxpayers)s %% 12)::text, 2, '0'),
       false, 'form',
       NULL, now() - interval '3 years' + g * interval '1 second',
       (now() - interval '3 years' + g * interval '1 second')::date,
       now() - interval '3 years' + g * interval '1 second',
       CASE WHEN g %% 10 = 0 THEN NULL
            ELSE now() - interval '3 years' + g * interval '1 second' + interval '1 day' END,
       CASE WHEN g %% 10 = 0 THEN '' ELSE 'superseded' END, NULL, NULL, ''
FROM generate_series(%(first)s, %(first)s + %(rows)s - 1) AS g
"""


class Ledger:
    """The filler around the measured practitioner's book, grown in chunks."""

    def __init__(self) -> None:
        self.taxpayers = [taxpayer_without_account().pk for _ in range(FILLER_TAXPAYERS)]
        self.cafs = [representative().caf_record.pk for _ in range(FILLER_CAF_NUMBERS)]
        self.filled = 0

    def rows(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM authorizations_authorization")
            (count,) = cursor.fetchone()
        return int(count)

    def grow_to(self, total: int) -> None:
        began = time.perf_counter()
        missing = total - self.rows()
        while missing > 0:
            rows = min(CHUNK, missing)
            with connection.cursor() as cursor:
                cursor.execute(
                    FILLER,
                    {
                        "taxpayers": self.taxpayers,
                        "n_taxpayers": len(self.taxpayers),
                        "cafs": self.cafs,
                        "n_cafs": len(self.cafs),
                        "first": self.filled,
                        "rows": rows,
                    },
                )
            self.filled += rows
            missing -= rows
            if total >= CHUNK:
                print(f"  ledger: {total - missing:,} rows", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load
        print(f"  the ledger holds {self.rows():,} rows ({time.perf_counter() - began:.0f} s)")


def recordings(count: int) -> list[float]:
    """``count`` recordings, each of an approved request for a new taxpayer, timed one by one."""
    rep = representative()
    ids = [
        AuthorizationRequestFactory(
            practitioner=rep.user,
            caf_record=rep.caf_record,
            taxpayer=taxpayer_without_account(),
            state=RequestState.APPROVED,
        ).pk
        for _ in range(count + 5)
    ]
    for request_id in ids[:5]:  # warm the connection and the statements' plans
        request_record(request_id=request_id)
    took = []
    for request_id in ids[5:]:
        began = time.perf_counter()
        if request_record(request_id=request_id) != "recorded":
            raise SystemExit(f"request {request_id} was not recorded")
        took.append((time.perf_counter() - began) * 1000)
    return took


def fetch(port: int, cookie: str, path: str) -> float:
    browser = common.Browser(port)
    name, _, value = cookie.partition("=")
    browser.cookies[name] = value
    began = time.perf_counter()
    status, _ = browser.request("GET", path)
    took = (time.perf_counter() - began) * 1000
    if status != 200:
        raise SystemExit(f"{path} answered {status}")
    return took


def measure(label: str, cookie: str) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {"recording": recordings(RECORDINGS)}
    timings.update({page: [] for page in PAGES})
    connection.close()
    with common.gunicorn(1) as port:
        for path in PAGES.values():  # warm the worker and its connection
            fetch(port, cookie, path)
        for _ in range(REQUESTS):
            for page, path in PAGES.items():
                timings[page].append(fetch(port, cookie, path))
    common.heading(f"the ledger at {label}")
    for what, values in timings.items():
        print(f"{what:>11}: {common.spread(values)}")
    return timings


def main() -> None:
    common.database_recreate(DATABASE_URL)
    cookie = book(BOOK_ROWS, [taxpayer_without_account().pk for _ in range(BOOK_ROWS)])
    ledger = Ledger()
    ledger.grow_to(SMALL)
    small = measure(f"{SMALL:,} rows", cookie)
    ledger.grow_to(BIG)
    big = measure(f"{BIG:,} rows", cookie)
    common.heading(f"ledger size: {BIG:,} rows vs {SMALL:,} (medians)")
    for what in small:
        ratio = statistics.median(big[what]) / statistics.median(small[what])
        print(f"{what:>11}: {common.verdict(ratio, 1.2, higher_is_better=False)}")


if __name__ == "__main__":
    main()
