"""No manage-link or calendar-feed token (and no email address in a query string) in any log
line the site writes: gunicorn's access and error log, Django's request log and its error
emails, runserver's request lines. The address stays recognisable."""

import http.client
import io
import logging
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from django.core import mail
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from bookings import links
from studio.logs import REDACTED, redact
from tests.factories import BookingFactory, PhotographerFactory, StudioFactory
from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def secrets_in_addresses(db):
    """A booking's manage link and a photographer's calendar feed, with their tokens."""
    StudioFactory()
    booking = BookingFactory(photographer=PhotographerFactory())
    manage = links.manage_path(booking)
    feed = reverse("bookings:calendar-feed", args=[booking.photographer.calendar_token])
    return {
        "manage": manage,
        "manage_token": links.manage_token(booking),
        "manage_redacted": f"/book/manage/{booking.public_id}/{REDACTED}/",
        "feed": feed,
        "feed_token": booking.photographer.calendar_token,
        "feed_redacted": f"/book/calendar/{REDACTED}.ics",
    }


def assert_redacted(log: str, found: dict) -> None:
    assert found["manage_token"] not in log
    assert found["feed_token"] not in log
    assert found["manage_redacted"] in log
    assert found["feed_redacted"] in log


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_gunicorns_access_log_hides_tokens_and_addresses(start_gunicorn, secrets_in_addresses):
    found = secrets_in_addresses
    server = start_gunicorn(access_log=True, workers=1, threads=2)
    manage_url = server.url + found["manage"]

    answers = [
        requests.get(manage_url, timeout=10),
        requests.get(manage_url + "cancel/", timeout=10),
        requests.get(server.url + found["feed"], timeout=10),
        requests.get(server.url + "/about/", headers={"Referer": manage_url}, timeout=10),
        requests.get(server.url + "/admin/bookings/booking/?q=ada%40example.com", timeout=10),
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 200, 200]
    time.sleep(0.5)  # the access line is written after the response

    log = server.log()
    assert_redacted(log, found)
    assert f'"GET {found["manage_redacted"]}cancel/ HTTP/1.1" 200' in log
    assert f'"{server.url}{found["manage_redacted"]}"' in log  # the Referer
    assert "ada%40example.com" not in log
    assert "/admin/bookings/booking/?q=[email]" in log


def test_django_request_errors_and_error_emails_hide_the_token(secrets_in_addresses, monkeypatch):
    found = secrets_in_addresses
    console = next(
        handler
        for handler in logging.getLogger("django.request").handlers
        if type(handler) is logging.StreamHandler
    )
    written = io.StringIO()
    previous = console.setStream(written)

    def broken(*args, **kwargs):
        raise RuntimeError("the database said no")

    monkeypatch.setattr("bookings.views.manage.manage_context", broken)
    try:
        with override_settings(ADMINS=["owner@studio.example"]):
            response = Client(raise_request_exception=False).get(
                found["manage"], HTTP_REFERER="https://headshots.example.com" + found["manage"]
            )
    finally:
        console.setStream(previous)

    assert response.status_code == 500
    line = written.getvalue()
    assert f"Internal Server Error: {found['manage_redacted']}" in line
    assert found["manage_token"] not in line
    (report,) = mail.outbox
    assert found["manage_token"] not in report.subject
    assert found["manage_token"] not in report.body
    assert found["manage_redacted"] in report.subject
    assert f"Request URL: http://testserver{found['manage_redacted']}" in report.body
    assert "RuntimeError" in report.body


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_runservers_request_lines_hide_the_tokens(secrets_in_addresses, test_database_url):
    found = secrets_in_addresses
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": test_database_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, "runserver exited"
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
                break
            except OSError:
                assert time.monotonic() < deadline, "runserver did not listen"
                time.sleep(0.1)
        for path in (found["manage"], found["feed"]):
            assert requests.get(f"http://127.0.0.1:{port}{path}", timeout=10).status_code == 200
        time.sleep(0.5)  # the request line is written after the response
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)

    assert_redacted(output, found)
    assert f'"GET {found["manage_redacted"]} HTTP/1.1" 200' in output


def routes_with_a_token(patterns=None, namespace=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from routes_with_a_token(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and "token" in pattern.pattern.converters:
            yield namespace + pattern.name, pattern.pattern.converters


def test_every_address_with_a_token_in_it_is_redacted():
    samples = {"uuid": uuid.uuid4(), "slug": "portrait", "int": 7}
    checked = []
    for name, converters in routes_with_a_token():
        kwargs = {
            key: "Sec.ret-T0ken:xyz_1" if key == "token" else samples[type(c).__name__[:-9].lower()]
            for key, c in converters.items()
        }
        path = reverse(name, kwargs=kwargs)
        line = f'127.0.0.1 - - "GET {path}?utm=1 HTTP/1.1" 200 "https://example.com{path}"'
        assert "Sec.ret" not in redact(line), name
        assert path.split("Sec.ret")[0] in redact(line), name
        checked.append(name)

    assert sorted(checked) == [
        "bookings:calendar-feed",
        "bookings:cancel",
        "bookings:manage",
        "bookings:reschedule",
    ]
