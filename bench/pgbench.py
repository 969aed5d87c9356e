"""Captured SQL replayed by ``pgbench``: the reference the recording and the approval pipeline
are measured against (quality.md). Imported after ``django.setup()``.

A service call is run once and the statements it sent are captured; the ids of the rows it
worked on become pgbench variables (``:rid``, ``:tid``), public ids (unique) become
``gen_random_uuid()``, and each transaction takes the next row of a pool table, so no two
transactions touch the same request or taxpayer, as in the service run."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import urllib.parse
from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext

_UUID = re.compile(
    r"'[0-9a-f]{32}'::uuid|'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'(::uuid)?"
)
# Ids no other number in the captured SQL can be mistaken for: new taxpayers and requests are
# numbered from these (``distinct_ids``).
TAXPAYER_IDS_FROM = 7_000_001
REQUEST_IDS_FROM = 8_000_001
# The next request of the pool: one primary-key read more than the service does.
PICK = "SELECT rid, tid FROM bench_pool WHERE k = (SELECT nextval('bench_pool_k')) \\gset"


def distinct_ids() -> None:
    """Number the taxpayers and requests made from now on from TAXPAYER_IDS_FROM and
    REQUEST_IDS_FROM, so ``transaction_of`` can tell their ids from any other number."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE taxpayers_taxpayer ALTER COLUMN id RESTART WITH {TAXPAYER_IDS_FROM}"
        )
        cursor.execute(
            "ALTER TABLE authorizations_authorizationrequest "
            f"ALTER COLUMN id RESTART WITH {REQUEST_IDS_FROM}"
        )


def transaction_of(call: Callable[[], object], *, request_id: int, taxpayer_id: int) -> str:
    """``call()``'s statements as one pgbench transaction (BEGIN ... COMMIT), the ids made
    variables. The ids must be numbers nothing else in the SQL can be mistaken for."""
    with CaptureQueriesContext(connection) as captured:
        call()
    statements = ["BEGIN;"]
    for query in captured.captured_queries:
        sql = " ".join(query["sql"].split())
        if sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")):
            continue
        sql = re.sub(rf"\b{request_id}\b", ":rid", sql)
        sql = re.sub(rf"\b{taxpayer_id}\b", ":tid", sql)
        statements.append(_UUID.sub("gen_random_uuid()", sql) + ";")
    return "\n".join([*statements, "COMMIT;"])


def script(*transactions: str) -> str:
    return "\n".join([PICK, *transactions]) + "\n"


def pool(rows: list[tuple[int, int]]) -> None:
    """The (request id, taxpayer id) pairs pgbench's transactions take, one each, in order."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_pool (k bigint PRIMARY KEY, rid bigint, tid bigint)")
        cursor.execute("CREATE SEQUENCE bench_pool_k")
        cursor.executemany(
            "INSERT INTO bench_pool VALUES (%s, %s, %s)",
            [(k, rid, tid) for k, (rid, tid) in enumerate(rows, start=1)],
        )


def run(database_url: str, text: str, *, transactions: int, clients: int) -> float:
    """Script runs a second (each run one pick and its transactions), without the initial
    connection time."""
    parts = urllib.parse.urlsplit(database_url)
    env = dict(os.environ, PGHOST=parts.hostname or "", PGPORT=str(parts.port or 5432))
    env.update(PGUSER=urllib.parse.unquote(parts.username or ""), PGPASSWORD=parts.password or "")
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as file:
        file.write(text)
        file.flush()
        result = subprocess.run(  # noqa: S603
            ["pgbench", "-n", "-M", "simple", "-f", file.name, "-c", str(clients),  # noqa: S607
             "-j", "2", "-t", str(transactions // clients), parts.path.lstrip("/")],
            capture_output=True, text=True, env=env, check=False,
        )  # fmt: skip
    found = re.search(r"tps = ([\d.]+) \(without initial connection time\)", result.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", result.stdout)
    if result.returncode or not found or (failed and failed.group(1) != "0"):
        raise SystemExit(f"pgbench failed:\n{result.stdout}\n{result.stderr[-3000:]}\n{text}")
    return float(found.group(1))
