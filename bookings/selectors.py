"""Reads for the booking pages. Loading availability takes three queries whatever the range."""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from django.db.models import DateTimeField, Func, Q
from django.utils import timezone

from studio.models import Studio

from .models import Booking, Photographer, SessionType, TimeOff, WorkingHours
from .slots import PhotographerCalendar, Slot, SlotRules, free_slots, local_instant

# Busy time is loaded this far beyond the requested days so that buffers and sessions that
# straddle midnight are seen.
LOAD_MARGIN = timedelta(days=1)


def home_session_types() -> list[SessionType]:
    return list(SessionType.objects.bookable())


@dataclass(frozen=True)
class PhotographerInfo:
    id: int
    slug: str
    name: str
    order: int


@dataclass(frozen=True)
class Availability:
    slots: list[Slot]
    photographers: dict[int, PhotographerInfo]

    def photographer_slug(self, slot: Slot) -> str:
        return self.photographers[slot.photographer_id].slug


def slot_rules(session_type: SessionType, now: datetime) -> SlotRules:
    return SlotRules(
        duration=session_type.duration,
        step=timedelta(minutes=session_type.slot_step_minutes),
        buffer_before=timedelta(minutes=session_type.buffer_before_minutes),
        buffer_after=timedelta(minutes=session_type.buffer_after_minutes),
        earliest_start=now + timedelta(hours=session_type.minimum_notice_hours),
        latest_start=now + timedelta(days=session_type.booking_horizon_days),
    )


def bookable_days(session_type: SessionType, now: datetime) -> tuple[date, date]:
    """The first and last local dates on which this session type can be booked."""
    zone = Studio.load().zone
    rules = slot_rules(session_type, now)
    return rules.earliest_start.astimezone(zone).date(), rules.latest_start.astimezone(zone).date()


def availability(
    *,
    session_type: SessionType,
    first_day: date,
    last_day: date,
    now: datetime | None = None,
    photographer_ids: list[int] | None = None,
    exclude_booking_id: int | None = None,
) -> Availability:
    now = now or timezone.now()
    zone = Studio.load().zone
    range_start = local_instant(first_day, datetime.min.time(), zone) - LOAD_MARGIN
    range_end = local_instant(last_day + timedelta(days=1), datetime.min.time(), zone) + LOAD_MARGIN

    hours = WorkingHours.objects.filter(
        photographer__session_types=session_type, photographer__active=True
    )
    if photographer_ids is not None:
        hours = hours.filter(photographer_id__in=photographer_ids)
    photographers: dict[int, PhotographerInfo] = {}
    weekly: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    caps: dict[int, int | None] = {}
    for pid, slug, name, cap, order, weekday, start, end in hours.values_list(
        "photographer_id",
        "photographer__slug",
        "photographer__name",
        "photographer__daily_cap",
        "photographer__order",
        "weekday",
        "start_time",
        "end_time",
    ).order_by("photographer__order", "photographer_id", "weekday", "start_time"):
        photographers[pid] = PhotographerInfo(pid, slug, name, order)
        weekly[pid][weekday].append((start, end))
        caps[pid] = cap
    if not photographers:
        return Availability(slots=[], photographers={})

    busy: dict[int, list] = defaultdict(list)
    per_day: dict[int, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    bookings = Booking.objects.occupying(now=now).filter(
        photographer_id__in=photographers, blocked__overlap=(range_start, range_end)
    )
    if exclude_booking_id is not None:
        bookings = bookings.exclude(pk=exclude_booking_id)
    # The range's bounds as two plain datetimes: cheaper to read than Range objects.
    bookings = bookings.annotate(
        blocked_from=Func("blocked", function="lower", output_field=DateTimeField()),
        blocked_until=Func("blocked", function="upper", output_field=DateTimeField()),
    )
    capped = {pid for pid, cap in caps.items() if cap is not None}
    for pid, blocked_from, blocked_until, starts_at in bookings.values_list(
        "photographer_id", "blocked_from", "blocked_until", "starts_at"
    ):
        busy[pid].append((blocked_from, blocked_until))
        if pid in capped:  # sessions per local day matter only under a daily cap
            per_day[pid][starts_at.astimezone(zone).date()] += 1
    for pid, starts_at, ends_at in TimeOff.objects.filter(
        Q(photographer_id__in=photographers), starts_at__lt=range_end, ends_at__gt=range_start
    ).values_list("photographer_id", "starts_at", "ends_at"):
        busy[pid].append((starts_at, ends_at))

    calendars = [
        PhotographerCalendar(
            photographer_id=pid,
            weekly_hours=weekly[pid],
            busy=busy[pid],
            daily_cap=caps[pid],
            booked_per_day=per_day[pid],
        )
        for pid in photographers
    ]
    slots = free_slots(
        first_day=first_day,
        last_day=last_day,
        zone=zone,
        rules=slot_rules(session_type, now),
        calendars=calendars,
    )
    return Availability(slots=slots, photographers=photographers)


def find_slot(
    *,
    session_type: SessionType,
    start: datetime,
    photographer: Photographer | None,
    now: datetime | None = None,
    exclude_booking_id: int | None = None,
) -> Slot | None:
    """The free slot starting at `start` (with that photographer, or anyone), if there is one."""
    zone = Studio.load().zone
    day = start.astimezone(zone).date()
    found = availability(
        session_type=session_type,
        first_day=day,
        last_day=day,
        now=now,
        photographer_ids=[photographer.pk] if photographer else None,
        exclude_booking_id=exclude_booking_id,
    )
    start_utc = start.astimezone(UTC)
    matches = [slot for slot in found.slots if slot.start == start_utc]
    return matches[0] if matches else None


def is_session_start(
    *, session_type: SessionType, start: datetime, photographer: Photographer | None
) -> bool:
    """Whether `start` is one of the session type's times at all (one query).

    That is: on the step grid of a working interval of that photographer (or of anyone offering
    the session) and ending inside it. Bookings, time off, notice, horizon and the daily cap are
    ignored: a time they rule out is taken or closed, not invalid.
    """
    zone = Studio.load().zone
    day = start.astimezone(zone).date()
    hours = WorkingHours.objects.filter(
        photographer__session_types=session_type, weekday=day.weekday()
    )
    if photographer is not None:
        hours = hours.filter(photographer=photographer)
    weekly: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for pid, window_start, window_end in hours.values_list(
        "photographer_id", "start_time", "end_time"
    ).order_by("start_time"):
        weekly[pid][day.weekday()].append((window_start, window_end))
    start_utc = start.astimezone(UTC)
    rules = replace(
        slot_rules(session_type, start_utc), earliest_start=start_utc, latest_start=start_utc
    )
    calendars = [
        PhotographerCalendar(photographer_id=pid, weekly_hours=hours_by_day)
        for pid, hours_by_day in weekly.items()
    ]
    return bool(
        free_slots(first_day=day, last_day=day, zone=zone, rules=rules, calendars=calendars)
    )
