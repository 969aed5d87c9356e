"""The ledger at 10 million rows against the same measures at 10 thousand (quality.md: recording,
the practitioner's first page of active authorizations and the home <= 1.2x).

Two databases, side by side: one holds BENCH_LEDGER_SMALL (10,000) ledger rows, the other
BENCH_LEDGER_BIG (10,000,000). Each has a practitioner with a book of 50 active rows, and other
practitioners' rows around it: nine in ten ended (superseded), one in ten active, over 500 other
taxpayers and 20 other CAF numbers; then VACUUM ANALYZE, as autovacuum would. The same three
things are measured on both, in BENCH_LEDGER_ROUNDS (10) alternating rounds, so a burst of load
from elsewhere hits both sides:

- recording: BENCH_LEDGER_RECORDINGS (100) approved requests a side, each for a new taxpayer,
  recorded one after the other by the service (``request_record``, in this process), each timed;
- the first page of /pro/authorizations/ and the home /pro/ of the practitioner with 50 rows,
  fetched from one gunicorn a side (production settings, one worker), BENCH_LEDGER_REQUESTS
  (60) times each.

Medians are compared, 10 M over 10 k. Filling 10 million rows takes about ten minutes.

    make bench   # or: python -m taxpro.launcher exec -- python bench/ledger_size.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
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
ROUNDS = int(os.environ.get("BENCH_LEDGER_ROUNDS", "10"))
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
        print(f"  the ledger holds {self.rows():,} rows ({time.perf_counter() - began:.0f} s)")


def use_database(url: str) -> None:
    """Point this process's connection at ``url``'s database (the next query reconnects)."""
    connection.close()
    connection.settings_dict["NAME"] = urllib.parse.urlsplit(url).path.lstrip("/")
    connection.ensure_connection()  # outside any timing


def approved_requests(count: int) -> list[int]:
    """``count`` approved requests, each for a new taxpayer, and 5 more to warm up with."""
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
    for request_id in ids[:5]:  # the connection and the statements' plans warmed
        request_record(request_id=request_id)
    return ids[5:]


def record(ids: list[int]) -> list[float]:
    took = []
    for request_id in ids:
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


@dataclass
class Side:
    """One database: its size, the practitioner's session, the requests left to record."""

    rows: int
    url: str
    cookie: str = ""
    pending: list[int] = field(default_factory=list)
    timings: dict[str, list[float]] = field(
        default_factory=lambda: {"recording": [], **{page: [] for page in PAGES}}
    )

    def build(self) -> None:
        common.database_recreate(self.url)
        use_database(self.url)
        self.cookie = book(BOOK_ROWS, [taxpayer_without_account().pk for _ in range(BOOK_ROWS)])
        Ledger().grow_to(self.rows)
        self.pending = approved_requests(RECORDINGS)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def main() -> None:
    small = Side(SMALL, DATABASE_URL)
    parts = urllib.parse.urlsplit(DATABASE_URL)
    big = Side(BIG, urllib.parse.urlunsplit(parts._replace(path=f"{parts.path}_big")))
    for side in (small, big):
        side.build()
    per_round = max(1, RECORDINGS // ROUNDS)
    requests_per_round = max(1, REQUESTS // ROUNDS)
    with (
        common.gunicorn(1, database_url=small.url) as small_port,
        common.gunicorn(1, database_url=big.url) as big_port,
    ):
        ports = {id(small): small_port, id(big): big_port}
        for side in (small, big):  # warm each worker and its connection
            for path in PAGES.values():
                fetch(ports[id(side)], side.cookie, path)
        for n in range(ROUNDS):
            for side in (small, big):
                use_database(side.url)
                batch = side.pending[n * per_round : (n + 1) * per_round]
                side.timings["recording"] += record(batch)
            for _ in range(requests_per_round):
                for side in (small, big):
                    for page, path in PAGES.items():
                        side.timings[page].append(fetch(ports[id(side)], side.cookie, path))
    for side in (small, big):
        common.heading(f"the ledger at {side.rows:,} rows")
        for what, values in side.timings.items():
            print(f"{what:>11}: {common.spread(values)}")
    common.heading(f"ledger size: {BIG:,} rows vs {SMALL:,} (medians, {ROUNDS} rounds)")
    for what in small.timings:
        ratio = statistics.median(big.timings[what]) / statistics.median(small.timings[what])
        print(f"{what:>11}: {common.verdict(ratio, 1.2, higher_is_better=False)}")


if __name__ == "__main__":
    main()
