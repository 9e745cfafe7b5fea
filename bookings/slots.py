"""Free-slot generation: a pure function of working hours, busy time and the session's rules.

No database access here, so it can be tested exhaustively and benchmarked alone.

Time rules (see also README, "Time"):
- Working hours are wall-clock times in the studio's zone. Candidate starts step from the start
  of each working interval by the session type's step, in wall-clock time.
- A wall-clock time that does not exist (skipped by a DST change) is never offered.
- A wall-clock time that happens twice (the hour repeated when clocks go back) is offered once,
  at its first occurrence (`fold=0`).
- A session lasts exactly its configured duration in real time and must end by the end of the
  working interval (in real time), so on DST days it still fits the photographer's day.
- The buffers before and after must not touch other bookings or time off; they may extend
  outside working hours (setting up before the first session is allowed).
"""

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class Slot:
    start: datetime
    end: datetime
    photographer_id: int


@dataclass(frozen=True, slots=True)
class SlotRules:
    duration: timedelta
    step: timedelta
    earliest_start: datetime
    latest_start: datetime
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)


@dataclass(frozen=True, slots=True)
class PhotographerCalendar:
    photographer_id: int
    # weekday (Monday = 0) → working intervals as local wall-clock (start, end)
    weekly_hours: Mapping[int, Sequence[tuple[time, time]]]
    # [start, end) intervals in which nothing can be booked: other bookings' blocked time
    # (buffers included) and time off. Any order, overlaps allowed.
    busy: Sequence[tuple[datetime, datetime]] = ()
    daily_cap: int | None = None
    # local date → sessions already booked that day (for the daily cap)
    booked_per_day: Mapping[date, int] = field(default_factory=dict)


def local_instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time (first occurrence; gaps resolve forward)."""
    return datetime.combine(day, wall).replace(tzinfo=zone).astimezone(UTC)


def exists_in_zone(naive: datetime, zone: ZoneInfo) -> bool:
    aware = naive.replace(tzinfo=zone)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive


class BusyIndex:
    """Disjoint, sorted busy intervals with an O(log n) overlap test."""

    def __init__(self, intervals: Iterable[tuple[datetime, datetime]]):
        merged: list[list[datetime]] = []
        for start, end in sorted(intervals):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [interval[0] for interval in merged]
        self.ends = [interval[1] for interval in merged]

    def overlaps(self, start: datetime, end: datetime) -> bool:
        index = bisect_right(self.ends, start)
        return index < len(self.starts) and self.starts[index] < end


def days_between(first_day: date, last_day: date) -> Iterable[date]:
    for offset in range((last_day - first_day).days + 1):
        yield first_day + timedelta(days=offset)


def free_slots(
    *,
    first_day: date,
    last_day: date,
    zone: ZoneInfo,
    rules: SlotRules,
    calendars: Sequence[PhotographerCalendar],
) -> list[Slot]:
    """Every bookable slot on local dates first_day..last_day, sorted by start time."""
    slots: list[Slot] = []
    for calendar in calendars:
        busy = BusyIndex(calendar.busy)
        for day in days_between(first_day, last_day):
            intervals = calendar.weekly_hours.get(day.weekday())
            if not intervals:
                continue
            if calendar.daily_cap is not None and (
                calendar.booked_per_day.get(day, 0) >= calendar.daily_cap
            ):
                continue
            for window_start, window_end in intervals:
                slots.extend(
                    _slots_in_window(
                        day, window_start, window_end, zone, rules, busy, calendar.photographer_id
                    )
                )
    slots.sort(key=lambda slot: (slot.start, slot.photographer_id))
    return slots


def _slots_in_window(
    day: date,
    window_start: time,
    window_end: time,
    zone: ZoneInfo,
    rules: SlotRules,
    busy: BusyIndex,
    photographer_id: int,
) -> Iterable[Slot]:
    end_limit = local_instant(day, window_end, zone)
    wall = datetime.combine(day, window_start)
    wall_end = datetime.combine(day, window_end)
    while wall < wall_end:
        if exists_in_zone(wall, zone):
            start = wall.replace(tzinfo=zone).astimezone(UTC)
            end = start + rules.duration
            if end > end_limit:
                break
            if rules.earliest_start <= start <= rules.latest_start and not busy.overlaps(
                start - rules.buffer_before, end + rules.buffer_after
            ):
                yield Slot(start=start, end=end, photographer_id=photographer_id)
        wall += rules.step
