"""Health: /healthz says the web process answers (liveness: nothing checked, so it is cheap
for any number of pollers); /healthz/ready reports each dependency (readiness).

Each check returns (ok, detail) and never raises. The readiness report is made at most once
per HEALTHZ_CACHE_SECONDS whatever the number of callers and web processes: each process
keeps the last report in memory, and the processes share it through Redis, where a lock lets
one of them make it while the others wait for it. (With Redis down, each process makes its
own, still once per window.)
"""

import contextlib
import json
import platform
import threading
import time
import tomllib
import uuid
from datetime import datetime, timedelta

import celery
import django
import redis
from django.conf import settings
from django.core.cache import cache
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


def _site_version() -> str:
    try:
        with open(settings.BASE_DIR / "pyproject.toml", "rb") as file:
            return str(tomllib.load(file)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def versions(checks: dict[str, dict[str, str | bool]]) -> dict[str, str]:
    """What runs: the site, Python, Django, Celery, and the servers' own versions (asked of
    the servers that answered the checks)."""
    found = {
        "site": _site_version(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "celery": celery.__version__,
        "postgresql": "unknown",
        "redis": "unknown",
    }
    if checks["database"]["ok"]:
        with contextlib.suppress(Exception), connection.cursor() as cursor:  # any driver error
            cursor.execute("SHOW server_version")
            found["postgresql"] = str(cursor.fetchone()[0]).split()[0]
    if checks["redis"]["ok"]:
        with contextlib.suppress(redis.RedisError, KeyError):
            found["redis"] = str(redis_connection().info("server")["redis_version"])
    return found


def make_report() -> dict:
    checks = run_checks()
    return {
        "status": "ok" if all(check["ok"] for check in checks.values()) else "degraded",
        "checks": checks,
        "versions": versions(checks),
        "checked_at": timezone.now().isoformat(),
    }


# The readiness report, made once per window and shared

REPORT_KEY = "healthz:report"
MAKING_KEY = "healthz:making"
WAIT_FOR_MAKER = 8.0  # seconds: longer than making a report takes with every server down

_memo_lock = threading.Lock()
_memo: tuple[float, dict] | None = None  # (monotonic expiry, report) of this process


def _window() -> int:
    return max(int(settings.HEALTHZ_CACHE_SECONDS), 0)


def _shared_report(window: int) -> dict:
    """The report other processes made in this window, or one this process makes now."""
    if window == 0:
        return make_report()
    try:
        shared = redis_connection()
        report_key, making_key = cache.make_key(REPORT_KEY), cache.make_key(MAKING_KEY)
        raw = shared.get(report_key)
        if raw is None and shared.set(making_key, uuid.uuid4().hex, nx=True, ex=window):
            report = make_report()
            shared.set(report_key, json.dumps(report), ex=window)
            return report
        deadline = time.monotonic() + WAIT_FOR_MAKER
        while raw is None and time.monotonic() < deadline:
            time.sleep(0.05)  # another process is making it
            raw = shared.get(report_key)
    except redis.RedisError:
        return make_report()
    return json.loads(raw) if raw is not None else make_report()


def readiness_report() -> dict:
    """The latest report, at most HEALTHZ_CACHE_SECONDS old, with its age."""
    global _memo
    window = _window()
    with _memo_lock:  # callers in this process wait for the one making it
        if _memo is None or _memo[0] <= time.monotonic():
            report = _shared_report(window)
            # Kept until the shared copy expires, not a whole window from now.
            _memo = (time.monotonic() + window - _age(report), report)
        report = _memo[1]
    return {**report, "age_seconds": round(_age(report), 1)}


def _age(report: dict) -> float:
    age = timezone.now() - datetime.fromisoformat(report["checked_at"])
    return max(age.total_seconds(), 0.0)


def forget_report(*, shared: bool = True) -> None:
    """Drop the cached report (this process's, and by default the shared one): for tests."""
    global _memo
    with _memo_lock:
        _memo = None
    if shared:
        with contextlib.suppress(redis.RedisError):
            redis_connection().delete(cache.make_key(REPORT_KEY), cache.make_key(MAKING_KEY))
