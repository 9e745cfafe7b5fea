"""Calendar files (.ics, through the `icalendar` package) and the photographers' private feeds.

- Each booking is one event with a stable UID (`booking-<public id>@<site host>`), so a calendar
  that received the invitation replaces it when an update or a cancellation arrives.
- SEQUENCE is the booking's revision (it goes up by one each time the session moves). A
  cancellation is one step further (revision + 1): RFC 5546 asks for a higher sequence on any
  significant change, and a cancellation is the last change a booking sees.
- Times are written in UTC ("Z"); every calendar shows them in its owner's zone.
- A photographer's feed lists their confirmed (and recent past) sessions and time off; its
  address holds a secret token that the admin can replace, which revokes the old address.
"""

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from studio.models import Studio

from .links import manage_url
from .models import Booking, Photographer, TimeOff, new_calendar_token

PRODID = "-//Studio site//Bookings//EN"
# How far back the feed keeps past sessions, so the week just gone still shows on a phone.
FEED_PAST = timedelta(days=60)

METHOD_REQUEST = "REQUEST"
METHOD_CANCEL = "CANCEL"


def site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def booking_uid(booking: Booking) -> str:
    return f"booking-{booking.public_id}@{site_host()}"


def location(studio: Studio) -> str:
    return ", ".join([studio.name, *studio.address_lines])


def _calendar(*, method: str | None = None, name: str = "") -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def _organizer(studio: Studio) -> vCalAddress:
    organizer = vCalAddress(f"mailto:{studio.email}")
    organizer.params["cn"] = vText(studio.name)
    return organizer


def booking_event(
    booking: Booking, *, studio: Studio, cancelled: bool = False, now: datetime | None = None
) -> Event:
    """The session as a calendar event, as the client sees it."""
    event = Event()
    event.add("uid", booking_uid(booking))
    event.add("sequence", booking.revision + (1 if cancelled else 0))
    event.add("dtstamp", now or timezone.now())
    event.add("dtstart", booking.starts_at)
    event.add("dtend", booking.ends_at)
    event.add("summary", f"{booking.session_type.name} at {studio.name}")
    event.add("location", location(studio))
    link = manage_url(booking)
    description = [
        f"With {booking.photographer.name}.",
        studio.directions,
        f"Move or cancel: {link}",
    ]
    event.add("description", "\n\n".join(part for part in description if part))
    event.add("url", link)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("organizer", _organizer(studio))
    attendee = vCalAddress(f"mailto:{booking.client_email}")
    attendee.params["cn"] = vText(booking.client_name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("ACCEPTED")
    attendee.params["rsvp"] = vText("FALSE")
    event.add("attendee", attendee)
    return event


def booking_invitation(
    booking: Booking, *, studio: Studio, cancelled: bool = False, now: datetime | None = None
) -> bytes:
    """An .ics file for an email: the invitation (or its update), or its cancellation."""
    calendar = _calendar(method=METHOD_CANCEL if cancelled else METHOD_REQUEST)
    calendar.add_component(booking_event(booking, studio=studio, cancelled=cancelled, now=now))
    return calendar.to_ical()


def feed_url(photographer: Photographer) -> str:
    return settings.SITE_URL + reverse("bookings:calendar-feed", args=[photographer.calendar_token])


def photographer_feed(
    photographer: Photographer, *, studio: Studio, now: datetime | None = None
) -> bytes:
    """The photographer's private feed: their sessions and time off (two queries)."""
    now = now or timezone.now()
    calendar = _calendar(name=f"{studio.name}: {photographer.name}")
    calendar.add("refresh-interval", timedelta(minutes=30), parameters={"value": "DURATION"})
    calendar.add("x-published-ttl", "PT30M")
    sessions = Booking.objects.filter(
        photographer=photographer,
        status__in=[Booking.Status.CONFIRMED, Booking.Status.COMPLETED, Booking.Status.NO_SHOW],
        ends_at__gte=now - FEED_PAST,
    ).select_related("session_type")
    where = location(studio)
    for booking in sessions:
        event = Event()
        event.add("uid", booking_uid(booking))
        event.add("sequence", booking.revision)
        event.add("dtstamp", now)
        event.add("dtstart", booking.starts_at)
        event.add("dtend", booking.ends_at)
        event.add("summary", f"{booking.client_name} — {booking.session_type.name}")
        event.add("location", where)
        details = [f"Phone: {booking.client_phone}", f"Email: {booking.client_email}"]
        if booking.notes:
            details.append(f"Notes: {booking.notes}")
        details += [f"{question} {answer}" for question, answer in booking.intake_answers.items()]
        event.add("description", "\n".join(details))
        event.add("status", "CONFIRMED")
        calendar.add_component(event)
    for time_off in TimeOff.objects.filter(photographer=photographer, ends_at__gte=now - FEED_PAST):
        event = Event()
        event.add("uid", f"time-off-{time_off.pk}@{site_host()}")
        event.add("dtstamp", now)
        event.add("dtstart", time_off.starts_at)
        event.add("dtend", time_off.ends_at)
        event.add("summary", f"Time off{': ' + time_off.reason if time_off.reason else ''}")
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    return calendar.to_ical()


@transaction.atomic
def photographer_calendar_token_regenerate(*, photographer: Photographer) -> str:
    """Give the photographer a new feed address; the old one stops working at once."""
    token = new_calendar_token()
    Photographer.objects.filter(pk=photographer.pk).update(calendar_token=token)
    photographer.calendar_token = token
    return token
