"""The site under gunicorn on a free loopback port, for load, race and soak tests.

Django's runserver and pytest-django's `live_server` queue only 10 connections, so bursts of
clients lose some of them; gunicorn listens with `--backlog 2048` and runs real worker processes.

    @pytest.mark.django_db(transaction=True)      # data the test writes must be committed
    def test_something(gunicorn_server):
        requests.get(gunicorn_server + "/book/")

Extra environment for the server: override the `gunicorn_env` fixture in a module or a test
(e.g. `{"STRIPE_WEBHOOK_SECRET": "whsec_test"}`), or call `start_gunicorn(env=..., workers=...)`
for a server with other options, or several servers; each is stopped when the test ends.
`server.log()` returns what gunicorn and Django wrote to stderr (handy in assertion messages).

The server reads the test database (`test_database_url`) with `tests.settings`, shares the tests'
Redis cache (same key prefix, cleared around each test) and runs Celery tasks eagerly unless
`TEST_CELERY_EAGER=false` is passed. Static files are not served (no collectstatic in tests).
"""

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
# Connections PostgreSQL keeps free for the test process itself, migrations and psql.
RESERVED_CONNECTIONS = 10
# The readiness probe names a host Django refuses before any middleware or view runs, so waiting
# writes nothing: every page request runs Studio.load(), which would create the studio's row.
PROBE_HOST = "readiness-probe.invalid"


@dataclass(frozen=True)
class GunicornServer:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def free_loopback_socket() -> socket.socket:
    """A socket bound to a free port on 127.0.0.1, not yet listening (gunicorn listens)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.set_inheritable(True)
    return sock


def postgres_max_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        return int(cursor.fetchone()[0])


def check_connection_budget(workers: int, threads: int) -> None:
    """Each gunicorn thread may hold a database connection: stay inside PostgreSQL's limit."""
    budget = postgres_max_connections() - RESERVED_CONNECTIONS
    if workers * threads > budget:
        raise ValueError(
            f"{workers} workers × {threads} threads could open {workers * threads} database "
            f"connections; PostgreSQL allows {budget} beyond the {RESERVED_CONNECTIONS} reserved."
        )


def wait_until_answering(server: GunicornServer, timeout: float) -> None:
    host, port = server.url.removeprefix("http://").split(":")
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.process.returncode}:\n{server.log()}")
        try:
            probe = http.client.HTTPConnection(host, int(port), timeout=1)
            probe.request("GET", "/", headers={"Host": PROBE_HOST})
            status = probe.getresponse().status
            probe.close()
        except OSError:
            status = None
        if status == 400:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"gunicorn did not answer within {timeout:.0f} s (last status {status}):\n"
                + server.log()
            )
        time.sleep(0.05)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM lets gunicorn finish requests in flight; anything left after 10 s is killed."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def run_gunicorn(
    *,
    database_url: str,
    log_path: Path,
    env: dict[str, str] | None = None,
    workers: int = 2,
    threads: int = 8,
    backlog: int = 2048,
    startup_timeout: float = 30,
    check_budget: bool = True,
    access_log: bool = False,
) -> Iterator[GunicornServer]:
    """`check_budget=False` for a site on a PostgreSQL of the test's own (tests/servers.py);
    `access_log=True` writes gunicorn's access lines to the log as production does."""
    if check_budget:
        check_connection_budget(workers, threads)
    sock = free_loopback_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "studio.wsgi:application",
        "--config=python:studio.gunicorn_conf",  # production's, as in the Dockerfile
        f"--bind=fd://{sock.fileno()}",
        "--worker-class=gthread",
        f"--workers={workers}",
        f"--threads={threads}",
        f"--backlog={backlog}",
        # Load Django once, before forking: every worker is ready as soon as the socket answers.
        "--preload",
        "--graceful-timeout=5",
        "--error-logfile=-",
        "--log-level=warning",
        *(["--access-logfile=-"] if access_log else []),
    ]
    child_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url,
        "SITE_URL": url,
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=child_env,
            pass_fds=[sock.fileno()],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    sock.close()  # gunicorn holds its own copy
    server = GunicornServer(url=url, process=process, log_path=log_path)
    try:
        wait_until_answering(server, startup_timeout)
        yield server
    finally:
        stop(process)


@pytest.fixture
def start_gunicorn(
    transactional_db, test_database_url, tmp_path
) -> Iterator[Callable[..., GunicornServer]]:
    """start_gunicorn(env=..., workers=..., threads=..., backlog=...) → GunicornServer."""
    with contextlib.ExitStack() as servers:
        count = 0

        def start(**options) -> GunicornServer:
            nonlocal count
            count += 1
            return servers.enter_context(
                run_gunicorn(
                    database_url=test_database_url,
                    log_path=tmp_path / f"gunicorn-{count}.log",
                    **options,
                )
            )

        yield start


@pytest.fixture
def gunicorn_env() -> dict[str, str]:
    """Extra environment for `gunicorn_server`; override this fixture to add some."""
    return {}


@pytest.fixture
def gunicorn_server(start_gunicorn, gunicorn_env) -> str:
    """Base URL (http://127.0.0.1:PORT) of the site under gunicorn: 2 workers × 8 threads."""
    return start_gunicorn(env=gunicorn_env).url
