"""Two hundred clients racing for one slot through gunicorn: one wins, the rest are told clearly.

Each client opens the details form (for its CSRF cookie and token) and waits at a barrier; all
post at once. Meanwhile other clients keep asking slots.json for the day.
"""

import html
import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import requests
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking
from tests.factories import (
    CancellationPolicyFactory,
    PhotographerFactory,
    SessionTypeFactory,
    StudioFactory,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CLIENTS = 200
SLOTS_JSON_CLIENTS = 8
LONDON = ZoneInfo("Europe/London")
DAY = timezone.now().astimezone(LONDON).date() + timedelta(days=14)
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SLOT_GONE = "Sorry — that time was just booked or is no longer open for online booking."


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


def details_path(start: datetime) -> str:
    query = urlencode({"start": start.isoformat(), "photographer": "maya"})
    return f"{reverse('bookings:details', args=['headshot'])}?{query}"


def form_data(token: str, index: int) -> dict[str, str]:
    return {
        "csrfmiddlewaretoken": token,
        "name": f"Client {index}",
        "email": f"client{index}@example.com",
        "phone": "+44 7700 900123",
        "policy_version": "1",
        "accept_policy": "on",
    }


@dataclass
class Attempt:
    form_status: int = 0
    status: int = 0
    location: str = ""
    body: str = ""
    error: str = ""


def book(url: str, index: int, barrier: threading.Barrier | None = None) -> Attempt:
    """One client: open the form, wait for the others (if racing), post it."""
    attempt = Attempt()
    try:
        with requests.Session() as browser:
            # A fresh connection per request: the posts all arrive as new connections at once.
            browser.headers["Connection"] = "close"
            form = browser.get(url, timeout=120)
            attempt.form_status = form.status_code
            token = CSRF_FIELD.search(form.text).group(1)
            if barrier is not None:
                barrier.wait()
            response = browser.post(
                url, data=form_data(token, index), allow_redirects=False, timeout=120
            )
    except Exception as error:  # reported by the test with the server's log
        if barrier is not None:
            barrier.abort()
        attempt.error = repr(error)
        return attempt
    attempt.status = response.status_code
    attempt.location = response.headers.get("Location", "")
    attempt.body = html.unescape(response.text)
    return attempt


def ask_for_slots(
    url: str, barrier: threading.Barrier, race_over: threading.Event
) -> list[int | str]:
    """Ask slots.json again and again from the moment the posts start until they all finish."""
    statuses: list[int | str] = []
    with requests.Session() as browser:
        try:
            barrier.wait()
            while not statuses or not race_over.is_set():
                statuses.append(browser.get(url, timeout=120).status_code)
        except Exception as error:
            barrier.abort()
            statuses.append(repr(error))
    return statuses


def test_200_clients_racing_for_one_slot_one_wins_and_the_rest_are_told_it_was_just_booked(
    start_gunicorn,
):
    StudioFactory(time_zone="Europe/London")
    maya = PhotographerFactory(name="Maya Okafor", slug="maya")  # 09:00–17:00 every day
    SessionTypeFactory(slug="headshot", duration_minutes=60, photographers=[maya])
    CancellationPolicyFactory(version=1)
    server = start_gunicorn()  # 2 workers × 8 threads, backlog 2048
    slot_url = server.url + details_path(at(10))
    slots_json = f"{server.url}/book/headshot/slots.json?start={DAY}&end={DAY}"
    barrier = threading.Barrier(CLIENTS + SLOTS_JSON_CLIENTS, timeout=120)
    race_over = threading.Event()

    with ThreadPoolExecutor(max_workers=CLIENTS + SLOTS_JSON_CLIENTS) as pool:
        askers = [
            pool.submit(ask_for_slots, slots_json, barrier, race_over)
            for _ in range(SLOTS_JSON_CLIENTS)
        ]
        racers = [pool.submit(book, slot_url, index, barrier) for index in range(CLIENTS)]
        attempts = [racer.result() for racer in racers]
        race_over.set()
        json_statuses = [status for asker in askers for status in asker.result()]

    errors = [attempt.error for attempt in attempts if attempt.error]
    assert errors == [], f"{len(errors)} clients failed, e.g. {errors[:3]}\n{server.log()}"
    assert Counter(attempt.form_status for attempt in attempts) == {200: CLIENTS}
    assert Counter(attempt.status for attempt in attempts) == {303: 1, 409: CLIENTS - 1}, (
        server.log()
    )
    booking = Booking.objects.get(photographer=maya, starts_at=at(10))
    (winner,) = [attempt for attempt in attempts if attempt.status == 303]
    assert winner.location == reverse("bookings:deposit", args=[booking.public_id])
    assert booking.status == Booking.Status.HELD
    refused = [attempt for attempt in attempts if attempt.status == 409]
    assert all(SLOT_GONE in attempt.body for attempt in refused)
    assert all("That time is no longer available" in attempt.body for attempt in refused)
    assert len(json_statuses) >= SLOTS_JSON_CLIENTS
    assert set(json_statuses) == {200}, Counter(json_statuses)

    adjacent = book(server.url + details_path(at(11)), CLIENTS)

    assert (adjacent.error, adjacent.status) == ("", 303)
    assert (
        Booking.objects.filter(starts_at=at(10), status__in=Booking.BLOCKING_STATUSES).count() == 1
    )
    assert sorted(Booking.objects.values_list("starts_at", flat=True)) == [at(10), at(11)]
    slots = requests.get(slots_json, timeout=10).json()["slots"]
    morning = [slot["start"][11:16] for slot in slots if slot["start"][11:16] < "12:00"]
    assert morning == ["09:00"]  # 09:30–11:30 would overlap 10:00–11:00 or 11:00–12:00
