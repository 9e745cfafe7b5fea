"""The cache and the Celery broker on two Redis servers (REDIS_CACHE_URL beside REDIS_URL): a
cache that fills up evicts cache entries only, never a queued job, and never a content version.
Without REDIS_CACHE_URL, one Redis serves both (its REDIS_CACHE_DB), as `make run` starts it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from tests.servers import OwnRedis

ROOT = Path(__file__).resolve().parent.parent.parent

SETTINGS = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({"cache": settings.CACHES["default"]["LOCATION"],
                  "broker": settings.CELERY_BROKER_URL}))
"""

FILL = """
import django
django.setup()
from django.core.cache import cache
from studio import page_cache
from studio.queue import enqueue_now
assert enqueue_now("studio.tasks.beat_heartbeat")   # queued, no worker: it waits in the broker
page_cache.bump("availability", "blog")              # outside a transaction: stored at once
for n in range(400):                                 # 4 MB of pages into a 2 MB cache
    cache.set(f"page:filler:{n}", "x" * 10_000, 300)
"""


def run(script: str, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k != "REDIS_CACHE_URL"},
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "TEST_CELERY_EAGER": "false",
            "CACHE_KEY_PREFIX": "split",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.parametrize(
    ("env", "cache", "broker"),
    [
        (
            {"REDIS_URL": "redis://queue:6379/0", "REDIS_CACHE_URL": "redis://pages:6379/0"},
            "redis://pages:6379/0",
            "redis://queue:6379/0",
        ),
        (
            {"REDIS_URL": "redis://one:6379/0", "REDIS_CACHE_DB": "3", "REDIS_BROKER_DB": "2"},
            "redis://one:6379/3",
            "redis://one:6379/2",
        ),
        (
            {"REDIS_URL": "unix:///run/redis.sock", "REDIS_CACHE_DB": "1"},
            "unix:///run/redis.sock?db=1",
            "redis+socket:///run/redis.sock?virtual_host=0",
        ),
    ],
)
def test_the_cache_url_defaults_to_a_database_of_the_brokers_redis(env, cache, broker):
    env.setdefault("REDIS_BROKER_DB", "0")
    assert json.loads(run(SETTINGS, **env)) == {"cache": cache, "broker": broker}


@pytest.mark.slow
def test_a_full_cache_evicts_pages_never_queued_jobs_nor_content_versions(tmp_path):
    broker = OwnRedis(tmp_path / "broker", ("--maxmemory-policy", "noeviction"))
    cache = OwnRedis(
        tmp_path / "cache", ("--maxmemory", "2mb", "--maxmemory-policy", "volatile-lru")
    )
    try:
        run(FILL, REDIS_URL=broker.url, REDIS_CACHE_URL=cache.url, REDIS_BROKER_DB="0")
        queue = redis.Redis.from_url(f"{broker.url}?db=0")
        pages = redis.Redis.from_url(f"{cache.url}?db=0")

        assert queue.llen("celery") == 1  # the job waits, whatever the cache went through
        assert queue.keys("*page:*") == queue.keys("*content-version:*") == []
        assert int(pages.info("stats")["evicted_keys"]) > 0
        assert 0 < len(pages.keys("split:*:page:filler:*")) < 400
        assert len(pages.keys("split:*:content-version:*")) == 2  # never evicted
        assert pages.keys("celery*") == []
    finally:
        broker.stop()
        cache.stop()
