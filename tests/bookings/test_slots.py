"""The pure slot generator: rules, DST days, and properties over two years of dates."""

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookings.slots import (
    PhotographerCalendar,
    SlotRules,
    exists_in_zone,
    free_slots,
    free_slots_exact,
    local_instant,
)

LONDON = ZoneInfo("Europe/London")
FAR_PAST = datetime(2000, 1, 1, tzinfo=UTC)
FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)


def rules(**overrides) -> SlotRules:
    values = {
        "duration": timedelta(hours=1),
        "step": timedelta(minutes=30),
        "earliest_start": FAR_PAST,
        "latest_start": FAR_FUTURE,
    }
    return SlotRules(**{**values, **overrides})


def every_day(start: time, end: time) -> dict[int, list[tuple[time, time]]]:
    return {weekday: [(start, end)] for weekday in range(7)}


def local_starts(slots, zone=LONDON) -> list[str]:
    return [slot.start.astimezone(zone).strftime("%H:%M") for slot in slots]


def test_slots_step_through_working_hours_and_end_inside_them():
    calendar = PhotographerCalendar(1, every_day(time(9), time(11)))

    slots = free_slots(
        first_day=date(2026, 6, 1),
        last_day=date(2026, 6, 1),
        zone=LONDON,
        rules=rules(),
        calendars=[calendar],
    )

    assert local_starts(slots) == ["09:00", "09:30", "10:00"]
    assert all(slot.end - slot.start == timedelta(hours=1) for slot in slots)


def test_busy_time_and_buffers_remove_the_slots_they_touch():
    booked = (datetime(2026, 6, 1, 9, 0, tzinfo=UTC), datetime(2026, 6, 1, 10, 0, tzinfo=UTC))
    calendar = PhotographerCalendar(1, every_day(time(9), time(14)), busy=[booked])

    slots = free_slots(
        first_day=date(2026, 6, 1),
        last_day=date(2026, 6, 1),
        zone=LONDON,
        rules=rules(buffer_before=timedelta(minutes=15), buffer_after=timedelta(minutes=15)),
        calendars=[calendar],
    )

    # 10:00–11:00 BST is 09:00–10:00 UTC; with 15-minute buffers 09:00–11:15 BST are unusable.
    assert local_starts(slots) == ["11:30", "12:00", "12:30", "13:00"]


def test_notice_horizon_and_daily_cap_are_applied():
    calendar = PhotographerCalendar(
        1, every_day(time(9), time(12)), daily_cap=2, booked_per_day={date(2026, 6, 2): 2}
    )

    slots = free_slots(
        first_day=date(2026, 6, 1),
        last_day=date(2026, 6, 3),
        zone=LONDON,
        rules=rules(
            earliest_start=datetime(2026, 6, 1, 9, 0, tzinfo=UTC),  # 10:00 BST
            latest_start=datetime(2026, 6, 3, 8, 0, tzinfo=UTC),  # 09:00 BST
        ),
        calendars=[calendar],
    )

    assert [
        (s.start.astimezone(LONDON).date().day, s.start.astimezone(LONDON).strftime("%H:%M"))
        for s in slots
    ] == [(1, "10:00"), (1, "10:30"), (1, "11:00"), (3, "09:00")]


def test_spring_forward_never_offers_a_time_that_does_not_exist():
    # London, 29 March 2026: 01:00 jumps to 02:00.
    calendar = PhotographerCalendar(1, every_day(time(0), time(4)))

    slots = free_slots(
        first_day=date(2026, 3, 29),
        last_day=date(2026, 3, 29),
        zone=LONDON,
        rules=rules(duration=timedelta(minutes=30)),
        calendars=[calendar],
    )

    assert local_starts(slots) == ["00:00", "00:30", "02:00", "02:30", "03:00", "03:30"]
    # 00:30 GMT + 30 minutes is 02:00 BST: the session is still exactly 30 minutes long.
    assert [slot.end - slot.start for slot in slots] == [timedelta(minutes=30)] * 6


def test_fall_back_offers_a_repeated_time_once_at_its_first_occurrence():
    # London, 25 October 2026: 02:00 BST becomes 01:00 GMT, so 01:00–02:00 happens twice.
    calendar = PhotographerCalendar(1, every_day(time(0, 30), time(2, 30)))

    slots = free_slots(
        first_day=date(2026, 10, 25),
        last_day=date(2026, 10, 25),
        zone=LONDON,
        rules=rules(duration=timedelta(minutes=30)),
        calendars=[calendar],
    )

    assert [slot.start.isoformat() for slot in slots] == [
        "2026-10-24T23:30:00+00:00",  # 00:30 BST
        "2026-10-25T00:00:00+00:00",  # 01:00 BST (first occurrence)
        "2026-10-25T00:30:00+00:00",  # 01:30 BST (first occurrence)
        "2026-10-25T02:00:00+00:00",  # 02:00 GMT
    ]


ZONES = ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata"]


@settings(max_examples=60, deadline=None)
@given(
    zone_name=st.sampled_from(ZONES),
    window=st.tuples(st.integers(0, 46), st.integers(1, 48)).map(
        lambda pair: (pair[0], min(48, pair[0] + pair[1]))
    ),
    duration_minutes=st.sampled_from([15, 30, 45, 60, 90, 120]),
    step_minutes=st.sampled_from([15, 30, 60]),
    busy_hours=st.lists(st.integers(0, 24 * 731), max_size=40),
)
def test_slot_properties_hold_on_every_date_of_two_years(
    zone_name, window, duration_minutes, step_minutes, busy_hours
):
    zone = ZoneInfo(zone_name)
    start_wall = time(window[0] // 2, 30 * (window[0] % 2))
    end_wall = time(23, 59) if window[1] == 48 else time(window[1] // 2, 30 * (window[1] % 2))
    first_day = date(2026, 1, 1)
    origin = datetime(2026, 1, 1, tzinfo=UTC)
    busy = [
        (origin + timedelta(hours=h), origin + timedelta(hours=h, minutes=90)) for h in busy_hours
    ]
    calendar = PhotographerCalendar(7, every_day(start_wall, end_wall), busy=busy)
    duration = timedelta(minutes=duration_minutes)
    step = timedelta(minutes=step_minutes)

    slots = free_slots(
        first_day=first_day,
        last_day=first_day + timedelta(days=730),
        zone=zone,
        rules=rules(duration=duration, step=step),
        calendars=[calendar],
    )

    starts = [slot.start for slot in slots]
    assert starts == sorted(starts)
    for previous, current in itertools.pairwise(slots):
        assert previous.start < current.start  # one photographer: strictly increasing
    for slot in slots:
        local = slot.start.astimezone(zone)
        naive = local.replace(tzinfo=None)
        assert slot.end - slot.start == duration  # real duration, DST or not
        assert exists_in_zone(naive, zone)
        assert local.fold == 0
        offset = naive - datetime.combine(naive.date(), start_wall)
        assert offset >= timedelta(0) and offset % step == timedelta(0)  # on the grid
        assert slot.end <= local_instant(naive.date(), end_wall, zone)  # ends in working hours
        assert all(not (b_start < slot.end and slot.start < b_end) for b_start, b_end in busy)


def offset_change_days(zone: ZoneInfo, first: date, last: date) -> list[date]:
    """Local dates on which the zone's UTC offset changes (clocks go forward or back)."""
    days = []
    day = first
    while day <= last:
        midnight = datetime.combine(day, time(0), tzinfo=zone)
        next_midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        if midnight.utcoffset() != next_midnight.utcoffset():
            days.append(day)
        day += timedelta(days=1)
    return days


CHANGE_DAYS = {
    name: offset_change_days(ZoneInfo(name), date(2026, 1, 1), date(2027, 12, 31)) for name in ZONES
}


def test_the_comparison_below_covers_clock_changes_in_three_of_the_four_zones():
    assert {name: len(days) for name, days in CHANGE_DAYS.items()} == {
        "America/New_York": 4,
        "Europe/London": 4,
        "Australia/Lord_Howe": 4,
        "Asia/Kolkata": 0,
    }


def wall_minutes(minutes: int) -> time:
    return time(23, 59) if minutes >= 24 * 60 else time(minutes // 60, minutes % 60)


@st.composite
def slot_inputs(draw):
    zone_name = draw(st.sampled_from(ZONES))
    zone = ZoneInfo(zone_name)
    change_days = CHANGE_DAYS[zone_name]
    if change_days and draw(st.sampled_from([True, True, True, False])):  # mostly a change day
        around = draw(st.sampled_from(change_days))
        first_day = around - timedelta(days=draw(st.integers(0, 1)))
        last_day = around + timedelta(days=draw(st.integers(0, 1)))
    else:
        first_day = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 729)))
        last_day = first_day + timedelta(days=draw(st.integers(0, 2)))
    # Windows on a 5-minute grid, any order; some empty or reversed, some running to 23:59, and
    # many starting or ending between 01:00 and 03:00, where these zones change their clocks (inside
    # a skipped or a repeated hour, too).
    minute = st.one_of(st.integers(12, 36), st.integers(0, 24 * 12)).map(lambda n: n * 5)
    windows = draw(
        st.lists(
            st.tuples(minute, minute).map(lambda w: (wall_minutes(w[0]), wall_minutes(w[1]))),
            min_size=1,
            max_size=3,
        )
    )
    origin = datetime.combine(first_day, time(0), tzinfo=UTC) - timedelta(days=1)
    quarter = st.integers(0, 5 * 24 * 4).map(lambda n: origin + n * timedelta(minutes=15))
    busy = draw(
        st.lists(
            st.tuples(quarter, st.integers(1, 12)).map(
                lambda b: (b[0], b[0] + b[1] * timedelta(minutes=15))
            ),
            max_size=12,
        )
    )
    earliest = draw(quarter)
    minutes = st.sampled_from([0, 5, 15, 30, 45])
    slot_rules = rules(
        duration=timedelta(minutes=draw(st.sampled_from([15, 30, 45, 60, 90, 120, 180]))),
        step=timedelta(minutes=draw(st.sampled_from([5, 15, 20, 30, 45, 60, 90]))),
        buffer_before=timedelta(minutes=draw(minutes)),
        buffer_after=timedelta(minutes=draw(minutes)),
        earliest_start=draw(st.sampled_from([FAR_PAST, earliest])),
        latest_start=draw(st.sampled_from([FAR_FUTURE, earliest + timedelta(days=1)])),
    )
    calendars = [
        PhotographerCalendar(1, dict.fromkeys(range(7), windows), busy=busy),
        PhotographerCalendar(
            2,
            every_day(time(0), time(23, 59)),
            busy=busy[::2],
            daily_cap=1,
            booked_per_day={first_day: draw(st.integers(0, 1))},
        ),
    ]
    return {
        "first_day": first_day,
        "last_day": last_day,
        "zone": zone,
        "rules": slot_rules,
        "calendars": calendars,
    }


@settings(max_examples=400, deadline=None)
@given(inputs=slot_inputs())
def test_the_fast_path_gives_exactly_the_slots_of_the_exact_path(inputs):
    assert free_slots(**inputs) == free_slots_exact(**inputs)


@pytest.mark.parametrize(
    ("zone_name", "day"),
    [(name, day) for name, days in CHANGE_DAYS.items() for day in days],
)
def test_the_fast_path_matches_the_exact_path_for_every_window_around_a_clock_change(
    zone_name, day
):
    """Every window with both ends on the quarter-hours of 00:00–04:00 (in, before and after the
    skipped or repeated hour), for a few durations and steps."""
    zone = ZoneInfo(zone_name)
    walls = [time(minutes // 60, minutes % 60) for minutes in range(0, 4 * 60 + 1, 15)]
    busy = [(local_instant(day, time(3), zone), local_instant(day, time(3, 15), zone))]
    for (start, end), duration, step in itertools.product(
        itertools.combinations(walls, 2), (15, 30, 60), (15, 20, 30)
    ):
        inputs = {
            "first_day": day,
            "last_day": day,
            "zone": zone,
            "rules": rules(duration=timedelta(minutes=duration), step=timedelta(minutes=step)),
            "calendars": [PhotographerCalendar(1, every_day(start, end), busy=busy)],
        }
        assert free_slots(**inputs) == free_slots_exact(**inputs), (start, end, duration, step)
