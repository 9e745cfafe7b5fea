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
from collections.abc import Callable, Iterable, Mapping, Sequence
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
    return _free_slots(first_day, last_day, zone, rules, calendars, _slots_in_window)


def free_slots_exact(
    *,
    first_day: date,
    last_day: date,
    zone: ZoneInfo,
    rules: SlotRules,
    calendars: Sequence[PhotographerCalendar],
) -> list[Slot]:
    """free_slots converting every candidate start between zones: slower, and the reference
    that the fast path (UTC steps on windows without an offset change) is tested against."""
    return _free_slots(first_day, last_day, zone, rules, calendars, _slots_in_window_exact)


def _free_slots(
    first_day: date,
    last_day: date,
    zone: ZoneInfo,
    rules: SlotRules,
    calendars: Sequence[PhotographerCalendar],
    slots_in_window: Callable[..., list[Slot]],
) -> list[Slot]:
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
                    slots_in_window(
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
) -> list[Slot]:
    """The window's slots: in plain UTC arithmetic when the zone's offset is constant over it."""
    wall = datetime.combine(day, window_start)
    wall_end = datetime.combine(day, window_end)
    offset = _constant_offset(wall, wall_end, zone)
    if offset is None:
        return _slots_in_window_exact(
            day, window_start, window_end, zone, rules, busy, photographer_id
        )
    return _slots_in_window_constant_offset(
        (wall - offset).replace(tzinfo=UTC),
        (wall_end - offset).replace(tzinfo=UTC),
        rules,
        busy,
        photographer_id,
    )


def _constant_offset(wall: datetime, wall_end: datetime, zone: ZoneInfo) -> timedelta | None:
    """The zone's UTC offset over the wall-clock window, or None if it may change inside it.

    Both ends must be unambiguous (the same offset for fold=0 and fold=1, so neither lies in a
    gap or a repeated hour) and share one offset. A zone that changed its offset and changed it
    back within one working window would defeat this test; the tz database has no such pair of
    transitions within a day, and the property tests compare this path with the exact one.
    """
    offset = wall.replace(tzinfo=zone).utcoffset()
    if (
        wall.replace(tzinfo=zone, fold=1).utcoffset() != offset
        or wall_end.replace(tzinfo=zone).utcoffset() != offset
        or wall_end.replace(tzinfo=zone, fold=1).utcoffset() != offset
    ):
        return None
    return offset


def _slots_in_window_constant_offset(
    start: datetime,
    end_limit: datetime,
    rules: SlotRules,
    busy: BusyIndex,
    photographer_id: int,
) -> list[Slot]:
    """Candidate starts step in UTC: with a constant offset, wall-clock and real time agree."""
    slots: list[Slot] = []
    duration, step = rules.duration, rules.step
    before, after = rules.buffer_before, rules.buffer_after
    earliest, latest = rules.earliest_start, rules.latest_start
    busy_starts, busy_ends = busy.starts, busy.ends
    count = len(busy_starts)
    while start < end_limit:
        end = start + duration
        if end > end_limit:
            break
        if earliest <= start <= latest:
            index = bisect_right(busy_ends, start - before)
            if index >= count or busy_starts[index] >= end + after:
                slots.append(Slot(start, end, photographer_id))
        start += step
    return slots


def _slots_in_window_exact(
    day: date,
    window_start: time,
    window_end: time,
    zone: ZoneInfo,
    rules: SlotRules,
    busy: BusyIndex,
    photographer_id: int,
) -> list[Slot]:
    """The window's slots, converting every candidate start: right on any day, DST or not."""
    slots: list[Slot] = []
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
                slots.append(Slot(start=start, end=end, photographer_id=photographer_id))
        wall += rules.step
    return slots
