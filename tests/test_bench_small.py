"""The slots benchmark at its small size, in the suite so that it cannot rot (no timings here)."""

from datetime import datetime, timedelta

import pytest

from bench import slots
from bench.__main__ import BENCHMARKS

pytestmark = pytest.mark.django_db


def free_starts_by_quarter_hours(size: slots.Size) -> int:
    """The expected count, by hand: a 30-minute session plus its 15-minute buffer covers three
    quarter-hours, which must all be free; starts run 08:00–19:30 (47 a day)."""
    booked: dict[tuple[int, datetime], set[int]] = {}
    for photographer, start in slots.booking_starts(size):
        local = start.astimezone(slots.ZONE)
        opening = local.replace(hour=8, minute=0)
        booked.setdefault((photographer, opening), set()).add(
            (local - opening) // timedelta(minutes=15)
        )
    days = size.days * size.photographers
    return sum(
        not {start, start + 1, start + 2} & quarters
        for quarters in [*booked.values(), *[set()] * (days - len(booked))]
        for start in range(47)
    )


def test_the_small_slots_benchmark_finds_the_expected_slots_and_prints_its_table(capsys):
    report = slots.run(slots.SMALL)

    expected = free_starts_by_quarter_hours(slots.SMALL)
    assert expected == 249
    assert [(row.case, row.slots, len(row.timings_ms)) for row in report.rows] == [
        ("baseline: naive overlap scan", expected, 2),
        ("free_slots (sorted busy time + bisect)", expected, 3),
        ("availability(): queries + generation", expected, 3),
    ]
    assert report.queries == 3
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Slot generation: 3 days × 3 photographers, 60 bookings (Europe/London)"
    assert lines[1].split() == [
        "case",
        "runs",
        "median",
        "ms",
        "p95",
        "ms",
        "slots",
        "vs",
        "baseline",
    ]
    assert [line[:42].rstrip() for line in lines[2:5]] == [row.case for row in report.rows]
    assert lines[2].endswith("1.00×")
    assert lines[4].endswith("3 queries")
    assert lines[5].startswith("target: free_slots median ≤ 10 ms: ")
    assert lines[6].startswith("machine: ")
    assert len(lines) == 7


def test_make_bench_runs_the_slots_benchmark():
    assert "slots" in BENCHMARKS
    assert callable(slots.main)
