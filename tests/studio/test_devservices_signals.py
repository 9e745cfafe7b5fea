"""The development supervisor (studio/devservices.py) stops what it started without killing
work mid-flight: a Celery worker's main process alone is signalled, finishes the task in hand
(warm shutdown) and stops its pool; what is left afterwards is terminated, then killed. Started
with SIGINT ignored (a background job of a script), it still stops on SIGINT. Real processes."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from celery import Celery

from studio import devservices
from tests.servers import OwnRedis

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent.parent


def wait_for(condition, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def group_members(pgid: int) -> list[int]:
    members = []
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(status.parent.name))
    return members


def start(command: list[str], **options) -> subprocess.Popen:
    """As the supervisor starts its children: a session (and process group) of their own."""
    return subprocess.Popen(command, cwd=ROOT, start_new_session=True, **options)


@pytest.fixture
def broker(tmp_path):
    server = OwnRedis(tmp_path / "redis")
    yield f"redis+socket://{server.socket}?virtual_host=0"
    server.stop()


def test_a_worker_in_the_middle_of_a_task_finishes_it_before_it_stops(tmp_path, broker):
    node = f"slow-{os.getpid()}@localhost"
    worker = start(
        [
            *(sys.executable, "-m", "celery", "-A", "tests.studio.slow_worker", "worker"),
            *("--pool", "prefork", "--concurrency", "1", "-l", "info", "-n", node),
            *("--without-heartbeat", "--without-mingle", "--without-gossip"),
        ],
        env={**os.environ, "SLOW_WORKER_BROKER": broker},
        stdout=(tmp_path / "worker.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    client = Celery("slow-client", broker=broker)
    try:
        wait_for(lambda: client.control.ping(destination=[node], timeout=0.5), "a ping")
        marker = tmp_path / "task"
        client.send_task("slow.work", args=[str(marker), 3])
        wait_for(Path(f"{marker}.started").exists, "the task to start")
        assert len(group_members(worker.pid)) == 2  # the main process and its pool child

        devservices.stop_children([worker])
    finally:
        client.close()
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)

    log = (tmp_path / "worker.log").read_text()
    assert marker.read_text() == "finished", log
    assert worker.returncode == 0, log
    assert "Task slow.work[" in log and "succeeded" in log
    assert group_members(worker.pid) == []


def test_what_a_child_leaves_in_its_group_is_stopped_too(tmp_path):
    leaves_one = start(
        [
            sys.executable,
            "-c",
            "import subprocess, time; subprocess.Popen(['sleep', '300']); time.sleep(300)",
        ]
    )
    wait_for(lambda: len(group_members(leaves_one.pid)) == 2, "the grandchild")

    devservices.stop_children([leaves_one])

    assert leaves_one.returncode == -signal.SIGTERM
    assert group_members(leaves_one.pid) == []


def test_a_child_that_ignores_sigterm_is_killed_after_the_grace_period(tmp_path):
    stubborn = start(
        [
            sys.executable,
            "-c",
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('ready', flush=True); time.sleep(300)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert stubborn.stdout.readline() == "ready\n"
    started = time.monotonic()

    devservices.stop_children([stubborn], grace=1)

    assert stubborn.returncode == -signal.SIGKILL
    assert time.monotonic() - started < 1 + devservices.STOP_FORCE_SECONDS + 3
    assert group_members(stubborn.pid) == []


COMMAND = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    folder = Path(sys.argv[1])
    (folder / "running").touch()
    try:
        time.sleep(120)
    except KeyboardInterrupt:
        (folder / "interrupted").touch()  # its own clean-up, as pytest's teardown
    """
)


def test_started_with_sigint_ignored_the_supervisor_still_stops_on_sigint(tmp_path):
    supervisor = subprocess.Popen(
        [
            *(sys.executable, "-m", "studio.devservices", "exec", "--"),
            *(sys.executable, "-c", COMMAND, str(tmp_path)),
        ],
        cwd=ROOT,
        env={
            **os.environ,
            # Servers given: the supervisor starts none, it only runs the command.
            "DATABASE_URL": "postgres://unused/none",
            "REDIS_URL": "redis://unused:6379/0",
            "STUDIO_DATA_DIR": str(tmp_path / "data"),
        },
        # As a background job of a shell script starts it: SIGINT ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        wait_for((tmp_path / "running").exists, "the command to start")
        supervisor.send_signal(signal.SIGINT)
        returncode = supervisor.wait(30)
    finally:
        if supervisor.poll() is None:
            supervisor.kill()

    assert returncode == 130
    assert (tmp_path / "interrupted").exists()  # the command got Ctrl-C, not SIGKILL
