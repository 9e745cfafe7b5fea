"""Calendar files and the photographers' private feeds, read back with `icalendar`."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from bookings import ics
from bookings.models import Booking, Photographer
from studio.models import Studio
from tests.bookings.notifications.helpers import assert_manage_link
from tests.factories import (
    BookingFactory,
    PhotographerFactory,
    StudioFactory,
    TimeOffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# A month ahead, whatever the date the tests run on.
START = (timezone.now() + timedelta(days=30)).replace(hour=9, minute=30, second=0, microsecond=0)


@pytest.fixture
def studio() -> Studio:
    return StudioFactory(
        street_address="14 Canal Wharf", locality="Manchester", postal_code="M1 2AB"
    )


def parse(ics: bytes) -> tuple[Calendar, list]:
    parsed = Calendar.from_ical(ics)
    return parsed, list(parsed.events)


def test_an_invitation_parses_back_with_its_instants_uid_sequence_and_place(studio):
    booking = BookingFactory(starts_at=START, ends_at=START + timedelta(hours=1))

    parsed, (event,) = parse(ics.booking_invitation(booking, studio=studio))

    assert str(parsed["method"]) == "REQUEST"
    assert event.start == START
    assert event.end == START + timedelta(hours=1)
    assert str(event["uid"]) == f"booking-{booking.public_id}@127.0.0.1"
    assert event["sequence"] == 1
    assert str(event["location"]) == "Northlight Headshots, 14 Canal Wharf, M1 2AB Manchester"
    assert str(event["status"]) == "CONFIRMED"
    assert_manage_link(str(event["url"]), booking)
    assert str(event["organizer"]) == "mailto:hello@northlight.example"


def test_a_moved_session_keeps_its_uid_with_the_next_sequence(studio):
    booking = BookingFactory(starts_at=START, ends_at=START + timedelta(hours=1))
    _, (first,) = parse(ics.booking_invitation(booking, studio=studio))
    booking.starts_at, booking.ends_at = (
        START + timedelta(days=1),
        START + timedelta(days=1, hours=1),
    )
    booking.revision = 2

    _, (moved,) = parse(ics.booking_invitation(booking, studio=studio))

    assert moved["uid"] == first["uid"]
    assert (first["sequence"], moved["sequence"]) == (1, 2)
    assert moved.start == START + timedelta(days=1)


def test_a_cancellation_cancels_the_same_event_one_sequence_later(studio):
    booking = BookingFactory(starts_at=START, ends_at=START + timedelta(hours=1), revision=2)

    parsed, (event,) = parse(ics.booking_invitation(booking, studio=studio, cancelled=True))

    assert str(parsed["method"]) == "CANCEL"
    assert str(event["status"]) == "CANCELLED"
    assert event["sequence"] == 3
    assert str(event["uid"]) == f"booking-{booking.public_id}@127.0.0.1"


def feed(client, photographer: Photographer):
    return client.get(reverse("bookings:calendar-feed", args=[photographer.calendar_token]))


def test_the_feed_lists_the_photographers_sessions_and_time_off(studio, client):
    photographer = PhotographerFactory()
    mine = BookingFactory(
        photographer=photographer, starts_at=START, ends_at=START + timedelta(hours=1)
    )
    BookingFactory(
        photographer=photographer,
        starts_at=START + timedelta(hours=2),
        ends_at=START + timedelta(hours=3),
        status=Booking.Status.CANCELLED,
    )
    BookingFactory(
        photographer=photographer,
        starts_at=START + timedelta(hours=4),
        ends_at=START + timedelta(hours=5),
        status=Booking.Status.HELD,
    )
    BookingFactory(starts_at=START, ends_at=START + timedelta(hours=1))  # a colleague's
    off = TimeOffFactory(
        photographer=photographer,
        starts_at=START + timedelta(days=2),
        ends_at=START + timedelta(days=3),
        reason="Dentist",
    )

    response = feed(client, photographer)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, max-age=300"
    parsed, events = parse(response.content)
    assert str(parsed["x-wr-calname"]) == f"Northlight Headshots: {photographer.name}"
    assert [(str(event["uid"]), event.start, str(event["summary"])) for event in events] == [
        (f"booking-{mine.public_id}@127.0.0.1", START, f"Ada Client — {mine.session_type.name}"),
        (f"time-off-{off.pk}@127.0.0.1", off.starts_at, "Time off: Dentist"),
    ]


def test_the_feed_refuses_a_wrong_token(studio, client):
    PhotographerFactory()

    response = client.get(reverse("bookings:calendar-feed", args=["not-the-token"]))

    assert response.status_code == 404


def test_regenerating_the_token_revokes_the_old_address(studio, client):
    photographer = PhotographerFactory()
    old = reverse("bookings:calendar-feed", args=[photographer.calendar_token])

    token = ics.photographer_calendar_token_regenerate(photographer=photographer)

    assert client.get(old).status_code == 404
    assert client.get(reverse("bookings:calendar-feed", args=[token])).status_code == 200
    photographer.refresh_from_db()
    assert photographer.calendar_token == token


def test_the_admin_shows_the_feed_address_and_revokes_it(studio, client):
    client.force_login(UserFactory(username="owner", is_superuser=True))
    photographer = PhotographerFactory()
    old_token = photographer.calendar_token
    change_url = reverse("admin:bookings_photographer_change", args=[photographer.pk])

    page = client.get(change_url)
    response = client.post(
        reverse("admin:bookings_photographer_changelist"),
        {"action": "revoke_calendar_feed", "_selected_action": [photographer.pk]},
        follow=True,
    )

    assert f"/book/calendar/{old_token}.ics" in page.text
    assert "the old ones no longer work" in response.text
    photographer.refresh_from_db()
    assert photographer.calendar_token != old_token
