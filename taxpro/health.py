"""What /healthz checks: the database, Redis, and that a worker answered recently."""

from __future__ import annotations

import redis
from django.conf import settings
from django.db import connection

from taxpro import clock

WORKER_HEARTBEAT_KEY = "taxpro:worker:heartbeat"


def redis_client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, **settings.REDIS_SOCKET_TIMEOUTS)


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return "unavailable"
    return "ok"


def check_redis() -> str:
    try:
        redis_client().ping()
    except redis.RedisError:
        return "unavailable"
    return "ok"


def check_worker() -> str:
    try:
        stamp = redis_client().get(WORKER_HEARTBEAT_KEY)
    except redis.RedisError:
        return "unknown"
    if stamp is None:
        return "silent"
    age = clock.now().timestamp() - float(stamp)
    return "ok" if age <= settings.WORKER_HEARTBEAT_MAX_AGE.total_seconds() else "silent"


def record_worker_heartbeat() -> None:
    """Called by the worker itself: proof that a worker took a message off the broker."""
    ttl = int(settings.WORKER_HEARTBEAT_MAX_AGE.total_seconds()) * 2
    redis_client().set(WORKER_HEARTBEAT_KEY, str(clock.now().timestamp()), ex=ttl)
