"""Shared by the tests of the client's booking pages: dates, the details form, page addresses
and bookings written straight into the calendar.

Times are computed from today's date so that the pages (which use the real clock) always treat
them as future: DAY is the 10th of a month that starts at least five days from now.
"""

import html
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, CancellationPolicy
from tests.factories import BookingFactory

LONDON = ZoneInfo("Europe/London")
TODAY = timezone.now().astimezone(LONDON).date()
MONTH = (TODAY + timedelta(days=35)).replace(day=1)  # a whole month, all of it in the future
DAY = MONTH + timedelta(days=9)

FORM = {
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "phone": "+44 7700 900123",
    "notes": "",
    "policy_version": "1",
    "accept_policy": "on",
}


def at(hour: int, minute: int = 0, day: date = DAY, zone: ZoneInfo = LONDON) -> datetime:
    """A local wall-clock time in the studio's zone, as a UTC instant."""
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


def text(response) -> str:
    return html.unescape(response.content.decode())


def details_url(start, photographer: str = "maya", slug: str = "headshot") -> str:
    start = start.isoformat() if isinstance(start, datetime) else start
    query = urlencode({"start": start, "photographer": photographer})
    return f"{reverse('bookings:details', args=[slug])}?{query}"


def local_times(response) -> list[str]:
    return [entry["local"].strftime("%H:%M") for entry in response.context["times"]]


def booked(session_type, photographer, start, **fields) -> Booking:
    """A booking written directly, to fill the calendar."""
    return BookingFactory(
        session_type=session_type,
        photographer=photographer,
        starts_at=start,
        ends_at=start + session_type.duration,
        policy=CancellationPolicy.objects.current(),
        **fields,
    )
