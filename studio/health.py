"""Dependency checks behind /healthz: each returns (ok, detail) and never raises."""

import contextlib
from datetime import datetime, timedelta

import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from .celery import app

BEAT_HEARTBEAT_KEY = "studio:beat:heartbeat"
BEAT_STALE_AFTER = timedelta(minutes=3)


def redis_connection() -> redis.Redis:
    """The cache's Redis (REDIS_CACHE_URL): the "redis" check, and beat's heartbeat. The
    broker's is checked by the worker's ping, which goes through it."""
    return redis.Redis.from_url(
        settings.REDIS_CACHE_URL, socket_connect_timeout=0.5, socket_timeout=0.5
    )


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True, "ok"
    except Exception as error:  # any driver error means "down" here
        with contextlib.suppress(Exception):
            connection.close()  # reconnect on the next request
        return False, type(error).__name__


def check_redis() -> tuple[bool, str]:
    try:
        redis_connection().ping()
        return True, "ok"
    except redis.RedisError as error:
        return False, type(error).__name__


def check_worker() -> tuple[bool, str]:
    try:
        replies = app.control.ping(timeout=1.0)
    except Exception as error:  # broker errors come in several types
        return False, type(error).__name__
    return (True, f"{len(replies)} worker(s)") if replies else (False, "no worker answered")


def check_beat() -> tuple[bool, str]:
    try:
        raw = redis_connection().get(BEAT_HEARTBEAT_KEY)
    except redis.RedisError as error:
        return False, type(error).__name__
    if raw is None:
        return False, "no heartbeat yet"
    age = timezone.now() - datetime.fromisoformat(raw.decode() if isinstance(raw, bytes) else raw)
    if age > BEAT_STALE_AFTER:
        return False, f"last heartbeat {int(age.total_seconds())} s ago"
    return True, f"last heartbeat {int(age.total_seconds())} s ago"


CHECKS = {
    "database": check_database,
    "redis": check_redis,
    "worker": check_worker,
    "beat": check_beat,
}


def run_checks() -> dict[str, dict[str, str | bool]]:
    results: dict[str, dict[str, str | bool]] = {}
    for name, check in CHECKS.items():
        ok, detail = check()
        results[name] = {"ok": ok, "detail": detail}
    return results
