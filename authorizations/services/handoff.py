"""Handing work to the worker off the request thread: the last step of an outbox.

The row that needs the work is already committed (the outbox); publishing to the broker happens
on a small thread pool, so a broker that is down or does not answer never holds a request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor


class LazyThreadPool:
    """A thread pool made on first use, in the process that uses it: a pool made at import,
    before a fork (the worker's prefork, the web server's), would have no threads after it."""

    def __init__(self, *, max_workers: int, thread_name_prefix: str) -> None:
        self._max_workers = max_workers
        self._thread_name_prefix = thread_name_prefix
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def submit[**P](
        self, fn: Callable[P, object], /, *args: P.args, **kwargs: P.kwargs
    ) -> Future[object]:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=self._max_workers, thread_name_prefix=self._thread_name_prefix
                )
        return self._pool.submit(fn, *args, **kwargs)
