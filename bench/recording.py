"""The recording service against its own SQL run by ``pgbench`` (quality.md: >= 0.5).

Approved requests (each for its own taxpayer, so no two contend for a row) are recorded by the
service, ``request_record``, from BENCH_CLIENTS processes at once; then the very statements one
recording sent (captured, with that request's and taxpayer's ids made variables) are run by
``pgbench`` at the same concurrency, each transaction on a request of its own, committed. The
two alternate, BENCH_ROUNDS rounds each, so a burst of load from elsewhere hits both.

    make bench   # or: python -m taxpro.launcher exec -- python bench/recording.py
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

DATABASE_URL = common.bench_database_url()
common.production_environment(DATABASE_URL)

import django  # noqa: E402

django.setup()

from django.db import connection, connections  # noqa: E402

from authorizations.models import RequestState  # noqa: E402
from authorizations.services import request_record  # noqa: E402
from bench import pgbench  # noqa: E402
from tests.authorizations.factories import AuthorizationRequestFactory  # noqa: E402
from tests.personas import representative, taxpayer_without_account  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_CLIENTS_RECORDING", "20"))
PER_ROUND = int(os.environ.get("BENCH_RECORDINGS", "300"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))


def build(count: int) -> list[int]:
    """``count`` approved requests, each for a taxpayer of its own; their ids in order."""
    pgbench.distinct_ids()
    rep = representative()
    return [
        AuthorizationRequestFactory(
            practitioner=rep.user,
            caf_record=rep.caf_record,
            taxpayer=taxpayer_without_account(),
            state=RequestState.APPROVED,
        ).pk
        for _ in range(count)
    ]


def _taxpayer_of(request_id: int) -> int:
    """``build`` made one taxpayer a request, in the same order."""
    return pgbench.TAXPAYER_IDS_FROM + (request_id - pgbench.REQUEST_IDS_FROM)


def pgbench_script(request_id: int) -> str:
    """Record ``request_id`` with the service and return what it sent, as a pgbench script."""
    taxpayer_id = _taxpayer_of(request_id)
    return pgbench.script(
        pgbench.transaction_of(
            lambda: request_record(request_id=request_id),
            request_id=request_id,
            taxpayer_id=taxpayer_id,
        )
    )


def _record_all(ids: list[int]) -> int:
    recorded = sum(request_record(request_id=i) == "recorded" for i in ids)
    connection.close()
    return recorded


def _warm(_: int) -> None:
    connection.ensure_connection()


def service(pool: ProcessPoolExecutor, ids: list[int]) -> float:
    """Recordings a second, ``ids`` shared out over CLIENTS processes."""
    chunks = [ids[n::CLIENTS] for n in range(CLIENTS)]
    began = time.perf_counter()
    recorded = sum(pool.map(_record_all, chunks))
    seconds = time.perf_counter() - began
    if recorded != len(ids):
        raise SystemExit(f"the service recorded {recorded} of {len(ids)}")
    return len(ids) / seconds


def main() -> None:
    common.database_recreate(DATABASE_URL)
    per_client = max(1, PER_ROUND // CLIENTS)
    per_round = per_client * CLIENTS
    ids = build(1 + 2 * ROUNDS * per_round)
    script = pgbench_script(ids[0])
    service_ids, pgbench_ids = ids[1 : 1 + ROUNDS * per_round], ids[1 + ROUNDS * per_round :]
    pgbench.pool([(rid, _taxpayer_of(rid)) for rid in pgbench_ids])
    connections.close_all()
    sql = [line for line in script.splitlines()[1:] if line not in ("BEGIN;", "COMMIT;")]
    statements = len(sql)
    service_rates, pgbench_rates = [], []
    with ProcessPoolExecutor(CLIENTS, mp_context=get_context("fork")) as pool:
        list(pool.map(_warm, range(CLIENTS)))
        for n in range(ROUNDS):
            service_rates.append(service(pool, service_ids[n * per_round : (n + 1) * per_round]))
            pgbench_rates.append(
                pgbench.run(DATABASE_URL, script, transactions=per_round, clients=CLIENTS)
            )
    common.heading(
        f"recording service vs pgbench on its own {statements} statements, "
        f"{CLIENTS} clients, {ROUNDS} interleaved rounds of {per_round}"
    )
    for n, (ours, raw) in enumerate(zip(service_rates, pgbench_rates, strict=True), start=1):
        print(f"round {n}: service {ours:.1f} recordings/s, pgbench {raw:.1f} tps")
    ours, raw = sum(service_rates) / ROUNDS, sum(pgbench_rates) / ROUNDS
    print(f"mean: service {ours:.1f}/s ({1000 * CLIENTS / ours:.1f} ms a recording per client)")
    print(f"      pgbench {raw:.1f}/s ({1000 * CLIENTS / raw:.1f} ms per client)")
    print(f"service vs pgbench: {common.verdict(ours / raw, 0.5)}")
    print("the statements:")
    for line in sql:
        print(f"  {line[:150]}")


if __name__ == "__main__":
    main()
