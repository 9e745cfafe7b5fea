"""Each email goes once with real processes: Celery workers, a Redis of these tests' own (started
and stopped here, never the shared one), a local SMTP server (aiosmtpd), and the web tier.

Workers run tests.settings with TEST_CELERY_EAGER=false and TEST_MAIL_SMTP=true, so they send
through Django's SMTP backend to the server below, configured by EMAIL_HOST / EMAIL_PORT.
"""

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import redis
import requests
from aiosmtpd.controller import Controller
from celery import Celery
from django.utils import timezone

from bookings.models import Booking, NotificationLog
from tests.bookings.notifications.helpers import DAY, confirmed_booking, local
from tests.factories import (
    CancellationPolicyFactory,
    NotificationLogFactory,
    PhotographerFactory,
    SessionTypeFactory,
    StudioFactory,
)
from tests.live_server import run_gunicorn
from tests.servers import OwnRedis, free_port

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]
SEND = "bookings.tasks.notification_send"
SWEEP = "bookings.tasks.notifications_sweep"


def wait_until(condition: Callable[[], object], what: str, seconds: float = 30) -> None:
    """Poll until `condition` holds; a deadline guard against hanging, not a timing check."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


class RedisServer(OwnRedis):
    """A redis-server of these tests' own (tests/servers.py), which they may stop and start."""

    @property
    def celery_url(self) -> str:
        return f"redis+socket://{self.socket}?virtual_host=0"


@pytest.fixture
def own_redis(tmp_path_factory) -> Iterator[RedisServer]:
    # A new server (and socket path) per test: connections pooled by an earlier test never
    # point at it, so stopping and starting it here cannot leave stale ones behind.
    server = RedisServer(tmp_path_factory.mktemp("redis"))  # started on creation
    try:
        yield server
    finally:
        server.stop()


class MailServer:
    """Collects messages; `hold_next_mail()` stalls the next MAIL FROM until `release()`."""

    def __init__(self):
        self.messages: list = []
        self.arrived = threading.Event()
        self._hold = False
        self._release = threading.Event()

    def hold_next_mail(self) -> None:
        self._hold, self.arrived, self._release = True, threading.Event(), threading.Event()

    def release(self) -> None:
        self._release.set()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self._hold:
            self._hold = False
            self.arrived.set()
            while not self._release.is_set():
                await asyncio.sleep(0.05)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [message for message in self.messages if message["To"] == address]


@pytest.fixture
def mail_server() -> Iterator[tuple[MailServer, int]]:
    handler, port = MailServer(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        handler.release()
        controller.stop()


@pytest.fixture
def broker(own_redis) -> Iterator[Celery]:
    """A Celery client on the tests' own Redis, to send tasks by name and read results."""
    app = Celery(
        "delivery-tests",
        broker=own_redis.celery_url,
        backend=own_redis.celery_url,
        set_as_current=False,  # the site's tasks keep using the site's own app
    )
    yield app
    app.close()


@pytest.fixture
def processes(test_database_url, own_redis, mail_server, broker, tmp_path):
    """Start workers (and a web server); every one is stopped at the end of the test."""
    started: list[subprocess.Popen] = []
    _, smtp_port = mail_server
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": test_database_url,
        "REDIS_URL": own_redis.url,
        "REDIS_CACHE_URL": "",
        "REDIS_BROKER_DB": "0",  # the `broker` fixture's (virtual_host=0), whatever the shell says
        "TEST_CELERY_EAGER": "false",
        "TEST_MAIL_SMTP": "true",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "false",
    }

    class Processes:
        logs = tmp_path

        def worker(self, name: str, *, pool: str = "solo", concurrency: int = 1, **extra):
            node = f"{name}-{os.getpid()}@localhost"
            log = tmp_path / f"{name}.log"
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "studio",
                    "worker",
                    "--pool",
                    pool,
                    "--concurrency",
                    str(concurrency),
                    "--without-heartbeat",
                    "--without-mingle",
                    "--without-gossip",
                    "-l",
                    "info",
                    "-n",
                    node,
                ],
                cwd=ROOT,
                env={**env, **extra},
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
            started.append(process)

            def answers() -> bool:
                assert process.poll() is None, f"worker {name} exited: {log.read_text()}"
                return bool(broker.control.ping(destination=[node], timeout=0.5))

            wait_until(answers, f"worker {name} to answer a ping")
            return process, log

        def web(self) -> str:
            running = run_gunicorn(
                database_url=test_database_url,
                log_path=tmp_path / "web.log",
                env={key: value for key, value in env.items() if os.environ.get(key) != value},
                workers=1,
                threads=1,
            )
            servers.append(running)
            return running.__enter__().url

    servers: list = []
    try:
        yield Processes()
    finally:
        for running in servers:
            running.__exit__(None, None, None)
        for process in started:
            if process.poll() is None:
                process.terminate()
        for process in started:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def row(log_id: int) -> NotificationLog:
    return NotificationLog.objects.get(pk=log_id)


def test_the_reminder_sweep_delivers_each_due_reminder_once(mail_server, broker, processes):
    smtp, _ = mail_server
    StudioFactory(reminder_offsets_hours=[48, 2])
    start = timezone.now() + timedelta(hours=47)  # the 48-hour reminders are due
    for n in range(4):
        confirmed_booking(start, client_email=f"due{n}@example.com")
    confirmed_booking(start + timedelta(days=3), client_email="later@example.com")
    confirmed_booking(start, client_email="gone@example.com", status=Booking.Status.CANCELLED)
    processes.worker("sweeper", pool="prefork", concurrency=2)

    # Two sweeps at once, in two worker processes, then a third once they are done.
    racing = [broker.send_task(SWEEP), broker.send_task(SWEEP)]
    outcomes = [result.get(timeout=30) for result in racing]
    wait_until(lambda: len(smtp.messages) >= 4, "four reminders to arrive")
    wait_until(
        lambda: not NotificationLog.objects.filter(status__in=["pending", "sending"]).exists(),
        "every claimed reminder to be recorded",
    )
    after = broker.send_task(SWEEP).get(timeout=30)

    assert sum(outcome["reminders_claimed"] for outcome in outcomes) == 4
    assert after == {"reminders_claimed": 0, "confirmations_backfilled": 0, "queued": 0}
    assert sorted(message["To"] for message in smtp.messages) == [
        "due0@example.com",
        "due1@example.com",
        "due2@example.com",
        "due3@example.com",
    ]
    assert all(message["Subject"].startswith("Reminder: your ") for message in smtp.messages)


def test_a_task_delivered_twice_sends_one_email(mail_server, broker, processes):
    smtp, _ = mail_server
    StudioFactory()
    log = NotificationLogFactory()
    smtp.hold_next_mail()
    processes.worker("first", CELERY_VISIBILITY_TIMEOUT="1")

    job = broker.send_task(SEND, args=[log.pk])
    assert smtp.arrived.wait(30), "the first worker never reached the mail server"
    time.sleep(1.5)  # the job stays unacknowledged past the 1 s visibility timeout...
    _, second_log = processes.worker("second", CELERY_VISIBILITY_TIMEOUT="1")
    # ...so Redis hands it to the second worker while the first is still sending.
    redelivered = f"Task {SEND}[{job.id}] succeeded"
    wait_until(lambda: redelivered in second_log.read_text(), "the second delivery to run")
    smtp.release()
    wait_until(lambda: row(log.pk).status == "sent", "the first worker to record the send")

    assert f"{redelivered} in " in second_log.read_text()
    assert "'not claimed'" in second_log.read_text()
    assert [message["To"] for message in smtp.messages] == ["ada@example.com"]
    assert row(log.pk).attempts == 1


def test_a_worker_killed_before_sending_leaves_exactly_one_email(mail_server, broker, processes):
    smtp, _ = mail_server
    StudioFactory()
    log = NotificationLogFactory()
    smtp.hold_next_mail()
    doomed, _ = processes.worker(
        "doomed", CELERY_VISIBILITY_TIMEOUT="1", TEST_NOTIFICATION_CLAIM_SECONDS="2"
    )

    broker.send_task(SEND, args=[log.pk])
    assert smtp.arrived.wait(30), "the worker never reached the mail server"
    os.kill(doomed.pid, signal.SIGKILL)  # mid-conversation, before the server accepted
    doomed.wait(10)
    smtp.release()
    claimed = row(log.pk)
    assert (claimed.status, claimed.attempts, smtp.messages) == ("sending", 1, [])

    processes.worker("survivor", CELERY_VISIBILITY_TIMEOUT="1")  # Redis redelivers the job
    wait_until(
        lambda: row(log.pk).status != "sending" or row(log.pk).claimed_until < timezone.now(),
        "the dead claim to expire",
    )
    broker.send_task(SWEEP).get(timeout=30)  # and the sweep queues the email again
    wait_until(lambda: row(log.pk).status == "sent", "the email to be sent")
    broker.send_task(SWEEP).get(timeout=30)

    assert [message["To"] for message in smtp.messages] == ["ada@example.com"]
    assert row(log.pk).attempts == 2


def test_with_redis_down_a_booking_succeeds_and_its_confirmation_goes_once_it_is_back(
    own_redis, mail_server, broker, processes
):
    smtp, _ = mail_server
    StudioFactory()
    photographer = PhotographerFactory(email="maya@studio.example")
    session_type = SessionTypeFactory(photographers=[photographer])
    policy = CancellationPolicyFactory()
    site = processes.web()
    browser = requests.Session()
    details = f"{site}/book/{session_type.slug}/details/"
    query = {"start": local(DAY, 10).isoformat(), "photographer": photographer.slug}

    own_redis.stop()
    try:
        form = browser.get(details, params=query, timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        held = browser.post(
            details,
            params=query,
            data={
                "csrfmiddlewaretoken": token,
                "name": "Ada Client",
                "email": "ada@example.com",
                "phone": "+44 7700 900123",
                "policy_version": policy.version,
                "accept_policy": "on",
            },
            allow_redirects=False,
            timeout=30,
        )
        booking = Booking.objects.get()
        paid = browser.post(
            f"{site}/book/deposit/{booking.public_id}/demo/",
            data={"csrfmiddlewaretoken": token},
            allow_redirects=False,
            timeout=30,
        )
        shown = browser.get(f"{site}{paid.headers['Location']}", timeout=30)
    finally:
        own_redis.start()

    assert [form.status_code, held.status_code, paid.status_code, shown.status_code] == [
        200,
        303,
        303,
        200,
    ]
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert list(
        NotificationLog.objects.order_by("kind").values_list("kind", "status", "dispatched_at")
    ) == [("confirmation", "pending", None), ("photographer_booked", "pending", None)]
    assert smtp.messages == []

    processes.worker("after-outage")
    swept = broker.send_task(SWEEP).get(timeout=30)
    wait_until(lambda: len(smtp.messages) >= 2, "the confirmation and the notice to arrive")
    wait_until(
        lambda: set(NotificationLog.objects.values_list("status", flat=True)) == {"sent"},
        "both to be recorded",
    )
    again = broker.send_task(SWEEP).get(timeout=30)

    assert swept["queued"] == 2 and again["queued"] == 0
    (confirmation,) = smtp.to("ada@example.com")
    assert confirmation["Subject"].startswith("You're booked: ")
    assert len(smtp.to("maya@studio.example")) == 1


def test_after_redis_restarts_empty_the_sweep_queues_the_email_again_a_minute_on(
    own_redis, mail_server, broker, processes
):
    smtp, _ = mail_server
    StudioFactory()
    log = NotificationLogFactory()
    broker.send_task(SEND, args=[log.pk])  # queued, no worker yet...
    assert own_redis_client(own_redis).llen("celery") == 1
    own_redis.stop()  # ...and Redis restarts empty (no persistence here)
    own_redis.start()
    assert own_redis_client(own_redis).llen("celery") == 0
    processes.worker("after-restart")

    queued = timezone.now() - timedelta(seconds=30)
    NotificationLog.objects.update(dispatched_at=queued, not_before=queued)
    too_soon = broker.send_task(SWEEP).get(timeout=30)
    queued = timezone.now() - timedelta(seconds=61)
    NotificationLog.objects.update(dispatched_at=queued, not_before=queued)
    swept = broker.send_task(SWEEP).get(timeout=30)
    wait_until(lambda: row(log.pk).status == "sent", "the email to be sent")
    again = broker.send_task(SWEEP).get(timeout=30)

    assert (too_soon["queued"], swept["queued"], again["queued"]) == (0, 1, 0)
    assert [message["To"] for message in smtp.messages] == ["ada@example.com"]
    assert row(log.pk).attempts == 1


def own_redis_client(server: RedisServer) -> redis.Redis:
    return redis.Redis(unix_socket_path=str(server.socket), db=0)
