"""Clients moving their sessions while others book the same photographer, through gunicorn.

Every service takes its row locks in one order (bookings/services.py): photographer rows first,
then bookings, and never the session type or policy rows a booking merely refers to. A
reschedule that locked those first, then waited for the photographer, deadlocked with a new
hold that held the photographer and needed them for its foreign-key checks: PostgreSQL aborted
one of the two and the client saw a server error.
"""

import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import requests
from django.urls import reverse
from django.utils import timezone

from bookings import links
from bookings.models import Booking
from tests.factories import (
    BookingFactory,
    CancellationPolicyFactory,
    PhotographerFactory,
    SessionTypeFactory,
    StudioFactory,
    TimeOffFactory,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LONDON = ZoneInfo("Europe/London")
FIRST_DAY = timezone.now().astimezone(LONDON).date() + timedelta(days=10)
ROUNDS = 4
PAIRS = 8  # reschedules and new holds per round: 16 requests, one per gunicorn thread
HOURS = [9 + index for index in range(PAIRS)]  # 09:00 … 16:00, the last starts ending at 17:00
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON).astimezone(UTC)


def whole_day_off(photographer, day: date) -> None:
    TimeOffFactory(
        photographer=photographer, starts_at=at(day, 0), ends_at=at(day + timedelta(days=1), 0)
    )


def csrf_token(browser: requests.Session, url: str) -> str:
    page = browser.get(url, timeout=60)
    assert page.status_code == 200, (url, page.status_code)
    return CSRF_FIELD.search(page.text).group(1)


def reschedule(base: str, booking: Booking, to: datetime, barrier: threading.Barrier):
    """The client opens the move page on the new day, waits for the others, moves."""
    path = reverse("bookings:reschedule", args=[booking.public_id, links.manage_token(booking)])
    day = to.astimezone(LONDON).date()
    with requests.Session() as browser:
        token = csrf_token(browser, f"{base}{path}?date={day}")
        barrier.wait()
        response = browser.post(
            base + path,
            data={"csrfmiddlewaretoken": token, "start": to.isoformat()},
            allow_redirects=False,
            timeout=60,
        )
    return ("reschedule", response.status_code, response.headers.get("Location", ""))


def book(
    base: str, start: datetime, index: int, barrier: threading.Barrier, photographer: str = "maya"
):
    """A new client opens the details form, waits for the others, holds the time."""
    query = urlencode({"start": start.isoformat(), "photographer": photographer})
    url = f"{base}{reverse('bookings:details', args=['headshot'])}?{query}"
    with requests.Session() as browser:
        token = csrf_token(browser, url)
        barrier.wait()
        response = browser.post(
            url,
            data={
                "csrfmiddlewaretoken": token,
                "name": f"New Client {index}",
                "email": f"new{index}@example.com",
                "phone": "+44 7700 900123",
                "policy_version": "1",
                "accept_policy": "on",
            },
            allow_redirects=False,
            timeout=60,
        )
    return ("hold", response.status_code, response.headers.get("Location", ""))


def test_reschedules_racing_new_holds_of_the_same_photographer_all_succeed(start_gunicorn):
    # Given one photographer, one session type and one policy shared by every booking
    StudioFactory(time_zone="Europe/London")
    maya = PhotographerFactory(name="Maya Okafor", slug="maya")  # 09:00–17:00 every day
    headshot = SessionTypeFactory(slug="headshot", duration_minutes=60, photographers=[maya])
    policy = CancellationPolicyFactory(version=1)
    server = start_gunicorn()  # 2 workers × 8 threads
    outcomes: list[tuple[str, int, str]] = []
    expected_moves: dict[int, datetime] = {}
    expected_holds: list[datetime] = []

    for round_number in range(ROUNDS):
        # Given PAIRS confirmed sessions on one day, a free day to move them to, and a free
        # day for new clients
        booked_day = FIRST_DAY + timedelta(days=3 * round_number)
        move_day, new_day = booked_day + timedelta(days=1), booked_day + timedelta(days=2)
        confirmed = [
            BookingFactory(
                session_type=headshot,
                photographer=maya,
                policy=policy,
                starts_at=at(booked_day, hour),
                confirmed_at=timezone.now(),
                client_email=f"client{round_number}-{hour}@example.com",
            )
            for hour in HOURS
        ]
        barrier = threading.Barrier(2 * PAIRS, timeout=60)

        # When every client moves their session while as many new clients book, all at once
        with ThreadPoolExecutor(max_workers=2 * PAIRS) as pool:
            moves = [
                pool.submit(reschedule, server.url, booking, at(move_day, hour), barrier)
                for booking, hour in zip(confirmed, HOURS, strict=True)
            ]
            holds = [
                pool.submit(book, server.url, at(new_day, hour), round_number * 100 + hour, barrier)
                for hour in HOURS
            ]
            outcomes += [future.result() for future in moves + holds]
        expected_moves.update(
            {booking.pk: at(move_day, hour) for booking, hour in zip(confirmed, HOURS, strict=True)}
        )
        expected_holds += [at(new_day, hour) for hour in HOURS]

    # Then every request succeeded: no deadlock, no server error
    assert Counter((kind, status) for kind, status, _ in outcomes) == {
        ("reschedule", 303): ROUNDS * PAIRS,
        ("hold", 303): ROUNDS * PAIRS,
    }, server.log()
    assert all("/manage/" in location for kind, _, location in outcomes if kind == "reschedule")
    assert all("/deposit/" in location for kind, _, location in outcomes if kind == "hold")
    # and every session is where its client asked for it
    moved = dict(Booking.objects.filter(pk__in=expected_moves).values_list("pk", "starts_at"))
    assert moved == expected_moves
    assert sorted(
        Booking.objects.filter(status=Booking.Status.HELD).values_list("starts_at", flat=True)
    ) == sorted(expected_holds)


def test_moves_and_holds_for_any_available_photographer_lock_photographers_in_one_order(
    start_gunicorn,
):
    # Given two photographers: new clients asking for "any available" try Maya first, clients
    # moving Sam's sessions try Sam first; each falls through to the other, so a service that
    # locked photographers in the order it tries them would lock them in opposite orders
    StudioFactory(time_zone="Europe/London")
    maya = PhotographerFactory(name="Maya Okafor", slug="maya", order=0)
    sam = PhotographerFactory(name="Sam Reyes", slug="sam", order=1)
    headshot = SessionTypeFactory(slug="headshot", duration_minutes=60, photographers=[maya, sam])
    policy = CancellationPolicyFactory(version=1)
    server = start_gunicorn()
    outcomes: list[tuple[str, int, str]] = []
    expected: dict[str, list[tuple[datetime, int]]] = {"moves": [], "holds": []}

    for round_number in range(ROUNDS):
        booked_day = FIRST_DAY + timedelta(days=3 * round_number)
        move_day, new_day = booked_day + timedelta(days=1), booked_day + timedelta(days=2)
        whole_day_off(sam, move_day)  # the moves fall through to Maya
        whole_day_off(maya, new_day)  # the new holds fall through to Sam
        confirmed = [
            BookingFactory(
                session_type=headshot,
                photographer=sam,
                policy=policy,
                starts_at=at(booked_day, hour),
                confirmed_at=timezone.now(),
                client_email=f"client{round_number}-{hour}@example.com",
            )
            for hour in HOURS
        ]
        barrier = threading.Barrier(2 * PAIRS, timeout=60)

        # When Sam's clients move to "any time" on a day Sam is off, while new clients book
        # "any available" on a day Maya is off, all at once
        with ThreadPoolExecutor(max_workers=2 * PAIRS) as pool:
            moves = [
                pool.submit(reschedule, server.url, booking, at(move_day, hour), barrier)
                for booking, hour in zip(confirmed, HOURS, strict=True)
            ]
            holds = [
                pool.submit(
                    book, server.url, at(new_day, hour), round_number * 100 + hour, barrier, "any"
                )
                for hour in HOURS
            ]
            outcomes += [future.result() for future in moves + holds]
        expected["moves"] += [(at(move_day, hour), maya.pk) for hour in HOURS]
        expected["holds"] += [(at(new_day, hour), sam.pk) for hour in HOURS]

    # Then every request succeeded, each with the photographer who was free
    assert Counter((kind, status) for kind, status, _ in outcomes) == {
        ("reschedule", 303): ROUNDS * PAIRS,
        ("hold", 303): ROUNDS * PAIRS,
    }, server.log()
    confirmed_now = Booking.objects.filter(status=Booking.Status.CONFIRMED)
    held_now = Booking.objects.filter(status=Booking.Status.HELD)
    assert sorted(confirmed_now.values_list("starts_at", "photographer_id")) == expected["moves"]
    assert sorted(held_now.values_list("starts_at", "photographer_id")) == expected["holds"]
