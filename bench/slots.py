"""Slot generation: the pure function, and the full availability load against PostgreSQL.

A month of June (no clock change) in Europe/London: 3 photographers working 08:00–20:00 every
day, 2,000 confirmed 15-minute bookings spread over their days, and a 30-minute session type
(15-minute step, 15 minutes kept free after) to find free times for. Figures are compared with a
baseline computed in the same run: the same rules with a naive overlap check that scans every
busy interval for every candidate start (O(candidates × bookings)).

    make bench BENCH_ARGS=slots        # full size; BENCH_SMALL=1 for a quick, small run

The database part runs in a throwaway database (created, migrated and dropped here), or, from
tests/test_bench_small.py, in the test database.
"""

import math
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from zoneinfo import ZoneInfo

from bookings.slots import (
    PhotographerCalendar,
    Slot,
    SlotRules,
    days_between,
    exists_in_zone,
    free_slots,
    local_instant,
)

ZONE = ZoneInfo("Europe/London")
FIRST_DAY = date(2027, 6, 1)
NOW = datetime(2027, 5, 1, tzinfo=UTC)  # passed explicitly: the figures never depend on today
OPENS, CLOSES = wall_time(8), wall_time(20)
QUARTERS_PER_DAY = 48  # 08:00–20:00 in 15-minute steps
BOOKING_LENGTH = timedelta(minutes=15)
TARGET_MEDIAN_MS = 10.0
BASELINE = "baseline: naive overlap scan"


@dataclass(frozen=True)
class Size:
    days: int
    photographers: int
    bookings: int
    runs: int  # free_slots and availability(); the slow baseline runs fewer times
    baseline_runs: int


FULL = Size(days=30, photographers=3, bookings=2000, runs=50, baseline_runs=5)
SMALL = Size(days=3, photographers=3, bookings=60, runs=3, baseline_runs=2)

RULES = SlotRules(
    duration=timedelta(minutes=30),
    step=timedelta(minutes=15),
    buffer_after=timedelta(minutes=15),
    earliest_start=NOW,
    latest_start=NOW + timedelta(days=365),
)


def booking_starts(size: Size) -> list[tuple[int, datetime]]:
    """(photographer index, start) of each booking: round-robin over photographers and days,
    at distinct quarter-hours of the day scattered by a stride coprime with 48."""
    per_round = size.photographers * size.days
    if size.bookings > per_round * QUARTERS_PER_DAY:
        raise ValueError("more bookings than quarter-hours in the calendar")
    starts = []
    for index in range(size.bookings):
        photographer = index % size.photographers
        day = FIRST_DAY + timedelta(days=(index // size.photographers) % size.days)
        nth = index // per_round
        quarter = (7 * nth + 3 * day.day + 5 * photographer) % QUARTERS_PER_DAY
        opening = local_instant(day, OPENS, ZONE)
        starts.append((photographer, opening + quarter * BOOKING_LENGTH))
    return starts


def calendars(size: Size, ids: Sequence[int] | None = None) -> list[PhotographerCalendar]:
    ids = list(ids or range(1, size.photographers + 1))
    busy: dict[int, list[tuple[datetime, datetime]]] = {pid: [] for pid in ids}
    for photographer, start in booking_starts(size):
        busy[ids[photographer]].append((start, start + BOOKING_LENGTH))
    hours = {weekday: [(OPENS, CLOSES)] for weekday in range(7)}
    return [PhotographerCalendar(pid, hours, busy=busy[pid]) for pid in ids]


def naive_free_slots(
    *,
    first_day: date,
    last_day: date,
    zone: ZoneInfo,
    rules: SlotRules,
    calendars: Sequence[PhotographerCalendar],
) -> list[Slot]:
    """The baseline: bookings.slots.free_slots's rules, checking every busy interval each time."""
    slots = []
    for calendar in calendars:
        for day in days_between(first_day, last_day):
            if calendar.daily_cap is not None and (
                calendar.booked_per_day.get(day, 0) >= calendar.daily_cap
            ):
                continue
            for window_start, window_end in calendar.weekly_hours.get(day.weekday(), ()):
                end_limit = local_instant(day, window_end, zone)
                wall = datetime.combine(day, window_start)
                while wall < datetime.combine(day, window_end):
                    if exists_in_zone(wall, zone):
                        start = wall.replace(tzinfo=zone).astimezone(UTC)
                        end = start + rules.duration
                        if end > end_limit:
                            break
                        guarded = (start - rules.buffer_before, end + rules.buffer_after)
                        if rules.earliest_start <= start <= rules.latest_start and not any(
                            busy_start < guarded[1] and guarded[0] < busy_end
                            for busy_start, busy_end in calendar.busy
                        ):
                            slots.append(Slot(start, end, calendar.photographer_id))
                    wall += rules.step
    slots.sort(key=lambda slot: (slot.start, slot.photographer_id))
    return slots


@dataclass
class Row:
    case: str
    timings_ms: list[float]
    slots: int
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.timings_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.timings_ms)
        return ordered[math.ceil(0.95 * len(ordered)) - 1]  # nearest rank


@dataclass
class Report:
    size: Size
    rows: list[Row] = field(default_factory=list)
    queries: int = 0

    def row(self, case: str) -> Row:
        return next(row for row in self.rows if row.case.startswith(case))

    def table(self) -> str:
        baseline = self.row(BASELINE).median
        size = self.size
        lines = [
            f"Slot generation: {size.days} days × {size.photographers} photographers, "
            f"{size.bookings:,} bookings ({ZONE.key})",
            f"{'case':<42} {'runs':>5} {'median ms':>10} {'p95 ms':>9} {'slots':>7} {'vs baseline':>13}",
        ]
        for row in self.rows:
            ratio = speed_ratio(baseline, row.median) if row.case != BASELINE else "1.00×"
            lines.append(
                f"{row.case:<42} {len(row.timings_ms):>5} {row.median:>10.2f} {row.p95:>9.2f} "
                f"{row.slots:>7} {ratio:>13}{'  ' + row.note if row.note else ''}"
            )
        fast = self.row("free_slots").median
        verdict = "met" if fast <= TARGET_MEDIAN_MS else "MISSED"
        lines.append(
            f"target: free_slots median ≤ {TARGET_MEDIAN_MS:.0f} ms: {verdict} ({fast:.2f} ms)"
        )
        lines.append(
            f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} "
            "(other processes slow every figure alike; compare the ratios)"
        )
        return "\n".join(lines)


def speed_ratio(baseline_ms: float, case_ms: float) -> str:
    if case_ms <= baseline_ms:
        return f"{baseline_ms / case_ms:,.1f}× faster"
    return f"{case_ms / baseline_ms:,.1f}× slower"


def measure(function: Callable[[], list], runs: int, warmup: int = 1) -> tuple[list[float], list]:
    for _ in range(warmup):
        result = function()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        timings.append((time.perf_counter() - started) * 1000)
    return timings, result


def pure_rows(size: Size) -> tuple[list[Row], list[Slot]]:
    last_day = FIRST_DAY + timedelta(days=size.days - 1)
    inputs = {
        "first_day": FIRST_DAY,
        "last_day": last_day,
        "zone": ZONE,
        "rules": RULES,
        "calendars": calendars(size),
    }
    naive_timings, expected = measure(lambda: naive_free_slots(**inputs), size.baseline_runs, 0)
    fast_timings, slots = measure(lambda: free_slots(**inputs), size.runs, 2)
    if slots != expected:
        raise AssertionError("free_slots and the naive baseline disagree")
    return [
        Row(BASELINE, naive_timings, len(expected)),
        Row("free_slots (sorted busy time + bisect)", fast_timings, len(slots)),
    ], slots


def database_row(size: Size, expected: list[Slot]) -> tuple[Row, int]:
    """The full availability load: 3 queries, then generation. Needs a migrated database."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from bookings.selectors import availability

    with transaction.atomic():
        session_type = seed_database(size)
        last_day = FIRST_DAY + timedelta(days=size.days - 1)

        def load():
            return availability(
                session_type=session_type, first_day=FIRST_DAY, last_day=last_day, now=NOW
            )

        timings, found = measure(load, size.runs, 2)
        with CaptureQueriesContext(connection) as queries:
            load()
        transaction.set_rollback(True)  # leave the database as it was
    if [(slot.start, slot.end) for slot in found.slots] != [
        (slot.start, slot.end) for slot in expected
    ]:
        raise AssertionError("availability() and free_slots disagree")
    note = f"{len(queries)} queries"
    return Row("availability(): queries + generation", timings, len(found.slots), note), len(
        queries
    )


def seed_database(size: Size):
    from django.contrib.auth import get_user_model
    from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

    from bookings.models import (
        Booking,
        CancellationPolicy,
        Photographer,
        SessionType,
        WorkingHours,
    )
    from studio.models import Studio

    studio = Studio.load()
    studio.time_zone = ZONE.key
    studio.save()
    Studio.load()  # cached again, as on a warm site
    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"bench-photographer-{n}") for n in range(size.photographers)]
    )
    photographers = Photographer.objects.bulk_create(
        [
            Photographer(user=user, name=f"Photographer {n}", slug=f"bench-{n}", order=n)
            for n, user in enumerate(users)
        ]
    )
    WorkingHours.objects.bulk_create(
        [
            WorkingHours(photographer=p, weekday=weekday, start_time=OPENS, end_time=CLOSES)
            for p in photographers
            for weekday in range(7)
        ]
    )
    session_type = SessionType.objects.create(
        name="Bench mini session",
        slug="bench-mini-session",
        summary="Benchmark",
        duration_minutes=30,
        slot_step_minutes=15,
        buffer_after_minutes=15,
        price_amount=5000,
        deposit_amount=1000,
        minimum_notice_hours=0,
        booking_horizon_days=365,
    )
    session_type.photographers.set(photographers)
    policy = CancellationPolicy.objects.create(version=1, text="Bench policy")
    Booking.objects.bulk_create(
        [
            Booking(
                session_type=session_type,
                photographer=photographers[photographer],
                status=Booking.Status.CONFIRMED,
                starts_at=start,
                ends_at=start + BOOKING_LENGTH,
                blocked=DateTimeTZRange(start, start + BOOKING_LENGTH, "[)"),
                client_name="Bench Client",
                client_email="bench@example.com",
                client_phone="+44 1234 567890",
                price_amount=5000,
                deposit_amount=1000,
                currency="GBP",
                policy=policy,
                policy_accepted_at=NOW,
            )
            for photographer, start in booking_starts(size)
        ],
        batch_size=500,
    )
    return session_type


def run(size: Size) -> Report:
    """Measure and print; Django must be set up with a migrated database."""
    report = Report(size)
    rows, slots = pure_rows(size)
    report.rows.extend(rows)
    row, report.queries = database_row(size, slots)
    report.rows.append(row)
    print(report.table(), flush=True)
    return report


def main() -> None:
    size = SMALL if os.environ.get("BENCH_SMALL") == "1" else FULL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ.setdefault("CACHE_KEY_PREFIX", "bench")
    import django
    from django.db import connection

    django.setup()
    connection.settings_dict.setdefault("TEST", {})["NAME"] = "bench_slots"
    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run(size)
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)
