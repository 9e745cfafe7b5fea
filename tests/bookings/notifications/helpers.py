"""Shared by the notification tests: the studio's zone and a day ahead, bookings confirmed through
the services or long ago, and reading the manage link and the log rows back."""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from bookings import services
from bookings.links import token_is_valid
from bookings.models import Booking, NotificationLog
from bookings.notifications.outbox import Status
from tests.factories import BookingFactory, NotificationLogFactory

ZONE = ZoneInfo("Europe/London")
# Twenty days from today, so the tests hold whatever the date they run on.
DAY = (timezone.now().astimezone(ZONE) + timedelta(days=20)).date()
DIRECTIONS = "Ring the bell marked Northlight; we're on the second floor."


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """Studio wall-clock time on `day` as a UTC instant."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE).astimezone(UTC)


CLIENT = services.ClientDetails(name="Ada Client", email="ada@example.com", phone="+44 1")


def book(setup, start: datetime, *, answers: dict | None = None, capture=None) -> Booking:
    """A held booking, confirmed through the services; after-commit work runs if captured."""
    photographer, session_type, policy = setup
    booking = services.booking_create_hold(
        session_type=session_type,
        start=start,
        photographer=photographer,
        client=CLIENT,
        intake_answers=answers or {},
        policy=policy,
    )
    if capture is None:
        return services.booking_confirm(booking=booking)
    with capture(execute=True):
        return services.booking_confirm(booking=booking)


def assert_manage_link(text: str, booking: Booking) -> None:
    """`text` holds the booking's signed manage link (its token is timestamped)."""
    found = re.search(
        rf"{re.escape(settings.SITE_URL)}/book/manage/([0-9a-f-]+)/([^/\s\"]+)/", text
    )
    assert found, "no manage link"
    public_id, token = found.groups()
    assert public_id == str(booking.public_id)
    assert token_is_valid(booking.public_id, token)


def log_rows(booking: Booking) -> list[tuple]:
    return sorted(
        NotificationLog.objects.filter(booking=booking).values_list(
            "kind", "revision", "resend", "status"
        )
    )


def confirmed_booking(start: datetime, *, confirmed_at: datetime | None = None, **fields):
    """A booking confirmed earlier, whose confirmation went out then."""
    booking = BookingFactory(
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        confirmed_at=confirmed_at or start - timedelta(days=10),
        **fields,
    )
    NotificationLogFactory(booking=booking, status=Status.SENT, sent_at=booking.confirmed_at)
    return booking
