"""A bounded soak: mixed browsing and booking through gunicorn for SOAK_SECONDS (default 60).

A pool of client threads loops over the pages a visitor reads (home, session types, a session
type's calendar, slots.json, the journal and a post) and every few rounds books: it asks
slots.json for a free time, opens the details form, posts it with its CSRF token and pays the
demo deposit. Clients pick among the first few free times, so several race for one slot. A client
keeps at most two sessions: before booking a third it cancels its oldest from the manage link in
its confirmation, which frees that time for the others (and keeps a long soak from running out).

At the end: no 5xx, only 2xx/3xx or the site's clear 409/400 refusals, no database connection
left behind by gunicorn (and never more open than its threads, sampled during the run), every
booking a client saw confirmed is confirmed in the database, and no two held or confirmed
bookings of one photographer overlap. `make soak` runs it longer (SOAK_SECONDS=600).
"""

import os
import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import psycopg
import pytest
import requests
from django.db import connection
from django.utils import timezone

from blog.models import Post
from bookings.models import Booking, IntakeQuestion, SessionType
from tests.e2e.test_accessibility import seed
from tests.live_server import stop

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "60"))
WORKERS, THREADS = 2, 6
CLIENTS = 10
BOOK_EVERY = 3  # rounds of browsing per booking attempt
CONNECTION_MARGIN = 2
APP_NAME = "studio-soak"  # libpq reads PGAPPNAME: gunicorn's connections carry this name
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DEPOSIT_PATH = re.compile(r"^/book/deposit/([0-9a-f-]{36})/$")
MANAGE_LINK = re.compile(r'href="(/book/manage/[0-9a-f-]{36}/[^"/]+/)"')
KEEP = 2  # sessions a client keeps before cancelling its oldest
REFUSALS = {400, 409}


@dataclass
class Tally:
    statuses: Counter = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    confirmed: set[str] = field(default_factory=set)
    cancelled: set[str] = field(default_factory=set)
    lost_races: int = 0
    no_free_time: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, method: str, path: str, response: requests.Response) -> None:
        with self.lock:
            self.statuses[response.status_code] += 1
            ok = 200 <= response.status_code < 400 or response.status_code in REFUSALS
            if not ok:
                self.unexpected.append(f"{method} {path} → {response.status_code}")


@dataclass
class Visit:
    base: str
    pages: list[str]
    session_types: list[str]
    intake: dict[str, dict[str, str]]
    first_day: str
    last_day: str


class Client:
    def __init__(self, index: int, visit: Visit, tally: Tally):
        self.index = index
        self.visit = visit
        self.tally = tally
        self.browser = requests.Session()
        self.random = random.Random(index)
        self.kept: list[tuple[str, str]] = []  # (public id, manage path), oldest first

    def get(self, path: str, **kwargs) -> requests.Response:
        response = self.browser.get(self.visit.base + path, timeout=60, **kwargs)
        self.tally.record("GET", path, response)
        return response

    def post(self, path: str, data: dict) -> requests.Response:
        response = self.browser.post(
            self.visit.base + path, data=data, allow_redirects=False, timeout=60
        )
        self.tally.record("POST", path, response)
        return response

    def browse(self) -> None:
        for path in self.visit.pages:
            self.get(path)

    def cancel_oldest(self) -> None:
        public_id, manage = self.kept.pop(0)
        form = self.get(manage + "cancel/")
        token = CSRF_FIELD.search(form.text).group(1)
        cancelled = self.post(manage + "cancel/", {"csrfmiddlewaretoken": token, "confirm": "on"})
        assert cancelled.headers["Location"] == manage, cancelled.status_code
        if "Your session is cancelled." in self.get(manage).text:
            with self.tally.lock:
                self.tally.cancelled.add(public_id)

    def book(self, attempt: int) -> None:
        if len(self.kept) >= KEEP:
            self.cancel_oldest()
        slug = self.random.choice(self.visit.session_types)
        slots = self.get(
            f"/book/{slug}/slots.json?start={self.visit.first_day}&end={self.visit.last_day}"
        ).json()["slots"]
        if not slots:
            with self.tally.lock:
                self.tally.no_free_time += 1
            return
        slot = self.random.choice(slots[:3])  # the first free times: clients collide on them
        details = f"/book/{slug}/details/"
        params = {"start": slot["start"], "photographer": slot["photographer"]}
        form = self.get(details, params=params)
        if form.status_code == 409:  # taken since slots.json was read
            with self.tally.lock:
                self.tally.lost_races += 1
            return
        token = CSRF_FIELD.search(form.text).group(1)
        posted = self.browser.post(
            self.visit.base + details,
            params=params,
            data={
                "csrfmiddlewaretoken": token,
                "name": f"Soak client {self.index}-{attempt}",
                "email": f"soak{self.index}.{attempt}@example.com",
                "phone": "+44 7700 900123",
                "policy_version": "1",
                "accept_policy": "on",
                **self.visit.intake[slug],
            },
            allow_redirects=False,
            timeout=60,
        )
        self.tally.record("POST", details, posted)
        if posted.status_code == 409:
            with self.tally.lock:
                self.tally.lost_races += 1
            return
        assert posted.status_code == 303, (posted.status_code, posted.text[:500])
        public_id = DEPOSIT_PATH.match(posted.headers["Location"]).group(1)
        deposit = self.get(posted.headers["Location"])
        token = CSRF_FIELD.search(deposit.text).group(1)
        paid = self.post(f"/book/deposit/{public_id}/demo/", {"csrfmiddlewaretoken": token})
        if paid.status_code == 303:
            confirmed = self.get(paid.headers["Location"])
            if "You're booked in" in confirmed.text:
                with self.tally.lock:
                    self.tally.confirmed.add(public_id)
                self.kept.append((public_id, MANAGE_LINK.search(confirmed.text).group(1)))

    def run(self, deadline: float) -> None:
        attempt = 0
        try:
            while time.monotonic() < deadline:
                attempt += 1
                self.browse()
                if attempt % BOOK_EVERY == self.index % BOOK_EVERY:
                    self.book(attempt)
        except Exception as error:  # reported by the test with the server's log
            with self.tally.lock:
                self.tally.errors.append(f"client {self.index}: {error!r}")
        finally:
            self.browser.close()


def gunicorn_connections(cursor) -> int:
    cursor.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
        [connection.settings_dict["NAME"], APP_NAME],
    )
    return cursor.fetchone()[0]


def sample_connections(database_url: str, stop_sampling: threading.Event, seen: list[int]):
    with psycopg.connect(database_url, autocommit=True) as sampler, sampler.cursor() as cursor:
        while not stop_sampling.wait(0.2):
            seen.append(gunicorn_connections(cursor))


def overlapping_pairs() -> list[tuple]:
    assert Booking._meta.db_table == "bookings_booking"
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.public_id, b.public_id
            FROM bookings_booking a
            JOIN bookings_booking b
              ON a.photographer_id = b.photographer_id AND a.id < b.id
             AND a.blocked && b.blocked
            WHERE a.status IN ('held', 'confirmed') AND b.status IN ('held', 'confirmed')
            """
        )
        return cursor.fetchall()


def visit_for(base: str) -> Visit:
    session_types = list(SessionType.objects.bookable().order_by("order"))
    post = Post.objects.published().order_by("-published_at").first()
    assert post is not None, "the journal's demo seed publishes a post"
    today = timezone.localdate()
    return Visit(
        base=base,
        pages=[
            "/",
            "/book/",
            session_types[0].get_absolute_url(),
            f"/book/{session_types[0].slug}/slots.json?start={today}&end={today + timedelta(6)}",
            "/blog/",
            post.get_absolute_url(),
        ],
        session_types=[session_type.slug for session_type in session_types],
        intake={
            session_type.slug: {
                question.field_name: question.choice_list[0] if question.choice_list else "No"
                for question in IntakeQuestion.objects.filter(session_type=session_type)
            }
            for session_type in session_types
        },
        first_day=str(today),
        last_day=str(today + timedelta(days=30)),
    )


def test_a_soak_of_browsing_and_booking_ends_clean(start_gunicorn, test_database_url):
    seed()
    demo_bookings = {
        str(public_id) for public_id in Booking.objects.values_list("public_id", flat=True)
    }
    server = start_gunicorn(workers=WORKERS, threads=THREADS, env={"PGAPPNAME": APP_NAME})
    visit = visit_for(server.url)
    tally = Tally()
    seen: list[int] = []
    stop_sampling = threading.Event()
    sampler = threading.Thread(
        target=sample_connections, args=(test_database_url, stop_sampling, seen)
    )
    sampler.start()
    deadline = time.monotonic() + SOAK_SECONDS
    clients = [
        threading.Thread(target=Client(index, visit, tally).run, args=(deadline,))
        for index in range(CLIENTS)
    ]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    stop_sampling.set()
    sampler.join()
    stop(server.process)
    with connection.cursor() as cursor:
        left = gunicorn_connections(cursor)
        for _ in range(50):  # a backend leaves pg_stat_activity just after its client exits
            if left == 0:
                break
            time.sleep(0.1)
            left = gunicorn_connections(cursor)

    def public_ids(status: str) -> set[str]:
        found = Booking.objects.filter(status=status).values_list("public_id", flat=True)
        return {str(public_id) for public_id in found}

    requests_made = sum(tally.statuses.values())
    refusals = sum(tally.statuses[status] for status in REFUSALS)
    print(
        f"\nsoak {SOAK_SECONDS:.0f} s: {requests_made} requests {dict(sorted(tally.statuses.items()))}, "
        f"{len(tally.confirmed)} bookings made ({len(tally.cancelled)} cancelled again), "
        f"{refusals} refusals "
        f"({tally.lost_races} lost races, {tally.no_free_time} times no free time), "
        f"max {max(seen, default=0)} database connections seen"
    )
    assert tally.errors == [], f"{tally.errors[:5]}\n{server.log()[-5000:]}"
    assert sum(tally.statuses[s] for s in tally.statuses if s >= 500) == 0, server.log()[-5000:]
    assert tally.unexpected == []
    assert len(tally.confirmed) > 0
    assert public_ids(Booking.Status.CONFIRMED) - demo_bookings == tally.confirmed - tally.cancelled
    assert public_ids(Booking.Status.CANCELLED) == tally.cancelled
    assert overlapping_pairs() == []
    assert len(seen) > 0
    assert max(seen) <= WORKERS * THREADS + CONNECTION_MARGIN, seen
    assert left == 0
