"""A booking made while the cache's Redis is frozen: its content-version bump cannot be stored
then, and is retried by a job until Redis answers, so the taken time stops showing as free
seconds after Redis is back (not when the cached page times out, up to a minute later).

The site under gunicorn and a real Celery worker, on a PostgreSQL and two Redis servers of the
test's own (cache and broker apart, as in docker-compose.yml); the cache's is frozen with
SIGSTOP: connections are accepted, nothing answers.
"""

import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from celery import Celery

from tests.resilience.test_outages import book_first_free_slot
from tests.servers import OwnPostgres, OwnRedis, Site, migrate, server_folder

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent.parent
SLOTS = "/book/express-headshot/slots.json"


@pytest.fixture
def stack():
    folder = server_folder("frozen-cache")
    postgres = OwnPostgres(folder / "pg")
    broker, cache = OwnRedis(folder / "broker"), OwnRedis(folder / "cache")
    env = {
        "REDIS_CACHE_URL": cache.url,
        "REDIS_BROKER_DB": "0",
        "CACHE_KEY_PREFIX": "frozen",
    }
    site = worker = None
    try:
        migrate(postgres.url, broker.url)
        site = Site(
            database_url=postgres.url,
            redis_url=broker.url,
            log_path=folder / "gunicorn.log",
            extra_env=env,
        )
        site.manage("seed_demo", "--allow-production")
        worker = start_worker({**site.env, **env}, folder / "worker.log", broker)
        yield site, cache, folder
    finally:
        if worker:
            worker.terminate()
            worker.wait(20)
        if site:
            site.close()
        broker.close()
        cache.close()
        postgres.close()
        shutil.rmtree(folder, ignore_errors=True)


def start_worker(env: dict, log: Path, broker: OwnRedis) -> subprocess.Popen:
    node = f"frozen-{os.getpid()}@localhost"
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "studio", "worker", "--pool", "solo"),
            *("--without-heartbeat", "--without-mingle", "--without-gossip"),
            *("-l", "info", "-n", node),
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    client = Celery("frozen-tests", broker=f"redis+socket://{broker.socket}?virtual_host=0")
    try:
        deadline = time.monotonic() + 60
        while not client.control.ping(destination=[node], timeout=0.5):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the worker did not answer a ping"
    finally:
        client.close()
    return process


def free_starts(site) -> list[str]:
    start = datetime.now(UTC).date() + timedelta(days=3)
    query = {"start": start.isoformat(), "end": (start + timedelta(days=14)).isoformat()}
    slots = requests.get(site.url + SLOTS, params=query, timeout=30).json()["slots"]
    return [slot["start"] for slot in slots]


def test_a_booking_made_while_the_cache_is_frozen_shows_seconds_after_it_thaws(stack):
    site, cache, folder = stack
    before = free_starts(site)  # now cached, for a minute
    assert free_starts(site) == before

    cache.freeze()
    try:
        booked = book_first_free_slot(site)  # the last free time; its bump cannot be stored
        time.sleep(2)  # the worker's first tries fail too
    finally:
        cache.thaw()
    thawed = time.monotonic()
    taken = before[-1]
    while taken in free_starts(site):
        assert time.monotonic() - thawed < 15, "the taken time still shows as free"
        time.sleep(0.5)

    assert booked.status_code == 303, (folder / "gunicorn.log").read_text()[-3000:]
    worker_log = (folder / "worker.log").read_text()
    assert "studio.tasks.page_cache_bump" in worker_log
    assert "Retry in" in worker_log  # it tried while Redis was frozen, and again after
