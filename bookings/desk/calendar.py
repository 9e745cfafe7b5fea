"""The desk's calendar (day, week, month) of sessions and time off, and time off's conflicts."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from studio.models import Studio

from ..access import visible_photographers
from ..models import Booking, TimeOff, WorkingHours
from ..slots import local_instant

VIEWS = ("day", "week", "month")
SHOWN_STATUSES = [
    Booking.Status.HELD,
    Booking.Status.CONFIRMED,
    Booking.Status.COMPLETED,
    Booking.Status.NO_SHOW,
]


def date_range(view: str, anchor: date) -> tuple[date, date]:
    """First and last local date shown by a day, week (Monday first) or month view."""
    if view == "day":
        return anchor, anchor
    if view == "week":
        monday = anchor - timedelta(days=anchor.weekday())
        return monday, monday + timedelta(days=6)
    first = anchor.replace(day=1)
    start = first - timedelta(days=first.weekday())
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return start, last + timedelta(days=6 - last.weekday())


def step(view: str, anchor: date, direction: int) -> date:
    if view == "day":
        return anchor + timedelta(days=direction)
    if view == "week":
        return anchor + timedelta(weeks=direction)
    month = anchor.replace(day=1) + timedelta(days=32 * direction if direction > 0 else -1)
    return month.replace(day=1)


@dataclass
class Entry:
    kind: str  # "booking" or "time_off"
    start: datetime
    end: datetime
    title: str
    detail: str
    status: str
    url: str
    photographer: str


@dataclass
class Day:
    date: date
    in_period: bool
    entries: list[Entry] = field(default_factory=list)
    hours: list[str] = field(default_factory=list)


def calendar_page(*, user, view: str, anchor: date, photographer_id: int | None) -> dict:
    zone = Studio.load().zone
    first, last = date_range(view, anchor)
    start = local_instant(first, datetime.min.time(), zone)
    end = local_instant(last + timedelta(days=1), datetime.min.time(), zone)
    photographers = list(visible_photographers(user))
    shown_ids = [p.pk for p in photographers if photographer_id in (None, p.pk)]
    names = {p.pk: p.name for p in photographers}

    days = {
        first + timedelta(days=offset): Day(
            date=first + timedelta(days=offset),
            in_period=view != "month" or (first + timedelta(days=offset)).month == anchor.month,
        )
        for offset in range((last - first).days + 1)
    }
    bookings = (
        Booking.objects.filter(
            photographer_id__in=shown_ids,
            status__in=SHOWN_STATUSES,
            starts_at__lt=end,
            ends_at__gt=start,
        )
        .exclude(status=Booking.Status.HELD, hold_expires_at__lte=timezone.now())
        .select_related("session_type")
        .order_by("starts_at")
    )
    for booking in bookings:
        local = booking.starts_at.astimezone(zone)
        if local.date() in days:
            days[local.date()].entries.append(
                Entry(
                    kind="booking",
                    start=local,
                    end=booking.ends_at.astimezone(zone),
                    title=booking.client_name,
                    detail=booking.session_type.name,
                    status=booking.status,
                    url=reverse("admin:bookings_booking_change", args=[booking.pk]),
                    photographer=names[booking.photographer_id],
                )
            )
    for off in TimeOff.objects.filter(
        photographer_id__in=shown_ids, starts_at__lt=end, ends_at__gt=start
    ):
        for day in days.values():
            day_start = local_instant(day.date, datetime.min.time(), zone)
            if off.starts_at < day_start + timedelta(days=1) and off.ends_at > day_start:
                day.entries.append(
                    Entry(
                        kind="time_off",
                        start=max(off.starts_at, day_start).astimezone(zone),
                        end=min(off.ends_at, day_start + timedelta(days=1)).astimezone(zone),
                        title="Time off",
                        detail=off.reason,
                        status="time_off",
                        url=reverse("admin:bookings_timeoff_change", args=[off.pk]),
                        photographer=names[off.photographer_id],
                    )
                )
    weekly: dict[int, list[str]] = defaultdict(list)
    for hours in WorkingHours.objects.filter(photographer_id__in=shown_ids).order_by(
        "weekday", "start_time"
    ):
        label = f"{hours.start_time:%H:%M}–{hours.end_time:%H:%M}"
        if len(shown_ids) > 1:
            label += f" {names[hours.photographer_id]}"
        weekly[hours.weekday].append(label)
    for day in days.values():
        day.hours = weekly.get(day.date.weekday(), [])
        day.entries.sort(key=lambda entry: entry.start)
    ordered = list(days.values())
    return {
        "view": view,
        "anchor": anchor,
        "first": first,
        "last": last,
        "days": ordered,
        "weeks": [ordered[index : index + 7] for index in range(0, len(ordered), 7)],
        "previous": step(view, anchor, -1),
        "next": step(view, anchor, 1),
        "today": timezone.now().astimezone(zone).date(),
        "photographers": photographers,
        "photographer_id": photographer_id,
    }


def time_off_conflicts(time_off: TimeOff) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(
            photographer=time_off.photographer,
            status__in=[Booking.Status.HELD, Booking.Status.CONFIRMED],
            starts_at__lt=time_off.ends_at,
            ends_at__gt=time_off.starts_at,
        )
        .select_related("session_type")
        .order_by("starts_at")
    )
